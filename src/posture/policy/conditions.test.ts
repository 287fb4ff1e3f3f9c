// Tests for condition operators: IAM's absent-key rules for every family, IfExists, Null, set operators, variables.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateClause, evaluateConditions } from './conditions.ts';
import { parseConditionOperator } from './document.ts';
import type { ConditionClause, ContextKeys } from './types.ts';

function clause(operator: string, key: string, values: string[]): ConditionClause {
  const op = parseConditionOperator(operator);
  assert.ok(op, operator);
  return { operator: op, key, keyLower: key.toLowerCase(), values };
}

const absent: ContextKeys = new Map([['k', null]]);
const unknown: ContextKeys = new Map();

/** One operator, one policy value, against a request whose key holds the one value `request`. */
function against(operator: string, request: string, policy: string) {
  return evaluateClause(clause(operator, 'k', [policy]), new Map([['k', [request]]]), true);
}

void test('absent key: non-IfExists operators are false, negated ones true, IfExists true (IAM condition operators reference)', () => {
  const table: [string, boolean][] = [
    ['StringEquals', false],
    ['StringNotEquals', true],
    ['StringEqualsIgnoreCase', false],
    ['StringNotEqualsIgnoreCase', true],
    ['StringLike', false],
    ['StringNotLike', true],
    ['NumericEquals', false],
    ['NumericNotEquals', true],
    ['NumericLessThan', false],
    ['NumericGreaterThan', false],
    ['DateEquals', false],
    ['DateNotEquals', true],
    ['DateGreaterThan', false],
    ['Bool', false],
    ['ArnLike', false],
    ['ArnEquals', false],
    ['ArnNotLike', true],
    ['ArnNotEquals', true],
    ['IpAddress', false],
    ['NotIpAddress', true],
    ['BoolIfExists', true],
    ['StringEqualsIfExists', true],
    ['NumericGreaterThanIfExists', true],
    ['ArnNotLikeIfExists', true],
    ['ForAllValues:StringEquals', true],
    ['ForAnyValue:StringEquals', false],
    ['ForAnyValue:StringEqualsIfExists', true],
  ];
  for (const [operator, expected] of table) {
    const value = operator.includes('Numeric')
      ? '1'
      : operator.includes('Date')
        ? '2020-01-01T00:00:00Z'
        : operator.includes('Bool')
          ? 'true'
          : operator.includes('Ip')
            ? '10.0.0.0/8'
            : 'x';
    assert.equal(evaluateClause(clause(operator, 'k', [value]), absent, true), expected, operator);
  }
});

void test('Null: "true" matches an absent key, "false" a present one', () => {
  const present: ContextKeys = new Map([['k', ['false']]]);
  assert.equal(evaluateClause(clause('Null', 'k', ['true']), absent, true), true);
  assert.equal(evaluateClause(clause('Null', 'k', ['true']), present, true), false);
  assert.equal(evaluateClause(clause('Null', 'k', ['false']), present, true), true);
  assert.equal(evaluateClause(clause('Null', 'k', ['false']), absent, true), false);
});

void test('a key we do not model makes the clause undecidable, whatever the operator', () => {
  for (const operator of ['Bool', 'BoolIfExists', 'Null', 'StringNotEquals', 'ForAllValues:StringLike']) {
    assert.equal(evaluateClause(clause(operator, 'k', ['true']), unknown, true), 'unknown', operator);
  }
});

void test('several values are ORed; a negated operator with several values is a NOR', () => {
  const keys: ContextKeys = new Map([['k', ['b']]]);
  assert.equal(evaluateClause(clause('StringEquals', 'k', ['a', 'b']), keys, true), true);
  assert.equal(evaluateClause(clause('StringEquals', 'k', ['a', 'c']), keys, true), false);
  assert.equal(evaluateClause(clause('StringNotEquals', 'k', ['a', 'b']), keys, true), false);
  assert.equal(evaluateClause(clause('StringNotEquals', 'k', ['a', 'c']), keys, true), true);
});

