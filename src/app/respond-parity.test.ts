// serve and the Lambda handler share one response path: the same events give the same recorded actions and messages.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { startService } from '../api/index.ts';
import { E2E_ENV } from '../api/test-support/e2e.ts';
import type { TemporaryCredentials } from '../posture/index.ts';
import { carolAndIntruderKeys, fakeIam } from '../respond/test-support/fake-iam.ts';
import type { FakeIam } from '../respond/test-support/fake-iam.ts';
import type { Store } from '../store/index.ts';
import { parseConfig } from './config.ts';
import { createHandler, runtimeFromEnv } from './lambda.ts';
import { ACCOUNT, ORIGIN, eventBridge, fakeClock, rawRecord } from './live/test-support/live.ts';

const PUBLIC_URL = 'https://mfaguard.example.test';
const CONFIG = `
identities:
  owners:
    carol: { email: carol@example.com }
notify:
  notifiers:
    - { id: soc, kind: webhook, url: 'http://127.0.0.1:9/hook', secretEnv: E2E_WEBHOOK_SECRET }
  routes:
    - { name: soc, kinds: [response-applied, response-failed, response-undone], notify: [soc] }
respond:
  mode: enforce
  role: mfaguard-responder
  externalId: parity-ext
  rules:
    - when: [suspicious, admin-reset, unresolved, unauthorized]
      actions: [quarantine, revoke-sessions]
`;

const carolAtHome = { actor: 'carol', ip: '198.51.100.7', console: true, mfa: true } as const;
const attacker = { actor: 'bob', ip: '192.0.2.66', userAgent: 'Boto3/1.34.0 Python/3.12' } as const;
const RECORDS = [
  rawRecord({ name: 'ListUsers', at: '2026-11-10T09:00:00Z', id: 'parity-1', ...carolAtHome }),
  rawRecord({ name: 'GetUser', at: '2026-11-12T09:00:00Z', id: 'parity-2', ...carolAtHome }),
  rawRecord({
    name: 'DeactivateMFADevice',
    at: '2026-11-18T02:14:00Z',
    id: 'parity-3',
    ...attacker,
    target: 'carol',
  }),
];

/** Carol's keys: her own, and one created after the removal (the intruder's). */
const carolsIam = (): FakeIam => fakeIam({ keys: carolAndIntruderKeys() });

const clients = () => ({
  sts: new STSClient({ region: 'us-east-1' }),
  iamFor: (credentials: TemporaryCredentials | null) =>
    new IAMClient({ region: 'us-east-1', ...(credentials === null ? {} : { credentials }) }),
});

/** What a deployment records, without ids and times (each store numbers and stamps its own). */
async function recorded(store: Store) {
  const actions = await store.listResponseActions({});
  const messages = await store.listNotifications({ state: 'pending', limit: 100 });
  return {
    actions: actions.map((a) => ({
      kind: a.kind,
      target: `${a.targetKind} ${a.account ?? '-'}/${a.targetName}`,
      state: a.state,
      hold: a.hold,
      reason: a.reason,
      plan: a.plan,
      calls: a.calls,
      notes: a.notes,
      error: a.error,
    })),
    messages: messages
      .filter((m) => m.kind.startsWith('response-'))
      .map((m) => `${m.kind}@${m.channel}`)
      .sort(),
  };
}

