// SQL for the per-caller removal chain summaries (see removal-chains.ts), shared by SQLite and PostgreSQL.

import type { RemovalChain } from '../removal-chains.ts';
import { queryBuilder, queryChanges, queryRows } from './query-builder.ts';
import type { SchemaMigration } from './schema.ts';
import { requireText, SqlRepository } from './sql-helpers.ts';

// `account` is '' when the record names none: a primary key column cannot be NULL on PostgreSQL. An empty row
// (last_id NULL) is what the PostgreSQL lock creates for a caller seen for the first time.
const table = (time: string): string => `
CREATE TABLE removal_chains (
  actor_key       TEXT NOT NULL,
  account         TEXT NOT NULL,
  last_id         TEXT,
  last_ms         ${time},
  burst_first_id  TEXT,
  burst_first_ms  ${time},
  burst_users     ${time} NOT NULL,
  failed_ms       ${time},
  PRIMARY KEY (actor_key, account)
);
`;

// Version 23: after the access-denial facts (22).
export const REMOVAL_CHAINS_MIGRATION: SchemaMigration = {
  version: 23,
  name: 'removal-chains',
  sql: (t) => table(t.integer),
};

const nullableNumber = (value: number | string | null): number | null =>
  value === null ? null : Number(value);

/** Removal chain summaries. */
export class RemovalChainsRepo extends SqlRepository {
  async lockRemovalChain(actorKey: string, account: string | null): Promise<RemovalChain | null> {
    requireText(actorKey, 'actorKey');
    const db = queryBuilder(this.dialect);
    const key = { actor_key: actorKey, account: account ?? '' };
    if (this.dialect.name === 'postgres')
      await queryChanges(
        this.conn,
        db
          .insertInto('removal_chains')
          .values({ ...key, burst_users: 0 })
          .onConflict((conflict) => conflict.columns(['actor_key', 'account']).doNothing()),
      );
    const rows = await queryRows(
      this.conn,
      db
        .selectFrom('removal_chains')
        .selectAll()
        .where('actor_key', '=', key.actor_key)
        .where('account', '=', key.account)
        // Row locks only on PostgreSQL: SQLite already serialises writers (BEGIN IMMEDIATE) and has no FOR UPDATE.
        .$if(this.dialect.name === 'postgres', (query) => query.forUpdate()),
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      actorKey: row.actor_key,
      account: row.account === '' ? null : row.account,
      lastId: row.last_id,
      lastMs: nullableNumber(row.last_ms),
      burstFirstId: row.burst_first_id,
      burstFirstMs: nullableNumber(row.burst_first_ms),
      burstUsers: Number(row.burst_users),
      failedMs: nullableNumber(row.failed_ms),
    };
  }

  async putRemovalChain(chain: RemovalChain): Promise<void> {
    requireText(chain.actorKey, 'actorKey');
    const row = {
      actor_key: chain.actorKey,
      account: chain.account ?? '',
      last_id: chain.lastId,
      last_ms: chain.lastMs,
      burst_first_id: chain.burstFirstId,
      burst_first_ms: chain.burstFirstMs,
      burst_users: chain.burstUsers,
      failed_ms: chain.failedMs,
    };
    await queryChanges(
      this.conn,
      queryBuilder(this.dialect)
        .insertInto('removal_chains')
        .values(row)
        .onConflict((conflict) =>
          conflict.columns(['actor_key', 'account']).doUpdateSet({
            last_id: row.last_id,
            last_ms: row.last_ms,
            burst_first_id: row.burst_first_id,
            burst_first_ms: row.burst_first_ms,
            burst_users: row.burst_users,
            failed_ms: row.failed_ms,
          }),
        ),
    );
  }
}
