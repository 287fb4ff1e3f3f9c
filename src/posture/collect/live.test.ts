import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
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
import {
  DescribePolicyCommand,
  ListAccountsCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { collectAccountLive, fetchCredentialReport, nothingCollected } from './live.ts';
import { collectOrganization } from './organization.ts';
import { ExternalError } from '../../model/index.ts';
import { HEADER, row } from '../test-support/posture.ts';

const CSV = [
  HEADER,
  row({ user: '<root_account>', mfa: true }),
  row({ user: 'alice', password: 'true', mfa: false }),
].join('\n');
const content = new TextEncoder().encode(CSV);
const GENERATED = new Date('2024-05-31T22:00:00Z');
const meta = { $metadata: {} };

const iam = mockClient(IAMClient);
const sleeps: number[] = [];
const sleep = (ms: number): Promise<void> => {
  sleeps.push(ms);
  return Promise.resolve();
};

function mockHealthyAccount(): void {
  iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
  iam
    .on(GetCredentialReportCommand)
    .resolves({ Content: content, GeneratedTime: GENERATED, ReportFormat: 'text/csv' });
  iam
    .on(ListUsersCommand)
    .resolvesOnce({
      Users: [
        {
          UserName: 'alice',
          Path: '/',
          UserId: 'A',
          Arn: 'arn:aws:iam::111122223333:user/alice',
          CreateDate: new Date(),
        },
      ],
      IsTruncated: true,
      Marker: 'm1',
    })
    .resolves({
      Users: [
        {
          UserName: 'bob',
          Path: '/',
          UserId: 'B',
          Arn: 'arn:aws:iam::111122223333:user/bob',
          CreateDate: new Date(),
        },
      ],
      IsTruncated: false,
    });
  iam.on(ListMFADevicesCommand, { UserName: 'alice' }).resolves({
    MFADevices: [
      {
        UserName: 'alice',
        SerialNumber: 'arn:aws:iam::111122223333:u2f/user/alice/key-1',
        EnableDate: new Date('2024-05-31T23:00:00Z'),
      },
    ],
  });
  iam.on(ListMFADevicesCommand, { UserName: 'bob' }).resolves({ MFADevices: [] });
  iam.on(ListVirtualMFADevicesCommand).resolves({
    VirtualMFADevices: [
      {
        SerialNumber: 'arn:aws:iam::111122223333:mfa/root-account-mfa-device',
        User: {
          Arn: 'arn:aws:iam::111122223333:root',
          UserId: '1',
          UserName: '',
          Path: '/',
          CreateDate: new Date(),
        },
      },
    ],
  });
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({
    UserDetailList: [
      {
        UserName: 'alice',
        Arn: 'arn:aws:iam::111122223333:user/alice',
        UserPolicyList: [
          { PolicyName: 'p', PolicyDocument: encodeURIComponent('{"Version":"2012-10-17","Statement":[]}') },
        ],
      },
    ],
    IsTruncated: false,
  });
  iam
    .on(GetAccountSummaryCommand)
    .resolves({ SummaryMap: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0 } });
  iam.on(GetAccountPasswordPolicyCommand).rejects(
    new NoSuchEntityException({
      message: 'The Password Policy with domain name 111122223333 cannot be found.',
      ...meta,
    }),
  );
  iam
    .on(ListOrganizationsFeaturesCommand)
    .resolves({ OrganizationId: 'o-1', EnabledFeatures: ['RootCredentialsManagement'] });
}

beforeEach(() => {
  iam.reset();
  sleeps.length = 0;
});