void test('several operators and keys are ANDed', () => {
  const keys: ContextKeys = new Map([
    ['a', ['1']],
    ['b', ['x']],
  ]);
  assert.equal(
    evaluateConditions(
      [clause('NumericLessThan', 'a', ['5']), clause('StringEquals', 'b', ['x'])],
      keys,
      true,
    ),
    true,
  );
  assert.equal(
    evaluateConditions(
      [clause('NumericLessThan', 'a', ['5']), clause('StringEquals', 'b', ['y'])],
      keys,
      true,
    ),
    false,
  );
  assert.equal(
    evaluateConditions(
      [clause('NumericLessThan', 'a', ['5']), clause('StringEquals', 'zzz', ['y'])],
      keys,
      true,
    ),
    'unknown',
  );
  assert.equal(
    evaluateConditions(
      [clause('NumericLessThan', 'a', ['0']), clause('StringEquals', 'zzz', ['y'])],
      keys,
      true,
    ),
    false,
  );
});

void test('string, numeric, date, bool, ARN and IP families', () => {
  const keys: ContextKeys = new Map([
    ['s', ['Hello']],
    ['n', ['300']],
    ['d', ['2024-06-01T00:00:00Z']],
    ['b', ['TRUE']],
    ['arn', ['arn:aws:iam::123:role/BreakGlass']],
    ['ip', ['192.0.2.10']],
  ]);
  assert.equal(evaluateClause(clause('StringEquals', 's', ['hello']), keys, true), false);
  assert.equal(evaluateClause(clause('StringEqualsIgnoreCase', 's', ['hello']), keys, true), true);
  assert.equal(evaluateClause(clause('StringLike', 's', ['H?l*']), keys, true), true);
  assert.equal(evaluateClause(clause('StringNotLike', 's', ['H?l*']), keys, true), false);
  assert.equal(evaluateClause(clause('NumericLessThanEquals', 'n', ['300']), keys, true), true);
  assert.equal(evaluateClause(clause('NumericGreaterThan', 'n', ['1800']), keys, true), false);
  assert.equal(evaluateClause(clause('DateGreaterThan', 'd', ['2024-01-01T00:00:00Z']), keys, true), true);
  assert.equal(evaluateClause(clause('DateLessThan', 'd', ['1700000000']), keys, true), false);
  assert.equal(evaluateClause(clause('Bool', 'b', ['true']), keys, true), true);
  assert.equal(
    evaluateClause(clause('ArnLike', 'arn', ['arn:aws:iam::*:role/BreakGlass']), keys, true),
    true,
  );
  assert.equal(
    evaluateClause(clause('ArnNotLike', 'arn', ['arn:aws:iam::*:role/BreakGlass']), keys, true),
    false,
  );
  assert.equal(evaluateClause(clause('IpAddress', 'ip', ['192.0.2.0/24']), keys, true), true);
  assert.equal(evaluateClause(clause('NotIpAddress', 'ip', ['198.51.100.0/24']), keys, true), true);
});

void test('set operators over a multi-valued key', () => {
  const keys: ContextKeys = new Map([['tags', ['CreatedBy', 'CreatedAt']]]);
  assert.equal(evaluateClause(clause('ForAllValues:StringLike', 'tags', ['Created*']), keys, true), true);
  assert.equal(evaluateClause(clause('ForAllValues:StringEquals', 'tags', ['CreatedBy']), keys, true), false);
  assert.equal(evaluateClause(clause('ForAnyValue:StringEquals', 'tags', ['CreatedBy']), keys, true), true);
  assert.equal(evaluateClause(clause('ForAnyValue:StringEquals', 'tags', ['Owner']), keys, true), false);
  const empty: ContextKeys = new Map([['tags', []]]);
  assert.equal(evaluateClause(clause('ForAllValues:StringEquals', 'tags', ['x']), empty, true), true);
  assert.equal(evaluateClause(clause('ForAnyValue:StringEquals', 'tags', ['x']), empty, true), false);
});

