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
import type { Selectable, Updateable } from 'kysely';
import { audit } from './case-rows.ts';
import type { Dialect, SqlConn } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryRows } from './query-builder.ts';
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

type Row = Selectable<Tables['response_actions']>;

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

function auditResponse(
  conn: SqlConn,
  dialect: Dialect,
  action: StoredResponseAction,
  actor: string,
  at: number,
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
): Promise<void> {
  return audit(conn, dialect, {
    caseId: action.caseId,
    at,
    actor,
    action: 'response',
    before,
    after: { actionId: action.id, kind: action.kind, target: action.targetName, ...after },
  });
}

export async function planResponseAction(
  conn: SqlConn,
  dialect: Dialect,
  input: PlanResponseActionInput,
): Promise<{ action: StoredResponseAction; created: boolean }> {
  const db = queryBuilder(dialect);
  const caseId = numericId(input.caseId);
  if (
    caseId === null ||
    (await queryRows(conn, db.selectFrom('cases').select('id').where('id', '=', caseId))).length === 0
  )
    throw new NotFoundError('case', input.caseId);
  const inserted = await queryRows(
    conn,
    db
      .insertInto('response_actions')
      .values({
        case_id: caseId,
        kind: input.kind,
        target_kind: input.targetKind,
        account: input.account,
        target_name: input.targetName,
        state: input.state,
        hold: input.hold,
        hold_reason: input.holdReason,
        plan_json: JSON.stringify(input.plan),
        calls_json: null,
        notes_json: '[]',
        reason: input.reason,
        requested_by: input.actor,
        approved_by: null,
        not_before: input.notBeforeMs,
        attempts: 0,
        created_at: input.nowMs,
        updated_at: input.nowMs,
      })
      .onConflict((conflict) =>
        conflict.columns(['case_id', 'kind', 'target_kind', 'target_name']).doNothing(),
      )
      .returningAll(),
  );
  const row = inserted[0];
  if (row !== undefined) {
    const action = toAction(row);
    await auditResponse(conn, dialect, action, input.actor, input.nowMs, null, {
      state: action.state,
      ...(action.hold === null ? {} : { hold: action.hold }),
      note: input.holdReason ?? input.reason,
    });
    return { action, created: true };
  }
  const existing = await queryRows(
    conn,
    db
      .selectFrom('response_actions')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('kind', '=', input.kind)
      .where('target_kind', '=', input.targetKind)
      .where('target_name', '=', input.targetName),
  );
  return { action: toAction(existing[0]!), created: false };
}

export async function getResponseAction(
  conn: SqlConn,
  dialect: Dialect,
  id: string,
): Promise<StoredResponseAction | null> {
  const numeric = numericId(id);
  if (numeric === null) return null;
  const rows = await queryRows(
    conn,
    queryBuilder(dialect).selectFrom('response_actions').selectAll().where('id', '=', numeric),
  );
  return rows[0] === undefined ? null : toAction(rows[0]);
}

export async function listResponseActions(
  conn: SqlConn,
  dialect: Dialect,
  query: ResponseActionQuery,
): Promise<StoredResponseAction[]> {
  const caseId = query.caseId === undefined ? undefined : numericId(query.caseId);
  if (caseId === null) return [];
  const { states, appliedSince } = query;
  // `IN ()` is no SQL on PostgreSQL: no state asked for, no row.
  if (states?.length === 0) return [];
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('response_actions')
      .selectAll()
      .$if(caseId !== undefined, (q) => q.where('case_id', '=', caseId!))
      .$if(states !== undefined, (q) => q.where('state', 'in', states!))
      .$if(appliedSince !== undefined, (q) => q.where('applied_at', '>=', appliedSince!))
      .orderBy('id')
      .limit(Math.min(Math.max(query.limit ?? 1000, 1), 10_000)),
  );
  return rows.map(toAction);
}

const COLUMNS = {
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
} as const satisfies Readonly<Record<keyof ResponseActionPatch, keyof Row>>;

export async function updateResponseAction(
  conn: SqlConn,
  dialect: Dialect,
  id: string,
  expect: readonly ResponseActionState[],
  patch: ResponseActionPatch,
  change: { readonly actor: string; readonly nowMs: number; readonly note: string },
): Promise<StoredResponseAction | null> {
  const before = await getResponseAction(conn, dialect, id);
  if (before === null) throw new NotFoundError('response action', id);
  // Column names come from COLUMNS only, never from the patch's keys.
  const sets: Record<string, unknown> = { updated_at: change.nowMs };
  for (const [key, value] of Object.entries(patch) as [keyof ResponseActionPatch, unknown][]) {
    if (value === undefined) continue;
    sets[COLUMNS[key]] = key === 'calls' || key === 'notes' ? JSON.stringify(value) : value;
  }
  // Nothing to expect matches no row (SQLite's `IN ()`); PostgreSQL has no empty list, so it is not asked.
  if (expect.length === 0) return null;
  // The state check is in the UPDATE itself: of two workers racing, exactly one changes the row.
  const changed = await queryRows(
    conn,
    queryBuilder(dialect)
      .updateTable('response_actions')
      .set(sets as Updateable<Tables['response_actions']>)
      .where('id', '=', Number(before.id))
      .where('state', 'in', expect)
      .returningAll(),
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
    await auditResponse(
      conn,
      dialect,
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