void describe('fetchCredentialReport', () => {
  void it('waits while the report is in progress, then returns it with its generation time', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'STARTED' });
    iam
      .on(GetCredentialReportCommand)
      .rejectsOnce(new CredentialReportNotReadyException({ message: 'Report is in progress', ...meta }))
      .rejectsOnce(new CredentialReportNotReadyException({ message: 'Report is in progress', ...meta }))
      .resolves({ Content: content, GeneratedTime: GENERATED });
    const got = await fetchCredentialReport(new IAMClient({}), { sleep, initialDelayMs: 100 });
    assert.equal(got.generatedAt, '2024-05-31T22:00:00.000Z');
    assert.match(got.csv, /^user,arn/);
    assert.deepEqual(sleeps, [100, 200, 400]);
    assert.equal(iam.commandCalls(GenerateCredentialReportCommand).length, 1);
  });

  void it('generates a new report when the old one expired or is not present', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam
      .on(GetCredentialReportCommand)
      .rejectsOnce(new CredentialReportExpiredException({ message: 'expired', ...meta }))
      .rejectsOnce(new CredentialReportNotPresentException({ message: 'not present', ...meta }))
      .resolves({ Content: content, GeneratedTime: GENERATED });
    await fetchCredentialReport(new IAMClient({}), { sleep, initialDelayMs: 10 });
    assert.equal(iam.commandCalls(GenerateCredentialReportCommand).length, 3);
  });

  void it('backs off when throttled', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    iam.on(GenerateCredentialReportCommand).rejectsOnce(throttled).resolves({ State: 'COMPLETE' });
    iam
      .on(GetCredentialReportCommand)
      .rejectsOnce(throttled)
      .resolves({ Content: content, GeneratedTime: GENERATED });
    await fetchCredentialReport(new IAMClient({}), { sleep, initialDelayMs: 50 });
    assert.deepEqual(sleeps, [50, 100]);
  });

  void it('gives up after maxAttempts with a retryable error, and fails fast on access denied', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    iam
      .on(GetCredentialReportCommand)
      .rejects(new CredentialReportNotReadyException({ message: 'in progress', ...meta }));
    await assert.rejects(
      fetchCredentialReport(new IAMClient({}), { sleep, maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2 }),
      (e: unknown) => e instanceof ExternalError && e.retryable && /after 4 attempts/.test(e.message),
    );
    iam.reset();
    iam
      .on(GenerateCredentialReportCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await assert.rejects(
      fetchCredentialReport(new IAMClient({}), { sleep }),
      /credential report: AccessDenied: not authorized/,
    );
  });
});

void describe('collectAccountLive', () => {
  void it('collects every part: paginated users, devices of several kinds, decoded documents, no password policy, root access', async () => {
    mockHealthyAccount();
    const snapshot = await collectAccountLive(new IAMClient({}), {
      now: () => new Date('2024-06-01T00:00:00Z'),
      sleep,
      accountId: '111122223333',
    });
    assert.equal(snapshot.credentialReport.state, 'collected');
    assert.equal(
      snapshot.mfaDevices.state === 'collected' &&
        snapshot.mfaDevices.value.map((d) => `${d.userName}:${d.kind}`).join(' '),
      'alice:fido <root_account>:virtual',
    );
    assert.equal(iam.commandCalls(ListMFADevicesCommand).length, 2);
    assert.deepEqual(snapshot.passwordPolicy, {
      state: 'collected',
      value: null,
      location: 'aws:GetAccountPasswordPolicy',
    });
    assert.equal(
      snapshot.authorization.state === 'collected' &&
        snapshot.authorization.value.users[0]?.inlinePolicies[0]?.document.Version,
      '2012-10-17',
    );
    assert.equal(
      snapshot.rootAccess.state === 'collected' && snapshot.rootAccess.value.centralizedManagement,
      true,
    );
    assert.equal(nothingCollected(snapshot), false);
  });

  void it('turns a failed call into a failed part with the reason, never an empty clean-looking list', async () => {
    mockHealthyAccount();
    iam
      .on(ListUsersCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform iam:ListUsers'), { name: 'AccessDenied' }),
      );
    const snapshot = await collectAccountLive(new IAMClient({}), {
      now: () => new Date(),
      sleep,
      accountId: '1',
    });
    assert.deepEqual(snapshot.mfaDevices, {
      state: 'failed',
      reason: 'AccessDenied: User is not authorized to perform iam:ListUsers',
      location: 'aws:ListMFADevices',
    });
    assert.equal(snapshot.credentialReport.state, 'collected');
  });
});