void test('policy variables in condition values resolve; unknown ones are undecidable; 2008-10-17 takes them literally', () => {
  const keys: ContextKeys = new Map([
    ['aws:username', ['alice']],
    ['s3:prefix', ['home/alice/']],
  ]);
  assert.equal(
    evaluateClause(clause('StringLike', 's3:prefix', ['home/${aws:username}/*']), keys, true),
    true,
  );
  assert.equal(
    evaluateClause(clause('StringLike', 's3:prefix', ['home/${aws:username}/*']), keys, false),
    false,
  );
  assert.equal(
    evaluateClause(clause('StringLike', 's3:prefix', ['home/${aws:PrincipalTag/team}/*']), keys, true),
    'unknown',
  );
  assert.equal(
    evaluateClause(clause('StringLike', 's3:prefix', ["home/${aws:userid, 'alice'}/*"]), keys, true),
    'unknown',
  );
});

void test('IpAddress: IPv4 CIDR containment at its edges; IPv6 is undecidable; malformed addresses never match', () => {
  const at = (ip: string, cidr: string, operator = 'IpAddress') => against(operator, ip, cidr);
  assert.equal(at('192.0.2.10', '192.0.2.10'), true, 'no prefix length is /32');
  assert.equal(at('192.0.2.10', '192.0.2.11'), false);
  assert.equal(at('192.0.2.10', '192.0.3.0/24'), false);
  assert.equal(at('192.0.2.10', '192.0.2.10/31'), true);
  assert.equal(at('192.0.2.11', '192.0.2.10/31'), true);
  assert.equal(at('192.0.2.9', '192.0.2.10/31'), false);
  assert.equal(at('203.0.113.7', '0.0.0.0/0'), true);
  assert.equal(at('10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(at('11.1.2.3', '10.0.0.0/8'), false);
  assert.equal(at('255.255.255.255', '255.255.255.255/32'), true);
  assert.equal(at(' 192.0.2.10', ' 192.0.2.10 /32'), true, 'spaces around the addresses are trimmed');
  // Prefix lengths outside 0..32, or not whole numbers, name nothing.
  for (const cidr of ['192.0.2.10/33', '10.0.0.0/-1', '192.0.2.0/24.5', '192.0.2.0/x'])
    assert.equal(at('192.0.2.10', cidr), false, cidr);
  // Addresses that are not four decimal bytes name nothing (read as numbers they would have matched).
  assert.equal(at('0.192.0.2', '192.0.2'), false);
  assert.equal(at('0192.0.2.10', '192.0.2.10'), false);
  assert.equal(at('192.0.2.10', '192.0.2.256/24'), false);
  assert.equal(at('192.0.2.1x', '192.0.2.0/24'), false);
  assert.equal(at('2001:db8::1', '2001:db8::/32'), 'unknown');
  assert.equal(at('192.0.2.10', '2001:db8::/32'), 'unknown');
  assert.equal(at('2001:db8::1', '192.0.2.0/24', 'NotIpAddress'), 'unknown');
  assert.equal(at('198.51.100.1', '192.0.2.0/24', 'NotIpAddress'), true);
  assert.equal(at('192.0.2.1', '192.0.2.0/24', 'NotIpAddress'), false);
});

void test('Numeric operators: every relation at its edge; a blank or non-finite number matches nothing', () => {
  const n = (operator: string, policy: string, request = '300') => against(operator, request, policy);
  const table: [string, string, boolean][] = [
    ['NumericEquals', '300', true],
    ['NumericEquals', '300.0', true],
    ['NumericEquals', '301', false],
    ['NumericNotEquals', '300', false],
    ['NumericNotEquals', '301', true],
    ['NumericLessThan', '300', false],
    ['NumericLessThan', '301', true],
    ['NumericLessThanEquals', '300', true],
    ['NumericLessThanEquals', '299', false],
    ['NumericGreaterThan', '300', false],
    ['NumericGreaterThan', '299', true],
    ['NumericGreaterThanEquals', '300', true],
    ['NumericGreaterThanEquals', '301', false],
  ];
  for (const [operator, policy, expected] of table)
    assert.equal(n(operator, policy), expected, `300 ${operator} ${policy}`);
  assert.equal(n('NumericEquals', '0', ' '), false, 'a blank request is not 0');
  assert.equal(n('NumericLessThanEquals', '0', ''), false, 'an empty request is not 0');
  assert.equal(n('NumericEquals', 'Infinity', 'Infinity'), false);
  assert.equal(n('NumericEquals', 'abc', 'abc'), false);
  assert.equal(n('NumericNotEquals', '1', 'abc'), true, 'a request that is no number equals no value');
});

void test('Date operators: ISO dates and epoch seconds, every relation at its edge; a text that is no date matches nothing', () => {
  const d = (operator: string, policy: string, request = '2024-06-01T00:00:00Z') =>
    against(operator, request, policy);
  const june = '2024-06-01T00:00:00Z';
  const table: [string, string, boolean][] = [
    ['DateEquals', june, true],
    ['DateEquals', '1717200000', true],
    ['DateEquals', '2024-06-01T00:00:01Z', false],
    ['DateNotEquals', june, false],
    ['DateLessThan', june, false],
    ['DateLessThan', '2024-06-01T00:00:01Z', true],
    ['DateLessThanEquals', june, true],
    ['DateLessThanEquals', '2024-05-31T23:59:59Z', false],
    ['DateGreaterThan', june, false],
    ['DateGreaterThanEquals', june, true],
    ['DateGreaterThanEquals', '2024-06-01T00:00:01Z', false],
  ];
  for (const [operator, policy, expected] of table)
    assert.equal(d(operator, policy), expected, `${june} ${operator} ${policy}`);
  assert.equal(d('DateEquals', 'yesterday', 'yesterday'), false);
  assert.equal(d('DateLessThan', june, 'not a date'), false);
});

void test('Bool, BinaryEquals and the case of StringEqualsIgnoreCase on both sides', () => {
  assert.equal(against('Bool', 'false', 'true'), false);
  assert.equal(against('Bool', 'False', 'FALSE'), true);
  assert.equal(against('BinaryEquals', 'QUJD', 'QUJD'), true);
  assert.equal(against('BinaryEquals', 'QUJD', 'qujd'), false);
  assert.equal(against('StringEqualsIgnoreCase', 'hello', 'HELLO'), true);
  assert.equal(against('StringNotEqualsIgnoreCase', 'hello', 'HELLO'), false);
  assert.equal(against('StringNotEqualsIgnoreCase', 'hello', 'world'), true);
  assert.equal(against('ArnEquals', 'arn:aws:iam::123:role/a', 'arn:aws:iam::123:role/a'), true);
  assert.equal(against('ArnNotEquals', 'arn:aws:iam::123:role/a', 'arn:aws:iam::123:role/b'), true);
  assert.equal(against('StringLike', 'abc', 'a?d'), false);
});

void test('a key that looks like an MFA key but is not one is known to be absent, not unknown', () => {
  const none: ContextKeys = new Map();
  for (const key of ['aws:MFAPresent', 'aws:MultiFactorAuthPresnt', 'aws:multi-factor-auth', 'aws:mfa_age'])
    assert.equal(evaluateClause(clause('Bool', key, ['true']), none, true), false, key);
  assert.equal(evaluateClause(clause('BoolIfExists', 'aws:MFAPresent', ['false']), none, true), true);
  assert.equal(evaluateClause(clause('Null', 'aws:MFAPresent', ['true']), none, true), true);
  // The real keys, when the request does not tell us, stay undecidable.
  for (const key of ['aws:MultiFactorAuthPresent', 'aws:MultiFactorAuthAge', 'aws:username'])
    assert.equal(evaluateClause(clause('Bool', key, ['true']), none, true), 'unknown', key);
});

void test('three-valued OR and AND: a true value wins over an unknown one, an unknown one over false', () => {
  const keys: ContextKeys = new Map<string, readonly string[] | null>([
    ['k', ['b']],
    ['two', ['a', 'b']],
    ['aws:principaltag/team', null],
  ]);
  const ev = (operator: string, key: string, values: string[]) =>
    evaluateClause(clause(operator, key, values), keys, true);
  assert.equal(ev('StringEquals', 'k', ['${s3:prefix}', 'b']), true);
  assert.equal(ev('StringEquals', 'k', ['b', '${s3:prefix}']), true);
  assert.equal(ev('StringEquals', 'k', ['${s3:prefix}', 'c']), 'unknown');
  assert.equal(ev('StringNotEquals', 'k', ['${s3:prefix}']), 'unknown');
  assert.equal(ev('StringNotEquals', 'k', ['${s3:prefix}', 'b']), false);
  // A variable whose key is absent (and has no default) matches nothing.
  assert.equal(ev('StringEquals', 'k', ['${aws:PrincipalTag/team}']), false);
  assert.equal(ev('StringNotEquals', 'k', ['${aws:PrincipalTag/team}']), true);
  // A multi-valued key without a set operator: positive operators need one value to match, negated ones all.
  assert.equal(ev('StringEquals', 'two', ['a']), true);
  assert.equal(ev('StringNotEquals', 'two', ['a']), false);
  assert.equal(ev('StringNotEquals', 'two', ['c']), true);
  assert.equal(ev('ForAllValues:StringNotLike', 'two', ['a*']), false);
  assert.equal(ev('ForAnyValue:StringNotLike', 'two', ['a*']), true);
  assert.equal(ev('ForAllValues:StringLike', 'two', ['?']), true);
  assert.equal(ev('ForAllValues:StringEquals', 'two', ['a', '${s3:prefix}']), 'unknown');
  assert.equal(ev('ForAnyValue:StringEquals', 'two', ['c', '${s3:prefix}']), 'unknown');
  assert.equal(ev('StringEqualsIfExists', 'k', ['c']), false, 'IfExists on a present key compares as usual');
});

void test('Null: several values are ORed, and "TRUE" is read as true', () => {
  const present: ContextKeys = new Map([['k', ['x']]]);
  assert.equal(evaluateClause(clause('Null', 'k', ['TRUE']), absent, true), true);
  assert.equal(evaluateClause(clause('Null', 'k', ['TRUE']), present, true), false);
  assert.equal(evaluateClause(clause('Null', 'k', ['true', 'false']), present, true), true);
  assert.equal(evaluateClause(clause('Null', 'k', ['false', 'true']), absent, true), true);
  assert.equal(evaluateClause(clause('Null', 'k', ['false', 'false']), absent, true), false);
});

void test('survivors of the mutation run: what an unreadable address, date or variable, and ForAnyValue on an absent key give', () => {
  const ip = (request: string, cidr: string) => against('IpAddress', request, cidr);
  // Read as numbers, a byte of 256 carries into the next one and "garbage" is 0: neither may match.
  assert.equal(ip('192.0.3.0', '192.0.2.256'), false);
  assert.equal(ip('0.0.0.1', '0.0.0/24'), false);
  assert.equal(ip('x.0.0.1', '0.0.0.0/24'), false);
  const june: ContextKeys = new Map([['d', ['2024-06-01T00:00:00Z']]]);
  assert.equal(evaluateClause(clause('DateGreaterThan', 'd', ['not a date']), june, true), false);
  // StringLike is a flat glob: its * crosses the colons of an ARN (ArnLike's would not).
  const arn: ContextKeys = new Map([['k', ['arn:aws:iam::123456789012:user/alice']]]);
  assert.equal(evaluateClause(clause('StringLike', 'k', ['arn:aws:*:user/alice']), arn, true), true);
  assert.equal(evaluateClause(clause('ArnLike', 'k', ['arn:aws:*:user/alice']), arn, true), false);
  // A variable whose key is absent matches nothing, whatever the operator compares with.
  const keys: ContextKeys = new Map<string, readonly string[] | null>([
    ['k', ['x']],
    ['aws:principaltag/team', null],
  ]);
  for (const operator of ['StringLike', 'Bool', 'StringEqualsIgnoreCase', 'ArnLike'])
    assert.equal(
      evaluateClause(clause(operator, 'k', ['${aws:PrincipalTag/team}']), keys, true),
      false,
      operator,
    );
  assert.equal(evaluateClause(clause('StringNotLike', 'k', ['${aws:PrincipalTag/team}']), keys, true), true);
  // ForAnyValue over an absent key is false even for a negated operator (a set of nothing has no member).
  assert.equal(evaluateClause(clause('ForAnyValue:StringNotEquals', 'k', ['x']), absent, true), false);
  assert.equal(evaluateClause(clause('ForAllValues:StringNotEquals', 'k', ['x']), absent, true), true);
});
