// Posture in `serve`, end to end on loopback: the scheduled audit (IAM/STS mocked at the SDK) is stored and served
// with its age; an EnableMFADevice event then updates the stored posture, and the API says the fact came from it.
// Two workers on one store (SQLite, PostgreSQL): the audit job runs on one of them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { startService } from '../api/index.ts';
import { E2E_ENV } from '../api/test-support/e2e.ts';
import { HEADER, row } from '../posture/test-support/posture.ts';
import { createThrowawayDatabase, postgresProblem } from '../store/test-support/postgres.ts';
import { missing } from '../test-support/requirements.ts';
import { parseConfig } from './config.ts';
import type { LiveLogEntry } from './live/index.ts';
import { POSTURE_JOB } from './posture-wiring.ts';
import type { RunningService } from './serve.ts';

const ACCOUNT = '111122223333';
const AUDIT_AT = Date.parse('2026-11-20T08:00:00Z');
const admin = { authorization: `Bearer ${E2E_ENV.MFAGUARD_ADMIN_TOKEN}` };
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const ALLOW_ALL = encodeURIComponent(
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
);

function mockAccount(iam: AwsClientStub<IAMClient>): void {
  const csv = [
    HEADER,
    row({ user: '<root_account>', mfa: true }),
    row({ user: 'alice', password: 'true', mfa: true }),
    row({ user: 'bob', password: 'true', mfa: false }),
  ].join('\n');
  iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
  iam.on(GetCredentialReportCommand).resolves({
    Content: new TextEncoder().encode(csv),
    GeneratedTime: new Date(AUDIT_AT - 3_600_000),
    ReportFormat: 'text/csv',
  });
  const user = (name: string) => ({
    UserName: name,
    Path: '/',
    UserId: `AIDA${name.toUpperCase()}EXAMPLE`,
    Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    CreateDate: new Date('2026-01-01T00:00:00Z'),
  });
  iam.on(ListUsersCommand).resolves({ Users: [user('alice'), user('bob')], IsTruncated: false });
  iam.on(ListMFADevicesCommand, { UserName: 'alice' }).resolves({
    MFADevices: [
      {
        UserName: 'alice',
        SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice`,
        EnableDate: new Date('2026-01-02T00:00:00Z'),
      },
    ],
    IsTruncated: false,
  });
  iam.on(ListMFADevicesCommand, { UserName: 'bob' }).resolves({ MFADevices: [], IsTruncated: false });
  iam.on(ListVirtualMFADevicesCommand).resolves({
    VirtualMFADevices: [
      {
        SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice`,
        User: user('alice'),
        EnableDate: new Date('2026-01-02T00:00:00Z'),
      },
    ],
    IsTruncated: false,
  });
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({
    UserDetailList: [
      {
        ...user('alice'),
        GroupList: [],
        UserPolicyList: [],
        AttachedManagedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: ADMIN_POLICY }],
      },
      { ...user('bob'), GroupList: [], UserPolicyList: [], AttachedManagedPolicies: [] },
    ],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [
      {
        PolicyName: 'AdministratorAccess',
        Arn: ADMIN_POLICY,
        DefaultVersionId: 'v1',
        AttachmentCount: 1,
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: ALLOW_ALL }],
      },
    ],
    IsTruncated: false,
  });
  iam
    .on(GetAccountSummaryCommand)
    .resolves({ SummaryMap: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, Users: 2 } });
  iam.on(GetAccountPasswordPolicyCommand).rejects(
    new NoSuchEntityException({
      message: `The Password Policy with domain name ${ACCOUNT} cannot be found.`,
      $metadata: {},
    }),
  );
  iam
    .on(ListOrganizationsFeaturesCommand)
    .resolves({ OrganizationId: 'o-exampleorgid', EnabledFeatures: [] });
}

