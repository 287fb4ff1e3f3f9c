// Tests for the SQS source: SQS mocked at the SDK, S3 objects served by s3rver, claims and dead letters in real SQLite.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { openStore } from '../../../store/index.ts';
import type { Store } from '../../../store/index.ts';
import { createFakeTime, deferred, settle, startLocalS3 } from '../test-support/live-testkit.ts';
import type { LocalS3 } from '../test-support/live-testkit.ts';
import type { LiveOrigin, LiveSink, LiveSource } from '../live-source.ts';
import { classifySqsBody } from './sqs-body.ts';
import { createSqsSource } from './sqs-source.ts';
import type { SqsSourceOptions } from './sqs-source.ts';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/mfaguard';
const T0 = Date.UTC(2024, 0, 2, 12, 0, 0);
const day = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02';
const keyA = `${day}/111122223333_CloudTrail_us-east-1_20240102T1200Z_a.json.gz`;
const keySpace = `${day}/odd name+plus.json`;

const record = (name: string) => ({ eventVersion: '1.08', eventID: `id-${name}`, eventName: name });
const delivery = (...names: string[]) => JSON.stringify({ Records: names.map(record) });

/** What S3 sends: keys form-encoded, `+` for a space. */
function s3Notification(key: string, etag?: string, eventName = 'ObjectCreated:Put') {
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName,
        s3: {
          bucket: { name: 'trail' },
          object: { key: encoded, ...(etag === undefined ? {} : { eTag: etag }) },
        },
      },
    ],
  });
}
const snsWrap = (message: string) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'sns-1',
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:trail',
    Message: message,
  });
const eventBridge = {
  version: '0',
  id: 'eb-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  detail: record('DeactivateMFADevice'),
};

interface SinkCall {
  readonly kind: 'bytes' | 'records';
  readonly origin: LiveOrigin;
  readonly names: string[];
}

/** A sink that records calls; `gate` (when set) holds ingestBytes until the test releases it. */
function fakeSink(log: string[]) {
  const calls: SinkCall[] = [];
  const state: { gate: Promise<void> | null; fail: Error | null } = { gate: null, fail: null };
  const sink: LiveSink = {
    async ingestBytes(data, origin) {
      const text =
        data[0] === 0x1f
          ? (await import('node:zlib')).gunzipSync(data).toString()
          : Buffer.from(data).toString();
      const parsed = JSON.parse(text) as { Records: { eventName: string }[] };
      calls.push({ kind: 'bytes', origin, names: parsed.Records.map((r) => r.eventName) });
      log.push('sink-called');
      if (state.gate !== null) await state.gate;
      if (state.fail !== null) throw state.fail;
      log.push('sink-resolved');
      return {};
    },
    ingestRecords(records, origin) {
      calls.push({
        kind: 'records',
        origin,
        names: records.map((r) => String((r as { detail: { eventName: string } }).detail.eventName)),
      });
      log.push('sink-resolved');
      return Promise.resolve({});
    },
  };
  return { sink, calls, state };
}

let s3: LocalS3;
let etagA: string;
let etagSpace: string;
before(async () => {
  s3 = await startLocalS3(['trail']);
  etagA = await s3.put('trail', keyA, gzipSync(delivery('DeactivateMFADevice', 'ConsoleLogin')));
  etagSpace = await s3.put('trail', keySpace, delivery('CreateAccessKey'));
});
after(async () => {
  await s3.close();
});

let store: Store;
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
});

const sqsMock = mockClient(SQSClient);
beforeEach(() => sqsMock.reset());

const message = (id: string, body: string): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: body,
});

function source(
  sink: LiveSink,
  time: ReturnType<typeof createFakeTime>,
  extra: Partial<SqsSourceOptions> = {},
): LiveSource {
  return createSqsSource({
    client: new SQSClient({ region: 'us-east-1' }),
    s3: s3.client,
    queueUrl: QUEUE,
    sink,
    store,
    clock: time.clock,
    sleep: time.sleep,
    workerId: 'worker-a',
    ...extra,
  });
}

const deletedHandles = () =>
  sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle);

