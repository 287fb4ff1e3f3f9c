// Tests for LookupEvents polling: CloudTrail mocked at the SDK, time faked, checkpoints and dead letters in real SQLite.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { openStore } from '../../../store/index.ts';
import type { Store } from '../../../store/index.ts';
import { createFakeTime, settle } from '../test-support/live-testkit.ts';
import type { FakeTime } from '../test-support/live-testkit.ts';
import type { LiveOrigin, LiveSink } from '../live-source.ts';
import { createLookupSource, createTokenBucket, lookupCheckpointKey } from './lookup-source.ts';
import type { LookupSourceOptions } from './lookup-source.ts';

const NOW = Date.parse('2024-03-04T12:00:00Z');
const ACCOUNT = '111122223333';

const ctEvent = (id: string, name: string) => ({
  EventId: id,
  EventName: name,
  CloudTrailEvent: JSON.stringify({ eventVersion: '1.08', eventID: id, eventName: name }),
});
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

function recordingSink() {
  const batches: { origin: LiveOrigin; ids: string[] }[] = [];
  const state = { fail: false };
  const sink: LiveSink = {
    ingestRecords(records, origin) {
      if (state.fail) return Promise.reject(new Error('store unavailable'));
      batches.push({ origin, ids: records.map((r) => (r as { eventID: string }).eventID) });
      return Promise.resolve({});
    },
    ingestBytes: () => Promise.reject(new Error('not used')),
  };
  return { sink, batches, state };
}

const ctMock = mockClient(CloudTrailClient);
let store: Store;
let time: FakeTime;
beforeEach(async () => {
  ctMock.reset();
  store = await openStore('sqlite::memory:');
  time = createFakeTime(NOW);
});

function source(sink: LiveSink, extra: Partial<LookupSourceOptions> = {}) {
  return createLookupSource({
    client: new CloudTrailClient({ region: 'us-east-1' }),
    account: ACCOUNT,
    region: 'us-east-1',
    sink,
    store,
    clock: time.clock,
    sleep: time.instantSleep,
    eventNames: ['DeactivateMFADevice', 'ConsoleLogin'],
    ...extra,
  });
}

const inputs = (): LookupEventsCommandInput[] =>
  ctMock.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);

