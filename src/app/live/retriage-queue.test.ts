// Coalesced re-triage: marks made while a flush runs share the next one; a burst costs each write a bounded number of
// store reads whatever its length, and an unrelated event during a burst takes one transaction and no re-triage.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CloudTrailEvent } from '../../model/index.ts';
import type { Store } from '../../store/index.ts';
import { RetriageQueue } from './retriage-queue.ts';
import type { TempStore } from './test-support/live.ts';
import { ORIGIN, fakeClock, makeService, rawRecord, tempSqlite } from './test-support/live.ts';

const event = (id: string, timeMs: number) => ({ id, timeMs }) as CloudTrailEvent;

describe('RetriageQueue', () => {
  it('merges the marks made while a flush runs into one next flush, and answers each caller with its flush', async () => {
    const flushed: string[][] = [];
    let release: () => void = () => undefined;
    const queue = new RetriageQueue<number>(async (events) => {
      flushed.push(events.map((e) => e.id));
      if (flushed.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return flushed.length;
    });
    const first = queue.mark([event('a', 1)]);
    const second = queue.mark([event('c', 3), event('b', 2)]);
    const third = queue.mark([event('b', 2), event('d', 4)]);
    release();
    assert.deepEqual(await Promise.all([first, second, third]), [1, 2, 2]);
    assert.deepEqual(flushed, [['a'], ['b', 'c', 'd']], 'time order, each event once');
    assert.equal(queue.flushes, 2);
    assert.equal(await queue.mark([]), undefined, 'nothing marked: no flush, no wait');
    assert.equal(queue.flushes, 2);
  });

  it('a failed flush fails its own callers only; the next mark starts a new flush', async () => {
    let fail = true;
    const queue = new RetriageQueue<string>((events) =>
      fail ? Promise.reject(new Error('disk full')) : Promise.resolve(events.map((e) => e.id).join()),
    );
    await assert.rejects(queue.mark([event('a', 1)]), /disk full/);
    fail = false;
    assert.equal(await queue.mark([event('b', 2)]), 'b');
  });
});

describe('a burst on the live service', () => {
  let temp: TempStore;
  let store: Store;
  const counts = { transactions: 0, findEvents: 0, rows: 0, alertWrites: 0 };
  before(async () => {
    temp = tempSqlite();
    const real = await temp.open();
    const counting = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(inner, name, receiver) {
          const value: unknown = Reflect.get(inner, name, receiver);
          if (typeof value !== 'function') return value;
          const bound = (value as (...a: unknown[]) => unknown).bind(inner);
          if (name === 'findEvents')
            return async (...a: unknown[]) => {
              counts.findEvents++;
              const rows = (await bound(...a)) as unknown[];
              counts.rows += rows.length;
              return rows;
            };
          if (name === 'updateAlert' || name === 'insertAlerts')
            return (...a: unknown[]) => {
              counts.alertWrites++;
              return bound(...a);
            };
          if (name === 'transaction')
            return (fn: Parameters<Store['transaction']>[0]) => {
              counts.transactions++;
              return real.transaction((tx) => fn(counting(tx)));
            };
          return bound;
        },
      });
    store = counting(real);
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  it('reads the store a bounded number of times per removal, however long the burst', async () => {
    const service = makeService(store, fakeClock('2026-11-20T12:00:00Z'));
    const start = Date.parse('2026-11-20T10:00:00Z');
    const removal = (i: number) =>
      rawRecord({
        name: 'DeactivateMFADevice',
        at: new Date(start + i * 2_000).toISOString(),
        actor: 'mallory',
        target: `user-${i}`,
        id: `burst-${i}`,
      });
    const readsPerPost: number[] = [];
    const rowsPerPost: number[] = [];
    const writesPerPost: number[] = [];
    for (let i = 0; i < 60; i++) {
      const before = counts.findEvents;
      const rowsBefore = counts.rows;
      const writesBefore = counts.alertWrites;
      const outcome = await service.ingestRecords([removal(i)], ORIGIN);
      assert.equal(outcome.stored, 1);
      readsPerPost.push(counts.findEvents - before);
      rowsPerPost.push(counts.rows - rowsBefore);
      writesPerPost.push(counts.alertWrites - writesBefore);
    }
    // Alert writes: the removal's own and the burst's alert, not a rewrite of every earlier member (quadratic).
    const earlyWrites = Math.max(...writesPerPost.slice(5, 10));
    const lateWrites = Math.max(...writesPerPost.slice(50, 60));
    assert.ok(
      lateWrites <= earlyWrites && lateWrites <= 4,
      `alert writes per post grew from ${earlyWrites} to ${lateWrites}: ${writesPerPost.join(' ')}`,
    );
    // Re-triaging the chain per removal (a window and a chain walk each) made the reads grow with the chain.
    const early = Math.max(...readsPerPost.slice(5, 10));
    const late = Math.max(...readsPerPost.slice(50, 60));
    assert.ok(late <= early, `reads per post grew from ${early} to ${late}: ${readsPerPost.join(' ')}`);
    // Rows, not only statements: each removal's standing comes from its caller's chain summary and the burst's alert
    // is extended, so no read returns the chain (it did, several times per removal: 11n rows at removal n).
    const earlyRows = Math.max(...rowsPerPost.slice(5, 10));
    const lateRows = Math.max(...rowsPerPost.slice(50, 60));
    assert.ok(
      lateRows <= earlyRows,
      `rows read per post grew from ${earlyRows} to ${lateRows}: ${rowsPerPost.join(' ')}`,
    );

    const summary = await store.listAlerts({ limit: 10, ruleId: 'mfaguard-mfa-removal-burst' });
    assert.equal(summary.items.length, 1);
    const burst = summary.items[0]!.alert;
    assert.equal(burst.correlation?.count, 60, "the burst's alert knows the whole burst");
    assert.equal(burst.correlation?.targets?.length, 60);
    const alerts = await store.listAlerts({ limit: 100, ruleId: 'mfaguard-iam-mfa-device-deactivated' });
    assert.equal(alerts.items.length, 60);
    for (const { alert } of alerts.items) {
      const i = Number(/burst-(\d+)/.exec(alert.event.id)?.[1]);
      // The burst as it stood at each removal (the first five form it together, when the fifth arrives).
      assert.deepEqual(
        alert.correlation,
        { kind: 'burst', burstAlertId: burst.id, count: i + 1, windowSeconds: i * 2 },
        alert.id,
      );
    }

    // An unrelated kept event in the middle of the burst: one transaction, no re-triage to wait for.
    const transactions = counts.transactions;
    const reads = counts.findEvents;
    const noise = rawRecord({
      name: 'ListMFADevices',
      at: new Date(start + 61_000).toISOString(),
      actor: 'bob',
      target: 'bob',
      id: 'noise-1',
    });
    const outcome = await service.ingestRecords([noise], ORIGIN);
    assert.equal(outcome.stored, 1);
    assert.equal(counts.transactions - transactions, 1, 'only its own write');
    assert.ok(counts.findEvents - reads <= 3, `a probe, not a re-triage: ${counts.findEvents - reads} reads`);
  });
});
