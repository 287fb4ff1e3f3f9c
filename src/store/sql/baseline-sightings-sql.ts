// SQL for the baseline sightings, shared by SQLite and PostgreSQL (they differ only in the name of min/max of two).

import type { SightingQuery, SightingRow } from '../baseline-sightings.ts';
import type { Dialect, SqlConn, SqlValue } from './driver.ts';
import type { SchemaMigration } from './schema.ts';

const DAY_MS = 86_400_000;
/** Rows per INSERT: 6 parameters each stays well under SQLite's 32 766 and PostgreSQL's 65 535. */
const CHUNK = 500;

export const SIGHTINGS_MIGRATION: SchemaMigration = {
  version: 2,
  name: 'baseline-sightings',
  // `day` is a day number, INTEGER on both.
  sql: (t) => `
CREATE TABLE baseline_sightings (
  actor_key TEXT NOT NULL,
  value     TEXT NOT NULL,
  day       INTEGER NOT NULL,
  first_ms  ${t.integer} NOT NULL,
  last_ms   ${t.integer} NOT NULL,
  count     ${t.integer} NOT NULL,
  PRIMARY KEY (actor_key, day, value)
);
`,
};

/** The upsert statements for `rows`, one per chunk, in key order. */
export function sightingsUpserts(
  dialect: Dialect,
  rows: readonly SightingRow[],
): { readonly sql: string; readonly params: SqlValue[] }[] {
  const [least, greatest] = dialect.name === 'postgres' ? ['LEAST', 'GREATEST'] : ['MIN', 'MAX'];
  // Sorted so that concurrent batches lock the same keys in the same order (no deadlocks on PostgreSQL).
  const sorted = [...rows].sort(
    (a, b) => compare(a.actor, b.actor) || a.day - b.day || compare(a.value, b.value),
  );
  const statements: { sql: string; params: SqlValue[] }[] = [];
  for (let at = 0; at < sorted.length; at += CHUNK) {
    const chunk = sorted.slice(at, at + CHUNK);
    const params: SqlValue[] = [];
    for (const row of chunk) params.push(row.actor, row.value, row.day, row.firstMs, row.lastMs, row.count);
    statements.push({
      sql: `INSERT INTO baseline_sightings (actor_key, value, day, first_ms, last_ms, count)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (actor_key, day, value) DO UPDATE SET
         first_ms = ${least}(baseline_sightings.first_ms, excluded.first_ms),
         last_ms = ${greatest}(baseline_sightings.last_ms, excluded.last_ms),
         count = baseline_sightings.count + excluded.count`,
      params,
    });
  }
  return statements;
}

export async function recordSightings(
  conn: SqlConn,
  dialect: Dialect,
  rows: readonly SightingRow[],
): Promise<void> {
  for (const statement of sightingsUpserts(dialect, rows))
    await conn.execute(statement.sql, statement.params);
}

export async function findSightings(conn: SqlConn, query: SightingQuery): Promise<SightingRow[]> {
  if (query.actors.length === 0) return [];
  const rows = await conn.query<{
    actor_key: string;
    value: string;
    day: number | string;
    first_ms: number | string;
    last_ms: number | string;
    count: number | string;
  }>(
    `SELECT actor_key, value, day, first_ms, last_ms, count FROM baseline_sightings
     WHERE actor_key IN (${query.actors.map(() => '?').join(', ')}) AND day >= ? AND day <= ?
     ORDER BY actor_key, value, day`,
    [...query.actors, Math.floor(query.fromMs / DAY_MS), Math.floor((query.toMs - 1) / DAY_MS)],
  );
  return rows.map((row) => ({
    actor: row.actor_key,
    value: row.value,
    day: Number(row.day),
    firstMs: Number(row.first_ms),
    lastMs: Number(row.last_ms),
    count: Number(row.count),
  }));
}

/** Byte order, as both databases compare the key. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
