// The named ways an MFA policy looks right and is not: spotted per statement, then confirmed on the whole policy set.

import { isNegatedOperator, looksLikeMfaTypo } from './conditions.ts';
import { statementVariableText } from './document.ts';
import { actionMatches, describeStatement, statementRef, substitutesVariables } from './evaluate.ts';
import { globMatches } from './wildcard.ts';
import type {
  ConditionClause,
  LoadedPolicy,
  ParsedStatement,
  PolicyPitfall,
  SensitiveAction,
  StatementRef,
} from './types.ts';

export const MFA_PRESENT_KEY = 'aws:multifactorauthpresent';
export const MFA_AGE_KEY = 'aws:multifactorauthage';

export function isMfaKey(keyLower: string): boolean {
  return keyLower === MFA_PRESENT_KEY || keyLower === MFA_AGE_KEY;
}

function plain(clause: ConditionClause): boolean {
  return clause.operator.set === null && !clause.operator.ifExists;
}

function hasValue(clause: ConditionClause, value: string): boolean {
  return clause.values.some((v) => v.toLowerCase() === value);
}

export function referencesMfa(statement: ParsedStatement): boolean {
  return statement.conditions.some((c) => isMfaKey(c.keyLower));
}

/** An Allow condition that only lets MFA sessions in (presence true, a recent age, key present). */
function requiresMfaInAllow(statement: ParsedStatement): boolean {
  return statement.conditions.some(
    (c) =>
      (c.keyLower === MFA_PRESENT_KEY &&
        (c.operator.base === 'Bool' || c.operator.base.startsWith('String')) &&
        hasValue(c, 'true')) ||
      (c.keyLower === MFA_AGE_KEY && c.operator.base.startsWith('Numeric')) ||
      (c.keyLower === MFA_PRESENT_KEY && c.operator.base === 'Null' && hasValue(c, 'false')),
  );
}

/**
 * What the evaluation of the whole policy set found, per sensitive action and context. A pitfall spotted in
 * one statement is named only when the set really leaves the gap it describes: a Bool-false Deny next to a
 * Null-true Deny is enforced for access keys, so the Bool statement's pitfall does not bite there.
 */
export interface SetOutcome {
  readonly sensitive: readonly SensitiveAction[];
  /** The action ends in an explicit Deny in the context (console session or access key, both without MFA). */
  deniedIn(context: 'console' | 'accessKeys', action: string): boolean;
  /** The sensitive actions this statement explicitly denies in the context. */
  deniedBy(context: 'console' | 'accessKeys' | 'withMfa', ref: StatementRef): readonly string[];
  /** The sensitive actions this statement allows in the context, when the request ends allowed. */
  allowedBy(context: 'console' | 'accessKeys' | 'withMfa', ref: StatementRef): readonly string[];
  /** The sensitive actions whose Action and typed sample resource the statement reaches, conditions aside. */
  reachedBy(policy: LoadedPolicy, statement: ParsedStatement): readonly string[];
}

function notDeniedSomewhere(outcome: SetOutcome, actions: readonly string[]): string[] {
  return actions.filter((a) => !outcome.deniedIn('console', a) || !outcome.deniedIn('accessKeys', a));
}

function names(actions: readonly string[]): string {
  return actions.join(', ');
}

/** The pitfalls of one policy's statements that leave a real gap in the policy set (see SetOutcome). */
type Push = (code: PolicyPitfall['code'], level: PolicyPitfall['level'], message: string) => void;

/** What the checks of one statement read. */
interface StatementCheck {
  readonly policy: LoadedPolicy;
  readonly outcome: SetOutcome;
  readonly statement: ParsedStatement;
  readonly ref: ReturnType<typeof statementRef>;
  /** The statement's conditions on aws:MultiFactorAuthPresent. */
  readonly mfaClauses: ParsedStatement['conditions'];
  /** Those of them with a String operator or a set qualifier. */
  readonly stringOrSet: ParsedStatement['conditions'];
  readonly push: Push;
}

/** The pitfalls of one policy's statements that leave a real gap in the policy set (see SetOutcome). */
export function findStatementPitfalls(policy: LoadedPolicy, outcome: SetOutcome): PolicyPitfall[] {
  const out: PolicyPitfall[] = [];
  for (const statement of policy.parsed.items) {
    const ref = statementRef(policy, statement);
    const where = describeStatement(ref);
    const push: Push = (code, level, message) => {
      out.push({ code, level, message: `${where}: ${message}`, statement: ref });
    };
    shapePitfalls(policy, statement, push);
    const mfaClauses = statement.conditions.filter((c) => c.keyLower === MFA_PRESENT_KEY);
    const stringOrSet = mfaClauses.filter(
      (c) => c.operator.set !== null || c.operator.base.startsWith('String'),
    );
    const check: StatementCheck = { policy, outcome, statement, ref, mfaClauses, stringOrSet, push };
    if (statement.effect === 'Deny') {
      denyPresencePitfalls(check);
      denyReachPitfalls(check);
    } else {
      allowPitfalls(check);
    }
  }
  return out;
}

