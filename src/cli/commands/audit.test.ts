import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import {
  ListAccountsCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createAuditCommand, DEFAULT_AUDIT_DEPS } from './audit.ts';
import type { AuditDeps } from './audit.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import { EXIT } from '../exit-codes.ts';
import { captureContext } from '../test-support/context.ts';
import type { CapturedContext } from '../test-support/context.ts';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const corpusPresent = existsSync(CORPUS);
const REPORT = join(
  CORPUS,
  'credential-reports/cloud-custodian__test_account_credential_report__iam.GetCredentialReport_1.csv',
);
const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const userRow = (name: string): string =>
  `${name},arn:aws:iam::111122223333:user/x,2024-01-01T00:00:00+00:00,true,2024-05-30T00:00:00+00:00,2024-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;

function context(): CapturedContext {
  return captureContext({ cwd: '/', now: '2017-02-23T00:40:00Z' });
}

function filesDeps(files: Record<string, string>): AuditDeps {
  return {
    ...DEFAULT_AUDIT_DEPS,
    readText: (path) => {
      const text = files[path];
      if (text === undefined) return Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' }));
      return Promise.resolve(text);
    },
  };
}

void describe('mfaguard audit (offline)', () => {
  void it('prints the JSON report {accounts, findings, summary} with the KPIs for the cloud-custodian report', async (t) => {
    if (!corpusPresent) return t.skip('corpus absent');
    const { ctx, out, err } = context();
    const code = await createAuditCommand().run(['--credential-report', REPORT, '--format', 'json'], ctx);
    assert.equal(code, EXIT.ok);
    const report = JSON.parse(out());
    assert.deepEqual(Object.keys(report).sort(), ['accounts', 'findings', 'generatedAt', 'summary']);
    assert.equal(report.accounts[0].accountId, '644160558196');
    assert.equal(report.summary.consoleUsers, 17);
    assert.equal(report.summary.consoleUsersWithMfa, 9);
    assert.equal(report.summary.consoleMfaPercent, 52.9);
    assert.equal(typeof report.summary.cisScore, 'number');
    assert.match(err(), /christopher' appears again/);
  });

  void it('exits 1 with --fail-on when a finding reaches the severity, 0 when none does', async (t) => {
    if (!corpusPresent) return t.skip('corpus absent');
    assert.equal(
      await createAuditCommand().run(
        ['--credential-report', REPORT, '--format', 'csv', '--fail-on', 'high'],
        context().ctx,
      ),
      EXIT.failOn,
    );
    assert.equal(
      await createAuditCommand().run(
        ['--credential-report', REPORT, '--format', 'csv', '--fail-on', 'critical'],
        context().ctx,
      ),
      EXIT.ok,
    );
  });

  void it('exits 3 and reports ERROR findings when an input file cannot be read', async () => {
    const { ctx, out, err } = context();
    const code = await createAuditCommand(filesDeps({})).run(
      ['--credential-report', 'gone.csv', '--account-id', '111122223333', '--format', 'json'],
      ctx,
    );
    assert.equal(code, EXIT.partial);
    const report = JSON.parse(out());
    assert.ok(
      report.findings.some(
        (f: { status: string; checkId: string }) =>
          f.status === 'ERROR' && f.checkId === 'iam_user_mfa_enabled_console_access',
      ),
    );
    assert.equal(report.findings.filter((f: { status: string }) => f.status === 'PASS').length, 0);
    assert.match(err(), /\/gone\.csv: file not found/);
  });

  void it('escapes attacker-chosen user names in the table and CSV', async () => {
    const files = {
      '/r.csv': [HEADER, userRow('evil\u001b[31mred'), userRow('=HYPERLINK("http://x")')].join('\n'),
    };
    const table = context();
    await createAuditCommand(filesDeps(files)).run(['--credential-report', 'r.csv'], table.ctx);
    assert.ok(!table.out().includes('\u001b'));
    assert.match(table.out(), /evil\\x1b\[31mred/);
    const csv = context();
    await createAuditCommand(filesDeps(files)).run(
      ['--credential-report', 'r.csv', '--format', 'csv'],
      csv.ctx,
    );
    assert.match(csv.out(), /,"'=HYPERLINK\(""http:\/\/x""\)",/);
  });

  void it('writes OCSF Compliance Findings and an ASFF BatchImportFindings body', async () => {
    const files = { '/r.csv': [HEADER, userRow('alice')].join('\n') };
    const ocsf = context();
    await createAuditCommand(filesDeps(files)).run(
      ['--credential-report', 'r.csv', '--format', 'ocsf'],
      ocsf.ctx,
    );
    const events = JSON.parse(ocsf.out());
    const fail = events.find(
      (e: { finding_info: { uid: string }; compliance: { status: string } }) =>
        e.compliance.status === 'Fail',
    );
    assert.equal(fail.class_uid, 2003);
    assert.equal(fail.type_uid, 200301);
    assert.equal(fail.category_uid, 2);
    assert.equal(fail.compliance.status_id, 3);
    assert.ok(fail.compliance.requirements.includes('CIS 7.0 2.10'));
    assert.equal(fail.cloud.account.uid, '111122223333');
    const asff = context();
    await createAuditCommand(filesDeps(files)).run(
      ['--credential-report', 'r.csv', '--format', 'asff'],
      asff.ctx,
    );
    const body = JSON.parse(asff.out());
    const finding = body.Findings.find(
      (f: { GeneratorId: string }) => f.GeneratorId === 'mfaguard/iam_user_mfa_enabled_console_access',
    );
    assert.equal(finding.SchemaVersion, '2018-10-08');
    assert.equal(finding.AwsAccountId, '111122223333');
    assert.equal(
      finding.ProductArn,
      'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
    );
    assert.equal(finding.Compliance.Status, 'FAILED');
    assert.equal(finding.Severity.Label, 'HIGH');
    assert.ok(finding.Compliance.RelatedRequirements.includes('CIS AWS Foundations Benchmark v7.0/2.10'));
  });

  void it('rejects bad arguments as usage errors (exit 2)', async () => {
    const run = (args: string[]) => createAuditCommand(filesDeps({})).run(args, context().ctx);
    for (const args of [
      ['--format', 'xml', '--credential-report', 'r.csv'],
      ['--nope'],
      ['report.csv'],
      ['--org', '--credential-report', 'r.csv'],
      ['--role-name', 'Audit'],
      ['--org', '--role-name', 'bad role!'],
      ['--credential-report', 'r.csv', '--account-id', '12'],
      ['--credential-report', 'r.csv', '--profile', 'dev'],
      ['--fail-on', 'severe', '--credential-report', 'r.csv'],
      ['--org', '--concurrency', '0'],
    ]) {
      await assert.rejects(run(args), UsageError, args.join(' '));
    }
  });
});

void describe('mfaguard audit (live, mocked AWS)', () => {
  const sts = mockClient(STSClient);
  const orgs = mockClient(OrganizationsClient);
  const iam = mockClient(IAMClient);
  const deps: AuditDeps = { ...DEFAULT_AUDIT_DEPS, sleep: () => Promise.resolve() };
  beforeEach(() => {
    sts.reset();
    orgs.reset();
    iam.reset();
  });

  void it('throws an ExternalError (exit 4) when AWS cannot be reached at all', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('getaddrinfo ENOTFOUND sts.amazonaws.com'), { name: 'Error' }));
    await assert.rejects(createAuditCommand(deps).run([], context().ctx), ExternalError);
  });

  void it('audits an organization: the account whose role cannot be assumed gets ERROR findings and exit 3; all unreachable is exit 4', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/auditor' });
    sts
      .on(AssumeRoleCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }),
      );
    orgs.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111111111111', Name: 'mgmt', State: 'ACTIVE' },
        { Id: '222222222222', Name: 'member', State: 'ACTIVE' },
      ],
    });
    orgs.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-1', Type: 'ROOT' }] });
    orgs.on(ListPoliciesForTargetCommand).resolves({ Policies: [] });
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).resolves({
      Content: new TextEncoder().encode([HEADER, userRow('alice')].join('\n')),
      GeneratedTime: new Date('2017-02-22T22:40:00Z'),
    });
    iam.on(ListUsersCommand).resolves({ Users: [] });
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountMFAEnabled: 1 } });
    const { ctx, out } = context();
    const code = await createAuditCommand(deps).run(['--org', '--format', 'json'], ctx);
    assert.equal(code, EXIT.partial);
    const report = JSON.parse(out());
    assert.equal(report.summary.accounts, 2);
    assert.equal(report.summary.unreachableAccounts, 1);
    const member = report.findings.filter(
      (f: { resource: { account: string } }) => f.resource.account === '222222222222',
    );
    assert.equal(member.length, 11);
    assert.ok(
      member.every(
        (f: { status: string; message: string }) =>
          f.status === 'ERROR' &&
          /cannot assume .*OrganizationAccountAccessRole: AccessDenied/.test(f.message),
      ),
    );
    assert.ok(
      report.findings.some(
        (f: { resource: { account: string }; status: string }) =>
          f.resource.account === '111111111111' && f.status === 'FAIL',
      ),
    );
    assert.match(
      report.accounts[0].credentialReport.note,
      /2 h before collection; AWS regenerates it at most every 4 h/,
    );

    iam.reset();
    iam.rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    assert.equal(
      await createAuditCommand(deps).run(['--org', '--format', 'json'], context().ctx),
      EXIT.external,
    );
  });
});
