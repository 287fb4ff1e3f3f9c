// SQL for the access denials recorded at ingestion, shared by SQLite and PostgreSQL.

import type { DenialFact, KpiFactsQuery } from '../kpi-facts.ts';
import type { Dialect, SqlConn } from './driver.ts';
import { PreparedQuery } from './prepared-query.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryRows } from './query-builder.ts';
import type { SchemaMigration } from './schema.ts';

// One narrow row per denial rather than the event body: the events table keeps only the MFA-relevant slice, and
// denials come from every service. The eventID key makes a redelivered record count once.
const table = (time: string): string => `
CREATE TABLE mfa_denials (
  event_id   TEXT PRIMARY KEY,
  time_ms    ${time} NOT NULL,
  account_id TEXT,
  error_code TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('mfa-policy', 'no-mfa-session')),
  policy     TEXT
);
CREATE INDEX mfa_denials_time ON mfa_denials (time_ms, event_id);
`;

// Version 20: after case kinds (19).
export const DENIALS_MIGRATION: SchemaMigration = {
  version: 20,
  name: 'mfa-denials',
  sql: (t) => table(t.integer),
};

// The facts instead of the verdict (see DenialFact): the kind decided at ingestion went stale when `mfaPolicies`
// changed. A row of version 20 said no-mfa-session only when the session lacked MFA; for an mfa-policy row the session
// was not looked at, so it is kept as unknown (NULL) and counts while its policy is still an MFA policy.
const facts = (time: string): string => `
CREATE TABLE access_denials (
  event_id    TEXT PRIMARY KEY,
  time_ms     ${time} NOT NULL,
  account_id  TEXT,
  error_code  TEXT NOT NULL,
  policy      TEXT,
  without_mfa ${time} CHECK (without_mfa IN (0, 1))
);
INSERT INTO access_denials (event_id, time_ms, account_id, error_code, policy, without_mfa)
  SELECT event_id, time_ms, account_id, error_code, policy, CASE kind WHEN 'no-mfa-session' THEN 1 END FROM mfa_denials;
DROP TABLE mfa_denials;
CREATE INDEX access_denials_time ON access_denials (time_ms, event_id);
`;

// Version 22: after session links (21).
export const DENIAL_FACTS_MIGRATION: SchemaMigration = {
  version: 22,
  name: 'access-denial-facts',
  sql: (t) => facts(t.integer),
};

/** Rows per INSERT: 6 parameters each stays far below both databases' parameter limits. */
const CHUNK = 500;

// Recorded at ingestion, per denial in `serve`: compiled once per row count.
const INSERT_DENIALS = new PreparedQuery((db, v: { rows: readonly Tables['access_denials'][] }) =>
  db
    .insertInto('access_denials')
    .values(v.rows)
    .onConflict((conflict) => conflict.column('event_id').doNothing()),
);

export async function recordDenials(
  conn: SqlConn,
  dialect: Dialect,
  denials: readonly DenialFact[],
): Promise<void> {
  // Sorted so concurrent batches take the same keys in the same order (no deadlocks on PostgreSQL).
  const sorted = [...denials].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  for (let at = 0; at < sorted.length; at += CHUNK) {
    const chunk = sorted.slice(at, at + CHUNK);
    const rows = chunk.map((d) => ({
      event_id: d.eventId,
      time_ms: d.timeMs,
      account_id: d.account,
      error_code: d.errorCode,
      policy: d.policy,
      without_mfa: d.withoutMfa === null ? null : d.withoutMfa ? 1 : 0,
    }));
    await INSERT_DENIALS.changes(conn, dialect, { rows });
  }
}

/** The recorded denials in [from, to), oldest first, at most `limit`. */
export async function findDenials(
  conn: SqlConn,
  dialect: Dialect,
  query: KpiFactsQuery,
  limit: number,
): Promise<DenialFact[]> {
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('access_denials')
      .select(['event_id', 'time_ms', 'account_id', 'error_code', 'policy', 'without_mfa'])
      .where('time_ms', '>=', query.fromMs)
      .where('time_ms', '<', query.toMs)
      .orderBy('time_ms')
      .orderBy('event_id')
      .limit(limit),
  );
  return rows.map((row) => ({
    eventId: row.event_id,
    timeMs: Number(row.time_ms),
    account: row.account_id,
    errorCode: row.error_code,
    policy: row.policy,
    withoutMfa: row.without_mfa === null ? null : Number(row.without_mfa) === 1,
  }));
}