/** Pitfalls in the statement's own shape: a Principal, unsubstituted variables, misspelt or mistyped MFA keys. */
function shapePitfalls(policy: LoadedPolicy, statement: ParsedStatement, push: Push): void {
  if (statement.hasPrincipal && policy.ref.source !== 'scp') {
    push(
      'not-an-identity-policy',
      'note',
      'names a Principal, so this is a resource-based or trust policy; it was evaluated as if attached to the user, and it cannot deny the user anything elsewhere',
    );
  }
  if (!substitutesVariables(policy)) {
    const text = statementVariableText(statement);
    if (text !== null)
      push(
        'policy-variables-not-substituted',
        'warning',
        `the policy's Version is ${policy.parsed.version === null ? 'missing' : `"${policy.parsed.version}"`}, so ${JSON.stringify(text)} is plain text, not a policy variable, and names nothing. Use "Version": "2012-10-17"`,
      );
  }
  for (const clause of statement.conditions) {
    if (looksLikeMfaTypo(clause.keyLower)) {
      push(
        'condition-typo',
        'error',
        `condition key '${clause.key}' is not an IAM key (did you mean aws:MultiFactorAuthPresent or aws:MultiFactorAuthAge?); it is never in a request, so ${clause.operator.name} sees it absent every time`,
      );
    } else if (
      clause.keyLower === MFA_PRESENT_KEY &&
      (clause.operator.base.startsWith('Numeric') || clause.operator.base.startsWith('Date'))
    ) {
      push(
        'condition-typo',
        'error',
        `${clause.operator.name} on aws:MultiFactorAuthPresent, a boolean key: use Bool / BoolIfExists`,
      );
    } else if (clause.keyLower === MFA_AGE_KEY && clause.operator.base === 'Bool') {
      push(
        'condition-typo',
        'error',
        'Bool on aws:MultiFactorAuthAge, a number of seconds: use NumericLessThan / NumericGreaterThanIfExists',
      );
    }
  }
}

/** A no-MFA Deny whose operator on aws:MultiFactorAuthPresent misses access keys or console sessions. */
function denyPresencePitfalls(check: StatementCheck): void {
  const { policy, outcome, statement, ref, mfaClauses, stringOrSet, push } = check;
  // A statement about none of the sensitive actions cannot be judged on them: its shape is judged alone.
  const unjudged = outcome.reachedBy(policy, statement).length === 0;
  // Actions this Deny stops in a console session that still pass with a long-term key.
  const keysPass = outcome.deniedBy('console', ref).filter((a) => !outcome.deniedIn('accessKeys', a));
  const passNote =
    keysPass.length > 0 ? `: requests signed with access keys pass for ${names(keysPass)}` : '';
  if (
    (keysPass.length > 0 || unjudged) &&
    mfaClauses.some((c) => c.operator.base === 'Bool' && plain(c) && hasValue(c, 'false'))
  ) {
    push(
      'deny-bool-misses-access-keys',
      'error',
      `Deny with Bool aws:MultiFactorAuthPresent "false" does not match when the key is absent, and it is absent for long-term access keys${passNote}. Use BoolIfExists`,
    );
  }
  // False on an absent key: a plain (not negated) string operator, or ForAnyValue (a set of nothing).
  const falseWhenAbsent = stringOrSet.filter(
    (c) =>
      !c.operator.ifExists &&
      c.operator.set !== 'ForAllValues' &&
      !isNegatedOperator(c.operator.base) &&
      hasValue(c, 'false'),
  );
  if ((keysPass.length > 0 && stringOrSet.length > 0) || (unjudged && falseWhenAbsent.length > 0)) {
    push(
      'mfa-present-string-or-set-operator',
      'error',
      `Deny with ${stringOrSet.map((c) => c.operator.name).join(' / ')} on aws:MultiFactorAuthPresent is false when the key is absent (a ForAnyValue: set of nothing matches nothing), and it is absent for long-term access keys${passNote}. Use BoolIfExists "false"`,
    );
  }
  const consolePasses = outcome.deniedBy('accessKeys', ref).filter((a) => !outcome.deniedIn('console', a));
  if (
    (consolePasses.length > 0 || unjudged) &&
    mfaClauses.some((c) => c.operator.base === 'Null' && hasValue(c, 'true'))
  ) {
    push(
      'null-only-catches-absent-keys',
      'warning',
      `Deny with Null aws:MultiFactorAuthPresent "true" only matches when the key is absent (access keys); a console session without MFA has the key, set to false, and is not denied${consolePasses.length > 0 ? ` ${names(consolePasses)}` : ''}`,
    );
  }
}

