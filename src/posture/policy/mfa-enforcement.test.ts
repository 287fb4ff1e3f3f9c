// Tests for the MFA-enforcement verdicts: contexts, pitfalls, NotAction, variables, wildcards, boundary and SCP interplay.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMfaEnforcement, checkPolicyDocument, findUnattachedMfaPolicies } from './mfa-enforcement.ts';
import { evaluateRequest, loadPolicy } from './evaluate.ts';
import { SELF_SERVICE_MFA_ACTIONS, SENSITIVE_ACTIONS } from './sensitive-actions.ts';
import type { MfaEnforcementInput, PolicyRef } from './types.ts';

const USER = {
  principalArn: 'arn:aws:iam::123456789012:user/alice',
  userName: 'alice',
  accountId: '123456789012',
};

function doc(...statements: unknown[]): unknown {
  return { Version: '2012-10-17', Statement: statements };
}
function ref(
  name: string,
  document: unknown,
  source: PolicyRef['source'] = 'user-managed',
  via?: string,
): PolicyRef {
  return { name, source, document, ...(via === undefined ? {} : { via }) };
}
const ADMIN = ref('AdministratorAccess', doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
const FULL_AWS_ACCESS = (via: string) =>
  ref('FullAWSAccess', doc({ Effect: 'Allow', Action: '*', Resource: '*' }), 'scp', via);
const DENY_WITHOUT_MFA = (operator: string) => ({
  Sid: 'DenyWithoutMfa',
  Effect: 'Deny',
  NotAction: [
    'iam:EnableMFADevice',
    'iam:CreateVirtualMFADevice',
    'iam:ListMFADevices',
    'sts:GetSessionToken',
  ],
  Resource: '*',
  Condition: { [operator]: { 'aws:MultiFactorAuthPresent': 'false' } },
});

function analyze(policies: PolicyRef[], extra: Partial<MfaEnforcementInput> = {}) {
  return analyzeMfaEnforcement({ ...USER, identityPolicies: policies, ...extra });
}
function codes(result: { findings: { code: string }[] }): string[] {
  return [...new Set(result.findings.map((f) => f.code))].sort();
}

void test('Deny with BoolIfExists "false" enforces MFA in both contexts, and still lets MFA users work', () => {
  const r = analyze([ADMIN, ref('EnforceMfa', doc(DENY_WITHOUT_MFA('BoolIfExists')))]);
  assert.equal(r.verdict, 'enforced');
  assert.equal(r.console.verdict, 'enforced');
  assert.equal(r.accessKeys.verdict, 'enforced');
  assert.equal(r.console.deniedActions.length, SENSITIVE_ACTIONS.length);
  assert.deepEqual(r.console.decidingStatements, [
    { policy: 'EnforceMfa', source: 'user-managed', index: 0, sid: 'DenyWithoutMfa' },
  ]);
  assert.equal(r.withMfa.allowedActions.length, SENSITIVE_ACTIONS.length);
  assert.deepEqual(r.withMfa.deniedActions, []);
  assert.deepEqual(codes(r), []);
  assert.match(r.explanation.join('\n'), /console session without MFA: enforced/);
});

void test('Deny with Bool "false" is console-only: partial, with the pitfall named', () => {
  const r = analyze([ADMIN, ref('EnforceMfa', doc(DENY_WITHOUT_MFA('Bool')))]);
  assert.equal(r.console.verdict, 'enforced');
  assert.equal(r.accessKeys.verdict, 'not-enforced');
  assert.equal(r.verdict, 'partial');
  assert.equal(r.accessKeys.allowedActions.length, SENSITIVE_ACTIONS.length);
  assert.deepEqual(codes(r), ['deny-bool-misses-access-keys']);
  assert.match(r.explanation.join('\n'), /deny-bool-misses-access-keys/);
});

void test('an Allow-only-with-MFA policy is not enforcement: no explicit deny anywhere, pitfall named', () => {
  const allowWithMfa = ref(
    'AllowWithMfa',
    doc({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    }),
  );
  const r = analyze([allowWithMfa]);
  assert.equal(r.verdict, 'not-enforced');
  assert.deepEqual(r.console.allowedActions, []);
  assert.deepEqual(r.console.deniedActions, []);
  assert.equal(r.withMfa.allowedActions.length, SENSITIVE_ACTIONS.length);
  assert.deepEqual(codes(r), ['mfa-only-in-allow']);
  // And the reason it matters: attach AdministratorAccess and everything is allowed without MFA.
  const later = analyze([allowWithMfa, ADMIN]);
  assert.equal(later.console.allowedActions.length, SENSITIVE_ACTIONS.length);
});

void test('Allow with BoolIfExists "true" lets access keys through', () => {
  const r = analyze([
    ref(
      'P',
      doc({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    ),
  ]);
  assert.equal(r.verdict, 'not-enforced');
  assert.deepEqual(r.console.allowedActions, []);
  assert.equal(r.accessKeys.allowedActions.length, SENSITIVE_ACTIONS.length);
  assert.ok(codes(r).includes('allow-boolifexists-lets-keys-through'));
});

void test('Deny with Null "true" catches only access keys', () => {
  const r = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Null: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    ),
  ]);
  assert.equal(r.console.verdict, 'not-enforced');
  assert.equal(r.accessKeys.verdict, 'enforced');
  assert.equal(r.verdict, 'partial');
  assert.deepEqual(codes(r), ['null-only-catches-absent-keys']);
});