void describe('classifySqsBody', () => {
  void it('reads S3 notifications, decoding keys with + as space and skipping digests and removals', () => {
    const body = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'b' }, object: { key: 'a/my+file%2B1.json', eTag: '"abc"' } },
        },
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'b' }, object: { key: 'AWSLogs/1/CloudTrail-Digest/x.json.gz' } },
        },
        { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'gone.json' } } },
      ],
    });
    assert.deepEqual(classifySqsBody(body), {
      kind: 's3',
      objects: [{ bucket: 'b', key: 'a/my file+1.json', etag: 'abc' }],
      skipped: 2,
    });
  });

  void it('reads EventBridge events, the S3 test event, CloudTrail SNS notices and SNS envelopes', () => {
    assert.deepEqual(classifySqsBody(JSON.stringify(eventBridge)), { kind: 'events', events: [eventBridge] });
    assert.deepEqual(classifySqsBody(snsWrap(JSON.stringify(eventBridge))), {
      kind: 'events',
      events: [eventBridge],
    });
    assert.deepEqual(classifySqsBody('{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}'), {
      kind: 'test',
    });
    assert.deepEqual(classifySqsBody(snsWrap(s3Notification('k v.json', 'e1'))), {
      kind: 's3',
      objects: [{ bucket: 'trail', key: 'k v.json', etag: 'e1' }],
      skipped: 0,
    });
    assert.deepEqual(
      classifySqsBody(
        snsWrap(
          JSON.stringify({ s3Bucket: 'trail', s3ObjectKey: ['x/a b.json.gz', 'x/CloudTrail-Digest/d'] }),
        ),
      ),
      { kind: 's3', objects: [{ bucket: 'trail', key: 'x/a b.json.gz', etag: null }], skipped: 1 },
    );
  });

  void it('says why a body is none of these', () => {
    const reasons: [string, RegExp][] = [
      ['', /the body is empty/],
      ['not json', /the body is not JSON/],
      ['[1,2]', /the body is an array/],
      ['{"hello":1}', /the body is an object with keys hello/],
      ['{"Records":[]}', /empty Records array/],
      ['{"Records":[{"s3":{"bucket":{}}}]}', /Records\[0\] has no s3.bucket.name/],
      [s3Notification('x').replace('"x"', '"%E0%A4%A"'), /not valid URL encoding/],
      [JSON.stringify({ Type: 'SubscriptionConfirmation', TopicArn: 't' }), /not a Notification/],
      [
        JSON.stringify({ Type: 'Notification', TopicArn: 't', Message: 'nope' }),
        /the SNS Message is not JSON/,
      ],
      [JSON.stringify({ Type: 'Notification', TopicArn: 't' }), /without a Message string/],
      [snsWrap('{"x":1}'), /the SNS Message is an object with keys x/],
      ['{"s3Bucket":"b","s3ObjectKey":"k"}', /s3ObjectKey an array of strings/],
    ];
    for (const [body, reason] of reasons) {
      const got = classifySqsBody(body);
      assert.equal(got.kind, 'invalid', body);
      assert.match(got.kind === 'invalid' ? got.reason : '', reason, body);
    }
  });
});

