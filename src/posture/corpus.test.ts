import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  auditSnapshot,
  buildAuditReport,
  CHECKS,
  loadOfflineSnapshot,
  parseCredentialReportCsv,
  runChecks,
} from './index.ts';
import { DEFAULT_POSTURE_CONFIG } from './checks/index.ts';
import type { AccountSnapshot, MfaDevice } from './index.ts';
import { CORPUS, emptySnapshot, HEADER } from './test-support/posture.ts';
import { corpusMissing } from '../test-support/requirements.ts';

const NOW = new Date('2019-06-01T00:00:00Z');
const readText = (path: string): Promise<string> => readFile(path, 'utf8');

void describe('corpus: cloud-custodian credential reports', () => {
  void it('fail exactly the console users without MFA that EXPECTATIONS_derived.json lists', async (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const dir = join(CORPUS, 'credential-reports');
    const expected = JSON.parse(readFileSync(join(dir, 'EXPECTATIONS_derived.json'), 'utf8'))
      .derived as Record<string, { console_users_without_mfa: string[]; console_users_with_mfa: string[] }>;
    for (const file of readdirSync(dir).filter(
      (f) => f.startsWith('cloud-custodian') && f.endsWith('.csv'),
    )) {
      const { snapshot } = await loadOfflineSnapshot({ credentialReport: join(dir, file) }, readText, NOW);
      const findings = auditSnapshot(snapshot, NOW).filter(
        (f) => f.checkId === 'iam_user_mfa_enabled_console_access',
      );
      const names = (status: string): string[] =>
        findings
          .filter((f) => f.status === status)
          .map((f) => f.resource.name)
          .sort();
      assert.deepEqual(names('FAIL'), [...(expected[file]?.console_users_without_mfa ?? ['?'])].sort(), file);
      assert.deepEqual(names('PASS'), [...(expected[file]?.console_users_with_mfa ?? ['?'])].sort(), file);
      const report = buildAuditReport([snapshot], [auditSnapshot(snapshot, NOW)], NOW);
      assert.equal(
        report.summary.consoleUsers,
        (expected[file]?.console_users_without_mfa.length ?? 0) +
          (expected[file]?.console_users_with_mfa.length ?? 0),
      );
    }
  });
});

void describe('corpus: cloudmapper demo account', () => {
  void it('counts no user as MFA-enforced and reports the MFA policy attached to nobody', async (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const demo = join(CORPUS, 'cloudmapper/account-data/demo/us-east-1');
    const { snapshot, unreadable } = await loadOfflineSnapshot(
      {
        credentialReport: join(demo, 'iam-get-credential-report.json'),
        authorizationDetails: join(demo, 'iam-get-account-authorization-details.json'),
        accountSummary: join(demo, 'iam-get-account-summary.json'),
      },
      readText,
      NOW,
    );
    assert.equal(unreadable, false);
    const findings = auditSnapshot(snapshot, NOW);
    const policy = findings.filter((f) => f.checkId === 'iam_user_mfa_enforced_by_policy');
    assert.deepEqual(
      policy
        .filter((f) => f.resource.type === 'AwsIamUser')
        .map((f) => [f.resource.name, f.status])
        .sort(),
      [
        ['USER', 'FAIL'],
        ['USER_WITH_BAD_INLINE_POLICY', 'FAIL'],
      ],
    );
    const orphan = policy.find((f) => f.resource.type === 'AwsIamPolicy');
    assert.equal(orphan?.resource.name, 'BAD_MFA_POLICY');
    assert.equal(orphan?.status, 'FAIL');
    assert.equal(orphan?.evidence?.['pitfall'], 'policy-attached-to-nobody');
    const report = buildAuditReport([snapshot], [findings], NOW);
    assert.equal(report.summary.usersEnforcedByPolicy, 0);
    assert.equal(report.summary.enforcedByPolicyPercent, 0);
    assert.deepEqual(
      findings.filter((f) => f.checkId === 'iam_no_root_access_key').map((f) => f.status),
      ['FAIL'],
    );
  });
});

