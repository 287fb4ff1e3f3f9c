// SQL for the response actions, shared by SQLite and PostgreSQL (they differ only in column types).

import { NotFoundError } from '../errors.ts';
import type {
  PlanResponseActionInput,
  ResponseActionPatch,
  ResponseActionQuery,
  ResponseActionState,
  StoredResponseAction,
} from '../response-actions.ts';
import { RESPONSE_ACTION_STATES } from '../response-actions.ts';
import type { SqlConn, SqlValue } from './driver.ts';
import type { SchemaMigration } from './schema.ts';

// Version 15 (the issue that brought it), not the next free number: other branches add migrations meanwhile, and the
// runner applies any missing version in list order, so a distinct number merges without renumbering.
const table = (id: string, int: string, time: string): string => `
CREATE TABLE response_actions (
  id           ${id},
  case_id      ${int} NOT NULL REFERENCES cases (id),
  kind         TEXT NOT NULL,
  target_kind  TEXT NOT NULL CHECK (target_kind IN ('user', 'role')),
  account      TEXT,
  target_name  TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN (${RESPONSE_ACTION_STATES.map((s) => `'${s}'`).join(', ')})),
  hold         TEXT,
  hold_reason  TEXT,
  plan_json    TEXT NOT NULL,
  calls_json   TEXT,
  notes_json   TEXT NOT NULL,
  reason       TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  approved_by  TEXT,
  not_before   ${time} NOT NULL,
  attempts     INTEGER NOT NULL,
  lease_owner  TEXT,
  lease_until  ${time},
  error        TEXT,
  created_at   ${time} NOT NULL,
  updated_at   ${time} NOT NULL,
  applied_at   ${time},
  undone_at    ${time},
  undone_by    TEXT,
  UNIQUE (case_id, kind, target_kind, target_name)
);
-- The worker looks for due planned rows and expired leases; the rate limit counts recent applications.
CREATE INDEX response_actions_state ON response_actions (state, not_before);
CREATE INDEX response_actions_applied ON response_actions (applied_at);
`;

/** Written once for both databases (`schema.ts` names the types that differ). */
export const RESPONSE_MIGRATION: SchemaMigration = {
  version: 15,
  name: 'response-actions',
  sql: (t) => table(t.id, t.integer, t.integer),
};

interface Row {
  id: number | string;
  case_id: number | string;
  kind: string;
  target_kind: string;
  account: string | null;
  target_name: string;
  state: string;
  hold: string | null;
  hold_reason: string | null;
  plan_json: string;
  calls_json: string | null;
  notes_json: string;
  reason: string;
  requested_by: string;
  approved_by: string | null;
  not_before: number | string;
  attempts: number | string;
  lease_owner: string | null;
  lease_until: number | string | null;
  error: string | null;
  created_at: number | string;
  updated_at: number | string;
  applied_at: number | string | null;
  undone_at: number | string | null;
  undone_by: string | null;
  [key: string]: unknown;
}

const num = (value: number | string): number => Number(value);
const numOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toAction(row: Row): StoredResponseAction {
  return {
    id: String(row.id),
    caseId: String(row.case_id),
    kind: row.kind,
    targetKind: row.target_kind === 'role' ? 'role' : 'user',
    account: row.account,
    targetName: row.target_name,
    state: row.state as ResponseActionState,
    hold: row.hold,
    holdReason: row.hold_reason,
    plan: JSON.parse(row.plan_json) as unknown,
    calls: row.calls_json === null ? null : (JSON.parse(row.calls_json) as unknown),
    notes: JSON.parse(row.notes_json) as string[],
    reason: row.reason,
    requestedBy: row.requested_by,
    approvedBy: row.approved_by,
    notBefore: num(row.not_before),
    attempts: num(row.attempts),
    leaseOwner: row.lease_owner,
    leaseUntil: numOrNull(row.lease_until),
    error: row.error,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    appliedAt: numOrNull(row.applied_at),
    undoneAt: numOrNull(row.undone_at),
    undoneBy: row.undone_by,
  };
}

function numericId(id: string): number | null {
  return /^\d{1,15}$/.test(id) ? Number(id) : null;
}

async function audit(
  conn: SqlConn,
  action: StoredResponseAction,
  actor: string,
  at: number,
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
): Promise<void> {
  await conn.execute(
    `INSERT INTO case_audit (case_id, at, actor, action, before_json, after_json) VALUES (?, ?, ?, 'response', ?, ?)`,
    [
      Number(action.caseId),
      at,
      actor,
      before === null ? null : JSON.stringify(before),
      JSON.stringify({ actionId: action.id, kind: action.kind, target: action.targetName, ...after }),
    ],
  );
}