/** A no-MFA Deny that never applies without MFA (age only), or that exempts or leaves out too much. */
function denyReachPitfalls(check: StatementCheck): void {
  const { policy, outcome, statement, mfaClauses, push } = check;
  const ageClauses = statement.conditions.filter(
    (c) => c.keyLower === MFA_AGE_KEY && c.operator.base.startsWith('Numeric'),
  );
  if (ageClauses.some((c) => !c.operator.ifExists) && mfaClauses.length === 0) {
    const open = notDeniedSomewhere(outcome, outcome.reachedBy(policy, statement));
    if (open.length > 0 || outcome.reachedBy(policy, statement).length === 0)
      push(
        'mfa-age-without-presence',
        'error',
        `Deny on aws:MultiFactorAuthAge without IfExists: the key is absent when no MFA was used, so the Deny never applies to sessions without MFA${open.length > 0 ? ` (${names(open)} stay open)` : ''}. Use NumericGreaterThanIfExists or add BoolIfExists aws:MultiFactorAuthPresent "false"`,
      );
  }
  if (referencesMfa(statement) && statement.notActions !== undefined) {
    const exempted = outcome.sensitive
      .map((s) => s.action)
      .filter((action) => statement.notActions?.some((p) => globMatches(p, action, true)));
    const open = notDeniedSomewhere(outcome, exempted);
    if (open.length > 0) {
      push(
        'notaction-exempts-too-much',
        'error',
        `NotAction ${JSON.stringify(statement.notActions)} exempts sensitive actions from the no-MFA Deny, and nothing else denies them: ${names(open)}. Keep NotAction to the self-service MFA set`,
      );
    }
  }
  if (
    referencesMfa(statement) &&
    statement.resources !== undefined &&
    !statement.resources.some((r) => /^\*+$/.test(r))
  ) {
    const actionsNamed = outcome.sensitive
      .map((s) => s.action)
      .filter((action) => actionMatches(statement, action));
    const reached = new Set(outcome.reachedBy(policy, statement));
    const open = notDeniedSomewhere(
      outcome,
      actionsNamed.filter((a) => !reached.has(a)),
    );
    if (open.length > 0)
      push(
        'deny-covers-some-resources',
        'note',
        `the no-MFA Deny reaches only ${JSON.stringify(statement.resources)}; on other resources ${names(open)} are not denied by it, nor by anything else`,
      );
  }
}

/** An Allow whose MFA condition holds without MFA, or that is the only thing requiring MFA. */
function allowPitfalls(check: StatementCheck): void {
  const { outcome, statement, ref, mfaClauses, stringOrSet, push } = check;
  const keysAllowed = outcome.allowedBy('accessKeys', ref);
  if (
    keysAllowed.length > 0 &&
    mfaClauses.some((c) => c.operator.base === 'Bool' && c.operator.ifExists && hasValue(c, 'true'))
  ) {
    push(
      'allow-boolifexists-lets-keys-through',
      'error',
      `Allow with BoolIfExists aws:MultiFactorAuthPresent "true" is true when the key is absent, so requests signed with long-term access keys are allowed without MFA: ${names(keysAllowed)}. Use Bool in an Allow, and enforce with a Deny`,
    );
  }
  if (keysAllowed.length > 0 && stringOrSet.length > 0) {
    push(
      'mfa-present-string-or-set-operator',
      'error',
      `Allow with ${stringOrSet.map((c) => c.operator.name).join(' / ')} on aws:MultiFactorAuthPresent holds when the key is absent (a ForAllValues: set of nothing is vacuously true), so long-term access keys are allowed without MFA: ${names(keysAllowed)}. Use Bool "true" in an Allow, and enforce with a Deny`,
    );
  }
  const consoleAllowed = outcome.allowedBy('console', ref);
  if (
    consoleAllowed.length > 0 &&
    mfaClauses.some((c) => c.operator.base === 'Null' && hasValue(c, 'false'))
  ) {
    push(
      'null-only-catches-absent-keys',
      'warning',
      `Allow with Null aws:MultiFactorAuthPresent "false" only checks that the key exists: a console session without MFA has it (false) and is allowed ${names(consoleAllowed)}`,
    );
  }
  if (requiresMfaInAllow(statement)) {
    const open = notDeniedSomewhere(outcome, outcome.allowedBy('withMfa', ref));
    if (open.length > 0 || outcome.allowedBy('withMfa', ref).length === 0)
      push(
        'mfa-only-in-allow',
        'warning',
        `requires MFA only in an Allow: without MFA the request is merely not allowed by this statement (implicit deny), so any other policy that allows the action — AdministratorAccess attached tomorrow — bypasses it${open.length > 0 ? `; not explicitly denied without MFA today: ${names(open)}` : ''}. Enforce with a Deny`,
      );
  }
}

/** A managed policy as authorization details describe it, for the attached-to-nobody check. */
export interface ManagedPolicyUsage {
  readonly name: string;
  readonly arn?: string;
  readonly attachmentCount: number;
  readonly permissionsBoundaryUsageCount?: number;
  readonly document: unknown;
}
