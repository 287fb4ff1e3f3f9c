// Property tests: a policy set's verdict does not depend on statement order or on how statements are split across statements and policies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeMfaEnforcement } from './mfa-enforcement.ts';
import type { MfaEnforcementResult, PolicyRef } from './types.ts';
import { assertProperty } from '../../test-support/property.ts';

const USER = {
  principalArn: 'arn:aws:iam::111122223333:user/alice',
  userName: 'alice',
  accountId: '111122223333',
};
const OPTIONS = { now: new Date('2026-11-23T12:00:00Z') };

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string[];
  readonly NotAction?: string[];
  readonly Resource?: string[];
  readonly NotResource?: string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const ACTIONS = [
  '*',
  'iam:*',
  's3:*',
  'ec2:*Instances',
  'iam:CreateAccessKey',
  'iam:DeactivateMFADevice',
  'iam:EnableMFADevice',
  'iam:ChangePassword',
  'sts:*',
  's3:GetObject',
  'kms:Decrypt',
  'cloudtrail:*',
];
const RESOURCES = [
  '*',
  'arn:aws:iam::*:user/${aws:username}',
  'arn:aws:iam::*:mfa/${aws:username}',
  'arn:aws:iam::*:user/*',
  'arn:aws:s3:::*/*',
  'arn:aws:s3:::mfaguard-sample-bucket',
  'arn:aws:ec2:*:*:instance/*',
  'arn:aws:iam::*:role/*',
];
const CONDITIONS: (Statement['Condition'] | undefined)[] = [
  undefined,
  { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
  { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
  { Null: { 'aws:MultiFactorAuthPresent': 'true' } },
  { NumericGreaterThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } },
  { 'ForAnyValue:StringEquals': { 'aws:MultiFactorAuthPresent': 'false' } },
  { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } },
  { StringEquals: { 'aws:username': ['alice', 'bob'] } },
];

const statementArb: fc.Arbitrary<Statement> = fc
  .record({
    effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny'),
    notAction: fc.boolean(),
    actions: fc.uniqueArray(fc.constantFrom(...ACTIONS), { minLength: 1, maxLength: 4 }),
    notResource: fc.boolean(),
    resources: fc.uniqueArray(fc.constantFrom(...RESOURCES), { minLength: 1, maxLength: 3 }),
    condition: fc.constantFrom(...CONDITIONS),
  })
  .map((s) => ({
    Effect: s.effect,
    ...(s.notAction ? { NotAction: s.actions } : { Action: s.actions }),
    ...(s.notResource ? { NotResource: s.resources } : { Resource: s.resources }),
    ...(s.condition === undefined ? {} : { Condition: s.condition }),
  }));

const policiesArb = fc.array(fc.array(statementArb, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 3,
});

function refs(policies: readonly (readonly Statement[])[]): PolicyRef[] {
  return policies.map((statements, i) => ({
    name: `p${i}`,
    source: 'user-managed',
    document: { Version: '2012-10-17', Statement: statements },
  }));
}

/** What must not change: the verdicts and exactly which actions are denied / allowed in each context. */
function outcome(r: MfaEnforcementResult): unknown {
  const ctx = (v: MfaEnforcementResult['console']) => ({
    verdict: v.verdict,
    denied: [...v.deniedActions].sort(),
    allowed: [...v.allowedActions].sort(),
  });
  return {
    verdict: r.verdict,
    console: ctx(r.console),
    accessKeys: ctx(r.accessKeys),
    withMfa: ctx(r.withMfa),
  };
}

function judge(policies: readonly (readonly Statement[])[]): MfaEnforcementResult {
  return analyzeMfaEnforcement({ ...USER, identityPolicies: refs(policies) }, OPTIONS);
}

/** An Action list, or a Resource list, becomes one statement per entry (never NotAction/NotResource: that changes meaning). */
function split(statement: Statement): Statement[] {
  const byAction =
    statement.Action === undefined
      ? [statement]
      : statement.Action.map((a) => ({ ...statement, Action: [a] }));
  return byAction.flatMap((s) =>
    s.Resource === undefined ? [s] : s.Resource.map((r) => ({ ...s, Resource: [r] })),
  );
}

function shuffle<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % keys.length] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}

const codes = (r: MfaEnforcementResult): string[] => [...new Set(r.findings.map((f) => f.code))].sort();

void test('property: reordering statements and policies changes neither the verdict, the per-context lists nor the pitfalls named', () => {
  assertProperty(
    fc.property(policiesArb, fc.array(fc.integer(), { minLength: 1, maxLength: 12 }), (policies, keys) => {
      const reordered = shuffle(
        policies.map((statements) => shuffle(statements, keys.slice().reverse())),
        keys,
      );
      const a = judge(policies);
      const b = judge(reordered);
      assert.deepEqual(outcome(b), outcome(a));
      assert.deepEqual(codes(b), codes(a));
    }),
    { numRuns: 150, seed: 1212 },
  );
});

void test('property: splitting statements (one per action, one per resource) keeps the verdict and the per-context lists', () => {
  const seen = new Set<string>();
  assertProperty(
    fc.property(policiesArb, (policies) => {
      const a = judge(policies);
      seen.add(a.verdict);
      const b = judge(policies.map((statements) => statements.flatMap(split)));
      assert.deepEqual(outcome(b), outcome(a));
    }),
    { numRuns: 150, seed: 1213 },
  );
  // The generator reaches every verdict, so the property is not true for want of variety.
  assert.deepEqual([...seen].sort(), ['enforced', 'not-enforced', 'partial']);
});

void test('property: moving every statement into a policy of its own keeps the verdict and the per-context lists', () => {
  assertProperty(
    fc.property(policiesArb, (policies) => {
      const a = judge(policies);
      const b = judge(policies.flatMap((statements) => statements.map((s) => [s])));
      assert.deepEqual(outcome(b), outcome(a));
    }),
    { numRuns: 150, seed: 1214 },
  );
});
