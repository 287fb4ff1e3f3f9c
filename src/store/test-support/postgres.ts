// PostgreSQL for tests: reach the local server (starting the cluster once when it is stopped) and hand out
// throw-away databases, so that parallel runs never collide. Tests skip or fail through test-support/requirements.ts.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import pg from 'pg';

const HOST = process.env['MFAGUARD_TEST_PG_HOST'] ?? '127.0.0.1';
const PORT = Number(process.env['MFAGUARD_TEST_PG_PORT'] ?? 5432);
export const PG_ADMIN_URL = `postgres://postgres@${HOST}:${PORT}/postgres`;

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
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

/** The local cluster may simply be stopped (a fresh machine): try once to start it. */
function tryToStart(): void {
  try {
    for (const version of readdirSync('/etc/postgresql')) {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
        stdio: 'ignore',
        timeout: 30_000,
      });
    }
  } catch {
    // Not installed or not permitted: the second reachability check reports why.
  }
}

let availability: Promise<string | null> | undefined;

/** Null when PostgreSQL can be used; otherwise why not, ready for a loud skip message. */
export function postgresProblem(): Promise<string | null> {
  availability ??= (async () => {
    if ((await reachable()) === null) return null;
    tryToStart();
    const problem = await reachable();
    return problem === null ? null : `PostgreSQL not reachable at ${PG_ADMIN_URL}: ${problem}`;
  })();
  return availability;
}

export interface ThrowawayDatabase {
  readonly url: string;
  readonly drop: () => Promise<void>;
}

/** Runs one statement on a connection of its own, closed at once: no idle admin connection is left to break. */
async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  // An idle client whose server goes away emits 'error'; unheard, that would end the test process.
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** A new, empty database; `drop` removes it even with connections left open. */
export async function createThrowawayDatabase(prefix = 'mfaguard_test'): Promise<ThrowawayDatabase> {
  const database = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  return {
    url: `postgres://postgres@${HOST}:${PORT}/${database}`,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}