void test('Deny on MultiFactorAuthAge without IfExists never fires without MFA; with IfExists it does', () => {
  const plain = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' } },
      }),
    ),
  ]);
  assert.equal(plain.verdict, 'not-enforced');
  assert.deepEqual(codes(plain), ['mfa-age-without-presence']);
  const ifExists = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { NumericGreaterThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } },
      }),
    ),
  ]);
  assert.equal(ifExists.verdict, 'enforced');
  assert.deepEqual(codes(ifExists), []);
});

void test('NotAction: the self-service set is fine; exempting a service exempts too much', () => {
  const selfService = analyze([
    ADMIN,
    ref('P', doc({ ...DENY_WITHOUT_MFA('BoolIfExists'), NotAction: [...SELF_SERVICE_MFA_ACTIONS] })),
  ]);
  assert.equal(selfService.verdict, 'enforced');
  assert.deepEqual(codes(selfService), []);
  const iamExempt = analyze([
    ADMIN,
    ref('P', doc({ ...DENY_WITHOUT_MFA('BoolIfExists'), NotAction: 'iam:*' })),
  ]);
  assert.equal(iamExempt.verdict, 'partial');
  assert.ok(iamExempt.console.deniedActions.includes('s3:GetObject'));
  assert.ok(!iamExempt.console.deniedActions.includes('iam:CreateAccessKey'));
  assert.deepEqual(codes(iamExempt), ['notaction-exempts-too-much']);
  assert.match(iamExempt.findings[0]!.message, /iam:CreateAccessKey/);
  const wildcard = analyze([
    ADMIN,
    ref('P', doc({ ...DENY_WITHOUT_MFA('BoolIfExists'), NotAction: ['iam:*MFA*', 'sts:*'] })),
  ]);
  assert.ok(!wildcard.console.deniedActions.includes('iam:DeactivateMFADevice'));
  assert.ok(!wildcard.console.deniedActions.includes('sts:AssumeRole'));
  assert.match(
    wildcard.findings.find((f) => f.code === 'notaction-exempts-too-much')!.message,
    /iam:DeactivateMFADevice.*sts:AssumeRole/,
  );
});

void test('wildcards and case: Action patterns match case-insensitively', () => {
  const r = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: ['IAM:*', 's3:get*', 'ec2:?unInstances'],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:multifactorauthpresent': 'false' } },
      }),
    ),
  ]);
  assert.ok(r.console.deniedActions.includes('iam:CreateAccessKey'));
  assert.ok(r.console.deniedActions.includes('s3:GetObject'));
  assert.ok(r.console.deniedActions.includes('ec2:RunInstances'));
  assert.ok(!r.console.deniedActions.includes('ec2:TerminateInstances'));
  assert.equal(r.console.verdict, 'partial');
});

