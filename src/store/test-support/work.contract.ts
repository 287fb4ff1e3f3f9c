// The store contract's part on checkpoints and work claims: resume points, one owner per item, leases.

import assert from 'node:assert/strict';
import { T0 } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineWorkContract(test: ContractTest): void {
  test('checkpoints: absent, set, overwritten, seen by another instance', async (open) => {
    const store = await open();
    assert.equal(await store.getCheckpoint('s3:trail'), null);
    await store.setCheckpoint('s3:trail', 'AWSLogs/1/a.json.gz', T0);
    await store.setCheckpoint('s3:trail', 'AWSLogs/1/b.json.gz', T0 + 1);
    assert.equal(await (await open()).getCheckpoint('s3:trail'), 'AWSLogs/1/b.json.gz');
  });

  test('work claims: one owner at a time, lease expiry, renewal, completion is final', async (open) => {
    const store = await open();
    const key = 's3://bucket/AWSLogs/x.json.gz';
    assert.equal(await store.claimWork({ key, workerId: 'w1', leaseMs: 1000, nowMs: T0 }), true);
    assert.equal(await store.claimWork({ key, workerId: 'w2', leaseMs: 1000, nowMs: T0 + 999 }), false);
    assert.equal(await store.claimWork({ key, workerId: 'w1', leaseMs: 1000, nowMs: T0 + 900 }), true); // renewal
    assert.equal(await store.claimWork({ key, workerId: 'w2', leaseMs: 1000, nowMs: T0 + 1899 }), false);
    assert.equal(await store.claimWork({ key, workerId: 'w2', leaseMs: 1000, nowMs: T0 + 1900 }), true); // w1's lease ran out
    assert.equal(await store.completeWork(key, 'w1', T0 + 2000), false);
    assert.equal(await store.isWorkDone(key), false);
    assert.equal(await store.completeWork(key, 'w2', T0 + 2000), true);
    assert.equal(await store.isWorkDone(key), true);
    assert.equal(await store.claimWork({ key, workerId: 'w3', leaseMs: 1000, nowMs: T0 + 99_000 }), false);
    assert.equal(await store.completeWork(key, 'w2', T0 + 3000), false);
    assert.equal(await store.isWorkDone('never-seen'), false);
  });

  test('work claims: many workers on two instances racing for one item: exactly one wins', async (open) => {
    const [one, two] = await Promise.all([open(), open()]);
    const wins = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        (index % 2 === 0 ? one : two).claimWork({
          key: 'item',
          workerId: `w${index}`,
          leaseMs: 60_000,
          nowMs: T0,
        }),
      ),
    );
    assert.equal(wins.filter(Boolean).length, 1);
  });
}
