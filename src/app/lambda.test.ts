// Tests for the Lambda handler: direct EventBridge events, SQS batches with partial failures, bad events, the real runtime.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { createHandler, lazyRuntime, runtimeFromEnv } from './lambda.ts';
import type { LambdaRuntime } from './lambda.ts';
import type { IngestOutcome, RecordOrigin } from './live/index.ts';
import { eventBridge, rawRecord } from './live/test-support/live.ts';

const T0 = Date.parse('2024-03-04T12:00:00Z');

const outcome = (received: number): IngestOutcome => ({
  received,
  stored: received,
  duplicates: 0,
  ignored: 0,
  rejected: [],
  alerts: [],
  caseIds: [],
});

/** A fake service recording what it ingested; `failFor` makes a batch fail when it contains that event id. */
function fakeService() {
  const calls: { kind: 'records' | 'bytes'; origin: RecordOrigin; size: number }[] = [];
  const failFor = new Set<string>();
  return {
    calls,
    failFor,
    service: {
      ingestRecords(records: readonly unknown[], origin: RecordOrigin) {
        const ids = records.map((r) => (r as { id?: string }).id ?? '');
        if (ids.some((id) => failFor.has(id))) return Promise.reject(new Error('database is down'));
        calls.push({ kind: 'records' as const, origin, size: records.length });
        return Promise.resolve(outcome(records.length));
      },
      ingestBytes(data: Uint8Array, origin: RecordOrigin) {
        calls.push({ kind: 'bytes' as const, origin, size: data.length });
        return Promise.resolve(outcome(1));
      },
    },
  };
}

const ebEvent = (id: string) => ({
  version: '0',
  id,
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  detail: { eventID: `ct-${id}`, eventName: 'DeactivateMFADevice' },
});
const sqsRecord = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {},
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:mfaguard',
  awsRegion: 'us-east-1',
});

let store: Store;
const s3 = new S3Client({ region: 'us-east-1' });
const s3Mock = mockClient(s3);
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  s3Mock.reset();
});

function handlerWith(fake: ReturnType<typeof fakeService>, logs: string[] = []) {
  const runtime: LambdaRuntime = {
    service: fake.service,
    store,
    s3: () => s3,
    clock: () => T0,
    workerId: 'lambda:test',
  };
  return createHandler({
    getRuntime: () => Promise.resolve(runtime),
    log: (e) => logs.push(`${e.level}: ${e.msg}`),
  });
}

void describe('createHandler', () => {
  void it('ingests one EventBridge event and summarises the outcome', async () => {
    const fake = fakeService();
    const result = await handlerWith(fake)(ebEvent('e-1'));
    assert.deepEqual(result, {
      status: 'ingested',
      received: 1,
      stored: 1,
      duplicates: 0,
      ignored: 0,
      rejected: 0,
      alerts: 0,
    });
    assert.deepEqual(fake.calls, [
      { kind: 'records', origin: { source: 'lambda', location: 'eventbridge event e-1' }, size: 1 },
    ]);
  });

  void it('a scheduled EventBridge event runs the tick (due response actions, escalations) and ingests nothing', async () => {
    const fake = fakeService();
    let ticks = 0;
    const runtime: LambdaRuntime = {
      service: {
        ...fake.service,
        tick: () => {
          ticks++;
          return Promise.resolve();
        },
      },
      store,
      s3: () => s3,
      clock: () => T0,
      workerId: 'lambda:test',
    };
    const handle = createHandler({ getRuntime: () => Promise.resolve(runtime), log: () => undefined });
    const result = await handle({
      version: '0',
      id: 'sched-1',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      resources: ['arn:aws:events:us-east-1:111122223333:rule/mfaguard-tick'],
      detail: {},
    });
    assert.deepEqual(result, { status: 'ticked' });
    assert.equal(ticks, 1);
    assert.deepEqual(fake.calls, []);
  });

  void it('answers a malformed event with an error result, never a crash, and ingests nothing', async () => {
    const fake = fakeService();
    const logs: string[] = [];
    const handle = handlerWith(fake, logs);
    const cases: [unknown, RegExp][] = [
      [null, /got null/],
      ['DeactivateMFADevice', /got string/],
      [[ebEvent('x')], /got an array of 1/],
      [{}, /got an empty object/],
      [{ 'detail-type': 'AWS API Call via CloudTrail', detail: 'nope' }, /no detail object/],
      [{ Records: [{ eventSource: 'aws:s3', s3: {} }] }, /got an object with keys Records/],
      [{ Records: [] }, /got an object with keys Records/],
    ];
    for (const [event, reason] of cases) {
      const result = await handle(event);
      assert.ok('status' in result && result.status === 'rejected', JSON.stringify(event));
      assert.match(result.reason, reason);
    }
    assert.equal(fake.calls.length, 0);
    assert.equal(logs.length, cases.length);
  });

  void it('reports only the failed messages of an SQS batch; malformed bodies are dead-lettered, not retried', async () => {
    const fake = fakeService();
    fake.failFor.add('e-fail');
    const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/04/f.json.gz';
    s3Mock.on(GetObjectCommand).resolves({
      ETag: '"abc"',
      Body: { transformToByteArray: () => Promise.resolve(new Uint8Array([1, 2, 3])) },
    } as unknown as GetObjectCommandOutput);
    const s3Body = JSON.stringify({
      Records: [
        { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'trail' }, object: { key, eTag: 'abc' } } },
      ],
    });
    const result = await handlerWith(fake)({
      Records: [
        sqsRecord('m-ok', JSON.stringify(ebEvent('e-ok'))),
        sqsRecord('m-fail', JSON.stringify(ebEvent('e-fail'))),
        sqsRecord('m-bad', 'this is not json'),
        sqsRecord('m-s3', s3Body),
        sqsRecord('m-s3-again', s3Body),
      ],
    });
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: 'm-fail' }] });
    assert.deepEqual(
      fake.calls.map((c) => [c.kind, c.origin.source, c.origin.location]),
      [
        ['records', 'lambda', 'message m-ok'],
        ['bytes', 'lambda', `s3://trail/${key}`],
      ],
    );
    const [letter] = await store.listDeadLetters({ limit: 5 });
    assert.deepEqual(
      [letter?.source, letter?.location, letter?.raw.toString()],
      ['lambda', 'message m-bad', 'this is not json'],
    );
    assert.equal(await store.isWorkDone(`s3://trail/${key}#abc`), true);
  });

  void it('retries the whole batch when the runtime cannot be built, and throws for a direct event', async () => {
    const logs: string[] = [];
    const handle = createHandler({
      getRuntime: () => Promise.reject(new Error('MFAGUARD_STORE is not set')),
      log: (e) => logs.push(`${e.level}: ${e.msg}`),
    });
    assert.deepEqual(await handle({ Records: [sqsRecord('a', '{}'), sqsRecord('b', '{}')] }), {
      batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }],
    });
    assert.deepEqual(logs, ['error: lambda: runtime unavailable; the whole batch is retried']);
    await assert.rejects(handle(ebEvent('e')), /MFAGUARD_STORE is not set/);
  });
});