void test('policy variables: a Deny on the own user resource covers self-targeted actions only', () => {
  const own = doc({
    Effect: 'Deny',
    Action: '*',
    Resource: 'arn:aws:iam::*:user/${aws:username}',
    Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  });
  const r = analyze([ADMIN, ref('P', own)]);
  assert.deepEqual(r.console.deniedActions, ['iam:CreateAccessKey', 'iam:DeactivateMFADevice']);
  assert.equal(r.verdict, 'partial');
  assert.ok(codes(r).includes('deny-covers-some-resources'));
  // Another user: the variable resolves to that user's name, and the Deny follows.
  const bob = analyzeMfaEnforcement({
    principalArn: 'arn:aws:iam::123456789012:user/bob',
    userName: 'bob',
    accountId: '123456789012',
    identityPolicies: [ADMIN, ref('P', own)],
  });
  assert.deepEqual(bob.console.deniedActions, ['iam:CreateAccessKey', 'iam:DeactivateMFADevice']);
  // Without Version the variable is literal text and matches nothing.
  const old = analyze([ADMIN, ref('P', { Statement: (own as { Statement: unknown[] }).Statement })]);
  assert.deepEqual(old.console.deniedActions, []);
  // An unknown variable makes the Deny undecidable: not counted, and said.
  const tag = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: 'arn:aws:iam::*:user/${aws:PrincipalTag/team}',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      }),
    ),
  ]);
  assert.deepEqual(tag.console.deniedActions, []);
  assert.ok(codes(tag).includes('undecidable-condition'));
});

void test('a Deny conditioned on a key mfaguard cannot know is not counted, and the finding says so', () => {
  const r = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
          NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' },
        },
      }),
    ),
  ]);
  assert.equal(r.verdict, 'not-enforced');
  assert.deepEqual(codes(r), ['undecidable-condition']);
});

void test('condition typos: an unknown operator makes the statement undecidable; a misspelt key is named', () => {
  const badOperator = analyze([ADMIN, ref('P', doc({ ...DENY_WITHOUT_MFA('BoolIfExist') }))]);
  assert.equal(badOperator.verdict, 'not-enforced');
  assert.ok(codes(badOperator).includes('invalid-policy'));
  assert.equal(badOperator.issues[0]?.code, 'unknown-condition-operator');
  const badKey = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresnt': 'false' } },
      }),
    ),
  ]);
  assert.equal(badKey.verdict, 'not-enforced');
  assert.deepEqual(codes(badKey), ['condition-typo']);
  // Lower-case key spelling is fine: keys are case-insensitive.
  const lower = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        ...DENY_WITHOUT_MFA('BoolIfExists'),
        Condition: { BoolIfExists: { 'AWS:multifactorauthpresent': 'false' } },
      }),
    ),
  ]);
  assert.equal(lower.verdict, 'enforced');
  assert.deepEqual(codes(lower), []);
});

void test('a policy that denies sessions WITH MFA locks MFA users out (pitfall)', () => {
  const r = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Null: { 'aws:MultiFactorAuthPresent': 'false' } },
      }),
    ),
  ]);
  assert.equal(r.withMfa.deniedActions.length, SENSITIVE_ACTIONS.length);
  assert.ok(codes(r).includes('locks-out-mfa-users'));
});