export async function planResponseAction(
  conn: SqlConn,
  input: PlanResponseActionInput,
): Promise<{ action: StoredResponseAction; created: boolean }> {
  const caseId = numericId(input.caseId);
  if (caseId === null || (await conn.query(`SELECT id FROM cases WHERE id = ?`, [caseId])).length === 0)
    throw new NotFoundError('case', input.caseId);
  const inserted = await conn.query<Row>(
    `INSERT INTO response_actions (case_id, kind, target_kind, account, target_name, state, hold, hold_reason,
       plan_json, calls_json, notes_json, reason, requested_by, approved_by, not_before, attempts, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '[]', ?, ?, NULL, ?, 0, ?, ?)
     ON CONFLICT (case_id, kind, target_kind, target_name) DO NOTHING
     RETURNING *`,
    [
      caseId,
      input.kind,
      input.targetKind,
      input.account,
      input.targetName,
      input.state,
      input.hold,
      input.holdReason,
      JSON.stringify(input.plan),
      input.reason,
      input.actor,
      input.notBeforeMs,
      input.nowMs,
      input.nowMs,
    ],
  );
  const row = inserted[0];
  if (row !== undefined) {
    const action = toAction(row);
    await audit(conn, action, input.actor, input.nowMs, null, {
      state: action.state,
      ...(action.hold === null ? {} : { hold: action.hold }),
      note: input.holdReason ?? input.reason,
    });
    return { action, created: true };
  }
  const existing = await conn.query<Row>(
    `SELECT * FROM response_actions WHERE case_id = ? AND kind = ? AND target_kind = ? AND target_name = ?`,
    [caseId, input.kind, input.targetKind, input.targetName],
  );
  return { action: toAction(existing[0]!), created: false };
}

export async function getResponseAction(conn: SqlConn, id: string): Promise<StoredResponseAction | null> {
  const numeric = numericId(id);
  if (numeric === null) return null;
  const rows = await conn.query<Row>(`SELECT * FROM response_actions WHERE id = ?`, [numeric]);
  return rows[0] === undefined ? null : toAction(rows[0]);
}

export async function listResponseActions(
  conn: SqlConn,
  query: ResponseActionQuery,
): Promise<StoredResponseAction[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (query.caseId !== undefined) {
    const numeric = numericId(query.caseId);
    if (numeric === null) return [];
    where.push('case_id = ?');
    params.push(numeric);
  }
  if (query.states !== undefined) {
    if (query.states.length === 0) return [];
    where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
    params.push(...query.states);
  }
  if (query.appliedSince !== undefined) {
    where.push('applied_at >= ?');
    params.push(query.appliedSince);
  }
  params.push(Math.min(Math.max(query.limit ?? 1000, 1), 10_000));
  const rows = await conn.query<Row>(
    `SELECT * FROM response_actions ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY id LIMIT ?`,
    params,
  );
  return rows.map(toAction);
}

const COLUMNS: Readonly<Record<keyof ResponseActionPatch, string>> = {
  state: 'state',
  hold: 'hold',
  holdReason: 'hold_reason',
  calls: 'calls_json',
  notes: 'notes_json',
  approvedBy: 'approved_by',
  notBefore: 'not_before',
  leaseOwner: 'lease_owner',
  leaseUntil: 'lease_until',
  attempts: 'attempts',
  error: 'error',
  appliedAt: 'applied_at',
  undoneAt: 'undone_at',
  undoneBy: 'undone_by',
};

export async function updateResponseAction(
  conn: SqlConn,
  id: string,
  expect: readonly ResponseActionState[],
  patch: ResponseActionPatch,
  change: { readonly actor: string; readonly nowMs: number; readonly note: string },
): Promise<StoredResponseAction | null> {
  const before = await getResponseAction(conn, id);
  if (before === null) throw new NotFoundError('response action', id);
  const sets: string[] = ['updated_at = ?'];
  const params: SqlValue[] = [change.nowMs];
  for (const [key, value] of Object.entries(patch) as [keyof ResponseActionPatch, unknown][]) {
    if (value === undefined) continue;
    sets.push(`${COLUMNS[key]} = ?`);
    params.push(key === 'calls' || key === 'notes' ? JSON.stringify(value) : (value as SqlValue));
  }
  // The state check is in the UPDATE itself: of two workers racing, exactly one changes the row.
  const changed = await conn.query<Row>(
    `UPDATE response_actions SET ${sets.join(', ')}
     WHERE id = ? AND state IN (${expect.map(() => '?').join(', ')}) RETURNING *`,
    [...params, Number(before.id), ...expect],
  );
  const row = changed[0];
  if (row === undefined) return null;
  const after = toAction(row);
  const audited =
    after.state !== before.state ||
    patch.approvedBy !== undefined ||
    patch.hold !== undefined ||
    patch.attempts !== undefined;
  if (audited)
    await audit(
      conn,
      after,
      change.actor,
      change.nowMs,
      { state: before.state, ...(before.hold === null ? {} : { hold: before.hold }) },
      {
        state: after.state,
        ...(after.hold === null ? {} : { hold: after.hold }),
        ...(patch.error === undefined || patch.error === null ? {} : { error: patch.error }),
        note: change.note,
      },
    );
  return after;
}
