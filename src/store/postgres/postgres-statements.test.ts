// What the PostgreSQL driver sends, message by message (each one a round trip): transaction control riding with the
// jobs' statements, the events insert as one text whatever its row count, statements prepared by name.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { StoreUnavailableError } from '../errors.ts';
import { openStore } from '../open-store.ts';
import type { Store } from '../store.ts';
import { makeEvent, MINUTE, T0 } from '../test-support/store-support.ts';
import { createThrowawayDatabase, postgresProblem } from '../test-support/postgres.ts';
import { missing } from '../../test-support/requirements.ts';

interface Sent {
  readonly text: string;
  readonly name: string | undefined;
}

const problem = await postgresProblem();

describe('PostgreSQL statements', { concurrency: false }, () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>> | undefined;
  let store: Store | undefined;
  let sent: Sent[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with the client as `this`
  const original = pg.Client.prototype.query as (...a: unknown[]) => unknown;

  before(async () => {
    if (problem !== null) return;
    database = await createThrowawayDatabase('mfaguard_h10cap_statements');
    store = await openStore(database.url, { poolSize: 4 });
    pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
      const first = a[0] as string | { text: string; name?: string };
      sent.push(
        typeof first === 'string' ? { text: first, name: undefined } : { text: first.text, name: first.name },
      );
      return original.apply(this, a);
    } as typeof pg.Client.prototype.query;
  });
  after(async () => {
    pg.Client.prototype.query = original as typeof pg.Client.prototype.query;
    await store?.close();
    await database?.drop();
  });

  /** What `run` sent, in order. */
  async function sending(run: () => Promise<unknown>): Promise<Sent[]> {
    sent = [];
    await run();
    return sent;
  }

  it('sends BEGIN with the first job of a group, RELEASE with the next SAVEPOINT, COMMIT alone', async (t) => {
    if (problem !== null) return void missing(t, 'pg', problem);
    const texts = (
      await sending(() =>
        Promise.all(
          [1, 2, 3].map((i) =>
            store!.transaction((tx) => tx.insertEvents([makeEvent(`grouped-${i}`, T0 + i * MINUTE)])),
          ),
        ),
      )
    ).map((s) => (/insert into events/.test(s.text) ? 'insert' : s.text));
    assert.deepEqual(texts, [
      'BEGIN; SAVEPOINT mfaguard_job',
      'insert',
      'RELEASE SAVEPOINT mfaguard_job; SAVEPOINT mfaguard_job',
      'insert',
      'RELEASE SAVEPOINT mfaguard_job; SAVEPOINT mfaguard_job',
      'insert',
      'COMMIT',
    ]);
  });

  it('sends a group of one as BEGIN, its statements, COMMIT; and nothing for a job that ran no statement', async (t) => {
    if (problem !== null) return void missing(t, 'pg', problem);
    const alone = await sending(() => store!.transaction((tx) => tx.insertEvents([makeEvent('alone', T0)])));
    assert.deepEqual(
      alone.map((s) => (/insert into events/.test(s.text) ? 'insert' : s.text)),
      ['BEGIN', 'insert', 'COMMIT'],
    );
    assert.deepEqual(await sending(() => store!.transaction(() => Promise.resolve(1))), []);
    // A job that fails before any statement rolls back nothing, and the connection serves the next one.
    await assert.rejects(
      store!.transaction(() => Promise.reject(new Error('refused'))),
      /refused/,
    );
    assert.equal((await store!.findEvents({ fromMs: T0, toMs: T0 + 1 })).length, 1);
  });

  it('inserts 1 or 57 events, with or without sightings, with one prepared text (unnest of column arrays)', async (t) => {
    if (problem !== null) return void missing(t, 'pg', problem);
    const inserts = async (count: number, sightings: boolean) =>
      (
        await sending(() =>
          store!.insertEvents(
            Array.from({ length: count }, (_, i) => makeEvent(`u-${count}-${i}`, T0 + i)),
            sightings
              ? {
                  sightings: Array.from({ length: count }, (_, i) => ({
                    actor: `actor-${i}`,
                    value: 'v',
                    day: 1,
                    firstMs: T0,
                    lastMs: T0,
                    count: 1,
                  })),
                }
              : {},
          ),
        )
      ).filter((s) => /insert into events/.test(s.text));
    const [one] = await inserts(1, false);
    const [many] = await inserts(57, false);
    const [riding] = await inserts(3, true);
    const [ridingMany] = await inserts(40, true);
    assert.match(one!.text, /unnest/);
    assert.equal(many!.text, one!.text);
    assert.equal(ridingMany!.text, riding!.text);
    assert.ok(one!.name !== undefined && riding!.name !== undefined, 'prepared by name');
    assert.equal(many!.name, one!.name);
    assert.notEqual(riding!.name, one!.name);
    const stored = await store!.findEvents({ fromMs: T0, toMs: T0 + 100, limit: 1000 });
    assert.equal(stored.filter((event) => event.id.startsWith('u-')).length, 1 + 57 + 3 + 40);
    assert.equal(
      (await store!.findSightings({ actors: ['actor-0', 'actor-39'], fromMs: 0, toMs: 3 * 86_400_000 }))
        .map((row) => `${row.actor}:${row.count}`)
        .join(' '),
      'actor-0:2 actor-39:1',
    );
  });
  it('drops a connection whose prepared statement a migration outgrew; the next call works', async (t) => {
    if (problem !== null) return void missing(t, 'pg', problem);
    // One connection, so the call after the change meets the statement it prepared before.
    const one = await openStore(database!.url, { schema: 'outgrown', poolSize: 1 });
    try {
      assert.deepEqual(await one.listApprovals(), []);
      // Another process's migration adds a column: `select *` now has another result type.
      const admin = new pg.Client({ connectionString: database!.url });
      await admin.connect();
      await admin.query('ALTER TABLE outgrown.approvals ADD COLUMN later_column integer');
      await admin.end();
      // The first call may fail, as a transient outage (a 503, retried), never as a bug; the next one works.
      await one.listApprovals().catch((error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError && error.transient, String(error));
      });
      assert.deepEqual(await one.listApprovals(), []);
    } finally {
      await one.close();
    }
  });
});
