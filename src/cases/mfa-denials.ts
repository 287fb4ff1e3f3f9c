// Which access denials are MFA-related: the one classifier ingestion (recording) and the KPI trends (stored events) use.

import type { CloudTrailEvent } from '../model/index.ts';
import type { DenialFact } from '../store/index.ts';

export type { DenialFact };

/** Why a denial counts as MFA-related: the session had no MFA, or an MFA-enforcing policy denied it explicitly. */
export type MfaDenialKind = 'no-mfa-session' | 'mfa-policy';

/** A recorded denial with the kind the current configuration gives it. */
export interface MfaDenial extends DenialFact {
  readonly kind: MfaDenialKind;
}

/** Access denials as CloudTrail spells their error codes (EC2 and a few older APIs say UnauthorizedOperation). */
export const ACCESS_DENIAL_CODES: readonly string[] = [
  'AccessDenied',
  'AccessDeniedException',
  'Client.UnauthorizedOperation',
  'UnauthorizedOperation',
];
const DENIAL_CODES: ReadonlySet<string> = new Set(ACCESS_DENIAL_CODES);

/**
 * Identities whose own credentials MFA protects. Their long-term access keys carry no session context, so an absent
 * `mfaAuthenticated` means no MFA. Role and federated sessions are not counted on the flag alone: Identity Center and
 * service sessions report `false` whatever the person did at sign-in, which would drown the figure in noise.
 */
const MFA_IDENTITIES = new Set(['IAMUser', 'Root']);

/** AWS names the denying policy at the end of the message: "... with an explicit deny in an identity-based policy: ARN". */
const EXPLICIT_DENY = /with an explicit deny in an? [a-z -]*policy(?::\s*(\S+))?/i;

/** The policy an explicit deny names (ARN or name, trailing punctuation dropped); null when there is none. */
export function denyingPolicy(errorMessage: string | null): string | null {
  return EXPLICIT_DENY.exec(errorMessage ?? '')?.[1]?.replace(/[.,;)]+$/, '') ?? null;
}

/** Whether a policy (ARN or name) is MFA-enforcing: configured in `mfaPolicies`, or its name says MFA. */
function isMfaPolicy(policy: string, mfaPolicies: ReadonlySet<string>): boolean {
  const name = policy.slice(policy.lastIndexOf('/') + 1);
  // The name heuristic matches the guardrails' own policies and AWS's sample (ForceMFA, mfaguard-enforce-mfa).
  return mfaPolicies.has(policy) || mfaPolicies.has(name) || /mfa/i.test(name);
}

function withoutMfa(actor: CloudTrailEvent['actor']): boolean {
  return MFA_IDENTITIES.has(actor.type) && actor.mfaAuthenticated !== true;
}

/**
 * Whether an event is an MFA-related access denial: an explicit deny by an MFA-enforcing policy (see `isMfaPolicy`),
 * else a denial of a request an IAM user or root made without MFA. Other denials, and other events: null.
 */
export function mfaDenialKind(
  event: CloudTrailEvent,
  mfaPolicies: ReadonlySet<string> = new Set(),
): MfaDenialKind | null {
  const facts = denialFactOf(event);
  return facts === null ? null : classifyDenial(facts, mfaPolicies);
}

/**
 * The facts ingestion records for an access denial that is MFA-related under some configuration (an explicit deny
 * naming a policy, or a request without MFA); null for other events, and for denials no `mfaPolicies` can make count.
 */
export function denialFactOf(event: CloudTrailEvent): DenialFact | null {
  if (event.errorCode === null || !DENIAL_CODES.has(event.errorCode)) return null;
  const policy = denyingPolicy(event.errorMessage);
  const noMfa = withoutMfa(event.actor);
  return policy === null && !noMfa
    ? null
    : {
        eventId: event.id,
        timeMs: event.timeMs,
        account: event.account,
        errorCode: event.errorCode,
        policy,
        withoutMfa: noMfa,
      };
}

/** The kind a recorded denial has under the given MFA policies, or null when it is not MFA-related under them. */
export function classifyDenial(
  denial: Pick<DenialFact, 'policy' | 'withoutMfa'>,
  mfaPolicies: ReadonlySet<string>,
): MfaDenialKind | null {
  if (denial.policy !== null && isMfaPolicy(denial.policy, mfaPolicies)) return 'mfa-policy';
  return denial.withoutMfa === true ? 'no-mfa-session' : null;
}

/**
 * The MFA-related denials among the recorded ones and the stored events, each eventID once (a denial that is also a
 * kept event was recorded at ingestion too), classified with the MFA policies configured now.
 */
export function mfaDenials(
  recorded: readonly DenialFact[],
  storedEvents: readonly CloudTrailEvent[],
  mfaPolicies: ReadonlySet<string>,
): MfaDenial[] {
  const byId = new Map(recorded.map((denial) => [denial.eventId, denial]));
  for (const event of storedEvents) {
    if (byId.has(event.id)) continue;
    const denial = denialFactOf(event);
    if (denial !== null) byId.set(denial.eventId, denial);
  }
  return [...byId.values()].flatMap((denial) => {
    const kind = classifyDenial(denial, mfaPolicies);
    return kind === null ? [] : [{ ...denial, kind }];
  });
}
