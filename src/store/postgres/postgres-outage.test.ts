// PostgreSQL going away under the store: connections killed mid-query or while idle never crash the process; the
// failure is a transient StoreUnavailableError (HTTP 503), single calls retry, and the pool recovers on its own.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { StoreUnavailableError, isTransientStoreError } from '../errors.ts';
import { openStore } from '../open-store.ts';
import type { Store } from '../store.ts';
import type { ThrowawayDatabase } from '../test-support/postgres.ts';
import { PG_ADMIN_URL, createThrowawayDatabase, postgresProblem } from '../test-support/postgres.ts';
import { skipReasonOrFail } from '../../test-support/requirements.ts';

const problem = await postgresProblem();

/** Ends every other session on the database, as `pg_ctl stop -m fast` does (SQLSTATE 57P01 admin shutdown). */
async function terminateSessions(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const result = await admin.query<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return result.rows.filter((row) => row.ok).length;
  } finally {
    await admin.end();
  }
}

describe(
  'postgres store under outages',
  { skip: problem === null ? false : skipReasonOrFail('pg', 'postgres outage', problem) },
  () => {
    let database: ThrowawayDatabase;
    let store: Store;
    let name: string;
    const background: Error[] = [];

    before(async () => {
      database = await createThrowawayDatabase();
      name = new URL(database.url).pathname.slice(1);
      store = await openStore(database.url, {
        poolSize: 4,
        onBackgroundError: (error) => background.push(error),
      });
    });
    after(async () => {
      await store?.close();
      await database?.drop();
    });

    it('a connection killed in the middle of a transaction fails that transaction as transient, and nothing more', async () => {
      let killed = 0;
      const running = store.transaction(async (tx) => {
        await tx.setCheckpoint('outage:a', 'written', 1);
        killed = await terminateSessions(name);
        // The next statement on the dead connection fails.
        await tx.setCheckpoint('outage:b', 'written', 2);
      });
      await assert.rejects(running, (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.ok(isTransientStoreError(error), 'a broken connection before COMMIT is transient');
        return true;
      });
      assert.ok(killed >= 1, 'the test killed the session');
      // Nothing of the failed transaction was committed, and the store works again at once.
      assert.equal(await store.getCheckpoint('outage:a'), null);
      await store.setCheckpoint('outage:c', 'after', 3);
      assert.equal(await store.getCheckpoint('outage:c'), 'after');
    });

    it('idle pooled connections killed between calls are replaced; single calls succeed (retried)', async () => {
      // Fill the pool with idle connections, then kill them all.
      await Promise.all([1, 2, 3, 4].map((i) => store.setCheckpoint(`idle:${i}`, 'x', i)));
      assert.ok((await terminateSessions(name)) >= 1);
      for (let i = 0; i < 8; i++) assert.equal(await store.getCheckpoint(`idle:${(i % 4) + 1}`), 'x');
      assert.ok(
        background.length >= 1,
        'the idle connections reported their end through onBackgroundError instead of crashing the process',
      );
    });
  },
);
