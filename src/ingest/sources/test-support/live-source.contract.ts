// The contract every live source keeps (SQS, S3 polling, LookupEvents), run over each registry entry
// (LIVE_SOURCES in app/serve-sources.ts, by src/app/serve-sources.test.ts):
// it hands events to the sink, acknowledges only after the sink resolved, retries what the sink failed, and stops.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { openStore } from '../../../store/index.ts';
import type { Store } from '../../../store/index.ts';
import { createFakeTime, deferred, settle } from './live-testkit.ts';
import type { FakeTime } from './live-testkit.ts';
import type { LiveSink, LiveSource, Sleep } from '../live-source.ts';

/** The account of the contract's events. */
export const CONTRACT_ACCOUNT = '111122223333';

/** The CloudTrail record a harness offers: just enough for every source to find its eventID. */
export const contractRecord = (eventId: string, atMs: number) => ({
  eventVersion: '1.08',
  eventID: eventId,
  eventName: 'DeactivateMFADevice',
  eventTime: new Date(atMs).toISOString(),
});

/** How the contract drives one kind of source: its outside world (mocked SDK or s3rver) is the harness's. */
export interface LiveSourceHarness {
  /** Builds the source on this sink, store and fake time. */
  create(sink: LiveSink, store: Store, time: FakeTime): LiveSource;
  /** Puts one unit of work (a message, a file, an event) carrying the CloudTrail event `eventId` where it is found. */
  offer(eventId: string, time: FakeTime): Promise<void>;
  /** True once the source acknowledged that unit: deleted the message, moved its checkpoint past it. */
  acknowledged(eventId: string, store: Store): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Pauses that pass at once on the fake clock, each after one turn of the event loop: a source polling a mocked SDK
 * in a loop would otherwise run on promise callbacks alone and starve every timer (the contract's guard included).
 */
export function passingSleep(time: FakeTime): Sleep {
  return async (ms, signal) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await time.instantSleep(ms, signal);
  };
}

/** The eventIDs a sink call carried, whether it came as records or as the bytes of a CloudTrail file. */
async function eventIdsOf(call: { records?: readonly unknown[]; bytes?: Uint8Array }): Promise<string[]> {
  let records = call.records ?? [];
  if (call.bytes !== undefined) {
    const data = call.bytes;
    const text =
      data[0] === 0x1f
        ? (await import('node:zlib')).gunzipSync(data).toString()
        : Buffer.from(data).toString();
    records = (JSON.parse(text) as { Records: unknown[] }).Records;
  }
  return records.map((record) => {
    const value = record as { eventID?: string; detail?: { eventID?: string } };
    return String(value.detail?.eventID ?? value.eventID);
  });
}

/** A sink that records event ids; `gate` holds each call, `fail` makes each call reject. */
function contractSink() {
  const ids: string[] = [];
  const state: { gate: Promise<void> | null; fail: boolean; onCall: (() => void) | null } = {
    gate: null,
    fail: false,
    onCall: null,
  };
  const take = async (call: { records?: readonly unknown[]; bytes?: Uint8Array }): Promise<unknown> => {
    state.onCall?.();
    if (state.gate !== null) await state.gate;
    if (state.fail) throw new Error('the store is unavailable');
    ids.push(...(await eventIdsOf(call)));
    return {};
  };
  const sink: LiveSink = {
    ingestRecords: (records) => take({ records }),
    ingestBytes: (bytes) => take({ bytes }),
  };
  return { sink, ids, state };
}

const T0 = Date.UTC(2024, 0, 2, 12, 0, 0);

export function defineLiveSourceContract(name: string, makeHarness: () => Promise<LiveSourceHarness>): void {
  void describe(`live source contract: ${name}`, () => {
    const open: { harness: LiveSourceHarness; store: Store }[] = [];
    afterEach(async () => {
      for (const { harness, store } of open.splice(0)) {
        await harness.close();
        await store.close();
      }
    });
    async function setUp() {
      const harness = await makeHarness();
      const store = await openStore('sqlite::memory:');
      open.push({ harness, store });
      return { harness, store, time: createFakeTime(T0) };
    }

    void it('hands the event to the sink, and acknowledges it only after the sink resolved', async () => {
      const { harness, store, time } = await setUp();
      const { sink, ids, state } = contractSink();
      const gate = deferred();
      state.gate = gate.promise;
      let called = false;
      state.onCall = () => (called = true);
      await harness.offer('contract-1', time);
      const polled = harness.create(sink, store, time).pollOnce();
      for (let i = 0; i < 10_000 && !called; i++) await settle();
      assert.ok(called, 'the source handed the event to the sink');
      await settle();
      assert.equal(
        await harness.acknowledged('contract-1', store),
        false,
        'not acknowledged while the sink works',
      );
      gate.resolve();
      const result = await polled;
      assert.ok(ids.includes('contract-1'), `the sink got the event: ${ids.join(', ')}`);
      assert.ok(result.ingested >= 1, JSON.stringify(result));
      assert.equal(result.failed, 0);
      assert.equal(await harness.acknowledged('contract-1', store), true);
    });

    void it('leaves unacknowledged what the sink failed, counts it failed, and delivers it on a later poll', async () => {
      const { harness, store, time } = await setUp();
      const { sink, ids, state } = contractSink();
      state.fail = true;
      await harness.offer('contract-2', time);
      const source = harness.create(sink, store, time);
      const failed = await source.pollOnce().catch(() => null);
      // A source may count the failure or let the poll throw (the run loop retries it with a backoff).
      if (failed !== null) assert.ok(failed.failed >= 1, JSON.stringify(failed));
      assert.equal(await harness.acknowledged('contract-2', store), false);
      state.fail = false;
      await source.pollOnce();
      assert.ok(ids.includes('contract-2'));
      assert.equal(await harness.acknowledged('contract-2', store), true);
    });

    void it('start() keeps polling through failures until the signal aborts, then resolves', async () => {
      const { harness, store, time } = await setUp();
      const { sink, state } = contractSink();
      state.fail = true;
      const stop = new AbortController();
      let calls = 0;
      state.onCall = () => {
        calls++;
        if (calls === 2) stop.abort();
      };
      await harness.offer('contract-3', time);
      // Only a broken source gets here: one that dropped the failed unit would poll an empty world forever.
      const guard = setTimeout(() => stop.abort(), 20_000);
      await harness.create(sink, store, time).start(stop.signal);
      clearTimeout(guard);
      assert.equal(calls, 2, 'polled again after the failure, and stopped once aborted');
      assert.equal(await harness.acknowledged('contract-3', store), false);
    });
  });
}
