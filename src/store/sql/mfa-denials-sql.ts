// SQL for the MFA-related access denials recorded at ingestion, shared by SQLite and PostgreSQL.

import type { DenialFact, KpiFactsQuery, MfaDenialKind } from '../kpi-facts.ts';
import type { Dialect, SqlConn, SqlValue } from './driver.ts';
import { queryBuilder, queryRows, reusedSql } from './query-builder.ts';
import type { SchemaMigration } from './schema.ts';

const KINDS: readonly MfaDenialKind[] = ['mfa-policy', 'no-mfa-session'];

// One narrow row per denial rather than the event body: the events table keeps only the MFA-relevant slice, and
// denials come from every service. The eventID key makes a redelivered record count once.
const table = (time: string): string => `
CREATE TABLE mfa_denials (
  event_id   TEXT PRIMARY KEY,
  time_ms    ${time} NOT NULL,
  account_id TEXT,
  error_code TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN (${KINDS.map((kind) => `'${kind}'`).join(', ')})),
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

/** Rows per INSERT: 6 parameters each stays far below both databases' parameter limits. */
const CHUNK = 500;

export async function recordDenials(
  conn: SqlConn,
  dialect: Dialect,
  denials: readonly DenialFact[],
): Promise<void> {
  // Sorted so concurrent batches take the same keys in the same order (no deadlocks on PostgreSQL).
  const sorted = [...denials].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  for (let at = 0; at < sorted.length; at += CHUNK) {
    const chunk = sorted.slice(at, at + CHUNK);
    const params: SqlValue[] = [];
    for (const d of chunk) params.push(d.eventId, d.timeMs, d.account, d.errorCode, d.kind, d.policy);
    // Recorded at ingestion, per denial in `serve`: compiled once per row count.
    const text = reusedSql(dialect, `denials:${chunk.length}`, params, (db) =>
      db
        .insertInto('mfa_denials')
        .values(
          chunk.map((d) => ({
            event_id: d.eventId,
            time_ms: d.timeMs,
            account_id: d.account,
            error_code: d.errorCode,
            kind: d.kind,
            policy: d.policy,
          })),
        )
        .onConflict((conflict) => conflict.column('event_id').doNothing()),
    );
    await conn.execute(text, params);
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
      .selectFrom('mfa_denials')
      .select(['event_id', 'time_ms', 'account_id', 'error_code', 'kind', 'policy'])
      .where('time_ms', '>=', query.fromMs)
      .where('time_ms', '<', query.toMs)
      .orderBy('time_ms')
      .orderBy('event_id')
      .limit(limit),
  );
  return rows.flatMap((row): DenialFact[] => {
    const kind = KINDS.find((known) => known === row.kind);
    return kind === undefined
      ? []
      : [
          {
            eventId: row.event_id,
            timeMs: Number(row.time_ms),
            account: row.account_id,
            errorCode: row.error_code,
            kind,
            policy: row.policy,
          },
        ];
  });
}
