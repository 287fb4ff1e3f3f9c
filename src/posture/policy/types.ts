// The vocabulary of the IAM policy analyzer: parsed policies, request contexts, decisions, verdicts and pitfalls.

import type { InputIssue, Loaded } from '../../model/index.ts';

export type PolicySource =
  | 'user-inline'
  | 'user-managed'
  | 'group-inline'
  | 'group-managed'
  | 'permissions-boundary'
  | 'scp'
  | 'standalone';

/** One policy as the caller found it; `document` is parsed JSON or the URL-encoded JSON string IAM returns. */
export interface PolicyRef {
  readonly name: string;
  readonly arn?: string;
  readonly source: PolicySource;
  /** Group name for group policies, OU / account / root id for SCPs (one level of the organization each). */
  readonly via?: string;
  readonly document: unknown;
}

export type Effect = 'Allow' | 'Deny';

/** A condition operator split into its parts: `ForAnyValue:StringLikeIfExists` -> set, base, ifExists. */
export interface ConditionOperator {
  /** As written in the policy. */
  readonly name: string;
  readonly set: 'ForAllValues' | 'ForAnyValue' | null;
  /** E.g. `StringLike`, `Bool`, `Null`. */
  readonly base: string;
  readonly ifExists: boolean;
}

export interface ConditionClause {
  readonly operator: ConditionOperator;
  /** As written (for messages); compare with `keyLower`. */
  readonly key: string;
  readonly keyLower: string;
  /** The policy's values, as strings (JSON booleans and numbers turned into their text). */
  readonly values: readonly string[];
}

export interface ParsedStatement {
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  /** Exactly one of `actions` / `notActions` is set. */
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources?: readonly string[];
  readonly notResources?: readonly string[];
  readonly conditions: readonly ConditionClause[];
  /** True when a condition could not be read (unknown operator, bad value): the statement is undecidable. */
  readonly conditionInvalid: boolean;
  /** The statement names a Principal: a resource-based or trust policy, not an identity policy. */
  readonly hasPrincipal: boolean;
}

export interface ParsedPolicy extends Loaded<ParsedStatement> {
  /** `2012-10-17` substitutes policy variables; `2008-10-17` or no Version does not. */
  readonly version: string | null;
}

export interface StatementRef {
  readonly policy: string;
  /**
   * The managed policy's ARN, when the caller gave one. Names are not unique: an AWS-managed and a customer-managed
   * policy may share one, and only the ARN tells their statements apart.
   */
  readonly arn?: string;
  readonly source: PolicySource;
  readonly via?: string;
  readonly index: number;
  readonly sid?: string;
}

export interface LoadedPolicy {
  readonly ref: PolicyRef;
  readonly parsed: ParsedPolicy;
}

/**
 * What we know of one condition key in a request: its values, `null` when we know it is absent, and
 * missing from the map when we cannot know (then conditions on it are undecidable).
 */
export type ContextKeys = ReadonlyMap<string, readonly string[] | null>;

export interface RequestContext {
  readonly action: string;
  /**
   * The resource IAM sees in the request: a concrete ARN, or `*` for an action that has no resource type.
   * It is matched against each statement's Resource / NotResource segment by segment (see arn.ts).
   */
  readonly resource: string;
  /** Keys lower-cased. */
  readonly keys: ContextKeys;
}

export type Truth = true | false | 'unknown';

export type DecisionKind = 'explicit-deny' | 'allow' | 'implicit-deny';

export interface Decision {
  readonly decision: DecisionKind;
  /** The Deny statements that matched (explicit deny), or the Allow statements that granted it. */
  readonly statements: StatementRef[];
  /** Why it ended as it did where that is not just "a statement matched": boundary, SCP level, undecidable conditions. */
  readonly notes: string[];
}

