// SQL for the KPI trends' facts, shared by SQLite and PostgreSQL: plain rows, bucketed in TypeScript by cases/.

import type { CloudTrailEvent } from '../../model/index.ts';
import { isSeverity } from '../../model/index.ts';
import { isCaseState } from '../case-lifecycle.ts';
import type { CaseFact, KpiFacts, KpiFactsQuery, RemovalFact } from '../kpi-facts.ts';
import type { SqlConn } from './driver.ts';
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

// Type aliases, not interfaces: a row type must fit the driver's index signature.
type RemovalRow = {
  event_id: string;
  event_time_ms: number | string;
  detected_at: number | string;
  classification: string | null;
  case_id: number | string | null;
  resolved_at: number | string | null;
  resolution: string | null;
  window_seconds: number | string | null;
  contained_at: number | string | null;
};

type CaseFactRow = {
  id: number | string;
  kind: string | null;
  state: string;
  severity: string;
  classification: string | null;
  first_event_at: number | string;
  detected_at: number | string;
  resolved_at: number | string | null;
  resolution: string | null;
  vulnerability_window_seconds: number | string | null;
  contained_at: number | string | null;
};

const CONTAINED_AT = `(SELECT MIN(r.applied_at) FROM response_actions r WHERE r.case_id = c.id AND r.applied_at IS NOT NULL)`;

async function removalFacts(conn: SqlConn, from: number, to: number): Promise<RemovalFact[]> {
  // Several rules may alert on one removal: one fact per event, its earliest detection first.
  const rows = await conn.query<RemovalRow>(
    `SELECT a.event_id, a.event_time_ms, a.detected_at, COALESCE(c.classification, a.classification) AS classification,
            c.id AS case_id, c.resolved_at, c.resolution, c.vulnerability_window_seconds AS window_seconds,
            ${CONTAINED_AT} AS contained_at
     FROM alerts a
     LEFT JOIN case_alerts ca ON ca.alert_id = a.id
     LEFT JOIN cases c ON c.id = ca.case_id
     WHERE a.event_name = 'DeactivateMFADevice' AND a.event_outcome = 'success'
       AND ((a.event_time_ms >= ? AND a.event_time_ms < ?) OR (c.resolved_at >= ? AND c.resolved_at < ?))
     ORDER BY a.event_id, a.detected_at, a.id`,
    [from, to, from, to],
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

async function caseFacts(conn: SqlConn, from: number, to: number): Promise<CaseFact[]> {
  const rows = await conn.query<CaseFactRow>(
    `SELECT c.id, c.kind, c.state, c.severity, c.classification, c.first_event_at, c.detected_at, c.resolved_at, c.resolution,
            c.vulnerability_window_seconds, ${CONTAINED_AT} AS contained_at
     FROM cases c
     WHERE c.state <> 'resolved' OR (c.detected_at >= ? AND c.detected_at < ?)
        OR (c.first_event_at >= ? AND c.first_event_at < ?) OR (c.resolved_at >= ? AND c.resolved_at < ?)
     ORDER BY c.id`,
    [from, to, from, to, from, to],
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

export async function kpiFacts(conn: SqlConn, query: KpiFactsQuery): Promise<KpiFacts> {
  const { fromMs: from, toMs: to } = query;
  const denials = await conn.query<{ body: string }>(
    `SELECT body FROM events WHERE time_ms >= ? AND time_ms < ?
       AND (${DENIAL_PATTERNS.map(() => 'body LIKE ?').join(' OR ')})
     ORDER BY time_ms, id LIMIT ?`,
    [from, to, ...DENIAL_PATTERNS, DENIAL_CANDIDATE_LIMIT + 1],
  );
  // Recorded at ingestion (most denials are never stored as events); the stored events above cover data ingested
  // before denials were recorded. cases/ counts an eventID found in both once.
  const recorded = await findDenials(conn, query, DENIAL_CANDIDATE_LIMIT + 1);
  return {
    removals: await removalFacts(conn, from, to),
    cases: await caseFacts(conn, from, to),
    denialCandidates: denials
      .slice(0, DENIAL_CANDIDATE_LIMIT)
      .map((row) => JSON.parse(row.body) as CloudTrailEvent),
    denials: recorded.slice(0, DENIAL_CANDIDATE_LIMIT),
    denialsTruncated: denials.length > DENIAL_CANDIDATE_LIMIT || recorded.length > DENIAL_CANDIDATE_LIMIT,
  };
}
