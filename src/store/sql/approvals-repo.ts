// Approvals: change windows that make an MFA removal expected.

import { NotFoundError } from '../errors.ts';
import type { CreateApprovalInput, FindApprovalInput, StoredApproval } from '../store.ts';
import { invalid, requireText, requireTime, numericId, SqlRepository } from './sql-helpers.ts';

interface ApprovalRow {
  id: number;
  ticket: string;
  user_name: string;
  actor: string | null;
  account: string | null;
  from_ms: number;
  to_ms: number;
  approver: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  [key: string]: unknown;
}

function toApproval(row: ApprovalRow): StoredApproval {
  return {
    id: String(row.id),
    ticket: row.ticket,
    user: row.user_name,
    actor: row.actor,
    account: row.account,
    fromMs: row.from_ms,
    toMs: row.to_ms,
    approver: row.approver,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

/** Approvals. */
export class ApprovalsRepo extends SqlRepository {
  async createApproval(input: CreateApprovalInput): Promise<StoredApproval> {
    requireText(input.ticket, 'ticket');
    requireText(input.user, 'user');
    requireText(input.approver, 'approver');
    requireText(input.createdBy, 'createdBy');
    requireTime(input.fromMs, 'fromMs');
    requireTime(input.toMs, 'toMs');
    requireTime(input.nowMs, 'nowMs');
    if (input.toMs < input.fromMs) throw invalid('toMs', 'the approval window ends before it starts');
    const rows = await this.conn.query<ApprovalRow>(
      `INSERT INTO approvals (ticket, user_name, actor, account, from_ms, to_ms, approver, created_by, created_at, revoked_at, revoked_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
       RETURNING *`,
      [
        input.ticket,
        input.user,
        input.actor ?? null,
        input.account ?? null,
        input.fromMs,
        input.toMs,
        input.approver,
        input.createdBy,
        input.nowMs,
      ],
    );
    return toApproval(rows[0]!);
  }

  async listApprovals(query: { readonly activeAt?: number } = {}): Promise<StoredApproval[]> {
    const rows =
      query.activeAt === undefined
        ? await this.conn.query<ApprovalRow>(`SELECT * FROM approvals ORDER BY created_at DESC, id DESC`)
        : await this.conn.query<ApprovalRow>(
            `SELECT * FROM approvals WHERE revoked_at IS NULL AND from_ms <= ? AND to_ms >= ? ORDER BY created_at DESC, id DESC`,
            [requireTime(query.activeAt, 'activeAt'), query.activeAt],
          );
    return rows.map(toApproval);
  }

  async revokeApproval(id: string, by: string, nowMs: number): Promise<StoredApproval> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('approval', id);
    requireText(by, 'by');
    requireTime(nowMs, 'nowMs');
    await this.conn.execute(
      `UPDATE approvals SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
      [nowMs, by, numeric],
    );
    const rows = await this.conn.query<ApprovalRow>(`SELECT * FROM approvals WHERE id = ?`, [numeric]);
    if (rows[0] === undefined) throw new NotFoundError('approval', id);
    return toApproval(rows[0]);
  }

  async findApproval(input: FindApprovalInput): Promise<StoredApproval | null> {
    requireTime(input.atMs, 'atMs');
    // An actor given as an ARN must match the ARN exactly; a bare name matches the IAM user name without case.
    const rows = await this.conn.query<ApprovalRow>(
      `SELECT * FROM approvals
       WHERE revoked_at IS NULL
         AND LOWER(user_name) = LOWER(?)
         AND from_ms <= ? AND to_ms >= ?
         AND (account IS NULL OR account = ?)
         AND (actor IS NULL
              OR (SUBSTR(actor, 1, 4) = 'arn:' AND actor = ?)
              OR (SUBSTR(actor, 1, 4) <> 'arn:' AND LOWER(actor) = LOWER(?)))
       ORDER BY created_at, id
       LIMIT 1`,
      [input.user, input.atMs, input.atMs, input.account, input.actor.arn, input.actor.userName],
    );
    return rows[0] === undefined ? null : toApproval(rows[0]);
  }
}
