// Tests for reading policy documents: every kind of malformed input gives a located issue, never a throw.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConditionOperator, parsePolicyDocument } from './document.ts';

const ok = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'A',
      Effect: 'Deny',
      NotAction: ['iam:EnableMFADevice'],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};

function codes(document: unknown): string[] {
  return parsePolicyDocument(document, 'test.json').issues.map((i) => i.code);
}

void test('a well-formed document reads without issues', () => {
  const parsed = parsePolicyDocument(ok, 'ok.json');
  assert.deepEqual(parsed.issues, []);
  assert.equal(parsed.version, '2012-10-17');
  assert.equal(parsed.items.length, 1);
  const s = parsed.items[0]!;
  assert.equal(s.effect, 'Deny');
  assert.deepEqual(s.notActions, ['iam:EnableMFADevice']);
  assert.equal(s.conditions[0]?.operator.base, 'Bool');
  assert.equal(s.conditions[0]?.operator.ifExists, true);
  assert.equal(s.conditions[0]?.keyLower, 'aws:multifactorauthpresent');
});

void test('JSON text, URL-encoded JSON (as in authorization details), single statement object, Action as a string', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
  });
  for (const input of [text, encodeURIComponent(text), `  ${text}\n`]) {
    const parsed = parsePolicyDocument(input, 'x');
    assert.deepEqual(parsed.issues, []);
    assert.deepEqual(parsed.items[0]?.actions, ['s3:GetObject']);
    assert.deepEqual(parsed.items[0]?.resources, ['arn:aws:s3:::b/*']);
  }
});

void test('malformed documents give issues with codes, locations and paths', () => {
  assert.deepEqual(codes('{"Version": '), ['not-json']);
  assert.deepEqual(codes('%7B%22broken'), ['not-json']);
  assert.deepEqual(codes(null), ['not-object']);
  assert.deepEqual(codes([1, 2]), ['not-object']);
  assert.deepEqual(codes(42), ['not-object']);
  assert.deepEqual(codes({ Version: '2012-10-17' }), ['statement-missing']);
  assert.deepEqual(codes({ Version: '2012-10-18', Statement: [] }), ['bad-version']);
  assert.deepEqual(codes({ Statement: [] }), ['version-missing']);
  assert.deepEqual(codes({ Version: '2012-10-17', Statement: ['x'] }), ['bad-statement']);
  const base = { Version: '2012-10-17' };
  assert.deepEqual(codes({ ...base, Statement: { Effect: 'allow', Action: '*', Resource: '*' } }), [
    'bad-effect',
  ]);
  assert.deepEqual(codes({ ...base, Statement: { Action: '*', Resource: '*' } }), ['bad-effect']);
  assert.deepEqual(
    codes({ ...base, Statement: { Effect: 'Deny', Action: '*', NotAction: 'iam:*', Resource: '*' } }),
    ['action-and-notaction'],
  );
  assert.deepEqual(codes({ ...base, Statement: { Effect: 'Deny', Resource: '*' } }), ['action-missing']);
  assert.deepEqual(codes({ ...base, Statement: { Effect: 'Deny', Action: [], Resource: '*' } }), [
    'empty-list',
  ]);
  assert.deepEqual(codes({ ...base, Statement: { Effect: 'Deny', Action: [3], Resource: '*' } }), [
    'bad-value',
  ]);
  assert.deepEqual(codes({ ...base, Statement: { Effect: 'Deny', Action: 'CreateUser', Resource: '*' } }), [
    'bad-action',
  ]);
  assert.deepEqual(codes({ ...base, Statement: { Effect: 'Deny', Action: '*' } }), ['resource-missing']);
  assert.deepEqual(
    codes({ ...base, Statement: { Effect: 'Deny', Action: '*', Resource: '*', NotResource: 'x' } }),
    ['resource-and-notresource'],
  );
  assert.deepEqual(
    codes({ ...base, Statement: { Effect: 'Deny', Action: '*', Resource: '*', Conditon: {} } }),
    ['unknown-field'],
  );
  assert.deepEqual(
    codes({ ...base, Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: 'x' } }),
    ['bad-condition'],
  );
  assert.deepEqual(
    codes({ ...base, Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: 'x' } } }),
    ['bad-condition'],
  );
});

void test('condition problems: unknown operator is an error and the statement is kept but undecidable', () => {
  const parsed = parsePolicyDocument(
    {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { BoolIfExist: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    },
    'typo.json',
  );
  assert.equal(parsed.issues.length, 1);
  const issue = parsed.issues[0]!;
  assert.equal(issue.code, 'unknown-condition-operator');
  assert.equal(issue.level, 'error');
  assert.equal(issue.location, 'typo.json');
  assert.equal(issue.path, 'Statement.Condition.BoolIfExist');
  assert.match(issue.message, /BoolIfExist/);
  assert.equal(parsed.items.length, 1);
  assert.equal(parsed.items[0]?.conditionInvalid, true);
});

void test('condition values are checked against the operator', () => {
  const withCondition = (condition: unknown) => ({
    Version: '2012-10-17',
    Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: condition },
  });
  assert.deepEqual(codes(withCondition({ Bool: { 'aws:MultiFactorAuthPresent': 'no' } })), [
    'bad-condition-value',
  ]);
  assert.deepEqual(codes(withCondition({ NumericLessThan: { 'aws:MultiFactorAuthAge': 'an hour' } })), [
    'bad-condition-value',
  ]);
  assert.deepEqual(codes(withCondition({ DateGreaterThan: { 'aws:CurrentTime': 'tomorrow' } })), [
    'bad-condition-value',
  ]);
  assert.deepEqual(codes(withCondition({ StringEquals: { 'aws:username': { nested: 1 } } })), [
    'bad-condition-value',
  ]);
  assert.deepEqual(codes(withCondition({ StringEquals: { 'aws:username': [] } })), ['bad-condition-value']);
  // JSON booleans and numbers are accepted as IAM accepts them.
  assert.deepEqual(
    codes(
      withCondition({
        Bool: { 'aws:MultiFactorAuthPresent': false },
        NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
      }),
    ),
    [],
  );
  assert.deepEqual(codes(withCondition({ boolifexists: { 'aws:MultiFactorAuthPresent': 'false' } })), [
    'condition-operator-case',
  ]);
});

void test('parseConditionOperator splits set prefix, base and IfExists; rejects what IAM rejects', () => {
  assert.deepEqual(parseConditionOperator('ForAnyValue:StringLikeIfExists'), {
    name: 'ForAnyValue:StringLikeIfExists',
    set: 'ForAnyValue',
    base: 'StringLike',
    ifExists: true,
  });
  assert.equal(parseConditionOperator('ArnNotLike')?.base, 'ArnNotLike');
  assert.equal(parseConditionOperator('NullIfExists'), null);
  assert.equal(parseConditionOperator('ForSomeValues:StringLike'), null);
  assert.equal(parseConditionOperator('StringMatches'), null);
});

void test('a trust policy without Resource reads with the implied resource and hasPrincipal set', () => {
  const parsed = parsePolicyDocument(
    {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Principal: { AWS: '123' }, Action: 'sts:AssumeRole' },
    },
    'trust.json',
  );
  assert.deepEqual(parsed.issues, []);
  assert.equal(parsed.items[0]?.hasPrincipal, true);
  assert.deepEqual(parsed.items[0]?.resources, ['*']);
});
