// The store contract's part on events: stored once per eventID, round-tripped exactly, found by window and keys.

import assert from 'node:assert/strict';
import { UsageError } from '../../model/index.ts';
import { targetKeyOf } from '../keys.ts';
import type { Store } from '../store.ts';
import { makeEvent, T0, ACCOUNT, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineEventsContract(test: ContractTest): void {
  test('events: stored events round-trip exactly and duplicates are skipped, across instances', async (open) => {
    const store = await open();
    const e1 = makeEvent('e1', T0);
    const e2 = makeEvent('e2', T0 + 1000);
    const first = await store.insertEvents([e1, e2, e1]);
    assert.deepEqual(
      first.inserted.map((event) => event.id),
      ['e1', 'e2'],
    );
    assert.equal(first.duplicates, 1);
    assert.deepEqual(await store.findEvents({ fromMs: T0, toMs: T0 + 2000 }), [e1, e2]);

    const restarted = await open();
    const again = await restarted.insertEvents([e2, makeEvent('e3', T0 + 500)]);
    assert.deepEqual(
      again.inserted.map((event) => event.id),
      ['e3'],
    );
    assert.equal(again.duplicates, 1);
    assert.deepEqual(await store.insertEvents([]), { inserted: [], duplicates: 0 });
  });

  test('events: findEvents filters by name, actor, target, account; [from, to) bounds; time then id order; limit', async (open) => {
    const store = await open();
    await store.insertEvents([
      makeEvent('b', T0),
      makeEvent('a', T0), // same time: id decides
      makeEvent('c', T0 + 1000, {
        name: 'EnableMFADevice',
        actor: { arn: null, principalId: 'AROAEXAMPLE:session' },
      }),
      makeEvent('d', T0 + 2000, { target: { userName: 'Carol' }, account: '444455556666' }),
      makeEvent('e', T0 + 3000),
      makeEvent('f', T0 + 5000, { target: { userName: null } }),
    ]);
    const ids = async (query: Parameters<Store['findEvents']>[0]): Promise<string[]> =>
      (await store.findEvents(query)).map((event) => event.id);
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 3000 }), ['a', 'b', 'c', 'd']);
    assert.deepEqual(await ids({ fromMs: T0 + 1000, toMs: T0 + 3001 }), ['c', 'd', 'e']);
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, names: ['EnableMFADevice'] }), ['c']);
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, actorKeys: ['AROAEXAMPLE:session'] }), ['c']);
    assert.deepEqual(
      await ids({ fromMs: T0, toMs: T0 + 5000, actorKeys: [`arn:aws:iam::${ACCOUNT}:user/bob`] }),
      ['a', 'b', 'd', 'e'],
    );
    assert.deepEqual(
      await ids({ fromMs: T0, toMs: T0 + 5000, targetKeys: [targetKeyOf('444455556666', 'CAROL')] }),
      ['d'],
    );
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, accounts: ['444455556666'] }), ['d']);
    // Only the events that name no target user (a device call with a serial alone), with the other filters.
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5001, untargeted: true }), ['f']);
    assert.deepEqual(
      await ids({ fromMs: T0, toMs: T0 + 5001, untargeted: true, accounts: ['444455556666'] }),
      [],
    );
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, names: [] }), []);
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, limit: 2 }), ['a', 'b']);
    const carol = targetKeyOf('444455556666', 'CAROL');
    const either = (actorKeys: string[], targetKeys: string[]) => ({ actorKeys, targetKeys });
    // By an actor OR about a target, each once, with the other filters and the order and limit as usual.
    assert.deepEqual(
      await ids({
        fromMs: T0,
        toMs: T0 + 5000,
        actorOrTargetKeys: either(['AROAEXAMPLE:session'], [carol]),
      }),
      ['c', 'd'],
    );
    assert.deepEqual(
      await ids({
        fromMs: T0,
        toMs: T0 + 5000,
        actorOrTargetKeys: either([`arn:aws:iam::${ACCOUNT}:user/bob`], [carol]),
      }),
      ['a', 'b', 'd', 'e'],
    );
    assert.deepEqual(
      await ids({ fromMs: T0, toMs: T0 + 5000, limit: 1, actorOrTargetKeys: either([], [carol]) }),
      ['d'],
    );
    assert.deepEqual(
      await ids({
        fromMs: T0,
        toMs: T0 + 5000,
        names: ['EnableMFADevice'],
        actorOrTargetKeys: either(['AROAEXAMPLE:session'], [carol]),
      }),
      ['c'],
    );
    assert.deepEqual(await ids({ fromMs: T0, toMs: T0 + 5000, actorOrTargetKeys: either([], []) }), []);
  });

  test('events: invalid input is a UsageError naming the field, and nothing is stored', async (open) => {
    const store = await open();
    const bad = { ...makeEvent('x', T0), timeMs: Number.NaN };
    await rejectsWith(store.insertEvents([makeEvent('ok', T0), bad]), UsageError, /events\[1\]\.timeMs/);
    await rejectsWith(store.insertEvents([{ ...makeEvent('y', T0), id: '' }]), UsageError, /events\[0\]\.id/);
    assert.deepEqual(await store.findEvents({ fromMs: 0, toMs: T0 * 2 }), []);
    await rejectsWith(store.findEvents({ fromMs: 0, toMs: 1, limit: 0 }), UsageError, /limit/);
  });
}