describe('response parity: serve and the Lambda handler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-parity-'));
  let sts: AwsClientStub<STSClient>;
  let iam: FakeIam | null = null;
  before(() => {
    sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAPARITY',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date('2026-11-18T03:20:00Z'),
      },
    });
    writeFileSync(join(dir, 'mfaguard.yml'), CONFIG);
  });
  afterEach(() => iam?.mock.restore());
  after(() => {
    sts.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  async function viaServe() {
    iam = carolsIam();
    const clock = fakeClock('2026-11-18T02:20:00Z');
    const service = await startService({
      storeUrl: `sqlite:${join(dir, 'serve.db')}`,
      host: '127.0.0.1',
      port: 0,
      env: E2E_ENV,
      config: parseConfig(CONFIG, 'mfaguard.yml', { env: E2E_ENV }),
      publicUrl: PUBLIC_URL,
      webRoot: null,
      tickIntervalMs: 3_600_000,
      outboxIntervalMs: 3_600_000,
      postureCheckIntervalMs: 3_600_000,
      postureClients: null,
      respondClients: clients(),
      clock,
      log: () => undefined,
    });
    try {
      await service.live.ingestRecords(RECORDS, ORIGIN);
      return { ...(await recorded(service.store)), writes: [...iam.writes].sort() };
    } finally {
      await service.stop();
    }
  }

  async function viaLambda() {
    iam = carolsIam();
    const clock = fakeClock('2026-11-18T02:20:00Z');
    const runtime = await runtimeFromEnv(
      {
        ...E2E_ENV,
        MFAGUARD_STORE: `sqlite:${join(dir, 'lambda.db')}`,
        MFAGUARD_SECRET: 'a-long-enough-test-secret-0123456789',
        MFAGUARD_PUBLIC_URL: PUBLIC_URL,
        MFAGUARD_CONFIG: join(dir, 'mfaguard.yml'),
        AWS_LAMBDA_LOG_STREAM_NAME: 'parity',
      },
      { clock, respondClients: clients(), postureClients: null },
    );
    const store = runtime.store as Store;
    try {
      const handle = createHandler({ getRuntime: () => Promise.resolve(runtime), log: () => undefined });
      for (const record of RECORDS) {
        const result = await handle(eventBridge(record));
        assert.ok('status' in result && result.status === 'ingested', JSON.stringify(result));
      }
      return { ...(await recorded(store)), writes: [...iam.writes].sort() };
    } finally {
      await store.close();
    }
  }

  it('the same events plan and apply the same actions, through the same role, with the same messages', async () => {
    const serve = await viaServe();
    const stsCallsAfterServe = sts.commandCalls(AssumeRoleCommand).length;
    const lambda = await viaLambda();
    // Not vacuous: the removal was contained, in carol's account, through the role assumed there.
    assert.deepEqual(
      serve.actions.map((a) => [a.kind, a.target, a.state]),
      [
        ['quarantine', `user ${ACCOUNT}/carol`, 'applied'],
        ['revoke-sessions', `user ${ACCOUNT}/carol`, 'applied'],
      ],
    );
    assert.deepEqual(serve.messages, ['response-applied@soc', 'response-applied@soc']);
    assert.deepEqual(serve.writes, ['AttachUserPolicy', 'UpdateAccessKey:AKIAINTRUDER:Inactive']);
    assert.equal(stsCallsAfterServe, 1);
    assert.deepEqual(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input, {
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/mfaguard-responder`,
      RoleSessionName: 'mfaguard-responder',
      DurationSeconds: 3600,
      ExternalId: 'parity-ext',
    });
    assert.deepEqual(lambda, serve);
    assert.equal(sts.commandCalls(AssumeRoleCommand).length, 2);
  });

  it('a Lambda-only deployment sends its notifications on the scheduled tick (no serve needed)', async () => {
    const received: { kind: unknown; delivery: string | undefined }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const payload = JSON.parse(body) as { notification?: { kind?: unknown }; kind?: unknown };
        received.push({
          kind: payload.notification?.kind ?? payload.kind,
          delivery: request.headers['x-mfaguard-delivery'] as string | undefined,
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const configPath = join(dir, 'mfaguard-lambda-only.yml');
    writeFileSync(configPath, CONFIG.replace('http://127.0.0.1:9/hook', `http://127.0.0.1:${port}/hook`));
    iam = carolsIam();
    const runtime = await runtimeFromEnv(
      {
        ...E2E_ENV,
        MFAGUARD_STORE: `sqlite:${join(dir, 'lambda-only.db')}`,
        MFAGUARD_SECRET: 'a-long-enough-test-secret-0123456789',
        MFAGUARD_PUBLIC_URL: PUBLIC_URL,
        MFAGUARD_CONFIG: configPath,
        AWS_LAMBDA_LOG_STREAM_NAME: 'lambda-only',
      },
      { clock: fakeClock('2026-11-18T02:20:00Z'), respondClients: clients(), postureClients: null },
    );
    const store = runtime.store as Store;
    try {
      const handle = createHandler({ getRuntime: () => Promise.resolve(runtime), log: () => undefined });
      for (const record of RECORDS) await handle(eventBridge(record));
      const queued = (await recorded(store)).messages;
      assert.deepEqual(queued, ['response-applied@soc', 'response-applied@soc'], 'queued, not yet sent');
      assert.equal(received.length, 0);

      const ticked = await handle({
        version: '0',
        id: 'tick-1',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        resources: ['arn:aws:events:us-east-1:111122223333:rule/mfaguard-tick'],
        detail: {},
      });
      assert.ok('status' in ticked && ticked.status === 'ticked', JSON.stringify(ticked));
      assert.equal(ticked.outbox?.sent, 2);
      assert.equal(ticked.outbox?.dead, 0);
      assert.deepEqual((await recorded(store)).messages, [], 'nothing left pending');
      assert.equal(received.length, 2);
      assert.equal(new Set(received.map((r) => r.delivery)).size, 2, 'each with its own delivery key');
    } finally {
      await store.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
