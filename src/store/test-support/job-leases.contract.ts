// The store contract's part on scheduled jobs' leases: one holder at a time, renewal, takeover after a crash, release.

import assert from 'node:assert/strict';
import type { Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;

const T0 = Date.UTC(2024, 0, 2, 12, 0, 0);
const lease = (workerId: string, nowMs: number, leaseMs = 30_000) => ({
  name: 'tick',
  workerId,
  leaseMs,
  nowMs,
});

export function defineJobLeasesContract(test: ContractTest): void {
  test('job leases: one holder at a time; the holder renews, others wait until it runs out or is released', async (open) => {
    const store = await open();
    assert.equal(await store.getJobLease('tick'), null);
    assert.equal(await store.acquireJobLease(lease('a', T0)), true);
    assert.equal(await store.acquireJobLease(lease('b', T0 + 1_000)), false);
    assert.equal(await store.acquireJobLease(lease('a', T0 + 20_000)), true, 'the holder renews');
    assert.deepEqual(await store.getJobLease('tick'), {
      name: 'tick',
      holder: 'a',
      until: T0 + 50_000,
      generation: 1,
    });
    assert.equal(await store.acquireJobLease(lease('b', T0 + 49_999)), false, 'renewed: still a');
    assert.equal(await store.acquireJobLease(lease('b', T0 + 50_000)), true, 'a crashed: b takes over');
    assert.equal((await store.getJobLease('tick'))?.generation, 2);
    assert.equal(await store.acquireJobLease(lease('a', T0 + 51_000)), false, 'a is back, but b holds it');
    assert.equal(await store.releaseJobLease('tick', 'a'), false, 'a does not hold it');
    assert.equal(await store.releaseJobLease('tick', 'b'), true);
    assert.equal(await store.releaseJobLease('tick', 'b'), false, 'released once');
    assert.equal(await store.acquireJobLease(lease('a', T0 + 52_000)), true, 'released: a takes it at once');
    assert.equal((await store.getJobLease('tick'))?.generation, 3);
    assert.equal(await store.acquireJobLease({ ...lease('b', T0 + 52_000), name: 'audit' }), true, 'per job');
  });

  test('job leases: of many workers asking at once through two store instances, exactly one gets it', async (open) => {
    const [first, second] = [await open(), await open()];
    const asks = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? first : second).acquireJobLease(lease(`w${i}`, T0)),
    );
    const won = (await Promise.all(asks)).filter(Boolean).length;
    assert.equal(won, 1);
  });

  test('job leases: bad input is a clear error', async (open) => {
    const store = await open();
    await assert.rejects(store.acquireJobLease(lease('a', T0, 0)), /leaseMs/);
    await assert.rejects(store.acquireJobLease({ ...lease('a', T0), name: '' }), /name/);
  });
}