export interface SensitiveAction {
  readonly action: string;
  /**
   * The typed sample resource the action is tried on (an ARN, or `*` when the action has no resource type);
   * `{partition}`, `{accountId}`, `{region}`, `{principalArn}` and `{userName}` are filled in for the user analysed.
   */
  readonly resource: string;
  readonly why: string;
}

export type EnforcementVerdict = 'enforced' | 'partial' | 'not-enforced';

export interface ContextVerdict {
  readonly verdict: EnforcementVerdict;
  /** Sensitive actions that end in an explicit Deny, in the order of the list. */
  readonly deniedActions: string[];
  /** The others: every sensitive action not explicitly denied (allowed, or only implicitly denied). */
  readonly notDeniedActions: string[];
  /** Of the not denied ones, those some policy allows outright today. */
  readonly allowedActions: string[];
  readonly decidingStatements: StatementRef[];
}

export type PitfallCode =
  | 'deny-bool-misses-access-keys'
  | 'allow-boolifexists-lets-keys-through'
  | 'null-only-catches-absent-keys'
  | 'notaction-exempts-too-much'
  | 'policy-attached-to-nobody'
  | 'mfa-age-without-presence'
  | 'condition-typo'
  | 'mfa-only-in-allow'
  | 'deny-covers-some-resources'
  | 'locks-out-mfa-users'
  | 'undecidable-condition'
  | 'not-an-identity-policy'
  | 'invalid-policy'
  | 'denies-mfa-self-enrolment'
  | 'mfa-present-string-or-set-operator'
  | 'policy-variables-not-substituted';

export interface PolicyPitfall {
  readonly code: PitfallCode;
  readonly level: 'error' | 'warning' | 'note';
  readonly message: string;
  readonly statement?: StatementRef;
}

export interface MfaEnforcementInput {
  readonly principalArn: string;
  readonly userName: string;
  readonly accountId: string;
  readonly identityPolicies: readonly PolicyRef[];
  readonly permissionsBoundary?: PolicyRef;
  /** Every SCP that applies; `via` names the level (root, OU, account) — each level must allow. */
  readonly scps?: readonly PolicyRef[];
}

export interface MfaEnforcementOptions {
  readonly sensitiveActions?: readonly SensitiveAction[];
  /**
   * The clock. `aws:CurrentTime` and `aws:EpochTime` are in every request IAM evaluates, so date conditions
   * are decided against it, never left undecidable; pure code takes the time as an argument.
   */
  readonly now: Date;
  /** The region typed sample ARNs (instances, keys, secrets, trails) live in; default us-east-1. */
  readonly region?: string;
}

export interface MfaEnforcementResult {
  readonly verdict: EnforcementVerdict;
  /** Console session without MFA: `aws:MultiFactorAuthPresent` = false, `aws:MultiFactorAuthAge` absent. */
  readonly console: ContextVerdict;
  /** Long-term access key: both MFA keys absent. */
  readonly accessKeys: ContextVerdict;
  /** The same actions with MFA (present, age 300 s): what the user can do, and whether the policy locks MFA users out. */
  readonly withMfa: ContextVerdict;
  readonly findings: PolicyPitfall[];
  /** Problems reading the policies themselves. */
  readonly issues: InputIssue[];
  readonly explanation: string[];
}

export interface StandalonePolicyReport {
  readonly file: string;
  readonly mfaEnforced: { readonly console: boolean; readonly accessKeys: boolean };
  readonly verdict: EnforcementVerdict;
  readonly console: EnforcementVerdict;
  readonly accessKeys: EnforcementVerdict;
  /** Per no-MFA context: exactly which sensitive actions are denied and which are not. */
  readonly contexts: {
    readonly console: Pick<ContextVerdict, 'deniedActions' | 'notDeniedActions'>;
    readonly accessKeys: Pick<ContextVerdict, 'deniedActions' | 'notDeniedActions'>;
  };
  readonly findings: PolicyPitfall[];
  readonly issues: InputIssue[];
  readonly explanation: string[];
}
