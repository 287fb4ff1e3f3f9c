// Tests for the MFA-enforcement verdicts: contexts, pitfalls, NotAction, variables, wildcards, boundary and SCP interplay.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMfaEnforcement, checkPolicyDocument, findUnattachedMfaPolicies } from './mfa-enforcement.ts';
import { evaluateRequest, loadPolicy } from './evaluate.ts';
import { SELF_SERVICE_MFA_ACTIONS, SENSITIVE_ACTIONS } from './sensitive-actions.ts';
import type { MfaEnforcementInput, PolicyRef } from './types.ts';

const NOW = new Date('2026-11-23T12:00:00Z');
const OPTIONS = { now: NOW };
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
  NotAction: [...SELF_SERVICE_MFA_ACTIONS],
  Resource: '*',
  Condition: { [operator]: { 'aws:MultiFactorAuthPresent': 'false' } },
});

function analyze(policies: PolicyRef[], extra: Partial<MfaEnforcementInput> = {}) {
  return analyzeMfaEnforcement({ ...USER, identityPolicies: policies, ...extra }, OPTIONS);
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
  // Denying everything to access keys without MFA also denies sts:GetSessionToken, the way to an MFA session.
  assert.deepEqual(codes(r), ['denies-mfa-self-enrolment', 'null-only-catches-absent-keys']);
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
  // Action "*" without MFA also denies enrolling a device.
  assert.deepEqual(codes(ifExists), ['denies-mfa-self-enrolment']);
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
  // NotAction iam:* leaves sts:GetSessionToken denied: access-key users cannot get an MFA session.
  assert.deepEqual(codes(iamExempt), ['denies-mfa-self-enrolment', 'notaction-exempts-too-much']);
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

/** The sensitive actions probed on the user's own ARN (SENSITIVE_ACTIONS). */
const OWN_USER_ACTIONS = [
  'iam:CreateAccessKey',
  'iam:DeactivateMFADevice',
  'iam:AttachUserPolicy',
  'iam:PutUserPolicy',
];

void test('policy variables: a Deny on the own user resource covers self-targeted actions only', () => {
  const own = doc({
    Effect: 'Deny',
    Action: '*',
    Resource: 'arn:aws:iam::*:user/${aws:username}',
    Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  });
  const r = analyze([ADMIN, ref('P', own)]);
  assert.deepEqual(r.console.deniedActions, OWN_USER_ACTIONS);
  assert.equal(r.verdict, 'partial');
  assert.ok(codes(r).includes('deny-covers-some-resources'));
  // Another user: the variable resolves to that user's name, and the Deny follows.
  const bob = analyzeMfaEnforcement(
    {
      principalArn: 'arn:aws:iam::123456789012:user/bob',
      userName: 'bob',
      accountId: '123456789012',
      identityPolicies: [ADMIN, ref('P', own)],
    },
    OPTIONS,
  );
  assert.deepEqual(bob.console.deniedActions, OWN_USER_ACTIONS);
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
    const report = checkPolicyDocument(bad, 'bad.json', OPTIONS);
    assert.equal(report.verdict, 'not-enforced');
    assert.ok(report.issues.length > 0, JSON.stringify(bad));
    assert.ok(report.findings.some((f) => f.code === 'invalid-policy'));
  }
});

void test('checkPolicyDocument reports booleans per context; URL-encoded input works', () => {
  const text = encodeURIComponent(JSON.stringify(doc(DENY_WITHOUT_MFA('Bool'))));
  const report = checkPolicyDocument(text, 'enc.json', OPTIONS);
  assert.deepEqual(report.mfaEnforced, { console: true, accessKeys: false });
  assert.equal(report.verdict, 'partial');
  assert.equal(report.file, 'enc.json');
});

void test('findUnattachedMfaPolicies: an enforcing policy attached to nobody is named; attached or non-enforcing ones are not', () => {
  const enforcing = doc(DENY_WITHOUT_MFA('BoolIfExists'));
  const found = findUnattachedMfaPolicies(
    [
      { name: 'Enforce', arn: 'arn:aws:iam::1:policy/Enforce', attachmentCount: 0, document: enforcing },
      { name: 'Attached', attachmentCount: 2, document: enforcing },
      { name: 'Boundary', attachmentCount: 0, permissionsBoundaryUsageCount: 1, document: enforcing },
      {
        name: 'Harmless',
        attachmentCount: 0,
        document: doc({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }),
      },
    ],
    OPTIONS,
  );
  assert.equal(found.length, 1);
  assert.equal(found[0]?.code, 'policy-attached-to-nobody');
  assert.match(found[0].message, /'Enforce'/);
});

