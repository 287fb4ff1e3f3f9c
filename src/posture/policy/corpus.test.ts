// Corpus tests: AWS-documented MFA policies get the verdicts we can justify; real authorization details parse; cloudmapper's MFA policy protects nobody.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { analyzeMfaEnforcement, checkPolicyDocument, findUnattachedMfaPolicies } from './mfa-enforcement.ts';
import { parsePolicyDocument } from './document.ts';
import type { EnforcementVerdict, PolicyRef } from './types.ts';
import { CORPUS as SHARED_CORPUS, corpusMissing } from '../../test-support/requirements.ts';

const OPTIONS = { now: new Date('2026-11-23T12:00:00Z') };
const CORPUS = `${SHARED_CORPUS}/`;
const AWSDOCS = `${CORPUS}iam-policies/awsdocs/`;

interface Expectation {
  readonly console: EnforcementVerdict;
  readonly accessKeys: EnforcementVerdict;
  readonly pitfalls: readonly string[];
  readonly why: string;
}

/** Every JSON policy in iam-policies/awsdocs, judged alone as a user's only identity policy. */
const EXPECTED: Readonly<Record<string, Expectation>> = {
  'access_policies__1.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow'],
    why: 'Allows only; MFA appears in an Allow condition for S3 reads, never in a Deny',
  },
  'id_credentials_mfa_configure-api-require__1.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow', 'not-an-identity-policy'],
    why: 'a trust policy: Allow sts:AssumeRole with Bool true, no Deny',
  },
  'id_credentials_mfa_configure-api-require__2.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow', 'not-an-identity-policy'],
    why: 'the same trust policy',
  },
  'id_credentials_mfa_configure-api-require__3.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow'],
    why: 'Allow ec2 Stop/Terminate only with MFA: implicit deny without, no Deny',
  },
  'id_credentials_mfa_configure-api-require__4.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow', 'not-an-identity-policy'],
    why: 'a bucket policy allowing writes with MFA: no Deny',
  },
  'id_credentials_mfa_enable_fido__1.json': {
    console: 'enforced',
    accessKeys: 'enforced',
    pitfalls: ['denies-mfa-self-enrolment'],
    why: 'Deny NotAction (MFA self-service) on * with BoolIfExists false; the NotAction leaves CreateVirtualMFADevice, ChangePassword and GetSessionToken denied without MFA (a FIDO-only page, but a virtual device or an MFA session for keys is then impossible)',
  },
  'id_credentials_mfa_enable_physical__1.json': {
    console: 'partial',
    accessKeys: 'partial',
    pitfalls: ['deny-covers-some-resources', 'denies-mfa-self-enrolment'],
    why: "the Deny's Resource is the user's own ARN (which also denies ChangePassword there without MFA): self-targeted actions (CreateAccessKey, DeactivateMFADevice) are denied, S3/EC2/other users are not",
  },
  'id_credentials_mfa_sync__1.json': {
    console: 'enforced',
    accessKeys: 'enforced',
    pitfalls: ['denies-mfa-self-enrolment'],
    why: 'Deny NotAction (list/resync) on * with BoolIfExists false: EnableMFADevice is denied without MFA, so a user without MFA can never enrol',
  },
  'id_roles_create_for-user__1.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow', 'not-an-identity-policy'],
    why: 'a trust policy: Allow AssumeRole with MFA, no Deny',
  },
  'reference_policies_elements_condition__1.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow'],
    why: 'Allow DeactivateMFADevice with a recent MFA age: an Allow, no Deny',
  },
  'reference_policies_elements_notaction__1.json': {
    console: 'partial',
    accessKeys: 'partial',
    pitfalls: ['denies-mfa-self-enrolment', 'notaction-exempts-too-much'],
    why: 'Deny NotAction iam:* with BoolIfExists: every IAM action (CreateAccessKey, CreateUser...) is exempt, and sts:GetSessionToken is denied without MFA',
  },
  'reference_policies_examples_aws_mfa-dates__1.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['mfa-only-in-allow'],
    why: 'Allow with Bool true and dates: an Allow, no Deny',
  },
  'reference_policies_examples_aws_my-sec-creds-self-manage-mfa-only__1.json': {
    console: 'enforced',
    accessKeys: 'enforced',
    pitfalls: ['denies-mfa-self-enrolment'],
    why: "AWS's self-service MFA policy: Deny NotAction self-service set with BoolIfExists false; ChangePassword is not in the NotAction, so a user whose password must be reset at first sign-in is stuck",
  },
  'reference_policies_examples_aws_my-sec-creds-self-manage__1.json': {
    console: 'enforced',
    accessKeys: 'enforced',
    pitfalls: ['denies-mfa-self-enrolment'],
    why: "AWS's self-service credentials policy: same Deny, same ChangePassword gap",
  },
  'reference_policies_examples_ec2_require-mfa__1.json': {
    console: 'partial',
    accessKeys: 'partial',
    pitfalls: [],
    why: 'denies only ec2:Stop/TerminateInstances without MFA (BoolIfExists): TerminateInstances denied, the rest not',
  },
  'reference_policies_examples_iam_mfa-selfmanage__1.json': {
    console: 'enforced',
    accessKeys: 'enforced',
    pitfalls: ['denies-mfa-self-enrolment'],
    why: "AWS's MFA self-manage policy: Deny NotAction with BoolIfExists false; its MFA-conditioned Allow is not a problem once the Deny enforces; ChangePassword and GetSessionToken are denied without MFA",
  },
  'reference_policies_examples_s3_full-access-except-production__1.json': {
    console: 'not-enforced',
    accessKeys: 'not-enforced',
    pitfalls: ['deny-covers-some-resources'],
    why: 'the MFA-age Deny reaches only the Production bucket, not S3 objects in general',
  },
};