// Panther's policy tests: a resource with a CredentialReport; ExpectedResult true means compliant.
interface PantherTest {
  policy_id: string;
  test_name: string;
  expected_result: boolean;
  resource: {
    CredentialReport: Record<string, unknown>;
    VirtualMFA?: { SerialNumber: string } | null;
    UserName?: string;
  };
}

const NEVER = '0001-01-01T00:00:00Z';

function pantherToCsvRow(report: Record<string, unknown>): string {
  const date = (key: string, none = 'N/A'): string => {
    const value = report[key];
    return typeof value !== 'string' || value === NEVER ? none : value;
  };
  const text = (key: string): string => (typeof report[key] === 'string' ? report[key] : 'N/A');
  const root = report['UserName'] === '<root_account>';
  return [
    text('UserName'),
    text('ARN'),
    date('UserCreationTime'),
    root ? 'not_supported' : String(report['PasswordEnabled']),
    date('PasswordLastUsed', 'no_information'),
    root ? 'not_supported' : date('PasswordLastChanged'),
    root ? 'not_supported' : date('PasswordNextRotation'),
    String(report['MfaActive']),
    ...[1, 2].flatMap((n) => [
      String(report[`AccessKey${n}Active`]),
      date(`AccessKey${n}LastRotated`),
      date(`AccessKey${n}LastUsedDate`),
      text(`AccessKey${n}LastUsedRegion`),
      text(`AccessKey${n}LastUsedService`),
    ]),
    String(report['Cert1Active']),
    date('Cert1LastRotated'),
    String(report['Cert2Active']),
    date('Cert2LastRotated'),
  ].join(',');
}

const PANTHER_TO_CHECK: Readonly<Record<string, string>> = {
  'AWS.IAM.User.MFA': 'iam_user_mfa_enabled_console_access',
  'AWS.RootAccount.AccessKeys': 'iam_no_root_access_key',
  'AWS.RootAccount.HardwareMFA': 'iam_root_hardware_mfa_enabled',
  'AWS.RootAccount.MFA': 'iam_root_mfa_enabled',
};

void describe("corpus: Panther's credential-report policy tests", () => {
  void it('agree with our user and root MFA checks (compliant = not FAIL)', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const tests = readFileSync(join(CORPUS, 'panther/panther_aws_iam_policy_tests.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as PantherTest)
      .filter((test) => test.policy_id in PANTHER_TO_CHECK);
    assert.equal(tests.length, 13);
    const disagreements: string[] = [];
    for (const test of tests) {
      const checkId = PANTHER_TO_CHECK[test.policy_id] as string;
      const parsed = parseCredentialReportCsv(
        [HEADER, pantherToCsvRow(test.resource.CredentialReport)].join('\n'),
        `${test.policy_id}#${test.test_name}`,
      );
      assert.deepEqual(parsed.issues, [], test.test_name);
      const devices: MfaDevice[] =
        test.resource.VirtualMFA === null || test.resource.VirtualMFA === undefined
          ? []
          : [
              {
                serialNumber: test.resource.VirtualMFA.SerialNumber,
                kind: 'virtual',
                userName: '<root_account>',
                userArn: null,
                enableDate: null,
              },
            ];
      const snapshot: AccountSnapshot = emptySnapshot({
        accountId: '123456789012',
        credentialReport: { state: 'collected', location: 'panther', value: parsed.report! },
        virtualMfaDevices: { state: 'collected', location: 'panther', value: devices },
      });
      const findings = runChecks({ [checkId]: CHECKS[checkId]! }, snapshot, {
        now: new Date('2019-06-01T00:00:00Z'),
        config: DEFAULT_POSTURE_CONFIG,
        analyze: null,
      });
      assert.equal(findings.length, 1, `${test.test_name}: ${JSON.stringify(findings)}`);
      const compliant = findings[0]?.status !== 'FAIL' && findings[0]?.status !== 'ERROR';
      if (compliant !== test.expected_result)
        disagreements.push(
          `${test.policy_id} '${test.test_name}': Panther ${test.expected_result}, ours ${findings[0]?.status}`,
        );
    }
    assert.deepEqual(disagreements, []);
  });
});
