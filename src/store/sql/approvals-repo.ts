// Approvals: change windows that make an MFA removal expected.

import { NotFoundError } from '../errors.ts';
import type { CreateApprovalInput, FindApprovalInput, StoredApproval } from '../store.ts';
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import { PreparedQuery } from './prepared-query.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryChanges, queryRows } from './query-builder.ts';
import { invalid, requireText, requireTime, numericId, SqlRepository } from './sql-helpers.ts';

// Asked for every MFA removal the live service triages, so compiled once (prepared-query.ts). An actor given as an
// ARN must match the ARN exactly; a bare name matches the IAM user name without case.
const FIND_APPROVAL = new PreparedQuery<
  { user: string; atMs: number; account: string | null; arn: string | null; userName: string | null },
  ApprovalRow
>((db, v) =>
  db
    .selectFrom('approvals')
    .selectAll()
    .where('revoked_at', 'is', null)
    .where((eb) => eb(eb.fn('lower', ['user_name']), '=', eb.fn('lower', [eb.val(v.user)])))
    .where('from_ms', '<=', v.atMs)
    .where('to_ms', '>=', v.atMs)
    .where((eb) => eb.or([eb('account', 'is', null), eb('account', '=', v.account)]))
    .where((eb) => {
      const scheme = eb.fn('substr', ['actor', eb.lit(1), eb.lit(4)]);
      return eb.or([
        eb('actor', 'is', null),
        eb.and([eb(scheme, '=', sql.lit('arn:')), eb('actor', '=', v.arn)]),
        eb.and([
          eb(scheme, '<>', sql.lit('arn:')),
          eb(eb.fn('lower', ['actor']), '=', eb.fn('lower', [eb.val(v.userName)])),
        ]),
      ]);
    })
    .orderBy('created_at')
    .orderBy('id')
    .limit(1),
);

type ApprovalRow = Selectable<Tables['approvals']>;

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
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .insertInto('approvals')
        .values({
          ticket: input.ticket,
          user_name: input.user,
          actor: input.actor ?? null,
          account: input.account ?? null,
          from_ms: input.fromMs,
          to_ms: input.toMs,
          approver: input.approver,
          created_by: input.createdBy,
          created_at: input.nowMs,
          revoked_at: null,
          revoked_by: null,
        })
        .returningAll(),
    );
    return toApproval(rows[0]!);
  }

  async listApprovals(query: { readonly activeAt?: number } = {}): Promise<StoredApproval[]> {
    const at = query.activeAt === undefined ? undefined : requireTime(query.activeAt, 'activeAt');
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('approvals')
        .selectAll()
        .$if(at !== undefined, (q) =>
          q.where('revoked_at', 'is', null).where('from_ms', '<=', at!).where('to_ms', '>=', at!),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc'),
    );
    return rows.map(toApproval);
  }

  async revokeApproval(id: string, by: string, nowMs: number): Promise<StoredApproval> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('approval', id);
    requireText(by, 'by');
    requireTime(nowMs, 'nowMs');
    const db = queryBuilder(this.dialect);
    await queryChanges(
      this.conn,
      db
        .updateTable('approvals')
        .set({ revoked_at: nowMs, revoked_by: by })
        .where('id', '=', numeric)
        .where('revoked_at', 'is', null),
    );
    const rows = await queryRows(this.conn, db.selectFrom('approvals').selectAll().where('id', '=', numeric));
    if (rows[0] === undefined) throw new NotFoundError('approval', id);
    return toApproval(rows[0]);
  }

  async findApproval(input: FindApprovalInput): Promise<StoredApproval | null> {
    requireTime(input.atMs, 'atMs');
    const rows = await FIND_APPROVAL.rows(this.conn, this.dialect, {
      user: input.user,
      atMs: input.atMs,
      account: input.account,
      arn: input.actor.arn,
      userName: input.actor.userName,
    });
    return rows[0] === undefined ? null : toApproval(rows[0]);
  }
}