void describe('createLookupSource', () => {
  void it('asks for one event name per call over the window, follows NextToken and ingests the parsed records', async () => {
    const { sink, batches } = recordingSink();
    ctMock
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeactivateMFADevice' }],
      })
      .resolvesOnce({ Events: [ctEvent('d1', 'DeactivateMFADevice')], NextToken: 'next-1' })
      .resolvesOnce({ Events: [ctEvent('d2', 'DeactivateMFADevice')] });
    ctMock
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }],
      })
      .resolves({ Events: [] });
    const result = await source(sink).pollOnce();
    assert.deepEqual(result, { fetched: 2, ingested: 2, skipped: 0, deadLettered: 0, failed: 0 });
    const window = { StartTime: new Date(NOW - 3_600_000), EndTime: new Date(NOW), MaxResults: 50 };
    assert.deepEqual(inputs(), [
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeactivateMFADevice' }], ...window },
      {
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeactivateMFADevice' }],
        ...window,
        NextToken: 'next-1',
      },
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }], ...window },
    ]);
    assert.deepEqual(batches, [
      {
        origin: {
          source: 'lookup-events',
          location: `lookup-events ${ACCOUNT}/us-east-1 DeactivateMFADevice`,
        },
        ids: ['d1'],
      },
      {
        origin: {
          source: 'lookup-events',
          location: `lookup-events ${ACCOUNT}/us-east-1 DeactivateMFADevice`,
        },
        ids: ['d2'],
      },
    ]);
    for (const name of ['DeactivateMFADevice', 'ConsoleLogin']) {
      assert.equal(
        await store.getCheckpoint(lookupCheckpointKey(ACCOUNT, 'us-east-1', name)),
        new Date(NOW).toISOString(),
      );
    }
  });

  void it('resumes from the checkpoint minus the overlap, so late events are not missed', async () => {
    const { sink } = recordingSink();
    ctMock.on(LookupEventsCommand).resolves({ Events: [] });
    await source(sink, { eventNames: ['EnableMFADevice'] }).pollOnce();
    // Ten minutes later, a new process (restart) picks up from the stored checkpoint.
    time.set(NOW + 600_000);
    ctMock.resetHistory();
    await source(sink, { eventNames: ['EnableMFADevice'] }).pollOnce();
    assert.deepEqual(inputs(), [
      {
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'EnableMFADevice' }],
        StartTime: new Date(NOW - 15 * 60_000),
        EndTime: new Date(NOW + 600_000),
        MaxResults: 50,
      },
    ]);
    assert.equal(
      await store.getCheckpoint(lookupCheckpointKey(ACCOUNT, 'us-east-1', 'EnableMFADevice')),
      new Date(NOW + 600_000).toISOString(),
    );
  });

  void it('backs off on ThrottlingException and then succeeds', async () => {
    const { sink, batches } = recordingSink();
    const logs: string[] = [];
    ctMock
      .on(LookupEventsCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Events: [ctEvent('c1', 'ConsoleLogin')] });
    const result = await source(sink, {
      eventNames: ['ConsoleLogin'],
      log: (l, m) => logs.push(`${l}: ${m}`),
    }).pollOnce();
    assert.equal(result.ingested, 1);
    assert.deepEqual(
      batches.map((b) => b.ids),
      [['c1']],
    );
    // Backoff 1 s then 2 s; the rate limiter added nothing more since those waits exceed its spacing.
    assert.deepEqual(time.sleeps, [1000, 2000]);
    assert.deepEqual(logs, [
      'warn: lookup-events: throttled, backing off',
      'warn: lookup-events: throttled, backing off',
    ]);
  });

  void it('gives up on a window after too many throttles, keeping its checkpoint', async () => {
    const { sink } = recordingSink();
    ctMock.on(LookupEventsCommand).rejects(throttled());
    await assert.rejects(
      source(sink, { eventNames: ['ConsoleLogin'], maxThrottleRetries: 2 }).pollOnce(),
      /Rate exceeded/,
    );
    assert.equal(ctMock.commandCalls(LookupEventsCommand).length, 3);
    assert.equal(await store.getCheckpoint(lookupCheckpointKey(ACCOUNT, 'us-east-1', 'ConsoleLogin')), null);
  });

  void it('sends at most two requests per second', async () => {
    const { sink } = recordingSink();
    const sentAt: number[] = [];
    ctMock.on(LookupEventsCommand).callsFake((input: LookupEventsCommandInput) => {
      sentAt.push(time.clock());
      return Promise.resolve(
        input.NextToken === 'p3'
          ? { Events: [] }
          : {
              Events: [],
              NextToken: input.NextToken === undefined ? 'p1' : input.NextToken === 'p1' ? 'p2' : 'p3',
            },
      );
    });
    await source(sink, { eventNames: ['ConsoleLogin', 'EnableMFADevice'] }).pollOnce();
    assert.equal(sentAt.length, 8);
    assert.deepEqual(
      sentAt.map((t) => t - NOW),
      [0, 500, 1000, 1500, 2000, 2500, 3000, 3500],
    );
  });

  void it('dead-letters an unreadable CloudTrailEvent and ingests the rest', async () => {
    const { sink, batches } = recordingSink();
    ctMock.on(LookupEventsCommand).resolves({
      Events: [
        ctEvent('ok', 'ConsoleLogin'),
        { EventId: 'bad', CloudTrailEvent: '{"truncated":' },
        { EventId: 'none' },
      ],
    });
    const result = await source(sink, { eventNames: ['ConsoleLogin'] }).pollOnce();
    assert.deepEqual(result, { fetched: 3, ingested: 1, skipped: 0, deadLettered: 2, failed: 0 });
    assert.deepEqual(
      batches.map((b) => b.ids),
      [['ok']],
    );
    const letters = await store.listDeadLetters({ limit: 10 });
    assert.deepEqual(letters.map((l) => [l.location, l.reason, l.raw.toString()]).sort(), [
      [
        `lookup-events ${ACCOUNT}/us-east-1 ConsoleLogin event bad`,
        'CloudTrailEvent is not a JSON object',
        '{"truncated":',
      ],
      [
        `lookup-events ${ACCOUNT}/us-east-1 ConsoleLogin event none`,
        'LookupEvents returned an event without CloudTrailEvent',
        '{"EventId":"none"}',
      ],
    ]);
  });

  void it('does not advance the checkpoint when the sink fails, and the next poll asks for the same window', async () => {
    const { sink, state } = recordingSink();
    state.fail = true;
    ctMock.on(LookupEventsCommand).resolves({ Events: [ctEvent('x', 'DeactivateMFADevice')] });
    const logs: string[] = [];
    const src = source(sink, { log: (l, m) => logs.push(`${l}: ${m}`) });
    await store.setCheckpoint(
      lookupCheckpointKey(ACCOUNT, 'us-east-1', 'ConsoleLogin'),
      new Date(NOW - 60_000).toISOString(),
      0,
    );
    ctMock
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }],
      })
      .resolves({ Events: [] });
    const result = await src.pollOnce();
    assert.equal(result.failed, 1);
    assert.deepEqual(logs, ['error: lookup-events: window failed; it is retried from the same checkpoint']);
    assert.equal(
      await store.getCheckpoint(lookupCheckpointKey(ACCOUNT, 'us-east-1', 'DeactivateMFADevice')),
      null,
    );
    // The other name's window went on independently.
    assert.equal(
      await store.getCheckpoint(lookupCheckpointKey(ACCOUNT, 'us-east-1', 'ConsoleLogin')),
      new Date(NOW).toISOString(),
    );
  });

  void it('start() waits the interval between polls and stops when aborted', async () => {
    const { sink } = recordingSink();
    const fake = createFakeTime(NOW);
    ctMock.on(LookupEventsCommand).resolves({ Events: [] });
    const src = source(sink, {
      eventNames: ['ConsoleLogin'],
      sleep: fake.sleep,
      clock: fake.clock,
      intervalMs: 60_000,
    });
    const controller = new AbortController();
    const running = src.start(controller.signal);
    await settle();
    assert.equal(ctMock.commandCalls(LookupEventsCommand).length, 1);
    await fake.advance(60_000);
    assert.equal(ctMock.commandCalls(LookupEventsCommand).length, 2);
    controller.abort();
    await running;
  });
});

void describe('createTokenBucket', () => {
  void it('spaces takes evenly and refuses a rate that is not positive', async () => {
    const fake = createFakeTime(0);
    const bucket = createTokenBucket({ ratePerSecond: 4, clock: fake.clock, sleep: fake.instantSleep });
    const at: number[] = [];
    await Promise.all(
      [1, 2, 3].map(async () => {
        await bucket.take();
        at.push(fake.clock());
      }),
    );
    assert.deepEqual(at, [0, 250, 500]);
    assert.throws(
      () => createTokenBucket({ ratePerSecond: 0, clock: fake.clock, sleep: fake.sleep }),
      /above 0/,
    );
  });
});