void describe('lazyRuntime', () => {
  void it('builds once, and builds again after a failure', async () => {
    let builds = 0;
    const get = lazyRuntime(() => {
      builds += 1;
      return builds === 1
        ? Promise.reject(new Error('store unreachable'))
        : Promise.resolve({} as LambdaRuntime);
    });
    await assert.rejects(get(), /store unreachable/);
    await get();
    await get();
    assert.equal(builds, 2);
  });
});

void describe('runtimeFromEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-lambda-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    MFAGUARD_STORE: `sqlite:${join(dir, 'lambda.db')}`,
    MFAGUARD_SECRET: 'a-long-enough-test-secret-0123456789',
    MFAGUARD_PUBLIC_URL: 'https://mfaguard.example.test',
    AWS_LAMBDA_LOG_STREAM_NAME: 'stream-1',
  };

  void it('names what is missing or wrong in the environment', async () => {
    await assert.rejects(runtimeFromEnv({}), /MFAGUARD_STORE is not set/);
    await assert.rejects(
      runtimeFromEnv({ ...env, MFAGUARD_SECRET: 'short' }),
      /MFAGUARD_SECRET is too short/,
    );
    await assert.rejects(
      runtimeFromEnv({ ...env, MFAGUARD_PUBLIC_URL: '' }),
      /MFAGUARD_PUBLIC_URL is not set/,
    );
    await assert.rejects(
      runtimeFromEnv({ ...env, MFAGUARD_CONFIG: join(dir, 'absent.yml') }),
      /no such file/,
    );
  });

  void it('runs the real live service: an MFA removal is stored once, a replay is a duplicate', async () => {
    const runtime = await runtimeFromEnv(env);
    assert.equal(runtime.workerId, 'lambda:stream-1');
    const handle = createHandler({ getRuntime: () => Promise.resolve(runtime), log: () => undefined });
    const event = eventBridge(
      rawRecord({
        name: 'DeactivateMFADevice',
        at: '2024-03-04T11:59:00Z',
        target: 'alice',
        id: 'lambda-e2e-1',
      }),
    );
    const first = await handle(event);
    assert.ok('status' in first && first.status === 'ingested');
    assert.equal(first.received, 1);
    assert.equal(first.stored, 1);
    const again = await handle(event);
    assert.ok('status' in again && again.status === 'ingested');
    assert.equal(again.duplicates, 1);
    assert.equal(again.stored, 0);
    await (runtime.store as Store).close();
  });
});
