// The named ways an MFA policy looks right and is not: found by reading each statement against IAM's rules.

import { looksLikeMfaTypo } from './conditions.ts';
import { describeStatement, statementRef } from './evaluate.ts';
import { globMatches } from './wildcard.ts';
import type {
  ConditionClause,
  LoadedPolicy,
  ParsedStatement,
  PolicyPitfall,
  SensitiveAction,
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

/** Static findings for one policy's statements; `sensitive` names the actions a NotAction must not exempt. */
export function findStatementPitfalls(
  policy: LoadedPolicy,
  sensitive: readonly SensitiveAction[],
): PolicyPitfall[] {
  const out: PolicyPitfall[] = [];
  for (const statement of policy.parsed.items) {
    const ref = statementRef(policy, statement);
    const where = describeStatement(ref);
    const push = (code: PolicyPitfall['code'], level: PolicyPitfall['level'], message: string): void => {
      out.push({ code, level, message: `${where}: ${message}`, statement: ref });
    };
    if (statement.hasPrincipal && policy.ref.source !== 'scp') {
      push(
        'not-an-identity-policy',
        'note',
        'names a Principal, so this is a resource-based or trust policy; it was evaluated as if attached to the user, and it cannot deny the user anything elsewhere',
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
    const mfaClauses = statement.conditions.filter((c) => c.keyLower === MFA_PRESENT_KEY);
    if (statement.effect === 'Deny') {
      if (mfaClauses.some((c) => c.operator.base === 'Bool' && plain(c) && hasValue(c, 'false'))) {
        push(
          'deny-bool-misses-access-keys',
          'error',
          'Deny with Bool aws:MultiFactorAuthPresent "false" does not match when the key is absent, and it is absent for long-term access keys: requests signed with access keys pass. Use BoolIfExists',
        );
      }
      if (mfaClauses.some((c) => c.operator.base === 'Null' && hasValue(c, 'true'))) {
        push(
          'null-only-catches-absent-keys',
          'warning',
          'Deny with Null aws:MultiFactorAuthPresent "true" only matches when the key is absent (access keys); a console session without MFA has the key, set to false, and is not denied',
        );
      }
      const ageClauses = statement.conditions.filter(
        (c) => c.keyLower === MFA_AGE_KEY && c.operator.base.startsWith('Numeric'),
      );
      if (ageClauses.some((c) => !c.operator.ifExists) && mfaClauses.length === 0) {
        push(
          'mfa-age-without-presence',
          'error',
          'Deny on aws:MultiFactorAuthAge without IfExists: the key is absent when no MFA was used, so the Deny never applies to sessions without MFA. Use NumericGreaterThanIfExists or add BoolIfExists aws:MultiFactorAuthPresent "false"',
        );
      }
      if (referencesMfa(statement) && statement.notActions !== undefined) {
        const exempted = sensitive.filter((s) =>
          statement.notActions?.some((pattern) => globMatches(pattern, s.action, true)),
        );
        if (exempted.length > 0) {
          push(
            'notaction-exempts-too-much',
            'error',
            `NotAction ${JSON.stringify(statement.notActions)} exempts sensitive actions from the no-MFA Deny: ${exempted.map((s) => s.action).join(', ')}. Keep NotAction to the self-service MFA set`,
          );
        }
      }
      if (
        referencesMfa(statement) &&
        statement.resources !== undefined &&
        !statement.resources.some((r) => /^\*+$/.test(r))
      ) {
        push(
          'deny-covers-some-resources',
          'note',
          `the no-MFA Deny reaches only ${JSON.stringify(statement.resources)}; sensitive actions on other resources are not denied by it`,
        );
      }
    } else {
      if (mfaClauses.some((c) => c.operator.base === 'Bool' && c.operator.ifExists && hasValue(c, 'true'))) {
        push(
          'allow-boolifexists-lets-keys-through',
          'error',
          'Allow with BoolIfExists aws:MultiFactorAuthPresent "true" is true when the key is absent, so requests signed with long-term access keys are allowed without MFA. Use Bool in an Allow, and enforce with a Deny',
        );
      }
      if (mfaClauses.some((c) => c.operator.base === 'Null' && hasValue(c, 'false'))) {
        push(
          'null-only-catches-absent-keys',
          'warning',
          'Allow with Null aws:MultiFactorAuthPresent "false" only checks that the key exists: a console session without MFA has it (false) and is allowed',
        );
      }
      if (requiresMfaInAllow(statement)) {
        push(
          'mfa-only-in-allow',
          'warning',
          'requires MFA only in an Allow: without MFA the request is merely not allowed by this statement (implicit deny), so any other policy that allows the action — AdministratorAccess attached tomorrow — bypasses it. Enforce with a Deny',
        );
      }
    }
  }
  return out;
}

/** A managed policy as authorization details describe it, for the attached-to-nobody check. */
export interface ManagedPolicyUsage {
  readonly name: string;
  readonly arn?: string;
  readonly attachmentCount: number;
  readonly permissionsBoundaryUsageCount?: number;
  readonly document: unknown;
}
