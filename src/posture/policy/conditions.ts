// Condition operators evaluated the way IAM does, in three values: true, false, or unknown when we cannot know the key.

import { arnMatches } from './arn.ts';
import { parseDateValue } from './document.ts';
import { resolveVariables } from './variables.ts';
import { globMatches } from './wildcard.ts';
import type { ConditionClause, ContextKeys, Truth } from './types.ts';

/**
 * Operators that ask for the key *not* to match. With the key absent from the request IAM evaluates them
 * to true ("If the policy condition requires that the key is not matched, such as StringNotLike or
 * ArnNotLike, and the right key is not present, the condition is true" — IAM condition operators
 * reference); every other operator without IfExists is false on an absent key. Null tests presence itself.
 */
const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'ArnNotEquals',
  'ArnNotLike',
  'NotIpAddress',
]);

const POSITIVE_OF: Readonly<Record<string, string>> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
  NotIpAddress: 'IpAddress',
};

/**
 * A key that looks meant as an MFA key but is not one (`aws:MultiFactorAuthPresnt`, `aws:MFAPresent`):
 * IAM never puts it in a request, so it is known to be absent rather than unknown.
 */
export function looksLikeMfaTypo(keyLower: string): boolean {
  if (keyLower === 'aws:multifactorauthpresent' || keyLower === 'aws:multifactorauthage') return false;
  const squashed = keyLower.replace(/[^a-z]/g, '');
  return squashed.includes('multifactor') || squashed.includes('mfa');
}

export function isNegatedOperator(base: string): boolean {
  return NEGATED.has(base);
}

function or(values: Iterable<Truth>): Truth {
  let unknown = false;
  for (const v of values) {
    if (v === true) return true;
    if (v === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : false;
}

function and(values: Iterable<Truth>): Truth {
  let unknown = false;
  for (const v of values) {
    if (v === false) return false;
    if (v === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : true;
}

function not(value: Truth): Truth {
  return value === 'unknown' ? 'unknown' : !value;
}

function ipv4ToNumber(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const byte = Number(part);
    if (byte > 255) return null;
    n = n * 256 + byte;
  }
  return n;
}

/** IPv4 CIDR containment; IPv6 is reported as undecidable rather than guessed. */
function ipMatches(request: string, cidr: string): Truth {
  if (request.includes(':') || cidr.includes(':')) return 'unknown';
  const [base, bitsText] = cidr.split('/');
  const ip = ipv4ToNumber(request.trim());
  const net = ipv4ToNumber((base ?? '').trim());
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (ip === null || net === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) === Math.floor(net / size);
}

/** One request value against one (already substituted) policy value, for a positive operator. */
function matchOne(base: string, request: string, policy: string): Truth {
  switch (base) {
    case 'StringEquals':
    case 'BinaryEquals':
      return request === policy;
    case 'StringEqualsIgnoreCase':
      return request.toLowerCase() === policy.toLowerCase();
    case 'StringLike':
      return globMatches(policy, request);
    case 'ArnEquals':
    case 'ArnLike':
      // "Each of the six colon-delimited components of the ARN is checked separately" (condition operators page).
      return arnMatches(policy, request);
    case 'Bool':
      return request.toLowerCase() === policy.toLowerCase();
    case 'IpAddress':
      return ipMatches(request, policy);
    default:
      break;
  }
  if (base.startsWith('Numeric')) {
    const r = Number(request);
    const p = Number(policy);
    if (request.trim() === '' || !Number.isFinite(r) || !Number.isFinite(p)) return false;
    return compare(base.slice('Numeric'.length), r, p);
  }
  if (base.startsWith('Date')) {
    const r = parseDateValue(request);
    const p = parseDateValue(policy);
    if (r === null || p === null) return false;
    return compare(base.slice('Date'.length), r, p);
  }
  return 'unknown';
}

function compare(relation: string, r: number, p: number): boolean {
  switch (relation) {
    case 'Equals':
      return r === p;
    case 'LessThan':
      return r < p;
    case 'LessThanEquals':
      return r <= p;
    case 'GreaterThan':
      return r > p;
    case 'GreaterThanEquals':
      return r >= p;
    default:
      return false;
  }
}

/** Does one request value match any of the policy's values (OR over the values)? */
function matchesAnyPolicyValue(
  base: string,
  request: string,
  policyValues: readonly string[],
  keys: ContextKeys,
  substitute: boolean,
): Truth {
  return or(
    policyValues.map((raw): Truth => {
      const resolved = resolveVariables(raw, keys, substitute);
      if (resolved.kind === 'unknown') return 'unknown';
      if (resolved.kind === 'absent') return false;
      return matchOne(base, request, resolved.text);
    }),
  );
}

/** The condition for one request value: a positive operator matches some policy value; a negated one matches none (NOR). */
function valueSatisfies(
  clause: ConditionClause,
  request: string,
  keys: ContextKeys,
  substitute: boolean,
): Truth {
  const base = clause.operator.base;
  const positive = POSITIVE_OF[base];
  if (positive !== undefined)
    return not(matchesAnyPolicyValue(positive, request, clause.values, keys, substitute));
  return matchesAnyPolicyValue(base, request, clause.values, keys, substitute);
}

/** Evaluates one condition clause (one operator, one key, its values) against what we know of the request. */
export function evaluateClause(clause: ConditionClause, keys: ContextKeys, substitute: boolean): Truth {
  const { operator } = clause;
  if (!keys.has(clause.keyLower) && !looksLikeMfaTypo(clause.keyLower)) return 'unknown';
  const present = keys.get(clause.keyLower) ?? null;
  if (operator.base === 'Null') {
    // "true" asks for the key to be absent, "false" for it to be present; several values are ORed.
    const absent = present === null;
    return or(clause.values.map((v) => (v.toLowerCase() === 'true' ? absent : !absent)));
  }
  if (present === null) {
    if (operator.ifExists) return true;
    // ForAllValues is vacuously true on an absent key; ForAnyValue is false.
    if (operator.set === 'ForAllValues') return true;
    if (operator.set === 'ForAnyValue') return false;
    return isNegatedOperator(operator.base);
  }
  if (operator.set === 'ForAllValues')
    return and(present.map((r) => valueSatisfies(clause, r, keys, substitute)));
  if (operator.set === 'ForAnyValue')
    return or(present.map((r) => valueSatisfies(clause, r, keys, substitute)));
  if (isNegatedOperator(operator.base))
    return and(present.map((r) => valueSatisfies(clause, r, keys, substitute)));
  return or(present.map((r) => valueSatisfies(clause, r, keys, substitute)));
}

/** Every clause must hold (operators ANDed, keys under one operator ANDed). */
export function evaluateConditions(
  clauses: readonly ConditionClause[],
  keys: ContextKeys,
  substitute: boolean,
): Truth {
  return and(clauses.map((clause) => evaluateClause(clause, keys, substitute)));
}
