// The response policy (the `respond:` section): which classifications trigger which actions, after what delay, approved by whom.

import type { Classification } from '../model/index.ts';
import type { ActionKind } from './action.ts';

/** Who must approve before an action is applied: nobody, or an API user of at least this role. */
export type ApprovalRole = 'none' | 'responder' | 'admin';

export interface RespondRule {
  readonly classifications: readonly Classification[];
  readonly actions: readonly ActionKind[];
  /** How long after the case reached the classification the action waits (an owner may still answer). */
  readonly delayMs: number;
  readonly approval: ApprovalRole;
}

/** The role the responder assumes in the target's account for its IAM calls (`respond.role`). */
export interface ResponderRole {
  /** A role name (the same in every account) or an ARN in which `{account}` is the target's account. */
  readonly role: string;
  /** Sent as `ExternalId`, when the role's trust policy asks for one (`sts:ExternalId`). */
  readonly externalId: string | null;
  /** The session's name in the target account's CloudTrail. */
  readonly sessionName: string;
}

export const DEFAULT_ROLE_SESSION_NAME = 'mfaguard-responder';

export interface RespondConfig {
  /** `dry-run` (default): plans are recorded on the case and shown, nothing is applied. */
  readonly mode: 'dry-run' | 'enforce';
  readonly rules: readonly RespondRule[];
  /** The quarantine managed policy: a name (looked up in the target's account) or an ARN (`{account}` is replaced). */
  readonly quarantinePolicy: string;
  /** Users and roles (names or ARNs) never touched, besides `identities.breakGlass`. */
  readonly protected: readonly string[];
  /** Break-glass roles (names or ARNs): never touched either. */
  readonly breakGlassRoles: readonly string[];
  /** Across the organisation: at most `count` actions applied without a person within `windowMs`. */
  readonly rateLimit: { readonly count: number; readonly windowMs: number };
  /** A trustworthy re-enrolment by the owner lifts the quarantine (undo) without a person. */
  readonly liftOnReEnrolment: boolean;
  /** Null: every account is changed with the service's own credentials (one account, or a role chain set up outside). */
  readonly assumeRole: ResponderRole | null;
  /**
   * The accounts' partition when a case names none (no principal ARN, no region); null: the service's STS region's.
   * A case that names one always acts in its own.
   */
  readonly partition: string | null;
}

export const DEFAULT_RESPOND_CONFIG: RespondConfig = {
  mode: 'dry-run',
  rules: [
    {
      classifications: ['unauthorized'],
      actions: ['quarantine', 'revoke-sessions'],
      delayMs: 0,
      approval: 'none',
    },
    {
      classifications: ['suspicious', 'unresolved'],
      actions: ['quarantine'],
      delayMs: 0,
      approval: 'responder',
    },
  ],
  quarantinePolicy: 'mfaguard-quarantine',
  protected: [],
  breakGlassRoles: [],
  rateLimit: { count: 3, windowMs: 3_600_000 },
  liftOnReEnrolment: true,
  assumeRole: null,
  partition: null,
};

/** The role to assume in `account`: a bare name in the account's partition; an ARN names its own. */
export function responderRoleArn(role: ResponderRole, account: string, partition = 'aws'): string {
  if (role.role.startsWith('arn:')) return role.role.replaceAll('{account}', account);
  return `arn:${partition}:iam::${account}:role/${role.role}`;
}

/** The quarantine policy's ARN in one account; a name lives at the path root, as the generated templates create it. */
export function quarantinePolicyArn(
  config: RespondConfig,
  account: string | null,
  partition = 'aws',
): string {
  const acct = account ?? '*';
  if (config.quarantinePolicy.startsWith('arn:'))
    return config.quarantinePolicy.replaceAll('{account}', acct);
  return `arn:${partition}:iam::${acct}:policy/${config.quarantinePolicy}`;
}

/** The rules that apply to a classification, in configuration order. */
export function rulesFor(config: RespondConfig, classification: Classification | null): RespondRule[] {
  if (classification === null) return [];
  return config.rules.filter((rule) => rule.classifications.includes(classification));
}
