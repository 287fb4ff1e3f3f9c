// The store contract's part on transactions: all or nothing, misuse caught, concurrent writers.

import assert from 'node:assert/strict';
import { StoreError } from '../errors.ts';
import type { Store } from '../store.ts';
import { T0, SYSTEM, openCase, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineTransactionsContract(test: ContractTest): void {
  test('transaction: a case change and its outbox row commit together or not at all', async (open) => {
    const store = await open();
    const id = await openCase(store);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.transitionCase(id, 'escalated', SYSTEM);
        await tx.enqueueNotification({
          kind: 'escalation',
          channel: 'slack',
          payload: { id },
          dedupeKey: `case:${id}:escalated:slack`,
          nowMs: T0,
        });
        throw new Error('notifier configuration broken');
      }),
      /notifier configuration broken/,
    );
    assert.equal((await store.getCase(id))?.state, 'open');
    assert.deepEqual(await store.listNotifications({ state: 'pending', limit: 10 }), []);
    assert.equal((await store.getCase(id))?.audit.filter((entry) => entry.action === 'transition').length, 0);

    const result = await store.transaction(async (tx) => {
      const changed = await tx.transitionCase(id, 'escalated', SYSTEM);
      await tx.enqueueNotification({
        kind: 'escalation',
        channel: 'slack',
        payload: { id },
        dedupeKey: `case:${id}:escalated:slack`,
        nowMs: T0,
      });
      return changed.state;
    });
    assert.equal(result, 'escalated');
    assert.equal((await store.getCase(id))?.state, 'escalated');
    assert.equal((await store.listNotifications({ state: 'pending', limit: 10 })).length, 1);
  });

  test('notifications of one case: by the payload caseId only, never a prefix or a lookalike', async (open) => {
    const store = await open();
    const payloads: [string, unknown][] = [
      ['a', { caseId: '1', kind: 'case-opened' }],
      ['b', { caseId: '12', kind: 'case-opened' }],
      ['c', { caseId: '1%', kind: 'case-opened' }],
      ['d', { caseId: '2', title: 'mentions "caseId":"1" in text' }],
      ['e', { caseId: '1', kind: 'case-resolved' }],
    ];
    await store.transaction(async (tx) => {
      for (const [key, payload] of payloads)
        await tx.enqueueNotification({ kind: 'k', channel: 'slack', payload, dedupeKey: key, nowMs: T0 });
    });
    const one = await store.listCaseNotifications('1', 100);
    assert.deepEqual(
      one.map((n) => n.dedupeKey),
      ['a', 'e'],
    );
    assert.deepEqual(
      (await store.listCaseNotifications('1%', 100)).map((n) => n.dedupeKey),
      ['c'],
    );
    assert.deepEqual(await store.listCaseNotifications('404', 100), []);
  });

  test('transaction: concurrent ones commit alone or together, and one that fails fails alone', async (open) => {
    // On SQLite these are written as one group commit (a savepoint each); the outcome must be the same as one by one.
    const store = await open();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.setCheckpoint(`k${i}`, `v${i}`, T0);
          if (i % 5 === 2) throw new Error(`job ${i} broke`);
          await tx.setCheckpoint(`after${i}`, 'yes', T0);
          return i;
        }),
      ),
    );
    for (const [i, outcome] of outcomes.entries()) {
      const failed = i % 5 === 2;
      assert.equal(outcome.status, failed ? 'rejected' : 'fulfilled', `job ${i}`);
      if (outcome.status === 'fulfilled') assert.equal(outcome.value, i);
      else assert.match(String(outcome.reason), new RegExp(`job ${i} broke`));
      assert.equal(await store.getCheckpoint(`k${i}`), failed ? null : `v${i}`, `job ${i} first write`);
      assert.equal(await store.getCheckpoint(`after${i}`), failed ? null : 'yes', `job ${i} second write`);
    }
  });

  test('transaction: nesting, using the store inside, and using tx afterwards are errors', async (open) => {
    const store = await open();
    const nested = await rejectsWith(
      store.transaction(() => store.transaction(() => Promise.resolve(1))),
      StoreError,
      /nested transaction/,
    );
    assert.equal((nested as StoreError).code, 'misuse');
    await rejectsWith(
      store.transaction(() => store.setCheckpoint('k', 'v', T0)),
      StoreError,
      /use tx\.setCheckpoint/,
    );
    assert.equal(await store.getCheckpoint('k'), null);
    let leaked: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
    await store.transaction((tx) => {
      leaked = tx;
      return Promise.resolve();
    });
    await rejectsWith(leaked!.setCheckpoint('k', 'v', T0), StoreError, /already ended/);
    // The store still works after all that.
    await store.setCheckpoint('k', 'v', T0);
    assert.equal(await store.getCheckpoint('k'), 'v');
  });
}
