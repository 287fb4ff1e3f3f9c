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
