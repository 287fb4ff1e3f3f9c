// Case and verification rows, and the case reads and audit writes that cases and verifications share.

import type { Classification, Severity } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import type { Case, CaseAuditAction, CaseState, Verification, VerificationState } from '../store.ts';
import type { Dialect, SqlConn } from './driver.ts';
import { requireText, numericId } from './sql-helpers.ts';

export interface CaseRow {
  id: number;
  target_key: string;
  account: string | null;
  user_name: string;
  kind?: string | null;
  state: string;
  classification: string | null;
  severity: string;
  risk_score: number;
  assignee: string | null;
  opened_at: number;
  first_event_at: number;
  detected_at: number;
  resolved_at: number | null;
  resolution: string | null;
  vulnerability_window_seconds: number | null;
  updated_at: number;
  [key: string]: unknown;
}

export interface VerificationRow {
  id: number;
  case_id: number;
  owner: string;
  state: string;
  created_at: number;
  expires_at: number;
  answered_at: number | null;
  escalated_at: number | null;
  [key: string]: unknown;
}

export function toCase(row: CaseRow): Case {
  return {
    id: String(row.id),
    targetKey: row.target_key,
    account: row.account,
    userName: row.user_name,
    ...(row.kind === null || row.kind === undefined ? {} : { kind: row.kind }),
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

export async function activeCaseOf(
  conn: SqlConn,
  dialect: Dialect,
  targetKey: string,
): Promise<CaseRow | undefined> {
  const rows = await conn.query<CaseRow>(
    `SELECT * FROM cases WHERE target_key = ? AND state <> 'resolved' ${dialect.forUpdate}`,
    [targetKey],
  );
  return rows[0];
}

export async function lockCase(conn: SqlConn, dialect: Dialect, id: string): Promise<CaseRow> {
  const numeric = numericId(id);
  if (numeric === null) throw new NotFoundError('case', id);
  const rows = await conn.query<CaseRow>(`SELECT * FROM cases WHERE id = ? ${dialect.forUpdate}`, [numeric]);
  if (rows[0] === undefined) throw new NotFoundError('case', id);
  return rows[0];
}

export async function requireCase(conn: SqlConn, id: string): Promise<Case> {
  const numeric = numericId(id);
  const rows =
    numeric === null ? [] : await conn.query<CaseRow>(`SELECT * FROM cases WHERE id = ?`, [numeric]);
  if (rows[0] === undefined) throw new NotFoundError('case', id);
  return toCase(rows[0]);
}

export async function audit(
  conn: SqlConn,
  caseId: string,
  at: number,
  actor: string,
  action: CaseAuditAction,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): Promise<void> {
  await conn.execute(
    `INSERT INTO case_audit (case_id, at, actor, action, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?)`,
    [
      Number(caseId),
      at,
      requireText(actor, 'actor'),
      action,
      before === null ? null : JSON.stringify(before),
      after === null ? null : JSON.stringify(after),
    ],
  );
}
