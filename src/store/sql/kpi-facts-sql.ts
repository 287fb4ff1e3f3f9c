// SQL for the KPI trends' facts, shared by SQLite and PostgreSQL: plain rows, bucketed in TypeScript by cases/.

import type { CloudTrailEvent } from '../../model/index.ts';
import { isSeverity } from '../../model/index.ts';
import { isCaseState } from '../case-lifecycle.ts';
import type { CaseFact, KpiFacts, KpiFactsQuery, RemovalFact } from '../kpi-facts.ts';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Dialect, SqlConn } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryRows } from './query-builder.ts';
import { findDenials } from './mfa-denials-sql.ts';

/** Denials are counted from at most this many stored events per request; past it the figures say they are cut. */
export const DENIAL_CANDIDATE_LIMIT = 100_000;

/**
 * Access denials as CloudTrail spells their error codes. The events table has no error column, so the JSON body is
 * matched; the normalised event is serialised without spaces, and these codes are case-fixed, so LIKE means the same
 * on both databases.
 */
const DENIAL_PATTERNS = [
  '%"errorCode":"AccessDenied%',
  '%"errorCode":"Client.UnauthorizedOperation"%',
  '%"errorCode":"UnauthorizedOperation"%',
];

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

/** When a case was contained: its first applied response action (a correlated subquery on the case `c`). */
/**
 * The alerts of successful MFA removals with their case, if any: what every KPI read counts as a removal (the
 * snapshot's and the trends'). Several rules may alert on one removal: callers keep one row per event.
 */
export function removalAlertsWithCase(db: Kysely<Tables>) {
  return db
    .selectFrom('alerts as a')
    .leftJoin('case_alerts as ca', 'ca.alert_id', 'a.id')
    .leftJoin('cases as c', 'c.id', 'ca.case_id')
    .where('a.event_name', '=', 'DeactivateMFADevice')
    .where('a.event_outcome', '=', 'success');
}

const containedAt = (eb: ExpressionBuilder<Tables & { c: Tables['cases'] }, 'c'>) =>
  eb
    .selectFrom('response_actions as r')
    .select((inner) => inner.fn.min('r.applied_at').as('contained_at'))
    .whereRef('r.case_id', '=', 'c.id')
    .where('r.applied_at', 'is not', null)
    .as('contained_at');

async function removalFacts(
  conn: SqlConn,
  dialect: Dialect,
  from: number,
  to: number,
): Promise<RemovalFact[]> {
  // Several rules may alert on one removal: one fact per event, its earliest detection first.
  const rows = await queryRows(
    conn,
    removalAlertsWithCase(queryBuilder(dialect))
      .select((eb) => [
        'a.event_id',
        'a.event_time_ms',
        'a.detected_at',
        eb.fn.coalesce('c.classification', 'a.classification').as('classification'),
        'c.id as case_id',
        'c.resolved_at',
        'c.resolution',
        'c.vulnerability_window_seconds as window_seconds',
        containedAt(eb),
      ])
      .where((eb) =>
        eb.or([
          eb.and([eb('a.event_time_ms', '>=', from), eb('a.event_time_ms', '<', to)]),
          eb.and([eb('c.resolved_at', '>=', from), eb('c.resolved_at', '<', to)]),
        ]),
      )
      .orderBy('a.event_id')
      .orderBy('a.detected_at')
      .orderBy('a.id'),
  );
  const seen = new Set<string>();
  const facts: RemovalFact[] = [];
  for (const row of rows) {
    if (seen.has(row.event_id)) continue;
    seen.add(row.event_id);
    facts.push({
      eventId: row.event_id,
      eventTimeMs: Number(row.event_time_ms),
      detectedAt: Number(row.detected_at),
      classification: row.classification,
      caseId: row.case_id === null ? null : String(row.case_id),
      caseResolvedAt: num(row.resolved_at),
      caseResolution: row.resolution,
      vulnerabilityWindowSeconds: num(row.window_seconds),
      containedAt: num(row.contained_at),
    });
  }
  return facts;
}

async function caseFacts(conn: SqlConn, dialect: Dialect, from: number, to: number): Promise<CaseFact[]> {
  const within = (
    eb: ExpressionBuilder<Tables & { c: Tables['cases'] }, 'c'>,
    column: 'c.detected_at' | 'c.first_event_at' | 'c.resolved_at',
  ) => eb.and([eb(column, '>=', from), eb(column, '<', to)]);
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('cases as c')
      .select((eb) => [
        'c.id',
        'c.kind',
        'c.state',
        'c.severity',
        'c.classification',
        'c.first_event_at',
        'c.detected_at',
        'c.resolved_at',
        'c.resolution',
        'c.vulnerability_window_seconds',
        containedAt(eb),
      ])
      .where((eb) =>
        eb.or([
          eb('c.state', '<>', 'resolved'),
          within(eb, 'c.detected_at'),
          within(eb, 'c.first_event_at'),
          within(eb, 'c.resolved_at'),
        ]),
      )
      .orderBy('c.id'),
  );
  return rows.flatMap((row): CaseFact[] =>
    isCaseState(row.state) && isSeverity(row.severity)
      ? [
          {
            id: String(row.id),
            // NULL: an MFA removal's case.
            kind: row.kind,
            state: row.state,
            severity: row.severity,
            classification: row.classification,
            firstEventAt: Number(row.first_event_at),
            detectedAt: Number(row.detected_at),
            resolvedAt: num(row.resolved_at),
            resolution: row.resolution,
            vulnerabilityWindowSeconds: num(row.vulnerability_window_seconds),
            containedAt: num(row.contained_at),
          },
        ]
      : [],
  );
}

export async function kpiFacts(conn: SqlConn, dialect: Dialect, query: KpiFactsQuery): Promise<KpiFacts> {
  const { fromMs: from, toMs: to } = query;
  const denials = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('events')
      .select('body')
      .where('time_ms', '>=', from)
      .where('time_ms', '<', to)
      .where((eb) => eb.or(DENIAL_PATTERNS.map((pattern) => eb('body', 'like', pattern))))
      .orderBy('time_ms')
      .orderBy('id')
      .limit(DENIAL_CANDIDATE_LIMIT + 1),
  );
  // Recorded at ingestion (most denials are never stored as events); the stored events above cover data ingested
  // before denials were recorded. cases/ counts an eventID found in both once.
  const recorded = await findDenials(conn, dialect, query, DENIAL_CANDIDATE_LIMIT + 1);
  return {
    removals: await removalFacts(conn, dialect, from, to),
    cases: await caseFacts(conn, dialect, from, to),
    denialCandidates: denials
      .slice(0, DENIAL_CANDIDATE_LIMIT)
      .map((row) => JSON.parse(row.body) as CloudTrailEvent),
    denials: recorded.slice(0, DENIAL_CANDIDATE_LIMIT),
    denialsTruncated: denials.length > DENIAL_CANDIDATE_LIMIT || recorded.length > DENIAL_CANDIDATE_LIMIT,
  };
}