void describe('createSqsSource', () => {
  void it('fetches the announced object, and deletes the message only after the sink resolved', async () => {
    const log: string[] = [];
    const { sink, calls } = fakeSink(log);
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [message('m1', s3Notification(keyA, etagA))] });
    sqsMock.on(DeleteMessageCommand).callsFake(() => {
      log.push('delete');
      return {};
    });
    const result = await source(sink, createFakeTime(T0)).pollOnce();
    assert.deepEqual(result, { fetched: 1, ingested: 1, skipped: 0, deadLettered: 0, failed: 0 });
    assert.deepEqual(log, ['sink-called', 'sink-resolved', 'delete']);
    assert.deepEqual(calls, [
      {
        kind: 'bytes',
        origin: { source: 'sqs', location: `s3://trail/${keyA}` },
        names: ['DeactivateMFADevice', 'ConsoleLogin'],
      },
    ]);
    assert.deepEqual(sqsMock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input, {
      QueueUrl: QUEUE,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20,
      VisibilityTimeout: 300,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    assert.deepEqual(sqsMock.commandCalls(DeleteMessageCommand)[0]!.args[0].input, {
      QueueUrl: QUEUE,
      ReceiptHandle: 'rh-m1',
    });
    assert.equal(await store.isWorkDone(`s3://trail/${keyA}#${etagA}`), true);
  });

  void it('decodes a key with spaces and plus signs, and ingests EventBridge events directly, also inside SNS', async () => {
    const { sink, calls } = fakeSink([]);
    sqsMock.on(ReceiveMessageCommand).resolves({
      Messages: [
        message('m1', snsWrap(s3Notification(keySpace, etagSpace))),
        message('m2', JSON.stringify(eventBridge)),
        message('m3', snsWrap(JSON.stringify(eventBridge))),
      ],
    });
    const result = await source(sink, createFakeTime(T0)).pollOnce();
    assert.equal(result.ingested, 3);
    assert.deepEqual(
      calls.map((c) => [c.kind, c.origin.location, c.names]),
      [
        ['bytes', `s3://trail/${keySpace}`, ['CreateAccessKey']],
        ['records', 'message m2', ['DeactivateMFADevice']],
        ['records', 'message m3', ['DeactivateMFADevice']],
      ],
    );
    assert.deepEqual(deletedHandles(), ['rh-m1', 'rh-m2', 'rh-m3']);
  });

  void it('leaves the message on the queue when the sink fails, and succeeds on the next delivery', async () => {
    const { sink, state } = fakeSink([]);
    state.fail = new Error('database is locked');
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [message('m1', s3Notification(keyA, etagA))] });
    const logs: string[] = [];
    const src = source(sink, createFakeTime(T0), { log: (level, msg) => logs.push(`${level}: ${msg}`) });
    assert.deepEqual(await src.pollOnce(), {
      fetched: 1,
      ingested: 0,
      skipped: 0,
      deadLettered: 0,
      failed: 1,
    });
    assert.deepEqual(deletedHandles(), []);
    assert.deepEqual(logs, ['error: sqs: message left on the queue']);
    assert.equal(await store.isWorkDone(`s3://trail/${keyA}#${etagA}`), false);
    state.fail = null;
    assert.equal((await src.pollOnce()).ingested, 1);
    assert.deepEqual(deletedHandles(), ['rh-m1']);
  });

  void it('extends visibility while a slow sink works, and stops once the message is deleted', async () => {
    const log: string[] = [];
    const { sink, state } = fakeSink(log);
    const gate = deferred();
    state.gate = gate.promise;
    const time = createFakeTime(T0);
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [message('m1', s3Notification(keyA, etagA))] });
    sqsMock.on(ChangeMessageVisibilityCommand).callsFake(() => {
      log.push('extend');
      return {};
    });
    sqsMock.on(DeleteMessageCommand).callsFake(() => {
      log.push('delete');
      return {};
    });
    const polled = source(sink, time, { visibilityTimeoutSeconds: 120, heartbeatMs: 40_000 }).pollOnce();
    while (!log.includes('sink-called')) await settle();
    await time.advance(39_999);
    assert.equal(sqsMock.commandCalls(ChangeMessageVisibilityCommand).length, 0);
    await time.advance(1);
    await time.advance(40_000);
    await time.advance(40_000);
    assert.deepEqual(
      sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input),
      Array.from({ length: 3 }, () => ({ QueueUrl: QUEUE, ReceiptHandle: 'rh-m1', VisibilityTimeout: 120 })),
    );
    // The claim on the object is renewed with the message, so no other worker takes it over meanwhile.
    assert.equal(
      await store.claimWork({
        key: `s3://trail/${keyA}#${etagA}`,
        workerId: 'worker-b',
        leaseMs: 1000,
        // Renewed at the last heartbeat for another visibility timeout (120 s, the default lease).
        nowMs: time.clock() + 100_000,
      }),
      false,
    );
    gate.resolve();
    await polled;
    assert.deepEqual(log, ['sink-called', 'extend', 'extend', 'extend', 'sink-resolved', 'delete']);
    assert.equal(time.pending(), 0);
    await time.advance(200_000);
    assert.equal(sqsMock.commandCalls(ChangeMessageVisibilityCommand).length, 3);
  });

  void it('processes an object once across duplicate notifications and workers', async () => {
    const { sink, calls } = fakeSink([]);
    const body = s3Notification(keyA, etagA);
    const time = createFakeTime(T0);
    const workerA = source(sink, time);
    const workerB = source(sink, time, { workerId: 'worker-b' });
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', body), message('m2', snsWrap(body))] })
      .resolvesOnce({ Messages: [message('m3', body)] });
    assert.deepEqual(await workerA.pollOnce(), {
      fetched: 2,
      ingested: 1,
      skipped: 1,
      deadLettered: 0,
      failed: 0,
    });
    assert.deepEqual(await workerB.pollOnce(), {
      fetched: 1,
      ingested: 0,
      skipped: 1,
      deadLettered: 0,
      failed: 0,
    });
    assert.equal(calls.length, 1);
    assert.deepEqual(deletedHandles(), ['rh-m1', 'rh-m2', 'rh-m3']);
  });

  void it('leaves a duplicate on the queue while another worker still holds the object', async () => {
    const { sink, calls } = fakeSink([]);
    const time = createFakeTime(T0);
    await store.claimWork({
      key: `s3://trail/${keyA}#${etagA}`,
      workerId: 'worker-b',
      leaseMs: 60_000,
      nowMs: T0,
    });
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [message('m1', s3Notification(keyA, etagA))] });
    assert.deepEqual(await source(sink, time).pollOnce(), {
      fetched: 1,
      ingested: 0,
      skipped: 0,
      deadLettered: 0,
      failed: 1,
    });
    assert.deepEqual(deletedHandles(), []);
    assert.equal(calls.length, 0);
    // Worker B crashed: once its lease ran out, this worker takes the object over.
    time.set(T0 + 61_000);
    assert.equal((await source(sink, time).pollOnce()).ingested, 1);
    assert.deepEqual(deletedHandles(), ['rh-m1']);
  });

  void it('dead-letters a malformed body with its reason and raw bytes, then deletes it', async () => {
    const { sink, calls } = fakeSink([]);
    sqsMock.on(ReceiveMessageCommand).resolves({
      Messages: [
        message('bad-1', '{"hello":"world"}'),
        message('bad-2', 'garbage'),
        message('t', '{"Event":"s3:TestEvent"}'),
      ],
    });
    const result = await source(sink, createFakeTime(T0)).pollOnce();
    assert.deepEqual(result, { fetched: 3, ingested: 0, skipped: 1, deadLettered: 2, failed: 0 });
    assert.equal(calls.length, 0);
    const letters = await store.listDeadLetters({ limit: 10 });
    assert.deepEqual(letters.map((l) => [l.source, l.location, l.raw.toString()]).sort(), [
      ['sqs', 'message bad-1', '{"hello":"world"}'],
      ['sqs', 'message bad-2', 'garbage'],
    ]);
    assert.match(letters.find((l) => l.location === 'message bad-1')!.reason, /keys hello/);
    assert.match(letters.find((l) => l.location === 'message bad-2')!.reason, /not JSON/);
    assert.deepEqual(deletedHandles(), ['rh-bad-1', 'rh-bad-2', 'rh-t']);
  });

  void it('dead-letters a notification whose object is gone, and skips digest-only notifications', async () => {
    const { sink, calls } = fakeSink([]);
    sqsMock.on(ReceiveMessageCommand).resolves({
      Messages: [
        message('gone', s3Notification(`${day}/deleted.json.gz`, 'ffff')),
        message(
          'digest',
          s3Notification('AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/02/d.json.gz', 'e'),
        ),
      ],
    });
    const result = await source(sink, createFakeTime(T0)).pollOnce();
    assert.deepEqual(result, { fetched: 2, ingested: 0, skipped: 1, deadLettered: 1, failed: 0 });
    assert.equal(calls.length, 0);
    const [letter] = await store.listDeadLetters({ limit: 10 });
    assert.equal(letter?.location, `s3://trail/${day}/deleted.json.gz (message gone)`);
    assert.match(letter?.reason ?? '', /gone or was replaced/);
    assert.deepEqual(deletedHandles(), ['rh-gone', 'rh-digest']);
  });

  void it('start() keeps polling until aborted and backs off after a failed receive', async () => {
    const { sink } = fakeSink([]);
    const time = createFakeTime(T0);
    const logs: string[] = [];
    sqsMock
      .on(ReceiveMessageCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ Messages: [] });
    const controller = new AbortController();
    const running = source(sink, time, {
      log: (_l, msg, fields) => logs.push(`${msg} ${JSON.stringify(fields)}`),
    }).start(controller.signal);
    await settle();
    assert.deepEqual(logs, [
      'sqs: poll failed, retrying {"error":"ThrottlingException: Rate exceeded","retryInMs":1000}',
    ]);
    await time.advance(1000);
    assert.equal(sqsMock.commandCalls(ReceiveMessageCommand).length, 2);
    // An empty receive pauses briefly (the long poll already waited).
    await time.advance(250);
    assert.equal(sqsMock.commandCalls(ReceiveMessageCommand).length, 4);
    controller.abort();
    await running;
  });
});
