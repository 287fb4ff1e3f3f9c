// SQL for the baseline sightings, shared by SQLite and PostgreSQL (they differ only in the name of min/max of two).

import type { SightingQuery, SightingRow } from '../baseline-sightings.ts';
import type { QueryCreator } from 'kysely';
import type { Dialect, SqlConn, SqlValue } from './driver.ts';
import { PreparedQuery } from './prepared-query.ts';
import type { Tables } from './query-builder.ts';
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

/** The rows in key order, in chunks of one statement each. */
export function sightingChunks(rows: readonly SightingRow[]): SightingRow[][] {
  // Sorted so that concurrent batches lock the same keys in the same order (no deadlocks on PostgreSQL).
  const sorted = [...rows].sort(
    (a, b) => compare(a.actor, b.actor) || a.day - b.day || compare(a.value, b.value),
  );
  const out: SightingRow[][] = [];
  for (let at = 0; at < sorted.length; at += CHUNK) out.push(sorted.slice(at, at + CHUNK));
  return out;
}

/**
 * The upsert of `chunk`: first and last sighting widened, counts added. `db` may be a CTE's query creator (the events
 * insert carries it on PostgreSQL).
 */
export function sightingsUpsert(db: QueryCreator<Tables>, dialect: Dialect, chunk: readonly SightingRow[]) {
  // The two-argument min and max are named differently (SQLite's min/max are also its aggregates).
  const [least, greatest] = dialect.name === 'postgres' ? ['least', 'greatest'] : ['min', 'max'];
  return db
    .insertInto('baseline_sightings')
    .values(
      chunk.map((row) => ({
        actor_key: row.actor,
        value: row.value,
        day: row.day,
        first_ms: row.firstMs,
        last_ms: row.lastMs,
        count: row.count,
      })),
    )
    .onConflict((conflict) =>
      conflict.columns(['actor_key', 'day', 'value']).doUpdateSet((eb) => ({
        first_ms: eb.fn<number>(least, ['baseline_sightings.first_ms', 'excluded.first_ms']),
        last_ms: eb.fn<number>(greatest, ['baseline_sightings.last_ms', 'excluded.last_ms']),
        count: eb('baseline_sightings.count', '+', eb.ref('excluded.count')),
      })),
    );
}

export function recordSightings(
  conn: SqlConn,
  dialect: Dialect,
  rows: readonly SightingRow[],
): Promise<void> {
  return recordSightingChunks(conn, dialect, sightingChunks(rows));
}

const UPSERT_SIGHTINGS = new PreparedQuery<{ rows: readonly SightingRow[] }>((db, v, dialect) =>
  sightingsUpsert(db, dialect, v.rows),
);

/** The upserts of chunks from `sightingChunks`, in order (per event in `serve`: compiled once per row count). */
export async function recordSightingChunks(
  conn: SqlConn,
  dialect: Dialect,
  chunks: readonly (readonly SightingRow[])[],
): Promise<void> {
  for (const rows of chunks) {
    if (dialect.name === 'postgres') await conn.execute(PG_SIGHTINGS_UPSERT, sightingArrays(rows));
    else await UPSERT_SIGHTINGS.changes(conn, dialect, { rows });
  }
}

/**
 * PostgreSQL: the upsert with one array per column, unnested into rows. One text whatever the row count, so the
 * driver prepares it once per connection (see postgres-store.ts) and the server plans it once; a VALUES list is
 * another text per row count, parsed and planned at every call. SQLite has no arrays and keeps the VALUES list.
 */
const PG_SIGHTINGS_ROWS =
  'select * from unnest(?::text[], ?::text[], ?::int4[], ?::int8[], ?::int8[], ?::int8[])';
const PG_SIGHTINGS_UPSERT_TAIL =
  'on conflict (actor_key, day, value) do update set ' +
  'first_ms = least(baseline_sightings.first_ms, excluded.first_ms), ' +
  'last_ms = greatest(baseline_sightings.last_ms, excluded.last_ms), ' +
  'count = baseline_sightings.count + excluded.count';
export const PG_SIGHTINGS_UPSERT =
  `insert into baseline_sightings (actor_key, value, day, first_ms, last_ms, count) ${PG_SIGHTINGS_ROWS} ` +
  PG_SIGHTINGS_UPSERT_TAIL;

/** The six column arrays of PG_SIGHTINGS_UPSERT, in its parameter order (pg binds a JS array as an array). */
export function sightingArrays(rows: readonly SightingRow[]): SqlValue[] {
  const columns: unknown[] = [
    rows.map((row) => row.actor),
    rows.map((row) => row.value),
    rows.map((row) => row.day),
    rows.map((row) => row.firstMs),
    rows.map((row) => row.lastMs),
    rows.map((row) => row.count),
  ];
  return columns as SqlValue[];
}

// Read per event by live triage: compiled once per number of actors.
const FIND_SIGHTINGS = new PreparedQuery(
  (db, v: { actors: readonly string[]; fromDay: number; toDay: number }) =>
    db
      .selectFrom('baseline_sightings')
      .select(['actor_key', 'value', 'day', 'first_ms', 'last_ms', 'count'])
      .where('actor_key', 'in', v.actors)
      .where('day', '>=', v.fromDay)
      .where('day', '<=', v.toDay)
      .orderBy('actor_key')
      .orderBy('value')
      .orderBy('day'),
);

export async function findSightings(
  conn: SqlConn,
  dialect: Dialect,
  query: SightingQuery,
): Promise<SightingRow[]> {
  if (query.actors.length === 0) return [];
  const fromDay = Math.floor(query.fromMs / DAY_MS);
  const toDay = Math.floor((query.toMs - 1) / DAY_MS);
  const rows = await FIND_SIGHTINGS.rows(conn, dialect, { actors: query.actors, fromDay, toDay });
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
