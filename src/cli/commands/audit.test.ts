import { join } from 'node:path';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { createAuditCommand, DEFAULT_AUDIT_DEPS } from './audit.ts';
import type { AuditDeps } from './audit.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import { describeError, EXIT } from '../exit-codes.ts';
import type { Command, CommandContext } from '../command.ts';
import { captureContext } from '../test-support/context.ts';
import type { CapturedContext } from '../test-support/context.ts';
import { CORPUS, corpusMissing } from '../../test-support/requirements.ts';

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

/** No region from a profile on the test machine: the tests give it or leave it out on purpose. */
const QUIET_DEPS: AuditDeps = { ...DEFAULT_AUDIT_DEPS, profileRegion: () => Promise.resolve(null) };

function filesDeps(files: Record<string, string>): AuditDeps {
  return {
    ...QUIET_DEPS,
    readText: (path) => {
      const text = files[path];
      if (text === undefined) return Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' }));
      return Promise.resolve(text);
    },
  };
}

void describe('mfaguard audit (offline)', () => {
  void it('prints the JSON report {accounts, findings, summary} with the KPIs for the cloud-custodian report', async (t) => {
    if (corpusMissing(t, REPORT)) return;
    const { ctx, out, err } = context();
    const code = await createAuditCommand(QUIET_DEPS).run(
      ['--credential-report', REPORT, '--format', 'json'],
      ctx,
    );
    assert.equal(code, EXIT.ok);
    const report = JSON.parse(out());
    assert.deepEqual(Object.keys(report).sort(), ['accounts', 'findings', 'generatedAt', 'summary']);
    assert.equal(report.accounts[0].accountId, '644160558196');
    assert.equal(report.summary.consoleUsers, 17);
    assert.equal(report.summary.consoleUsersWithMfa, 9);
    assert.equal(report.summary.consoleMfaPercent, 52.9);
    assert.match(err(), /christopher' appears again/);
  });

  void it('exits 1 with --fail-on when a finding reaches the severity, 0 when none does', async (t) => {
    if (corpusMissing(t, REPORT)) return;
    assert.equal(
      await createAuditCommand(QUIET_DEPS).run(
        ['--credential-report', REPORT, '--format', 'csv', '--fail-on', 'high'],
        context().ctx,
      ),
      EXIT.failOn,
    );
    assert.equal(
      await createAuditCommand(QUIET_DEPS).run(
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
    assert.deepEqual(fail.metadata.profiles, ['cloud']);
    assert.equal(fail.metadata.version, '1.4.0');
    assert.equal(fail.class_uid, 2003);
    assert.equal(fail.type_uid, 200301);
    assert.equal(fail.category_uid, 2);
    assert.equal(fail.compliance.status_id, 3);
    assert.ok(fail.compliance.requirements.includes('CIS 7.0 2.10'));
    assert.equal(fail.cloud.account.uid, '111122223333');
    const asff = context();
    await createAuditCommand(filesDeps(files)).run(
      ['--credential-report', 'r.csv', '--format', 'asff', '--region', 'us-east-1'],
      asff.ctx,
    );
    const body = JSON.parse(asff.out());
    const finding = body.Findings.find(
      (f: { GeneratorId: string }) => f.GeneratorId === 'mfaguard/iam_user_mfa_enabled_console_access/IAM.5',
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
      ['--credential-report', 'r.csv', '--format', 'table,csv'],
      ['--credential-report', 'r.csv', '--format', 'csv,xml', '--out', 'o'],
      ['--credential-report', 'r.csv', '--format', 'asff'],
      ['--credential-report', 'r.csv', '--region', 'moon-1'],
      ['--input-dir', 'org', '--credential-report', 'r.csv'],
      ['--input-dir', 'org', '--account-id', '111122223333'],
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
  const deps: AuditDeps = { ...QUIET_DEPS, sleep: () => Promise.resolve() };
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
      /^generated 2 h ago; up to 4 h stale \(AWS regenerates it at most every 4 h/,
    );

    iam.reset();
    iam.rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    assert.equal(
      await createAuditCommand(deps).run(['--org', '--format', 'json'], context().ctx),
      EXIT.external,
    );
  });
});

/** Runs a command as `main` would: a thrown error becomes its message on stderr and its exit code. */
async function runAsMain(command: Command, args: string[], ctx: CommandContext): Promise<number> {
  try {
    return await command.run(args, ctx);
  } catch (error) {
    const { code, message } = describeError(error, false);
    ctx.stderr.write(message + '\n');
    return code;
  }
}

/** A known account: root with MFA, alice (console + MFA), bob (console, no MFA, idle), carol (an old key). */
const KNOWN_REPORT = [
  HEADER,
  '<root_account>,arn:aws:iam::111122223333:root,2015-01-01T00:00:00+00:00,not_supported,2017-02-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'alice,arn:aws:iam::111122223333:user/alice,2016-01-01T00:00:00+00:00,true,2017-02-20T00:00:00+00:00,2016-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'bob,arn:aws:iam::111122223333:user/bob,2016-01-01T00:00:00+00:00,true,2016-11-01T00:00:00+00:00,2016-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'carol,arn:aws:iam::111122223333:user/carol,2016-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2016-01-01T00:00:00+00:00,2017-02-22T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
].join('\n');

void describe('mfaguard audit: the figures and the outputs that ship', () => {
  void it('the CIS score of a known snapshot: 8 CIS-mapped passes, 3 failures', async () => {
    // At 2017-02-23 (the context clock), by the checks' rules:
    //   PASS: root has no access key; root has MFA; alice has MFA; alice used her password 3 days ago;
    //         carol's key was used yesterday; alice, bob and carol each have at most one active key  (8)
    //   FAIL: bob has no MFA; bob's password is idle 114 days; carol's key was rotated over 90 days ago (3)
    //   Not counted: carol has no console password (N/A); checks needing files not given (N/A).
    const { ctx, out } = context();
    const code = await createAuditCommand(filesDeps({ '/r.csv': KNOWN_REPORT })).run(
      ['--credential-report', 'r.csv', '--format', 'json'],
      ctx,
    );
    assert.equal(code, EXIT.ok);
    const report = JSON.parse(out());
    assert.equal(report.summary.cisPassed, 8);
    assert.equal(report.summary.cisFailed, 3);
    assert.equal(report.summary.cisScore, 72.7);
    assert.equal(report.summary.consoleUsers, 2);
    assert.equal(report.summary.consoleUsersWithMfa, 1);
  });

  void it('--fail-on-fail exits 1 on any FAIL, and 1 wins over 3', async () => {
    const deps = filesDeps({ '/r.csv': KNOWN_REPORT });
    assert.equal(
      await createAuditCommand(deps).run(['--credential-report', 'r.csv', '--fail-on-fail'], context().ctx),
      EXIT.failOn,
    );
    assert.equal(
      await createAuditCommand(deps).run(['--credential-report', 'r.csv'], context().ctx),
      EXIT.ok,
    );
    // A missing file makes it partial (3), but a FAIL with --fail-on-fail is still 1.
    assert.equal(
      await createAuditCommand(deps).run(
        ['--credential-report', 'r.csv', '--authorization-details', 'gone.json', '--fail-on-fail'],
        context().ctx,
      ),
      EXIT.failOn,
    );
    const clean = filesDeps({
      '/r.csv': [HEADER, KNOWN_REPORT.split('\n')[1]!, KNOWN_REPORT.split('\n')[2]!].join('\n'),
    });
    assert.equal(
      await createAuditCommand(clean).run(['--credential-report', 'r.csv', '--fail-on-fail'], context().ctx),
      EXIT.ok,
    );
  });

  void it('--out DIR writes every format in one run; a second run keeps first-seen times from the first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-audit-out-'));
    const deps: AuditDeps = {
      ...QUIET_DEPS,
      readText: (path) =>
        path === '/r.csv' ? Promise.resolve(KNOWN_REPORT) : DEFAULT_AUDIT_DEPS.readText(path),
    };
    const first = captureContext({ cwd: '/', now: '2017-02-23T00:40:00Z' });
    const code = await createAuditCommand(deps).run(
      [
        '--credential-report',
        'r.csv',
        '--format',
        'table,json,csv,ocsf,asff',
        '--out',
        dir,
        '--region',
        'eu-west-1',
      ],
      first.ctx,
    );
    assert.equal(code, EXIT.ok);
    const written = first.out().trim().split('\n');
    const stem = join(dir, 'mfaguard-audit-111122223333-20170223T004000Z');
    assert.deepEqual(
      written,
      ['.txt', '.json', '.csv', '.ocsf.json', '.asff.json'].map((ext) => stem + ext),
    );
    assert.deepEqual(readdirSync(dir).sort(), written.map((p) => p.slice(dir.length + 1)).sort());
    assert.match(readFileSync(`${stem}.txt`, 'utf8'), /^Account 111122223333/);
    assert.equal(JSON.parse(readFileSync(`${stem}.json`, 'utf8')).summary.cisScore, 72.7);
    assert.match(readFileSync(`${stem}.csv`, 'utf8'), /^timestamp,account_uid,/);
    const asff1 = JSON.parse(readFileSync(`${stem}.asff.json`, 'utf8')).Findings as {
      Id: string;
      CreatedAt: string;
      Region: string;
    }[];
    assert.ok(asff1.every((f) => f.CreatedAt === '2017-02-23T00:40:00.000Z' && f.Region === 'eu-west-1'));
    // A week later, in the same folder: same ids, CreatedAt from the first run, UpdatedAt now.
    const second = captureContext({ cwd: '/', now: '2017-03-02T00:40:00Z' });
    assert.equal(
      await createAuditCommand(deps).run(
        ['--credential-report', 'r.csv', '--format', 'asff,ocsf', '--out', dir, '--region', 'eu-west-1'],
        second.ctx,
      ),
      EXIT.ok,
    );
    const asff2 = JSON.parse(
      readFileSync(join(dir, 'mfaguard-audit-111122223333-20170302T004000Z.asff.json'), 'utf8'),
    ).Findings as { Id: string; CreatedAt: string; UpdatedAt: string }[];
    assert.deepEqual(
      asff2.map((f) => f.Id),
      asff1.map((f) => f.Id),
    );
    assert.ok(
      asff2.every(
        (f) => f.CreatedAt === '2017-02-23T00:40:00.000Z' && f.UpdatedAt === '2017-03-02T00:40:00.000Z',
      ),
    );
    const ocsf2 = JSON.parse(
      readFileSync(join(dir, 'mfaguard-audit-111122223333-20170302T004000Z.ocsf.json'), 'utf8'),
    ) as { finding_info: { first_seen_time: number } }[];
    assert.ok(ocsf2.every((e) => e.finding_info.first_seen_time === Date.parse('2017-02-23T00:40:00Z')));
  });

  void it('--region works offline and defaults to AWS_REGION; ASFF without any region is refused', async () => {
    const deps = filesDeps({ '/r.csv': KNOWN_REPORT });
    const env = captureContext({
      cwd: '/',
      now: '2017-02-23T00:40:00Z',
      env: { AWS_REGION: 'ap-southeast-2' },
    });
    await createAuditCommand(deps).run(['--credential-report', 'r.csv', '--format', 'asff'], env.ctx);
    const findings = JSON.parse(env.out()).Findings as { ProductArn: string }[];
    assert.ok(
      findings.every((f) => f.ProductArn.startsWith('arn:aws:securityhub:ap-southeast-2:111122223333:')),
    );
    const fromProfile: AuditDeps = { ...deps, profileRegion: () => Promise.resolve('ca-central-1') };
    const ocsf = context();
    await createAuditCommand(fromProfile).run(['--credential-report', 'r.csv', '--format', 'ocsf'], ocsf.ctx);
    assert.ok(
      (JSON.parse(ocsf.out()) as { cloud: { region?: string } }[]).every((e) => e.cloud.region === undefined),
      'offline OCSF needs no region and invents none',
    );
    const asff = context();
    await createAuditCommand(fromProfile).run(
      ['--credential-report', 'r.csv', '--format', 'asff', '--profile', 'audit'],
      asff.ctx,
    );
    assert.match(asff.out(), /arn:aws:securityhub:ca-central-1:/);
    await assert.rejects(
      createAuditCommand(deps).run(['--credential-report', 'r.csv', '--format', 'asff'], context().ctx),
      /give --region, set AWS_REGION, or set a region in the profile/,
    );
  });

  void it('an organisation folder: every account audited in one run, a malformed part an issue for its item', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mfaguard-org-'));
    mkdirSync(join(root, '111122223333'));
    mkdirSync(join(root, 'payments'));
    writeFileSync(join(root, '111122223333', 'report.csv'), KNOWN_REPORT);
    const enforce = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          NotAction: [
            'iam:ChangePassword',
            'iam:CreateVirtualMFADevice',
            'iam:EnableMFADevice',
            'iam:GetUser',
            'iam:ListMFADevices',
            'iam:ResyncMFADevice',
            'sts:GetSessionToken',
          ],
          NotResource: ['arn:aws:iam::*:user/${aws:username}', 'arn:aws:iam::*:mfa/${aws:username}'],
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
        {
          Effect: 'Deny',
          NotAction: [
            'iam:ChangePassword',
            'iam:CreateVirtualMFADevice',
            'iam:EnableMFADevice',
            'iam:GetUser',
            'iam:ListMFADevices',
            'iam:ResyncMFADevice',
            'sts:GetSessionToken',
          ],
          Resource: ['arn:aws:iam::*:user/${aws:username}', 'arn:aws:iam::*:mfa/${aws:username}'],
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
      ],
    };
    writeFileSync(
      join(root, 'payments', 'authz-export.json'),
      JSON.stringify({
        UserDetailList: [
          { UserName: 'dana', Arn: 'arn:aws:iam::444455556666:user/dana', GroupList: ['humans'] },
          { UserName: 'erin', Arn: 'arn:aws:iam::444455556666:user/erin', GroupList: ['broken'] },
        ],
        GroupDetailList: [
          { GroupName: 'humans', GroupPolicyList: [{ PolicyName: 'enforce', PolicyDocument: enforce }] },
          { GroupName: 'broken', AttachedManagedPolicies: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        ],
        Policies: [],
      }),
    );
    writeFileSync(join(root, 'payments', 'notes.txt'), 'hello');
    const { ctx, out, err } = captureContext({ cwd: root, now: '2017-02-23T00:40:00Z' });
    const code = await createAuditCommand(QUIET_DEPS).run(['--input-dir', '.', '--format', 'json'], ctx);
    const report = JSON.parse(out());
    assert.deepEqual(
      report.accounts.map((a: { accountId: string; accountName: string | null }) => [
        a.accountId,
        a.accountName,
      ]),
      [
        ['111122223333', null],
        ['444455556666', 'payments'],
      ],
    );
    const payments = report.findings.filter(
      (f: { resource: { account: string } }) => f.resource.account === '444455556666',
    );
    const byUser = Object.fromEntries(
      payments
        .filter((f: { checkId: string }) => f.checkId === 'iam_user_mfa_enforced_by_policy')
        .map((f: { resource: { name: string }; status: string }) => [f.resource.name, f.status]),
    );
    // dana: the NotResource-style Deny enforces MFA (typed sample resources); erin's group could not be read.
    assert.deepEqual(byUser, { dana: 'PASS', erin: 'ERROR' });
    assert.equal(report.accounts[1].summary.usersEnforcedByPolicy, 1);
    assert.match(
      err(),
      /payments\/authz-export\.json:GroupDetailList\[1\]\.AttachedManagedPolicies: expected a list/,
    );
    assert.match(err(), /note: .*notes\.txt: not a recognised AWS CLI export/);
    // The malformed part is an issue, not a rejected file: exit 3 with everything else audited.
    assert.equal(code, EXIT.partial);
  });

  void it('without credentials: says how to give them, exit 2, never "temporary"', async () => {
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const { ctx, err } = context();
    const code = await runAsMain(createAuditCommand(QUIET_DEPS), [], ctx);
    assert.equal(code, EXIT.usage);
    assert.match(
      err(),
      /no AWS credentials were found: give them with --profile NAME \(or AWS_PROFILE\), with AWS_ACCESS_KEY_ID/,
    );
    assert.match(err(), /--credential-report/);
    assert.doesNotMatch(err(), /temporary/);
    // Rejected credentials: an AWS answer, not a passing glitch either.
    sts.reset();
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredToken',
      }),
    );
    const expired = context();
    assert.equal(await runAsMain(createAuditCommand(QUIET_DEPS), [], expired.ctx), EXIT.external);
    assert.match(expired.err(), /AWS rejected these credentials \(ExpiredToken\)/);
    assert.doesNotMatch(expired.err(), /temporary/);
    sts.restore();
  });

  void it('--import-security-hub sends the ASFF findings for the importing account, 100 a call, and lists refused ones', async () => {
    const sts = mockClient(STSClient);
    const hub = mockClient(SecurityHubClient);
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999988887777', Arn: 'arn:aws:iam::999988887777:user/importer' });
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings: { Id: string }[] }) => ({
      SuccessCount: input.Findings.length - 1,
      FailedCount: 1,
      FailedFindings: [
        { Id: input.Findings[0]!.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'bad\u001b[31m' },
      ],
    }));
    const { ctx, err } = context();
    const code = await createAuditCommand(filesDeps({ '/r.csv': KNOWN_REPORT })).run(
      ['--credential-report', 'r.csv', '--import-security-hub', '--region', 'eu-west-1', '--format', 'csv'],
      ctx,
    );
    const calls = hub.commandCalls(BatchImportFindingsCommand);
    assert.equal(calls.length, 1);
    const sent = calls[0]!.args[0].input.Findings ?? [];
    assert.ok(sent.length > 0 && sent.length <= 100);
    assert.ok(sent.every((f) => f.AwsAccountId === '999988887777'));
    assert.ok(
      sent.every(
        (f) => f.ProductArn === 'arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default',
      ),
    );
    assert.ok(sent.some((f) => f.Compliance?.SecurityControlId === 'IAM.5'));
    assert.match(
      err(),
      new RegExp(`security hub: ${sent.length - 1} of ${sent.length} findings imported in 1 request`),
    );
    assert.match(err(), /refused finding .*: InvalidInput: bad\\x1b\[31m/);
    assert.equal(code, EXIT.partial);
    sts.restore();
    hub.restore();
  });
});