void test('a NotResource-style Deny (everything but the own user) is judged on typed sample resources: enforced, not partial', () => {
  // Denies everything outside the own user without MFA, and the own user's MFA actions with BoolIfExists too.
  const notResource = doc(
    {
      Sid: 'DenyOthersWithoutMfa',
      Effect: 'Deny',
      Action: '*',
      NotResource: 'arn:aws:iam::*:user/${aws:username}',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
    {
      Sid: 'DenyOwnUserWithoutMfa',
      Effect: 'Deny',
      NotAction: [...SELF_SERVICE_MFA_ACTIONS],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  );
  const r = analyze([ADMIN, ref('P', notResource)]);
  assert.equal(r.console.verdict, 'enforced');
  assert.equal(r.accessKeys.verdict, 'enforced');
  assert.deepEqual(r.console.notDeniedActions, []);
  // The first statement alone denies exactly the actions whose sample resource is not the own user.
  const first = analyze([ADMIN, ref('P', doc((notResource as { Statement: unknown[] }).Statement[0]))]);
  assert.deepEqual(first.console.notDeniedActions, OWN_USER_ACTIONS);
  assert.equal(first.console.deniedActions.length, SENSITIVE_ACTIONS.length - OWN_USER_ACTIONS.length);
});

void test('policy variables are literal text in a 2008-10-17 or version-less policy, in NotResource as in Resource', () => {
  const statement = {
    Effect: 'Deny',
    Action: '*',
    NotResource: 'arn:aws:iam::*:user/${aws:username}',
    Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  };
  const modern = analyze([ADMIN, ref('P', doc(statement))]);
  const old = analyze([ADMIN, ref('P', { Version: '2008-10-17', Statement: [statement] })]);
  const none = analyze([ADMIN, ref('P', { Statement: [statement] })]);
  // 2012: the own user is exempt. 2008 / none: "${aws:username}" names nobody, so the own user is denied too.
  assert.deepEqual(modern.console.notDeniedActions, OWN_USER_ACTIONS);
  assert.deepEqual(old.console.notDeniedActions, []);
  assert.deepEqual(none.console.notDeniedActions, []);
  for (const r of [old, none]) assert.ok(codes(r).includes('policy-variables-not-substituted'));
  assert.ok(!codes(modern).includes('policy-variables-not-substituted'));
  // An explicit 2008 version that uses ${...} is warned about when the document is read.
  assert.ok(old.issues.some((i) => i.code === 'variables-in-2008-policy' && i.level === 'warning'));
  assert.ok(!none.issues.some((i) => i.code === 'variables-in-2008-policy'));
});

void test('aws:CurrentTime and aws:EpochTime are decided against the clock given, never undecidable', () => {
  const until = (operator: string, key: string, value: string) =>
    ref(
      'P',
      doc({
        ...DENY_WITHOUT_MFA('BoolIfExists'),
        Condition: {
          BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
          [operator]: { [key]: value },
        },
      }),
    );
  const at = (policy: PolicyRef, now: string) =>
    analyzeMfaEnforcement({ ...USER, identityPolicies: [ADMIN, policy] }, { now: new Date(now) });
  // A Deny that applies until the end of 2026 enforces before, and no longer after.
  const iso = until('DateLessThan', 'aws:CurrentTime', '2026-12-31T23:59:59Z');
  assert.equal(at(iso, '2026-11-23T12:00:00Z').verdict, 'enforced');
  assert.equal(at(iso, '2027-01-01T00:00:00Z').verdict, 'not-enforced');
  assert.ok(!codes(at(iso, '2026-11-23T12:00:00Z')).includes('undecidable-condition'));
  // aws:EpochTime takes date and numeric operators, epoch seconds or ISO dates.
  const epoch = until('NumericLessThan', 'aws:EpochTime', '1798761599'); // 2026-12-31T23:59:59Z
  assert.equal(at(epoch, '2026-11-23T12:00:00Z').verdict, 'enforced');
  assert.equal(at(epoch, '2027-01-01T00:00:00Z').verdict, 'not-enforced');
  const epochDate = until('DateGreaterThan', 'aws:EpochTime', '2026-01-01T00:00:00Z');
  assert.equal(at(epochDate, '2026-11-23T12:00:00Z').verdict, 'enforced');
  assert.equal(at(epochDate, '2025-11-23T12:00:00Z').verdict, 'not-enforced');
});

void test('pitfalls are judged on the whole set: a Bool-false Deny next to a Null-true Deny is enforced, and neither pitfall fires', () => {
  const bool = { ...DENY_WITHOUT_MFA('Bool'), Sid: 'Console' };
  const nullTrue = {
    ...DENY_WITHOUT_MFA('Null'),
    Sid: 'Keys',
    Condition: { Null: { 'aws:MultiFactorAuthPresent': 'true' } },
  };
  const together = analyze([ADMIN, ref('P', doc(bool, nullTrue))]);
  assert.equal(together.verdict, 'enforced');
  assert.deepEqual(codes(together), []);
  // Split over two policies, the same.
  const split = analyze([ADMIN, ref('A', doc(bool)), ref('B', doc(nullTrue))]);
  assert.equal(split.verdict, 'enforced');
  assert.deepEqual(codes(split), []);
  // Each alone leaves its gap, and says which actions pass.
  const boolAlone = analyze([ADMIN, ref('A', doc(bool))]);
  assert.deepEqual(codes(boolAlone), ['deny-bool-misses-access-keys']);
  assert.match(
    boolAlone.findings[0]!.message,
    /pass for iam:CreateAccessKey, .*organizations:LeaveOrganization/,
  );
  const nullAlone = analyze([ADMIN, ref('B', doc(nullTrue))]);
  assert.deepEqual(codes(nullAlone), ['null-only-catches-absent-keys']);
  // A NotAction exemption covered by another statement is no gap either.
  const covered = analyze([
    ADMIN,
    ref('P', doc({ ...DENY_WITHOUT_MFA('BoolIfExists'), NotAction: [...SELF_SERVICE_MFA_ACTIONS, 'iam:*'] })),
    ref(
      'Q',
      doc(
        {
          Effect: 'Deny',
          Action: 'iam:*',
          NotResource: ['arn:aws:iam::*:mfa/${aws:username}', 'arn:aws:iam::*:user/${aws:username}'],
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
        {
          Effect: 'Deny',
          Action: OWN_USER_ACTIONS.concat('iam:DeleteVirtualMFADevice'),
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
      ),
    ),
  ]);
  assert.equal(covered.verdict, 'enforced');
  assert.ok(!codes(covered).includes('notaction-exempts-too-much'));
});

void test('StringEquals or ForAnyValue: on aws:MultiFactorAuthPresent leaves long-term keys uncovered (named pitfall)', () => {
  for (const operator of [
    'StringEquals',
    'StringEqualsIgnoreCase',
    'ForAnyValue:StringEquals',
    'StringLike',
  ]) {
    const r = analyze([ADMIN, ref('P', doc(DENY_WITHOUT_MFA(operator)))]);
    assert.equal(r.console.verdict, 'enforced', operator);
    assert.equal(r.accessKeys.verdict, 'not-enforced', operator);
    assert.deepEqual(codes(r), ['mfa-present-string-or-set-operator'], operator);
  }
  // The IfExists and negated forms hold when the key is absent: enforced, no pitfall.
  for (const operator of ['StringEqualsIfExists', 'ForAllValues:StringEquals']) {
    const r = analyze([ADMIN, ref('P', doc(DENY_WITHOUT_MFA(operator)))]);
    assert.equal(r.verdict, 'enforced', operator);
    assert.deepEqual(codes(r), [], operator);
  }
  // In an Allow, ForAllValues "true" is vacuously true with no key: access keys are allowed without MFA.
  const allow = analyze([
    ref(
      'P',
      doc({
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { 'ForAllValues:StringEquals': { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    ),
  ]);
  assert.deepEqual(allow.console.allowedActions, []);
  assert.equal(allow.accessKeys.allowedActions.length, SENSITIVE_ACTIONS.length);
  assert.ok(codes(allow).includes('mfa-present-string-or-set-operator'));
});

void test('a policy that denies MFA self-enrolment without MFA is named; exempting the self-service set clears it', () => {
  const denyAll = analyze([
    ADMIN,
    ref('P', doc({ ...DENY_WITHOUT_MFA('BoolIfExists'), NotAction: undefined, Action: '*' })),
  ]);
  const pitfall = denyAll.findings.find((f) => f.code === 'denies-mfa-self-enrolment');
  assert.equal(pitfall?.level, 'error');
  for (const action of [
    'iam:CreateVirtualMFADevice',
    'iam:EnableMFADevice',
    'iam:ListMFADevices',
    'iam:ResyncMFADevice',
    'iam:ChangePassword',
    'sts:GetSessionToken',
  ])
    assert.ok(pitfall?.message.includes(action), action);
  // Only the password reset at first sign-in blocked: a warning, naming that step alone.
  const onlyPassword = analyze([
    ADMIN,
    ref(
      'P',
      doc({
        ...DENY_WITHOUT_MFA('BoolIfExists'),
        NotAction: SELF_SERVICE_MFA_ACTIONS.filter((a) => a !== 'iam:ChangePassword'),
      }),
    ),
  ]);
  const warning = onlyPassword.findings.find((f) => f.code === 'denies-mfa-self-enrolment');
  assert.equal(warning?.level, 'warning');
  assert.match(warning?.message ?? '', /iam:ChangePassword \(sets a new password/);
  assert.doesNotMatch(warning?.message ?? '', /EnableMFADevice/);
  // An unconditional Deny (quarantine) is not an MFA enrolment pitfall: it denies with MFA too.
  const unconditional = analyze([ADMIN, ref('P', doc({ Effect: 'Deny', Action: '*', Resource: '*' }))]);
  assert.ok(!codes(unconditional).includes('denies-mfa-self-enrolment'));
  assert.deepEqual(codes(analyze([ADMIN, ref('P', doc(DENY_WITHOUT_MFA('BoolIfExists')))])), []);
});

void test('the explanation lists, per context, exactly the sensitive actions denied and not denied', () => {
  const r = analyze([
    ADMIN,
    ref('P', doc({ ...DENY_WITHOUT_MFA('Bool'), NotAction: [...SELF_SERVICE_MFA_ACTIONS, 's3:*', 'kms:*'] })),
  ]);
  const text = r.explanation.join('\n');
  const all = SENSITIVE_ACTIONS.map((s) => s.action);
  const consoleDenied = all.filter((a) => !a.startsWith('s3:') && !a.startsWith('kms:'));
  assert.deepEqual(r.console.deniedActions, consoleDenied);
  assert.deepEqual(r.console.notDeniedActions, ['s3:GetObject', 's3:PutBucketPolicy', 'kms:Decrypt']);
  assert.deepEqual(r.accessKeys.deniedActions, []);
  assert.deepEqual(r.accessKeys.notDeniedActions, all);
  const section = (label: string) => text.slice(text.indexOf(label)).split('\n').slice(0, 5).join('\n');
  assert.match(section('console session without MFA:'), new RegExp(`denied: ${consoleDenied.join(', ')}\\n`));
  assert.match(
    section('console session without MFA:'),
    /not denied: s3:GetObject, s3:PutBucketPolicy, kms:Decrypt\n/,
  );
  assert.match(section('long-term access key:'), /denied: none\n/);
  assert.match(section('long-term access key:'), new RegExp(`not denied: ${all.join(', ')}\\n`));
  // Every name is written out: no "and N more".
  assert.doesNotMatch(text, /and \d+ more/);
});

void test('a statement about none of the sensitive actions is judged on its own shape', () => {
  const stopOnly = (operator: string) =>
    analyze([
      ADMIN,
      ref(
        'P',
        doc({
          Effect: 'Deny',
          Action: 'ec2:StopInstances',
          Resource: '*',
          Condition: { [operator]: { 'aws:MultiFactorAuthPresent': 'false' } },
        }),
      ),
    ]);
  assert.deepEqual(codes(stopOnly('Bool')), ['deny-bool-misses-access-keys']);
  assert.doesNotMatch(stopOnly('Bool').findings[0]!.message, /pass for/);
  assert.deepEqual(codes(stopOnly('ForAnyValue:StringEquals')), ['mfa-present-string-or-set-operator']);
  // These hold with the key absent: nothing to name.
  assert.deepEqual(codes(stopOnly('BoolIfExists')), []);
  assert.deepEqual(codes(stopOnly('ForAllValues:StringEquals')), []);
  assert.deepEqual(codes(stopOnly('StringNotEquals')), []);
});
