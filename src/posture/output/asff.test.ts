// Tests for the ASFF writer: product ARN and account for the importing account and region, controls, standards, stable ids, first-seen, user details.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toAsff } from './asff.ts';
import { readFirstSeen } from './finding-id.ts';
import { sampleReport } from '../test-support/output.ts';
import { SAMPLE_NOW } from '../test-support/output.ts';

const REGION = 'eu-west-1';

function byGenerator(findings: ReturnType<typeof toAsff>, generator: string, name?: string) {
  const found = findings.filter(
    (f) =>
      f.GeneratorId === generator &&
      (name === undefined || f.Resources?.[0]?.Id?.endsWith(`/${name}`) === true),
  );
  assert.ok(found.length > 0, generator);
  return found;
}

void test('ProductArn and AwsAccountId name the account and region that import the findings', () => {
  const report = sampleReport();
  // Imported by the audited account itself (offline default): its own account.
  const own = toAsff(report, { region: REGION });
  for (const f of own) {
    assert.equal(f.AwsAccountId, '111122223333');
    assert.equal(f.ProductArn, 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default');
    assert.equal(f.Region, REGION);
    assert.equal(f.Resources?.[0]?.Region, REGION);
  }
  // Imported by another account (the organisation's Security Hub account): that account, the resource stays.
  const central = toAsff(report, { region: 'us-west-2', importAccount: '999988887777' });
  const bob = byGenerator(central, 'mfaguard/iam_user_mfa_enabled_console_access/IAM.5', 'bob')[0]!;
  assert.equal(bob.AwsAccountId, '999988887777');
  assert.equal(bob.ProductArn, 'arn:aws:securityhub:us-west-2:999988887777:product/999988887777/default');
  assert.equal(bob.Resources?.[0]?.Id, 'arn:aws:iam::111122223333:user/bob');
  assert.equal(bob.ProductFields?.['mfaguard/ResourceAccount'], '111122223333');
});

void test('one finding per Security Hub control, with SecurityControlId, AssociatedStandards and Types only for mapped standards', () => {
  const findings = toAsff(sampleReport(), { region: REGION });
  const console = findings.filter(
    (f) => f.ProductFields?.['mfaguard/CheckId'] === 'iam_user_mfa_enabled_console_access',
  );
  const bob = console.filter((f) => f.Resources?.[0]?.Id?.endsWith('/bob'));
  assert.deepEqual(bob.map((f) => f.Compliance?.SecurityControlId).sort(), ['IAM.19', 'IAM.5']);
  const iam5 = bob.find((f) => f.Compliance?.SecurityControlId === 'IAM.5')!;
  assert.equal(iam5.Compliance?.Status, 'FAILED');
  assert.equal(iam5.Severity?.Label, 'HIGH');
  assert.deepEqual(
    iam5.Compliance?.AssociatedStandards?.map((s) => s.StandardsId),
    [
      'standards/aws-foundational-security-best-practices/v/1.0.0',
      'ruleset/cis-aws-foundations-benchmark/v/1.2.0',
      'standards/cis-aws-foundations-benchmark/v/1.4.0',
      'standards/cis-aws-foundations-benchmark/v/3.0.0',
      'standards/cis-aws-foundations-benchmark/v/5.0.0',
    ],
  );
  assert.deepEqual(iam5.Types, [
    'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
    'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
  ]);
  assert.ok(iam5.Compliance?.RelatedRequirements?.includes('CIS AWS Foundations Benchmark v7.0/2.10'));
  assert.equal(
    iam5.Remediation?.Recommendation?.Url,
    'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-5',
  );
  const iam19 = bob.find((f) => f.Compliance?.SecurityControlId === 'IAM.19')!;
  assert.ok(!iam19.Types?.some((t) => t.includes('CIS')), 'IAM.19 is not a CIS control');
  // Root: IAM.6 and IAM.9.
  const rootIds = findings
    .filter((f) => f.ProductFields?.['mfaguard/CheckId']?.startsWith('iam_root_'))
    .map((f) => f.Compliance?.SecurityControlId);
  assert.deepEqual(rootIds.sort(), ['IAM.6', 'IAM.9']);
  // A check with no standard behind it claims none.
  const policy = byGenerator(findings, 'mfaguard/iam_user_mfa_enforced_by_policy');
  for (const f of policy) {
    assert.deepEqual(f.Types, ['Software and Configuration Checks/AWS Security Best Practices']);
    assert.equal(f.Compliance?.SecurityControlId, undefined);
    assert.equal(f.Compliance?.AssociatedStandards, undefined);
    assert.match(f.Remediation?.Recommendation?.Url ?? '', /^https:\/\/docs\.aws\.amazon\.com\/IAM\//);
  }
  // Statuses: ERROR is a WARNING, N/A is NOT_AVAILABLE, PASS is informational and resolved.
  const statuses = new Set(
    findings.map((f) => `${f.ProductFields?.['mfaguard/Status']}:${f.Compliance?.Status}`),
  );
  for (const pair of ['ERROR:WARNING', 'NOT_APPLICABLE:NOT_AVAILABLE', 'PASS:PASSED', 'FAIL:FAILED'])
    assert.ok(statuses.has(pair), pair);
  assert.ok(
    findings
      .filter((f) => f.Compliance?.Status === 'PASSED')
      .every((f) => f.Severity?.Label === 'INFORMATIONAL' && f.Workflow?.Status === 'RESOLVED'),
  );
});

void test('ids are stable across runs and unique; CreatedAt is the first-seen time read back from the previous output', () => {
  const first = toAsff(sampleReport(), { region: REGION });
  const ids = first.map((f) => f.Id);
  assert.equal(new Set(ids).size, ids.length, 'unique');
  assert.ok(ids.every((id) => id !== undefined && id.length <= 512));
  assert.ok(first.every((f) => f.CreatedAt === SAMPLE_NOW.toISOString()));
  // The previous export was written a month earlier: read it back as the next run would.
  const earlier = first.map((f) => ({
    ...f,
    CreatedAt: '2024-05-01T00:00:00.000Z',
    FirstObservedAt: '2024-05-01T00:00:00.000Z',
  }));
  const seen = new Map<string, string>();
  assert.deepEqual(readFirstSeen(JSON.stringify({ Findings: earlier }), 'prev.asff.json', seen), []);
  const second = toAsff(sampleReport(), { region: REGION, firstSeen: seen });
  assert.deepEqual(
    second.map((f) => f.Id),
    ids,
  );
  for (const f of second) {
    assert.equal(f.CreatedAt, '2024-05-01T00:00:00.000Z');
    assert.equal(f.FirstObservedAt, '2024-05-01T00:00:00.000Z');
    assert.equal(f.UpdatedAt, SAMPLE_NOW.toISOString());
  }
});

void test('Resources[].Details.AwsIamUser carries what the snapshot knows', () => {
  const findings = toAsff(sampleReport(), { region: REGION });
  const alice = byGenerator(findings, 'mfaguard/iam_user_mfa_enabled_console_access/IAM.5', 'alice')[0]!;
  assert.deepEqual(alice.Resources?.[0], {
    Type: 'AwsIamUser',
    Id: 'arn:aws:iam::111122223333:user/alice',
    Partition: 'aws',
    Region: REGION,
    Details: {
      AwsIamUser: {
        UserName: 'alice',
        UserId: 'AIDAALICEEXAMPLE',
        Path: '/',
        CreateDate: '2020-01-01T00:00:00.000Z',
        GroupList: ['humans'],
        AttachedManagedPolicies: [
          { PolicyArn: 'arn:aws:iam::111122223333:policy/AllowAll', PolicyName: 'AllowAll' },
        ],
        UserPolicyList: [],
      },
    },
  });
  const bob = byGenerator(findings, 'mfaguard/iam_user_mfa_enabled_console_access/IAM.5', 'bob')[0]!;
  assert.deepEqual(bob.Resources?.[0]?.Details?.AwsIamUser?.PermissionsBoundary, {
    PermissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/AllowAll',
    PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
  });
  assert.deepEqual(bob.Resources?.[0]?.Details?.AwsIamUser?.UserPolicyList, [{ PolicyName: 'bob-extra' }]);
  // Root and account-level findings are about the account.
  const root = byGenerator(findings, 'mfaguard/iam_root_mfa_enabled/IAM.9')[0]!;
  assert.deepEqual(root.Resources?.[0], {
    Type: 'AwsAccount',
    Id: 'AWS::::Account:111122223333',
    Partition: 'aws',
    Region: REGION,
  });
});

void test('field limits hold and attacker-chosen names stay data', () => {
  for (const f of toAsff(sampleReport(), { region: REGION })) {
    assert.ok((f.Title ?? '').length <= 256);
    assert.ok((f.Description ?? '').length <= 1024);
    assert.ok((f.Remediation?.Recommendation?.Text ?? '').length <= 512);
    assert.ok((f.Types ?? []).length >= 1 && (f.Types ?? []).length <= 50);
    assert.ok((f.Compliance?.RelatedRequirements ?? []).length <= 32);
  }
  const evil = toAsff(sampleReport(), { region: REGION }).find((f) => f.Resources?.[0]?.Id?.includes('=cmd'));
  assert.ok(evil);
  assert.match(evil.Description ?? '', /=cmd\|evil\u202e/);
});