void test('permissions boundary: a Deny there counts; an Allow missing there is only an implicit deny', () => {
  const boundaryDeny = analyze([ADMIN], {
    permissionsBoundary: ref(
      'Boundary',
      doc({ Effect: 'Allow', Action: '*', Resource: '*' }, DENY_WITHOUT_MFA('BoolIfExists')),
      'permissions-boundary',
    ),
  });
  assert.equal(boundaryDeny.verdict, 'enforced');
  assert.equal(boundaryDeny.console.decidingStatements[0]?.source, 'permissions-boundary');
  const boundaryAllowOnlyMfa = analyze([ADMIN], {
    permissionsBoundary: ref(
      'Boundary',
      doc({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
      'permissions-boundary',
    ),
  });
  assert.equal(boundaryAllowOnlyMfa.verdict, 'not-enforced');
  assert.deepEqual(boundaryAllowOnlyMfa.console.allowedActions, []);
  assert.equal(boundaryAllowOnlyMfa.withMfa.allowedActions.length, SENSITIVE_ACTIONS.length);
});

void test('SCPs: a Deny at any level counts; each level must allow; a level that allows nothing is an implicit deny', () => {
  const root = FULL_AWS_ACCESS('r-root');
  const ou = FULL_AWS_ACCESS('ou-prod');
  const scpDeny = ref('DenyNoMfa', doc(DENY_WITHOUT_MFA('BoolIfExists')), 'scp', 'ou-prod');
  const r = analyze([ADMIN], { scps: [root, ou, scpDeny] });
  assert.equal(r.verdict, 'enforced');
  assert.equal(r.console.decidingStatements[0]?.via, 'ou-prod');
  // An OU level with only an MFA-conditioned Allow: implicit deny without MFA, not enforcement.
  const ouAllowMfa = ref(
    'OnlyMfa',
    doc({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    }),
    'scp',
    'ou-prod',
  );
  const implicit = analyze([ADMIN], { scps: [root, ouAllowMfa] });
  assert.equal(implicit.verdict, 'not-enforced');
  assert.deepEqual(implicit.console.allowedActions, []);
  assert.equal(implicit.withMfa.allowedActions.length, SENSITIVE_ACTIONS.length);
  // The root allowing is not enough when the account level allows nothing.
  const set = {
    identity: [loadPolicy(ADMIN)],
    scps: [
      loadPolicy(root),
      loadPolicy(
        ref('Empty', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), 'scp', '111122223333'),
      ),
    ],
  };
  const keys = new Map<string, readonly string[] | null>([['aws:multifactorauthpresent', ['true']]]);
  const decision = evaluateRequest(set, { action: 'ec2:RunInstances', resource: '*', keys });
  assert.equal(decision.decision, 'implicit-deny');
  assert.match(decision.notes.join('\n'), /no SCP at 111122223333/);
});

void test("group policies and inline policies count the same as the user's own", () => {
  const r = analyze([
    ADMIN,
    ref('EnforceMfa', doc(DENY_WITHOUT_MFA('BoolIfExists')), 'group-inline', 'Developers'),
  ]);
  assert.equal(r.verdict, 'enforced');
  assert.deepEqual(r.console.decidingStatements[0], {
    policy: 'EnforceMfa',
    source: 'group-inline',
    via: 'Developers',
    index: 0,
    sid: 'DenyWithoutMfa',
  });
});

void test('no policies at all: nothing allowed and nothing explicitly denied', () => {
  const r = analyze([]);
  assert.equal(r.verdict, 'not-enforced');
  assert.deepEqual(r.console.allowedActions, []);
  assert.match(r.explanation.join('\n'), /no policies at all/);
});

void test('malformed documents give issues and findings, never a throw', () => {
  for (const bad of [
    '{not json',
    null,
    17,
    { Version: '2012-10-17' },
    { Version: '2012-10-17', Statement: [{ Effect: 'Deny' }] },
  ]) {
    const report = checkPolicyDocument(bad, 'bad.json');
    assert.equal(report.verdict, 'not-enforced');
    assert.ok(report.issues.length > 0, JSON.stringify(bad));
    assert.ok(report.findings.some((f) => f.code === 'invalid-policy'));
  }
});

void test('checkPolicyDocument reports booleans per context; URL-encoded input works', () => {
  const text = encodeURIComponent(JSON.stringify(doc(DENY_WITHOUT_MFA('Bool'))));
  const report = checkPolicyDocument(text, 'enc.json');
  assert.deepEqual(report.mfaEnforced, { console: true, accessKeys: false });
  assert.equal(report.verdict, 'partial');
  assert.equal(report.file, 'enc.json');
});

void test('findUnattachedMfaPolicies: an enforcing policy attached to nobody is named; attached or non-enforcing ones are not', () => {
  const enforcing = doc(DENY_WITHOUT_MFA('BoolIfExists'));
  const found = findUnattachedMfaPolicies([
    { name: 'Enforce', arn: 'arn:aws:iam::1:policy/Enforce', attachmentCount: 0, document: enforcing },
    { name: 'Attached', attachmentCount: 2, document: enforcing },
    { name: 'Boundary', attachmentCount: 0, permissionsBoundaryUsageCount: 1, document: enforcing },
    {
      name: 'Harmless',
      attachmentCount: 0,
      document: doc({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }),
    },
  ]);
  assert.equal(found.length, 1);
  assert.equal(found[0]?.code, 'policy-attached-to-nobody');
  assert.match(found[0].message, /'Enforce'/);
});
