// The store contract's part on the outbox: enqueue once, leased claims, retries, dead rows, depth.

import assert from 'node:assert/strict';
import { UsageError } from '../../model/index.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Store } from '../store.ts';
import { T0, MINUTE, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineOutboxContract(test: ContractTest): void {
  test('outbox: dedupe key, due time, lease, re-claim after lease expiry, sent, retry, dead', async (open) => {
    const store = await open();
    const input = {
      kind: 'case-opened',
      channel: 'slack',
      payload: { text: 'case <1>', n: [1, 2] },
      dedupeKey: 'case:1:opened:slack',
      nowMs: T0,
    };
    const first = await store.enqueueNotification(input);
    assert.deepEqual(await store.enqueueNotification({ ...input, payload: { other: true } }), {
      id: first.id,
      created: false,
    });
    await store.enqueueNotification({ ...input, dedupeKey: 'later', notBeforeMs: T0 + 10 * MINUTE });

    const claimed = await store.claimNotifications({
      nowMs: T0 + 1000,
      limit: 10,
      workerId: 'w1',
      leaseMs: 30_000,
    });
    assert.deepEqual(
      claimed.map((row) => [row.id, row.payload, row.attempts, row.leaseOwner, row.leaseUntil]),
      [[first.id, input.payload, 1, 'w1', T0 + 31_000]],
    );
    assert.deepEqual(
      await store.claimNotifications({ nowMs: T0 + 2000, limit: 10, workerId: 'w2', leaseMs: 30_000 }),
      [],
    );
    // w1 crashed: its lease runs out and w2 takes the row over.
    const reclaimed = await store.claimNotifications({
      nowMs: T0 + 31_000,
      limit: 10,
      workerId: 'w2',
      leaseMs: 30_000,
    });
    assert.deepEqual(
      reclaimed.map((row) => [row.id, row.attempts, row.leaseOwner]),
      [[first.id, 2, 'w2']],
    );
    assert.equal(await store.markNotificationSent(first.id, 'w1', T0 + 32_000), false); // w1 lost it
    assert.equal(
      await store.markNotificationFailed(reclaimed[0]!.id, 'w2', {
        error: 'HTTP 500',
        nextAttemptAtMs: T0 + 5 * MINUTE,
        nowMs: T0 + 32_000,
      }),
      true,
    );
    assert.deepEqual(
      await store.claimNotifications({
        nowMs: T0 + 4 * MINUTE,
        limit: 10,
        workerId: 'w2',
        leaseMs: 30_000,
      }),
      [],
    );
    const retry = await store.claimNotifications({
      nowMs: T0 + 5 * MINUTE,
      limit: 10,
      workerId: 'w2',
      leaseMs: 30_000,
    });
    assert.deepEqual(
      retry.map((row) => [row.id, row.attempts, row.lastError]),
      [[first.id, 3, 'HTTP 500']],
    );
    assert.equal(await store.markNotificationSent(first.id, 'w2', T0 + 5 * MINUTE + 1), true);
    assert.equal(await store.markNotificationSent(first.id, 'w2', T0 + 5 * MINUTE + 2), false); // already final
    const sent = await store.listNotifications({ state: 'sent', limit: 10 });
    assert.deepEqual(
      sent.map((row) => [row.id, row.sentAt, row.leaseOwner]),
      [[first.id, T0 + 5 * MINUTE + 1, null]],
    );

    const later = await store.claimNotifications({
      nowMs: T0 + 10 * MINUTE,
      limit: 10,
      workerId: 'w1',
      leaseMs: 30_000,
    });
    assert.equal(later.length, 1);
    assert.equal(
      await store.markNotificationFailed(later[0]!.id, 'w1', {
        error: 'HTTP 410 gone',
        dead: true,
        nowMs: T0 + 10 * MINUTE,
      }),
      true,
    );
    assert.deepEqual(
      (await store.listNotifications({ state: 'dead', limit: 10 })).map((row) => [
        row.dedupeKey,
        row.lastError,
      ]),
      [['later', 'HTTP 410 gone']],
    );
    assert.deepEqual(await store.outboxDepth(), { pending: 0, dead: 1, oldestPendingAt: null });
    await store.enqueueNotification({ ...input, dedupeKey: 'third', nowMs: T0 + 20 * MINUTE });
    assert.deepEqual(await store.outboxDepth(), { pending: 1, dead: 1, oldestPendingAt: T0 + 20 * MINUTE });
    await rejectsWith(store.markNotificationSent('98765', 'w1', T0), NotFoundError);
    await rejectsWith(
      store.claimNotifications({ nowMs: T0, limit: 10, workerId: 'w1', leaseMs: 0 }),
      UsageError,
      /leaseMs/,
    );
    await rejectsWith(
      store.enqueueNotification({ ...input, dedupeKey: 'u', payload: undefined }),
      UsageError,
      /payload/,
    );
  });

  test('outbox: two workers claiming at once never get the same row, and together get all', async (open) => {
    const [one, two] = await Promise.all([open(), open()]);
    const total = 60;
    await one.transaction(async (tx) => {
      for (let index = 0; index < total; index++) {
        await tx.enqueueNotification({
          kind: 'k',
          channel: 'c',
          payload: { index },
          dedupeKey: `n${index}`,
          nowMs: T0,
        });
      }
    });
    const claimedBy = new Map<string, string>();
    const worker = async (store: Store, workerId: string): Promise<void> => {
      for (;;) {
        const rows = await store.claimNotifications({
          nowMs: T0 + 1000,
          limit: 4,
          workerId,
          leaseMs: 60_000,
        });
        if (rows.length === 0) return;
        for (const row of rows) {
          assert.equal(
            claimedBy.get(row.id),
            undefined,
            `row ${row.id} claimed by ${claimedBy.get(row.id)} and ${workerId}`,
          );
          claimedBy.set(row.id, workerId);
        }
      }
    };
    await Promise.all([worker(one, 'w1'), worker(two, 'w2'), worker(one, 'w3'), worker(two, 'w4')]);
    assert.equal(claimedBy.size, total);
  });

  test('outbox: claims by channel lane, heartbeats renew only held leases, a dead row is retried once', async (open) => {
    const store = await open();
    const enqueue = (channel: string, dedupeKey: string) =>
      store.enqueueNotification({ kind: 'k', channel, payload: { channel }, dedupeKey, nowMs: T0 });
    const slack = await enqueue('slack', 'a@slack');
    const hook = await enqueue('hook', 'a@hook');
    const odd = await enqueue('gone', 'a@gone');
    const claim = (filter: { channels?: string[]; exceptChannels?: string[] }, workerId = 'w1') =>
      store.claimNotifications({ nowMs: T0, limit: 10, workerId, leaseMs: 10_000, ...filter });
    assert.deepEqual(await claim({ channels: [] }), []);
    assert.deepEqual(
      (await claim({ channels: ['hook'] })).map((row) => row.id),
      [hook.id],
    );
    assert.deepEqual(
      (await claim({ exceptChannels: ['hook', 'slack'] })).map((row) => row.id),
      [odd.id],
    );
    assert.deepEqual(
      (await claim({ channels: ['slack', 'hook'] }, 'w2')).map((row) => row.id),
      [slack.id],
    );
    await rejectsWith(claim({ channels: [''] }), UsageError, /channels/);

    // w1 holds hook and gone; w2 holds slack. A heartbeat extends only what the worker holds and is still live.
    assert.deepEqual(
      await store.renewNotificationLeases({
        ids: [hook.id, odd.id, slack.id, 'nonsense'],
        workerId: 'w1',
        nowMs: T0 + 9_000,
        leaseMs: 10_000,
      }),
      [hook.id, odd.id].sort((a, b) => Number(a) - Number(b)),
    );
    // Renewed to T0 + 19 s: still w1's at T0 + 15 s; w2's slack row lapsed at T0 + 10 s and cannot be renewed.
    assert.deepEqual(await claim({}, 'w3').then((rows) => rows.map((row) => row.id)), []);
    assert.deepEqual(
      await store.renewNotificationLeases({
        ids: [slack.id],
        workerId: 'w2',
        nowMs: T0 + 11_000,
        leaseMs: 10_000,
      }),
      [],
    );
    assert.deepEqual(
      (
        await store.claimNotifications({ nowMs: T0 + 15_000, limit: 10, workerId: 'w3', leaseMs: 10_000 })
      ).map((row) => row.id),
      [slack.id],
    );

    assert.equal(
      await store.markNotificationFailed(odd.id, 'w1', {
        error: 'no notifier',
        dead: true,
        nowMs: T0 + 16_000,
      }),
      true,
    );
    await rejectsWith(store.retryNotification(hook.id, T0 + 17_000), ConflictError, /pending/);
    await rejectsWith(store.retryNotification('98765', T0 + 17_000), NotFoundError);
    const retried = await store.retryNotification(odd.id, T0 + 20_000);
    assert.deepEqual(
      [retried.state, retried.attempts, retried.nextAttemptAt, retried.lastError, retried.leaseOwner],
      ['pending', 0, T0 + 20_000, 'no notifier', null],
    );
    await rejectsWith(store.retryNotification(odd.id, T0 + 21_000), ConflictError, /pending/);
    const again = await store.claimNotifications({
      nowMs: T0 + 20_000,
      limit: 10,
      workerId: 'w4',
      leaseMs: 10_000,
      channels: ['gone'],
    });
    assert.deepEqual(
      again.map((row) => [row.id, row.attempts]),
      [[odd.id, 1]],
    );
    assert.equal(await store.markNotificationSent(odd.id, 'w4', T0 + 21_000), true);
    await rejectsWith(store.retryNotification(odd.id, T0 + 22_000), ConflictError, /was sent/);
  });
}
