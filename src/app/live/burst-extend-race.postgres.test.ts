// Two workers on one PostgreSQL extending the same burst's alert at once: neither drops the other's member. Before,
// each flush read the alert, extended it and wrote it back with nothing held between, so the second write lost the
// first one's member until a whole re-triage. The interleaving is forced, not timed: worker A stops right after reading
// the burst's alert, just before writing it, and goes on only once worker B has finished or waits for a lock A holds.

import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import pg from 'pg';
import { BURST_RULE } from '../../detect/index.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { createThrowawayDatabase, postgresProblem } from '../../store/test-support/postgres.ts';
import type { ThrowawayDatabase } from '../../store/test-support/postgres.ts';
import { missing } from '../../test-support/requirements.ts';
import { ORIGIN, burstRemoval, fakeClock, makeService } from './test-support/live.ts';

/** The store with a hook run once, armed, before its first write of alert `watch.id` (in its transaction). */
function pausing(store: Store, watch: { id: string | null; onWrite: (() => Promise<void>) | null }): Store {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(inner, name, receiver) {
        const value: unknown = Reflect.get(inner, name, receiver);
        if (typeof value !== 'function') return value;
        const bound = (value as (...a: unknown[]) => unknown).bind(inner);
        if (name === 'updateAlert')
          return async (alert: { id: string }, ...rest: unknown[]) => {
            const hook = watch.onWrite;
            if (alert.id === watch.id && hook !== null) {
              watch.onWrite = null;
              await hook();
            }
            return bound(alert, ...rest);
          };
        if (name === 'transaction')
          return (fn: (tx: object) => Promise<unknown>, ...rest: unknown[]) =>
            (bound as (...a: unknown[]) => Promise<unknown>)((tx: object) => fn(wrap(tx)), ...rest);
        return bound;
      },
    });
  return wrap(store);
}

const problem = await postgresProblem();
if (problem !== null) {
  test('burst extension race: postgres', (t) => void missing(t, 'pg', problem));
} else {
  describe('two workers extending one burst on PostgreSQL', () => {
    let database: ThrowawayDatabase;
    const opened: Store[] = [];
    before(async () => {
      database = await createThrowawayDatabase('h10tail_burst_race');
    });
    after(async () => {
      for (const store of opened) await store.close().catch(() => undefined);
      await database.drop();
    });

    it("keeps both workers' members in the burst's alert", async () => {
      const storeA = await openStore(database.url, { schema: 'race', poolSize: 4 });
      opened.push(storeA);
      const storeB = await openStore(database.url, { schema: 'race', poolSize: 4 });
      opened.push(storeB);
      const watch: { id: string | null; onWrite: (() => Promise<void>) | null } = { id: null, onWrite: null };
      const clock = fakeClock('2026-11-20T12:00:00Z');
      const workerA = makeService(pausing(storeA, watch), clock);
      const workerB = makeService(storeB, clock);
      const removal = (i: number) => burstRemoval(i, { stepMs: 1_000, idPrefix: 'race-' });
      for (let i = 0; i < 6; i++) await workerA.ingestRecords([removal(i)], ORIGIN);
      const burstOf = async () =>
        (await storeB.listAlerts({ limit: 10, ruleId: BURST_RULE.meta.id })).items.map((item) => item.alert);
      const [burst] = await burstOf();
      assert.equal(burst?.correlation?.count, 6);

      const probe = new pg.Client({ connectionString: database.url });
      await probe.connect();
      try {
        const pending: { second: Promise<unknown> | null } = { second: null };
        watch.id = burst.id;
        watch.onWrite = async () => {
          // A has read and extended the burst's alert. B's removal now goes all the way, unless it waits for a lock A holds.
          let finished = false;
          pending.second = workerB.ingestRecords([removal(7)], ORIGIN).finally(() => (finished = true));
          for (;;) {
            if (finished) return;
            const waiting = await probe.query<{ n: string }>(
              "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
            );
            if (Number(waiting.rows[0]?.n) > 0) return;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        };
        await workerA.ingestRecords([removal(6)], ORIGIN);
        assert.notEqual(pending.second, null, "A extended the burst's alert");
        await pending.second;
      } finally {
        await probe.end();
      }
      const [extended] = await burstOf();
      assert.equal(extended?.correlation?.count, 8, 'both members counted');
      assert.deepEqual(
        extended?.correlation?.targets?.filter((user) => user === 'user-6' || user === 'user-7'),
        ['user-6', 'user-7'],
      );
      assert.ok(extended?.related?.some((member) => member.eventId === 'race-6'));
      assert.ok(extended?.related?.some((member) => member.eventId === 'race-7'));
    });
  });
}