/** EnableMFADevice as EventBridge delivers it (a CloudTrail record under `detail`). */
function enableMfaEvent(timeMs: number): Record<string, unknown> {
  const time = new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: 'eb-enable-1',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: ACCOUNT,
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDABOBEXAMPLE',
        arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
        accountId: ACCOUNT,
        userName: 'bob',
      },
      eventTime: time,
      eventSource: 'iam.amazonaws.com',
      eventName: 'EnableMFADevice',
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.7',
      userAgent: 'AWS Internal',
      requestParameters: { userName: 'bob', serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/bob` },
      responseElements: null,
      requestID: 'req-enable-1',
      eventID: 'c0ffee00-0000-4000-8000-000000000001',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  };
}

interface AccountJson {
  accountId: string;
  source: string;
  consoleUsers: number;
  consoleUsersWithMfa: number;
  consoleMfaPercent: number | null;
  ageSeconds: number;
  auditedAt: string;
  fromEvents: { since: string | null; facts: Record<string, unknown>[] };
  findings: { failing: { checkId: string; resource: { name: string } }[] };
}

interface CaseJson {
  userName: string;
  kind: string | null;
  state: string;
  severity: string;
  resolution: string | null;
}

/** `serve` with a 6 h posture audit against the mocked account, its loops slow enough never to run twice in a test. */
function startPostureService(
  storeUrl: string,
  clock: () => number,
  log: (entry: LiveLogEntry) => void,
  workerId?: string,
): Promise<RunningService> {
  return startService({
    storeUrl,
    host: '127.0.0.1',
    port: 0,
    env: E2E_ENV,
    config: parseConfig('posture:\n  interval: 6h\n', 'posture.yaml', { env: E2E_ENV }),
    webRoot: null,
    ...(workerId === undefined ? {} : { workerId }),
    tickIntervalMs: 3_600_000,
    outboxIntervalMs: 3_600_000,
    postureCheckIntervalMs: 3_600_000,
    clock,
    postureClients: {
      sts: new STSClient({ region: 'us-east-1' }),
      organizations: new OrganizationsClient({ region: 'us-east-1' }),
      iamFor: () => new IAMClient({ region: 'us-east-1' }),
    },
    log,
  });
}

describe('posture in serve', () => {
  let dir: string;
  let service: RunningService;
  let nowMs = AUDIT_AT;
  const iam = mockClient(IAMClient);
  const sts = mockClient(STSClient);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mfaguard-posture-'));
    mockAccount(iam);
    sts.on(GetCallerIdentityCommand).resolves({
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:role/mfaguard`,
      UserId: 'AROAEXAMPLE:mfaguard',
    });
    service = await startPostureService(
      `sqlite:${join(dir, 'mfaguard.db')}`,
      () => nowMs,
      () => undefined,
    );
  });
  after(async () => {
    await service.stop();
    iam.restore();
    sts.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${service.url}${path}`, { headers: admin });
    assert.equal(response.status, 200, `${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  const posture = async (): Promise<AccountJson[]> =>
    (await get<{ accounts: AccountJson[] }>('/api/posture')).accounts;

  it('the scheduled audit runs once on one worker and is stored; the API shows it with its age', async () => {
    // The job's first look finds no audit within the interval and runs one; wait for it by condition, not time.
    for (let i = 0; i < 200 && (await service.store.listPostureSnapshots({})).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal(
      await service.store.getJobLease('posture-audit').then((lease) => lease?.holder !== undefined),
      true,
    );
    nowMs = AUDIT_AT + 90_000;
    const accounts = await posture();
    assert.equal(accounts.length, 1);
    const account = accounts[0]!;
    assert.equal(account.accountId, ACCOUNT);
    assert.equal(account.source, 'audit');
    assert.deepEqual(
      [account.consoleUsers, account.consoleUsersWithMfa, account.consoleMfaPercent, account.ageSeconds],
      [2, 1, 50, 90],
    );
    assert.equal(account.auditedAt, new Date(AUDIT_AT).toISOString());
    assert.deepEqual(account.fromEvents, { since: null, facts: [] });
    assert.ok(
      account.findings.failing.some(
        (f) => f.checkId === 'iam_user_mfa_enabled_console_access' && f.resource.name === 'bob',
      ),
    );
    // A second run within the interval (a restart, another worker) does not audit again.
    assert.equal(iam.commandCalls(GenerateCredentialReportCommand).length, 1);
  });

  it('the audit job raises the console user it found without MFA past the grace: an alert and a case', async () => {
    // The job judges the audit right after storing it; wait for that by condition.
    let cases: CaseJson[] = [];
    for (let i = 0; i < 200 && cases.length === 0; i++) {
      cases = (await get<{ items: CaseJson[] }>('/api/cases?limit=50')).items.filter(
        (c) => c.kind === 'provisioned-without-mfa',
      );
      if (cases.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.deepEqual(
      cases.map((c) => [c.userName, c.state, c.severity]),
      [['bob', 'open', 'medium']],
    );
    assert.deepEqual(await service.provisioned.check(), { opened: 0, closed: 0 }, 'once');
  });

  it('an EnableMFADevice event updates the stored posture, and the API says which fact came from it and since when', async () => {
    const eventAt = AUDIT_AT + 600_000;
    nowMs = eventAt + 5_000;
    const response = await fetch(`${service.url}/ingest/eventbridge`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${E2E_ENV.MFAGUARD_INGEST_TOKEN}`,
      },
      body: JSON.stringify(enableMfaEvent(eventAt)),
    });
    assert.equal(response.status, 202);
    const account = (await posture())[0]!;
    assert.equal(account.source, 'events');
    assert.deepEqual([account.consoleUsers, account.consoleUsersWithMfa], [2, 2]);
    assert.equal(account.auditedAt, new Date(AUDIT_AT).toISOString(), 'still resting on the same audit');
    assert.equal(account.fromEvents.since, new Date(eventAt).toISOString());
    assert.deepEqual(
      account.fromEvents.facts.map((f) => [f['userName'], f['fact'], f['eventName'], f['at']]),
      [['bob', 'mfa-device', 'EnableMFADevice', new Date(eventAt).toISOString()]],
    );
    // The same event closes bob's provisioned-without-MFA case, through the ingest hook.
    const closed = (await get<{ items: CaseJson[] }>('/api/cases?limit=50')).items.filter(
      (c) => c.kind === 'provisioned-without-mfa',
    );
    assert.deepEqual(
      closed.map((c) => [c.userName, c.state, c.resolution]),
      [['bob', 'resolved', 'mfa-enabled']],
    );
    const history = await get<{ items: AccountJson[] }>(
      `/api/posture/history?from=${AUDIT_AT - 1}&account=${ACCOUNT}`,
    );
    assert.deepEqual(
      history.items.map((s) => [s.source, s.consoleUsersWithMfa]),
      [
        ['audit', 1],
        ['events', 2],
      ],
    );
  });

  it('bad query values are a 400 naming the field', async () => {
    const response = await fetch(`${service.url}/api/posture/history?account=12ab`, { headers: admin });
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(await response.json()), /account/);
  });
});

describe('posture audits on several workers', () => {
  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`two serve workers on one ${backend} store: one takes the audit job, the other finds it held; one audit in all`, async (t) => {
      if (backend === 'postgres' && missing(t, 'pg', await postgresProblem())) return;
      const iam = mockClient(IAMClient);
      const sts = mockClient(STSClient);
      const dir = mkdtempSync(join(tmpdir(), 'mfaguard-posture-workers-'));
      const database = backend === 'postgres' ? await createThrowawayDatabase('mfaguard_posture') : null;
      const services: RunningService[] = [];
      const logs: (LiveLogEntry & { worker: string })[] = [];
      try {
        mockAccount(iam);
        sts.on(GetCallerIdentityCommand).resolves({
          Account: ACCOUNT,
          Arn: `arn:aws:iam::${ACCOUNT}:role/mfaguard`,
          UserId: 'AROAEXAMPLE:mfaguard',
        });
        const storeUrl = database?.url ?? `sqlite:${join(dir, 'mfaguard.db')}`;
        // Started together, as workers deployed at once are: both ask for the lease at their first look.
        const started = await Promise.all(
          ['w1', 'w2'].map((worker) =>
            startPostureService(
              storeUrl,
              () => AUDIT_AT,
              (entry) => logs.push({ ...entry, worker }),
              worker,
            ),
          ),
        );
        services.push(...started);
        const looks = () =>
          logs.filter(
            (entry) => entry['job'] === POSTURE_JOB && /^scheduled job (taken|held)/.test(entry.msg),
          );
        // Wait (by condition, never by time) until both workers have looked and the audit is stored.
        for (let i = 0; i < 400; i++) {
          const stored = await services[0]!.store.listPostureSnapshots({});
          if (looks().length >= 2 && stored.length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const byWorker = looks()
          .map((entry) => `${entry.worker}: ${entry.msg}`)
          .sort();
        const holder = (await services[0]!.store.getJobLease(POSTURE_JOB))?.holder;
        const other = holder === 'w1' ? 'w2' : 'w1';
        assert.deepEqual(
          byWorker,
          [`${holder}: scheduled job taken`, `${other}: scheduled job held elsewhere`].sort(),
        );
        assert.equal((await services[1]!.store.listPostureSnapshots({})).length, 1, 'one audit stored');
        assert.equal(
          iam.commandCalls(GenerateCredentialReportCommand).length,
          1,
          'one audit run against AWS',
        );
      } finally {
        for (const service of services) await service.stop();
        iam.restore();
        sts.restore();
        await database?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