void describe('collectOrganization', () => {
  const orgs = mockClient(OrganizationsClient);
  const sts = mockClient(STSClient);

  void it('audits reachable accounts and gives an unreachable snapshot for the account whose role cannot be assumed', async () => {
    mockHealthyAccount();
    orgs.reset();
    sts.reset();
    orgs
      .on(ListAccountsCommand)
      .resolvesOnce({
        Accounts: [
          { Id: '111111111111', Name: 'mgmt', State: 'ACTIVE' },
          { Id: '222222222222', Name: 'good', State: 'ACTIVE' },
        ],
        NextToken: 't',
      })
      .resolves({
        Accounts: [
          { Id: '333333333333', Name: 'locked', State: 'ACTIVE' },
          { Id: '444444444444', Name: 'gone', State: 'SUSPENDED' },
        ],
      });
    orgs.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-root', Type: 'ROOT' }] });
    orgs.on(ListPoliciesForTargetCommand).resolves({ Policies: [] });
    orgs.on(ListPoliciesForTargetCommand, { TargetId: 'r-root' }).resolves({
      Policies: [
        {
          Id: 'p-full',
          Name: 'FullAWSAccess',
          Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
        },
      ],
    });
    orgs.on(DescribePolicyCommand).resolves({
      Policy: {
        Content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      },
    });
    sts.on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::222222222222:role/Audit' }).resolves({
      Credentials: {
        AccessKeyId: 'ASIA1',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(),
      },
    });
    sts.on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::333333333333:role/Audit' }).rejects(
      Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), {
        name: 'AccessDenied',
      }),
    );
    const credentialsSeen: (string | null)[] = [];
    const snapshots = await collectOrganization({
      organizations: new OrganizationsClient({}),
      sts: new STSClient({}),
      callerAccountId: '111111111111',
      roleName: 'Audit',
      concurrency: 2,
      now: () => new Date('2024-06-01T00:00:00Z'),
      iamFor: (c) => {
        credentialsSeen.push(c?.accessKeyId ?? null);
        return new IAMClient({});
      },
      collect: (client, account, scps) =>
        collectAccountLive(client, {
          now: () => new Date('2024-06-01T00:00:00Z'),
          sleep,
          accountId: account.id,
          accountName: account.name,
          scps,
        }),
    });
    assert.deepEqual(
      snapshots.map((s) => [s.accountId, s.unreachable === null ? 'ok' : 'unreachable']),
      [
        ['111111111111', 'ok'],
        ['222222222222', 'ok'],
        ['333333333333', 'unreachable'],
      ],
    );
    assert.match(
      snapshots[2]?.unreachable ?? '',
      /cannot assume arn:aws:iam::333333333333:role\/Audit: AccessDenied/,
    );
    assert.deepEqual(credentialsSeen.sort(), ['ASIA1', null].sort());
    const scps = snapshots[1]?.scps;
    assert.equal(
      scps?.state === 'collected' && scps.value.map((p) => `${p.name}@${p.target}`).join(),
      'FullAWSAccess@r-root',
    );
    assert.equal(nothingCollected(snapshots[2]!), true);
  });

  void it('throws an ExternalError when the organization cannot be listed', async () => {
    orgs.reset();
    orgs
      .on(ListAccountsCommand)
      .rejects(
        Object.assign(new Error('not in an organization'), { name: 'AWSOrganizationsNotInUseException' }),
      );
    await assert.rejects(
      collectOrganization({
        organizations: new OrganizationsClient({}),
        sts: new STSClient({}),
        callerAccountId: null,
        now: () => new Date(),
        iamFor: () => new IAMClient({}),
        collect: () => Promise.reject(new Error('unused')),
      }),
      (e: unknown) =>
        e instanceof ExternalError &&
        /cannot list the organization's accounts: AWSOrganizationsNotInUseException/.test(e.message),
    );
  });
});
