// What a call's session says about the person behind it: MFA (proven, absent or unknowable), console or not.

import type { CloudTrailEvent } from '../model/index.ts';
import { clientFamily } from './baseline.ts';

/**
 * - `mfa`: the session was MFA-authenticated (`mfaAuthenticated: "true"`, or a sign-in with `MFAUsed: Yes`);
 * - `none`: an IAM user or root session that says it was not, or a long-term access key (which never carries MFA);
 * - `unknown`: a federated or assumed-role session. IAM Identity Center (`AWSReservedSSO_*` roles) and SAML/OIDC
 *   federation record `mfaAuthenticated: "false"` even when the identity provider enforced MFA, because the MFA
 *   happened outside AWS; such a session proves nothing either way.
 */
export type SessionMfa = 'mfa' | 'none' | 'unknown';

/** Identities whose MFA, if any, happened at an identity provider or in another principal's session. */
const DELEGATED_TYPES: ReadonlySet<string> = new Set([
  'AssumedRole',
  'FederatedUser',
  'IdentityCenterUser',
  'SAMLUser',
  'WebIdentityUser',
]);

export function isDelegatedSession(event: CloudTrailEvent): boolean {
  return DELEGATED_TYPES.has(event.actor.type);
}

/** An IAM Identity Center permission-set role (`AWSReservedSSO_<set>_<id>` under `aws-reserved/sso.amazonaws.com/`). */
export function isIdentityCenterRole(event: CloudTrailEvent): boolean {
  const issuer = event.actor.sessionIssuer;
  const name = issuer?.userName ?? '';
  return (
    name.startsWith('AWSReservedSSO_') ||
    (issuer?.arn ?? '').includes(':role/aws-reserved/sso.amazonaws.com/')
  );
}

/**
 * The MFA state of the session that made `event`. `signIns` are the caller's console sign-ins before it: for a
 * federated session, a sign-in that recorded `MFAUsed: Yes` settles the question ("unless the sign-in says otherwise").
 */
export function sessionMfa(event: CloudTrailEvent, signIns: readonly CloudTrailEvent[] = []): SessionMfa {
  const actor = event.actor;
  if (actor.mfaAuthenticated === true) return 'mfa';
  if (event.name === 'ConsoleLogin' && event.mfaUsed === true) return 'mfa';
  if (isDelegatedSession(event)) {
    return signIns.some((signIn) => signIn.mfaUsed === true && signIn.actor.arn === actor.arn)
      ? 'mfa'
      : 'unknown';
  }
  if (actor.type === 'IAMUser' || actor.type === 'Root') {
    if (actor.mfaAuthenticated === false) return 'none';
    if (event.name === 'ConsoleLogin' && event.mfaUsed === false) return 'none';
    // A long-term key (AKIA…) signs requests without any session: aws:MultiFactorAuthPresent is absent.
    if (actor.accessKeyKind === 'long-term') return 'none';
  }
  return 'unknown';
}

/**
 * Temporary credentials of an IAM user or root that did not come from a console sign-in and carry no MFA:
 * a `GetSessionToken` without a token code, the way an intruder with a stolen key gets a session to work in.
 * Role sessions are temporary by nature and are left out.
 */
export function isTemporaryNotConsole(event: CloudTrailEvent): boolean {
  const actor = event.actor;
  return (
    (actor.type === 'IAMUser' || actor.type === 'Root') &&
    actor.accessKeyKind === 'temporary' &&
    !actor.consoleSession &&
    actor.mfaAuthenticated !== true
  );
}

/**
 * A call the console made for the person in front of it: the console's client family (its own user agents,
 * `AWS Internal`, `console.amazonaws.com`, ...) or a credential AWS marks as coming from a console sign-in.
 */
export function isConsoleCall(event: CloudTrailEvent): boolean {
  return event.actor.consoleSession || clientFamily(event) === 'console';
}
