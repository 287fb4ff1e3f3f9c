// Case and verification rows, and the case reads and audit writes that cases and verifications share.

import type { Classification, Severity } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import type { Case, CaseAuditAction, CaseState, Verification, VerificationState } from '../store.ts';
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Dialect, SqlConn } from './driver.ts';
import { PreparedQuery } from './prepared-query.ts';
import type { Tables } from './query-builder.ts';
import { requireText, numericId } from './sql-helpers.ts';

export type CaseRow = Selectable<Tables['cases']>;

export type VerificationRow = Selectable<Tables['verifications']>;

export function toCase(row: CaseRow): Case {
  return {
    id: String(row.id),
    targetKey: row.target_key,
    account: row.account,
    userName: row.user_name,
    ...(row.kind === null ? {} : { kind: row.kind }),
    state: row.state as CaseState,
    classification: row.classification as Classification | null,
    severity: row.severity as Severity,
    riskScore: row.risk_score,
    assignee: row.assignee,
    openedAt: row.opened_at,
    firstEventAt: row.first_event_at,
    detectedAt: row.detected_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    vulnerabilityWindowSeconds: row.vulnerability_window_seconds,
    updatedAt: row.updated_at,
  };
}

export function toVerification(row: VerificationRow): Verification {
  return {
    id: String(row.id),
    caseId: String(row.case_id),
    owner: row.owner,
    state: row.state as VerificationState,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
    escalatedAt: row.escalated_at,
  };
}

// Each of these runs for every alert that opens or joins a case, so they are compiled once (prepared-query.ts).
// Row locks only on PostgreSQL: SQLite already serialises writers (BEGIN IMMEDIATE) and has no FOR UPDATE.
const ACTIVE_CASE = new PreparedQuery<{ targetKey: string }, CaseRow>((db, v, dialect) =>
  db
    .selectFrom('cases')
    .selectAll()
    .where('target_key', '=', v.targetKey)
    // A literal, not a bound value, so the planners can prove the partial index cases_one_active_per_target applies.
    .where('state', '<>', sql.lit('resolved'))
    .$if(dialect.name === 'postgres', (query) => query.forUpdate()),
);

const LOCK_CASE = new PreparedQuery<{ id: number }, CaseRow>((db, v, dialect) =>
  db
    .selectFrom('cases')
    .selectAll()
    .where('id', '=', v.id)
    .$if(dialect.name === 'postgres', (query) => query.forUpdate()),
);

const CASE_BY_ID = new PreparedQuery<{ id: number }, CaseRow>((db, v) =>
  db.selectFrom('cases').selectAll().where('id', '=', v.id),
);

const ADD_AUDIT = new PreparedQuery<{
  caseId: number;
  at: number;
  actor: string;
  action: string;
  before: string | null;
  after: string | null;
}>((db, v) =>
  db.insertInto('case_audit').values({
    case_id: v.caseId,
    at: v.at,
    actor: v.actor,
    action: v.action,
    before_json: v.before,
    after_json: v.after,
  }),
);

export async function activeCaseOf(
  conn: SqlConn,
  dialect: Dialect,
  targetKey: string,
): Promise<CaseRow | undefined> {
  const rows = await ACTIVE_CASE.rows(conn, dialect, { targetKey });
  return rows[0];
}

export async function lockCase(conn: SqlConn, dialect: Dialect, id: string): Promise<CaseRow> {
  const numeric = numericId(id);
  if (numeric === null) throw new NotFoundError('case', id);
  const rows = await LOCK_CASE.rows(conn, dialect, { id: numeric });
  if (rows[0] === undefined) throw new NotFoundError('case', id);
  return rows[0];
}

export async function requireCase(conn: SqlConn, dialect: Dialect, id: string): Promise<Case> {
  const numeric = numericId(id);
  const rows = numeric === null ? [] : await CASE_BY_ID.rows(conn, dialect, { id: numeric });
  if (rows[0] === undefined) throw new NotFoundError('case', id);
  return toCase(rows[0]);
}

export interface AuditEntry {
  readonly caseId: string;
  readonly at: number;
  readonly actor: string;
  readonly action: CaseAuditAction;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
}

export async function audit(conn: SqlConn, dialect: Dialect, entry: AuditEntry): Promise<void> {
  await ADD_AUDIT.changes(conn, dialect, {
    caseId: Number(entry.caseId),
    at: entry.at,
    actor: requireText(entry.actor, 'actor'),
    action: entry.action,
    before: entry.before === null ? null : JSON.stringify(entry.before),
    after: entry.after === null ? null : JSON.stringify(entry.after),
  });
}