void test('every AWS-documented JSON policy gets the expected verdict per context (reasons in EXPECTED)', (t) => {
  if (corpusMissing(t, AWSDOCS)) return;
  const files = readdirSync(AWSDOCS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort(), 'every corpus JSON file has a written expectation');
  const wrong: string[] = [];
  for (const file of files) {
    const expected = EXPECTED[file]!;
    const report = checkPolicyDocument(readFileSync(AWSDOCS + file, 'utf8'), file, OPTIONS);
    const pitfalls = [...new Set(report.findings.map((f) => f.code))].sort();
    const got = { console: report.console, accessKeys: report.accessKeys, pitfalls };
    const want = {
      console: expected.console,
      accessKeys: expected.accessKeys,
      pitfalls: [...expected.pitfalls].sort(),
    };
    if (JSON.stringify(got) !== JSON.stringify(want))
      wrong.push(`${file}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)} (${expected.why})`);
    assert.deepEqual(
      report.issues.filter((i) => i.level === 'error'),
      [],
      file,
    );
  }
  assert.deepEqual(wrong, []);
});

void test('the documented condition-key fragments, completed into statements, name their pitfalls', (t) => {
  if (corpusMissing(t, AWSDOCS)) return;
  const fragment = (name: string): unknown => {
    const text = readFileSync(AWSDOCS + name, 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n')
      .trim();
    return {
      Version: '2012-10-17',
      Statement: JSON.parse(`{${text}, "Action": "*", "Resource": "*"}`) as unknown,
    };
  };
  const admin: PolicyRef = {
    name: 'Admin',
    source: 'user-managed',
    document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
  };
  const judge = (name: string) =>
    analyzeMfaEnforcement(
      {
        principalArn: 'arn:aws:iam::123456789012:user/alice',
        userName: 'alice',
        accountId: '123456789012',
        identityPolicies: [admin, { name, source: 'user-inline', document: fragment(name) }],
      },
      OPTIONS,
    );
  // "NOT RECOMMENDED": Deny with Bool false — console denied, access keys pass.
  const notRecommended = judge('reference_policies_condition-keys__1.txt');
  assert.deepEqual(
    [notRecommended.console.verdict, notRecommended.accessKeys.verdict],
    ['enforced', 'not-enforced'],
  );
  assert.ok(notRecommended.findings.some((f) => f.code === 'deny-bool-misses-access-keys'));
  // The recommended Deny with BoolIfExists false.
  const recommended = judge('reference_policies_condition-keys__2.txt');
  assert.equal(recommended.verdict, 'enforced');
  // Allow with BoolIfExists true / Bool true / Null false: with Admin attached, nothing is denied at all.
  for (const [name, code] of [
    ['reference_policies_condition-keys__3.txt', 'allow-boolifexists-lets-keys-through'],
    ['reference_policies_condition-keys__4.txt', 'mfa-only-in-allow'],
    ['reference_policies_condition-keys__5.txt', 'null-only-catches-absent-keys'],
  ] as const) {
    const r = judge(name);
    assert.equal(r.verdict, 'not-enforced', name);
    assert.ok(
      r.findings.some((f) => f.code === code),
      `${name}: ${code}`,
    );
  }
});

interface AuthDetails {
  UserDetailList: {
    UserName: string;
    Arn: string;
    GroupList?: string[];
    UserPolicyList?: { PolicyName: string; PolicyDocument: unknown }[];
    AttachedManagedPolicies?: { PolicyArn: string; PolicyName: string }[];
  }[];
  GroupDetailList: {
    GroupName: string;
    GroupPolicyList?: { PolicyName: string; PolicyDocument: unknown }[];
    AttachedManagedPolicies?: { PolicyArn: string; PolicyName: string }[];
  }[];
  Policies: {
    PolicyName: string;
    Arn: string;
    AttachmentCount: number;
    PermissionsBoundaryUsageCount?: number;
    DefaultVersionId: string;
    PolicyVersionList: { VersionId: string; Document: unknown }[];
  }[];
}

void test('cloudmapper demo: the MFA-enforcing policy is attached to nobody, so no user counts as enforced', (t) => {
  const file = `${CORPUS}cloudmapper/account-data/demo/us-east-1/iam-get-account-authorization-details.json`;
  if (corpusMissing(t, file)) return;
  const details = JSON.parse(readFileSync(file, 'utf8')) as AuthDetails;
  const managed = new Map(details.Policies.map((p) => [p.Arn, p]));
  const managedDocument = (arn: string): unknown => {
    const policy = managed.get(arn);
    return policy?.PolicyVersionList.find((v) => v.VersionId === policy.DefaultVersionId)?.Document;
  };
  const unattached = findUnattachedMfaPolicies(
    details.Policies.map((p) => ({
      name: p.PolicyName,
      arn: p.Arn,
      attachmentCount: p.AttachmentCount,
      ...(p.PermissionsBoundaryUsageCount === undefined
        ? {}
        : { permissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount }),
      document: managedDocument(p.Arn),
    })),
    OPTIONS,
  );
  assert.deepEqual(
    unattached.map((f) => f.code),
    ['policy-attached-to-nobody'],
  );
  assert.match(unattached[0]!.message, /BAD_MFA_POLICY/);
  assert.equal(details.UserDetailList.length, 2);
  for (const user of details.UserDetailList) {
    const policies: PolicyRef[] = [
      ...(user.UserPolicyList ?? []).map((p): PolicyRef => ({
        name: p.PolicyName,
        source: 'user-inline',
        document: p.PolicyDocument,
      })),
      ...(user.AttachedManagedPolicies ?? []).map((p): PolicyRef => ({
        name: p.PolicyName,
        arn: p.PolicyArn,
        source: 'user-managed',
        document: managedDocument(p.PolicyArn),
      })),
    ];
    for (const groupName of user.GroupList ?? []) {
      const group = details.GroupDetailList.find((g) => g.GroupName === groupName);
      for (const p of group?.GroupPolicyList ?? [])
        policies.push({
          name: p.PolicyName,
          source: 'group-inline',
          via: groupName,
          document: p.PolicyDocument,
        });
      for (const p of group?.AttachedManagedPolicies ?? [])
        policies.push({
          name: p.PolicyName,
          arn: p.PolicyArn,
          source: 'group-managed',
          via: groupName,
          document: managedDocument(p.PolicyArn),
        });
    }
    assert.ok(policies.length > 0, user.UserName);
    const account = /^arn:aws:iam::([^:]*):/.exec(user.Arn)?.[1] ?? '';
    const result = analyzeMfaEnforcement(
      {
        principalArn: user.Arn,
        userName: user.UserName,
        accountId: account,
        identityPolicies: policies,
      },
      OPTIONS,
    );
    assert.equal(result.verdict, 'not-enforced', user.UserName);
    assert.deepEqual(
      result.issues.filter((i) => i.level === 'error'),
      [],
      user.UserName,
    );
  }
});

void test('every policy document in the corpus authorization details and placebo responses reads without errors (URL-encoded too)', (t) => {
  if (corpusMissing(t, CORPUS)) return;
  const documents: [string, unknown][] = [];
  const collect = (where: string, value: unknown): void => {
    if (Array.isArray(value)) value.forEach((v, i) => collect(`${where}[${i}]`, v));
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (
          (k === 'PolicyDocument' || k === 'AssumeRolePolicyDocument' || k === 'Document') &&
          (typeof v === 'string' || typeof v === 'object')
        )
          documents.push([`${where}.${k}`, v]);
        else collect(`${where}.${k}`, v);
      }
    }
  };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (
        entry.name.endsWith('.json') &&
        /authoriz|authz|ListRoles|Policy|Policies|example/i.test(entry.name)
      ) {
        try {
          collect(path, JSON.parse(readFileSync(path, 'utf8')));
        } catch {
          // Not every corpus JSON file is one document; those are other areas' fixtures.
        }
      }
    }
  };
  for (const sub of ['cloudmapper', 'cloudsplaining', 'cloud-custodian', 'aws-cli-examples'])
    if (existsSync(CORPUS + sub)) walk(CORPUS + sub);
  const encoded = documents.filter(([, d]) => typeof d === 'string');
  assert.ok(documents.length > 200, `found ${documents.length} documents`);
  assert.ok(encoded.length > 0, 'some documents are URL-encoded strings');
  const errors = documents.flatMap(([where, d]) =>
    parsePolicyDocument(d, where)
      .issues.filter((i) => i.level === 'error')
      .map((i) => `${where}: ${i.message}`),
  );
  assert.deepEqual(errors, []);
});
