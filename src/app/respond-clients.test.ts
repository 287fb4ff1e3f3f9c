import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { TemporaryCredentials } from '../posture/index.ts';
import { createResponder } from '../respond/index.ts';
import type { ResponderRole } from '../respond/index.ts';
import { T0, classifiedCase, enforcing } from '../respond/test-support/cases.ts';
import { fakeIam } from '../respond/test-support/fake-iam.ts';
import type { FakeIam } from '../respond/test-support/fake-iam.ts';
import type { Store } from '../store/index.ts';
import { responseAnnouncer } from './live/index.ts';
import { tempSqlite } from './live/test-support/live.ts';
import type { TempStore } from './live/test-support/live.ts';
import { accountIam, REFRESH_BEFORE_MS, servicePartition } from './respond-clients.ts';

const A = '111122223333';
const B = '444455556666';
const ROLE: ResponderRole = {
  role: 'mfaguard-responder',
  externalId: 'ext-42',
  sessionName: 'mfaguard-responder',
};

let sts: AwsClientStub<STSClient>;
let now = T0;
/** The credentials each IAM client was built with, in order (null: the service's own). */
let built: (TemporaryCredentials | null)[];

const clients = (region = 'us-east-1') => ({
  sts: new STSClient({ region }),
  iamFor: (credentials: TemporaryCredentials | null) => {
    built.push(credentials);
    return new IAMClient({ region: 'us-east-1', ...(credentials === null ? {} : { credentials }) });
  },
});

