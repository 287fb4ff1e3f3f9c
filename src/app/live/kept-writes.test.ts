// Requests that only keep events share one write per turn of the event loop, and each still gets its own outcome:
// which of its events were stored, whether a stored removal is near them, and its own failure.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CloudTrailEvent } from '../../model/index.ts';
import { StoreUnavailableError } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { decodeRecords } from './decode.ts';
import { KeptWrites } from './kept-writes.ts';
import type { KeptWritesContext, KeptWritten } from './kept-writes.ts';
import { createTransactionRunner } from './live-context.ts';
import { createLiveMetrics } from './metrics.ts';
import { SightingsBuffer } from './sightings-buffer.ts';
import type { TempStore } from './test-support/live.ts';
import { ORIGIN, rawRecord, tempSqlite, testConfig } from './test-support/live.ts';

const AT = '2026-11-20T10:00:00Z';

function events(...records: Record<string, unknown>[]): readonly CloudTrailEvent[] {
  const batch = decodeRecords(records, ORIGIN, Date.parse(AT));
  assert.equal(batch.events.length, records.length);
  return batch.events;
}

const list = (actor: string, id: string, at = '2026-11-20T10:01:00Z') =>
  rawRecord({ name: 'ListMFADevices', at, actor, target: actor, id });

describe('kept writes', () => {
  let temp: TempStore;
  let store: Store;
  let transactions = 0;
  let inserts = 0;
  const priorities: (string | undefined)[] = [];
  let ctx: KeptWritesContext;
  before(async () => {
    temp = tempSqlite();
    store = await temp.open();
    const inTransaction = createTransactionRunner({
      store,
      metrics: createLiveMetrics(),
      log: () => undefined,
    });
    ctx = {
      triageConfig: testConfig().triage,
      sightings: new SightingsBuffer(),
      inTransaction: (fn, options) => {
        transactions++;
        priorities.push(options?.priority);
        return inTransaction(
          (tx, effects) =>
            fn(
              new Proxy(tx, {
                get(target, name, receiver) {
                  const value: unknown = Reflect.get(target, name, receiver);
                  if (name === 'insertEvents') inserts++;
                  return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
                },
              }),
              effects,
            ),
          options,
        );
      },
    };
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  it('stores the requests of one turn in one transaction and one insert, each with its own outcome', async () => {
    const writes = new KeptWrites(ctx);
    const batches = [
      events(list('alice', 'kw-a')),
      // A delivery of alice's event again, in another request of the same turn.
      events(list('carol', 'kw-b'), list('alice', 'kw-a')),
      events(list('dave', 'kw-c')),
    ];
    const before = { transactions, inserts };
    priorities.length = 0;
    // Each from its own macrotask, as requests read from different sockets in one turn are.
    const written = await Promise.all(
      await new Promise<Promise<KeptWritten>[]>((resolve) => {
        const queued: Promise<KeptWritten>[] = [];
        for (const batch of batches) setImmediate(() => queued.push(writes.write(batch)));
        setImmediate(() => resolve(queued));
      }),
    );
    assert.deepEqual(
      { transactions: transactions - before.transactions, inserts: inserts - before.inserts },
      {
        transactions: 1,
        inserts: 1,
      },
    );
    // A light transaction: grouped ahead of requests that triage (see group-commit.ts).
    assert.deepEqual(priorities, ['light']);
    assert.deepEqual(
      written.map((outcome) => [...outcome.inserted].map((event) => event.id)),
      [['kw-a'], ['kw-b'], ['kw-c']],
    );
    assert.deepEqual(
      written.map((outcome) => outcome.nearRemoval),
      [false, false, false],
    );
    const stored = await store.findEvents({
      fromMs: 0,
      toMs: Date.parse(AT) + 3_600_000,
      names: ['ListMFADevices'],
    });
    assert.deepEqual(stored.map((event) => event.id).sort(), ['kw-a', 'kw-b', 'kw-c']);
  });

  it('says "near a removal" only for the request whose events are near one', async () => {
    await store.transaction((tx) =>
      tx.insertEvents(
        events(rawRecord({ name: 'DeactivateMFADevice', at: AT, actor: 'bob', target: 'erin', id: 'kw-r' })),
      ),
    );
    const writes = new KeptWrites(ctx);
    const written = await Promise.all([
      writes.write(events(list('bob', 'kw-near'))),
      writes.write(events(list('frank', 'kw-far'))),
    ]);
    assert.deepEqual(
      written.map((outcome) => outcome.nearRemoval),
      [true, false],
    );
  });

  it('a write that fails is tried again request by request: only the bad request fails', async () => {
    const writes = new KeptWrites(ctx);
    const bad = events(list('alice', 'kw-bad'));
    // Not storable: the store refuses an event without a time.
    const broken = [{ ...bad[0]!, timeMs: Number.NaN }];
    const before = transactions;
    const [good, failed, other] = await Promise.allSettled([
      writes.write(events(list('carol', 'kw-good'))),
      writes.write(broken),
      writes.write(events(list('dave', 'kw-other'))),
    ]);
    assert.equal(good.status, 'fulfilled');
    assert.equal(other.status, 'fulfilled');
    assert.equal(failed.status, 'rejected');
    assert.equal(transactions - before, 4, 'the shared write, then each request alone');
    const stored = await store.findEvents({
      fromMs: 0,
      toMs: Date.parse(AT) + 3_600_000,
      names: ['ListMFADevices'],
    });
    assert.ok(
      stored.some((event) => event.id === 'kw-good') && stored.some((event) => event.id === 'kw-other'),
    );
  });

  it('a store that is unavailable fails every request of the write at once, without trying each again', async () => {
    let calls = 0;
    const down = new StoreUnavailableError('sqlite:test', 'disk full');
    const writes = new KeptWrites({
      ...ctx,
      inTransaction: () => {
        calls++;
        return Promise.reject(down);
      },
    });
    const results = await Promise.allSettled([
      writes.write(events(list('carol', 'kw-x'))),
      writes.write(events(list('dave', 'kw-y'))),
    ]);
    assert.deepEqual(
      results.map((result) => (result.status === 'rejected' ? (result.reason as unknown) : 'fulfilled')),
      [down, down],
    );
    assert.equal(calls, 1);
  });
});
