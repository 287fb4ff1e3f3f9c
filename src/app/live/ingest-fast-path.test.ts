// Events outside the kept slice that alert on nothing need no write transaction: the firehose never queues behind
// SQLite's one writer. Anything to keep, alert on or dead-letter still goes through one.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../store/index.ts';
import type { TempStore } from './test-support/live.ts';
import { ORIGIN, eventBridge, fakeClock, makeService, rawRecord, tempSqlite } from './test-support/live.ts';

describe('ingestion without anything to write', () => {
  let temp: TempStore;
  let store: Store;
  let transactions = 0;
  const sightingsWritten: string[] = [];
  before(async () => {
    temp = tempSqlite();
    const real = await temp.open();
    store = new Proxy(real, {
      get(target, property, receiver) {
        if (property === 'transaction') {
          return (fn: Parameters<Store['transaction']>[0]) => {
            transactions++;
            return target.transaction((tx) =>
              fn(
                new Proxy(tx, {
                  get(txTarget, name, txReceiver) {
                    const value: unknown = Reflect.get(txTarget, name, txReceiver);
                    if (typeof value !== 'function') return value;
                    type Rows = readonly { actor: string; value: string }[];
                    if (name === 'insertEvents') {
                      // The write path hands the held sightings over with its events (one statement on PostgreSQL).
                      return (events: unknown, options?: { sightings?: Rows }) => {
                        sightingsWritten.push(
                          ...(options?.sightings ?? []).map((row) => `${row.actor} ${row.value}`),
                        );
                        return (value as (e: unknown, o: unknown) => Promise<unknown>).call(
                          txTarget,
                          events,
                          options,
                        );
                      };
                    }
                    if (name !== 'recordSightings')
                      return (value as (...a: unknown[]) => unknown).bind(txTarget);
                    return (rows: Rows) => {
                      sightingsWritten.push(...rows.map((row) => `${row.actor} ${row.value}`));
                      return (value as (r: typeof rows) => Promise<void>).call(txTarget, rows);
                    };
                  },
                }),
              ),
            );
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  it('counts ignored events without a transaction; a kept event still takes one', async () => {
    const service = makeService(store, fakeClock('2026-11-20T10:00:00Z'));
    const noise = {
      ...rawRecord({ name: 'DescribeInstances', at: '2026-11-20T09:00:00Z' }),
      eventSource: 'ec2.amazonaws.com',
    };
    const before = transactions;
    const outcome = await service.ingestRecords([eventBridge(noise)], ORIGIN);
    assert.deepEqual(
      { received: outcome.received, stored: outcome.stored, ignored: outcome.ignored },
      { received: 1, stored: 0, ignored: 1 },
    );
    assert.equal(transactions, before, 'no transaction for an ignored event');
    const kept = await service.ingestRecords(
      [
        eventBridge(
          rawRecord({ name: 'EnableMFADevice', at: '2026-11-20T09:01:00Z', actor: 'carol', target: 'carol' }),
        ),
      ],
      ORIGIN,
    );
    assert.equal(kept.stored, 1);
    assert.equal(transactions, before + 1);
    const bad = await service.ingestRecords(['not an event'], ORIGIN);
    assert.equal(bad.rejected.length, 1);
    assert.equal(transactions, before + 2, 'a dead letter is written in a transaction');
  });

  it('writes the sightings of ignored events with the next write, or at the tick: familiarity is never dropped', async () => {
    const service = makeService(store, fakeClock('2026-11-20T10:00:00Z'));
    const noise = (at: string, ip: string) => ({
      ...rawRecord({ name: 'ListBuckets', at, actor: 'dave' }),
      eventSource: 's3.amazonaws.com',
      sourceIPAddress: ip,
    });
    sightingsWritten.length = 0;
    await service.ingestRecords([eventBridge(noise('2026-11-20T09:10:00Z', '203.0.113.10'))], ORIGIN);
    assert.equal(sightingsWritten.length, 0, 'held, not written, on the fast path');
    await service.tick();
    assert.ok(
      sightingsWritten.some((row) => row.endsWith('ip:203.0.113.10')),
      `the tick wrote the held sighting: ${sightingsWritten.join(', ')}`,
    );
    sightingsWritten.length = 0;
    await service.ingestRecords([eventBridge(noise('2026-11-20T09:11:00Z', '203.0.113.11'))], ORIGIN);
    await service.ingestRecords(
      [
        eventBridge(
          rawRecord({ name: 'EnableMFADevice', at: '2026-11-20T09:12:00Z', actor: 'erin', target: 'erin' }),
        ),
      ],
      ORIGIN,
    );
    assert.ok(
      sightingsWritten.some((row) => row.endsWith('ip:203.0.113.11')),
      'the next write transaction carried the held sighting',
    );
  });
});