/** STS as its API reference answers AssumeRole: Credentials with an Expiration, one session per call. */
function stsAnswers(lifetimeMs = 3_600_000): void {
  let n = 0;
  sts.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommandInput) => {
    n++;
    return {
      Credentials: {
        AccessKeyId: `ASIA${String(n).padStart(16, '0')}`,
        SecretAccessKey: `secret-${n}`,
        SessionToken: `token-${n}`,
        Expiration: new Date(now + lifetimeMs),
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROAEXAMPLE:${input.RoleSessionName ?? ''}`,
        Arn: `${(input.RoleArn ?? '').replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${input.RoleSessionName ?? ''}`,
      },
    };
  });
}

const assumeInputs = () => sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);

describe('responder IAM per account', () => {
  beforeEach(() => {
    sts = mockClient(STSClient);
    now = T0;
    built = [];
  });
  afterEach(() => sts.restore());

  it('assumes the role in each account (role ARN, session name, external id) and gives each its own client', async () => {
    stsAnswers();
    const iam = accountIam({ clients: clients(), role: ROLE, clock: () => now });
    const inA = await iam(A);
    const inB = await iam(B);
    assert.notEqual(inA, inB);
    assert.deepEqual(assumeInputs(), [
      {
        RoleArn: `arn:aws:iam::${A}:role/mfaguard-responder`,
        RoleSessionName: 'mfaguard-responder',
        DurationSeconds: 3600,
        ExternalId: 'ext-42',
      },
      {
        RoleArn: `arn:aws:iam::${B}:role/mfaguard-responder`,
        RoleSessionName: 'mfaguard-responder',
        DurationSeconds: 3600,
        ExternalId: 'ext-42',
      },
    ]);
    assert.deepEqual(
      built.map((c) => c?.accessKeyId),
      ['ASIA0000000000000001', 'ASIA0000000000000002'],
    );
  });

  it('a role given by name is in the partition of the service region: aws-us-gov, aws-cn', async () => {
    stsAnswers();
    await accountIam({ clients: clients('us-gov-west-1'), role: ROLE, clock: () => now })(A);
    await accountIam({ clients: clients('cn-northwest-1'), role: ROLE, clock: () => now })(B);
    assert.deepEqual(
      assumeInputs().map((input) => input.RoleArn),
      [`arn:aws-us-gov:iam::${A}:role/mfaguard-responder`, `arn:aws-cn:iam::${B}:role/mfaguard-responder`],
    );
  });

  it('a partition given with the account wins over the service region; each partition has its own session', async () => {
    stsAnswers();
    const iam = accountIam({ clients: clients('us-east-1'), role: ROLE, clock: () => now });
    const cn = await iam(A, 'aws-cn');
    assert.equal(await iam(A, 'aws-cn'), cn);
    assert.notEqual(await iam(A, 'aws-us-gov'), cn);
    assert.deepEqual(
      assumeInputs().map((input) => input.RoleArn),
      [`arn:aws-cn:iam::${A}:role/mfaguard-responder`, `arn:aws-us-gov:iam::${A}:role/mfaguard-responder`],
    );
  });

  it('an ARN template names the partition and path; no external id is sent when none is configured', async () => {
    stsAnswers();
    const role = {
      role: 'arn:aws-us-gov:iam::{account}:role/sec/responder',
      externalId: null,
      sessionName: 'soc',
    };
    await accountIam({ clients: clients(), role, clock: () => now })(B);
    assert.deepEqual(assumeInputs(), [
      {
        RoleArn: `arn:aws-us-gov:iam::${B}:role/sec/responder`,
        RoleSessionName: 'soc',
        DurationSeconds: 3600,
      },
    ]);
  });

  it('reuses the client until shortly before the credentials expire, then assumes again', async () => {
    stsAnswers();
    const iam = accountIam({ clients: clients(), role: ROLE, clock: () => now });
    const first = await iam(A);
    const [again, concurrent] = await Promise.all([iam(A), iam(A)]);
    assert.equal(again, first);
    assert.equal(concurrent, first);
    now = T0 + 3_600_000 - REFRESH_BEFORE_MS - 1;
    assert.equal(await iam(A), first);
    assert.equal(assumeInputs().length, 1);
    now = T0 + 3_600_000 - REFRESH_BEFORE_MS;
    const renewed = await iam(A);
    assert.notEqual(renewed, first);
    assert.equal(assumeInputs().length, 2);
    assert.equal(built.at(-1)?.accessKeyId, 'ASIA0000000000000002');
  });

  it('a refused AssumeRole names the role and the reason, and is asked again next time', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(
        Object.assign(
          new Error(`User: arn:aws:iam::${A}:user/svc is not authorized to perform: sts:AssumeRole`),
          {
            name: 'AccessDenied',
            $metadata: { httpStatusCode: 403 },
          },
        ),
      )
      .resolves({
        Credentials: {
          AccessKeyId: 'ASIAOK',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: new Date(now + 3_600_000),
        },
      });
    const iam = accountIam({ clients: clients(), role: ROLE, clock: () => now });
    await assert.rejects(iam(B), (error: Error) => {
      assert.equal(error.name, 'ExternalError');
      assert.equal((error as Error & { retryable: boolean }).retryable, false);
      assert.match(
        error.message,
        new RegExp(
          `^cannot assume arn:aws:iam::${B}:role/mfaguard-responder: AccessDenied: User: .* sts:AssumeRole$`,
        ),
      );
      return true;
    });
    await iam(B);
    assert.equal(assumeInputs().length, 2);
  });

  it('without a role, every account uses the service credentials and STS is never asked', async () => {
    const iam = accountIam({ clients: clients(), role: null, clock: () => now });
    assert.equal(await iam(A), await iam(B));
    assert.equal(await iam(null), await iam(A));
    assert.deepEqual(assumeInputs(), []);
    assert.deepEqual(built, [null]);
  });
});

describe('responder with a role per account', () => {
  let temp: TempStore;
  let store: Store;
  let fake: FakeIam;
  beforeEach(async () => {
    sts = mockClient(STSClient);
    built = [];
    now = T0 + 120_000;
    temp = tempSqlite();
    store = await temp.open();
    fake = fakeIam();
  });
  afterEach(async () => {
    sts.restore();
    fake.mock.restore();
    await store.close();
    temp.cleanup();
  });

  const responder = (partition: string | null = null, region = 'us-east-1') =>
    createResponder({
      store,
      config: enforcing({ assumeRole: ROLE, partition }),
      breakGlassUsers: new Set(),
      knownAdmins: new Set(),
      iam: accountIam({ clients: clients(region), role: ROLE, clock: () => now }),
      servicePartition: () => servicePartition(clients(region)),
      clock: () => now,
      announce: responseAnnouncer(
        {
          routes: [
            { name: 'soc', minSeverity: 'low', classifications: null, kinds: null, notify: ['slack'] },
          ],
          publicUrl: 'https://m.example',
        },
        () => undefined,
      ),
    });

  it("contains the user in the case's own account, through the role assumed there", async () => {
    stsAnswers();
    const caseId = await classifiedCase(store, 'carol');
    await responder().caseChanged([caseId]);
    assert.equal((await store.listResponseActions({ caseId }))[0]?.state, 'applied');
    assert.deepEqual(
      assumeInputs().map((input) => input.RoleArn),
      [`arn:aws:iam::${A}:role/mfaguard-responder`],
    );
    assert.deepEqual(fake.writes, ['AttachUserPolicy']);
    // The write went out on the client built with the assumed role's credentials.
    assert.equal(built.length, 1);
    assert.equal(built[0]?.sessionToken, 'token-1');
  });

  it("a case in another partition than the service's: the role and the policy are the case's partition's", async () => {
    stsAnswers();
    const caseId = await classifiedCase(
      store,
      'chen',
      'unauthorized',
      `arn:aws-cn:sts::${A}:assumed-role/Ops/x`,
    );
    // The service runs in us-east-1 (aws) and respond.partition says aws-us-gov: the case's own partition wins.
    await responder('aws-us-gov').caseChanged([caseId]);
    const [action] = await store.listResponseActions({ caseId });
    assert.equal(action?.state, 'applied');
    assert.deepEqual(
      assumeInputs().map((input) => input.RoleArn),
      [`arn:aws-cn:iam::${A}:role/mfaguard-responder`],
    );
    assert.deepEqual(
      fake.state.attached.get('chen'),
      new Set([`arn:aws-cn:iam::${A}:policy/mfaguard-quarantine`]),
    );
    // An undo after a restart (a new responder, no session kept) assumes the role in the case's partition again.
    await responder('aws-us-gov').undo(action?.id ?? '', 'api:alice');
    assert.deepEqual(
      assumeInputs().map((input) => input.RoleArn),
      [`arn:aws-cn:iam::${A}:role/mfaguard-responder`, `arn:aws-cn:iam::${A}:role/mfaguard-responder`],
    );
    assert.deepEqual(fake.state.attached.get('chen'), new Set());
  });

  it('a case that names no partition: respond.partition, else the service region', async () => {
    stsAnswers();
    const gov = await classifiedCase(store, 'gina', 'unauthorized', null, true);
    await responder('aws-us-gov').caseChanged([gov]);
    const cn = await classifiedCase(store, 'chen', 'unauthorized', null, true);
    await responder(null, 'cn-north-1').caseChanged([cn]);
    assert.deepEqual(
      assumeInputs().map((input) => input.RoleArn),
      [`arn:aws-us-gov:iam::${A}:role/mfaguard-responder`, `arn:aws-cn:iam::${A}:role/mfaguard-responder`],
    );
    for (const [caseId, partition] of [
      [gov, 'aws-us-gov'],
      [cn, 'aws-cn'],
    ] as const) {
      const [action] = await store.listResponseActions({ caseId });
      assert.equal((action?.plan as { partition?: string }).partition, partition);
      assert.equal(action?.state, 'applied');
    }
  });

  it('a role that cannot be assumed fails the action with the reason, and the failure is announced', async () => {
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error('Access denied'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const caseId = await classifiedCase(store, 'carol');
    await responder().caseChanged([caseId]);
    const [action] = await store.listResponseActions({ caseId });
    assert.equal(action?.state, 'failed');
    assert.equal(
      action?.error,
      `cannot assume arn:aws:iam::${A}:role/mfaguard-responder: AccessDenied: Access denied`,
    );
    assert.deepEqual(fake.writes, []);
    const queued = await store.listCaseNotifications(caseId, 10);
    assert.deepEqual(
      queued.map((row) => [row.kind, row.channel]),
      [['response-failed', 'slack']],
    );
    assert.match(
      String((queued[0]?.payload as { summary: string }).summary),
      /cannot assume arn:aws:iam::111122223333/,
    );
  });
});
