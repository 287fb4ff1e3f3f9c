// Runs the store contract against a real PostgreSQL: one throw-away database per run, one schema per test.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import { openStore } from '../open-store.ts';
import { defineStoreContract } from '../store.contract.ts';

const HOST = process.env['MFAGUARD_TEST_PG_HOST'] ?? '127.0.0.1';
const PORT = Number(process.env['MFAGUARD_TEST_PG_PORT'] ?? 5432);
const ADMIN_URL = `postgres://postgres@${HOST}:${PORT}/postgres`;

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The local cluster may simply be stopped (a fresh container): try once to start it. */
function tryToStart(): void {
  try {
    const versions = readdirSync('/etc/postgresql');
    for (const version of versions) {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
        stdio: 'ignore',
        timeout: 30_000,
      });
    }
  } catch {
    // Not installed or not permitted: the reachability check below reports it.
  }
}

let problem = await reachable();
if (problem !== null) {
  tryToStart();
  problem = await reachable();
}

if (problem !== null) {
  test('store contract: postgres', (t) => {
    const message = `PostgreSQL not reachable at ${ADMIN_URL}: ${problem}`;
    console.error(`\n*** SKIPPED: ${message} ***\n`);
    t.skip(message);
  });
} else {
  // A database of our own, so parallel runs never collide; dropped (with any leftover connections) after.
  const database = `mfaguard_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = `postgres://postgres@${HOST}:${PORT}/${database}`;
  let counter = 0;

  defineStoreContract(
    'postgres',
    () => {
      const schema = `t${++counter}`;
      return Promise.resolve(() => openStore(url, { schema, poolSize: 4 }));
    },
    async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  );
}
