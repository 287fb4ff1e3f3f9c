// SQL for the links between dashboard sessions and the OpenID provider, shared by SQLite and PostgreSQL.

import type { ApiRole } from '../store.ts';
import type { SessionLink } from '../session-links.ts';
import type { ExpressionBuilder } from 'kysely';
import type { Dialect, SqlConn } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryChanges, queryRows } from './query-builder.ts';
import type { SchemaMigration } from './schema.ts';

// Its own table rather than columns on api_tokens: only sessions have one, and the sealed provider tokens stay
// out of every token listing.
const table = (int: string) => `
CREATE TABLE session_links (
  token_id   ${int} PRIMARY KEY REFERENCES api_tokens (id),
  sealed     TEXT NOT NULL,
  checked_at ${int} NOT NULL
);
CREATE INDEX api_tokens_session_end ON api_tokens (kind, expires_at);
`;

// Version 21: after case kinds (19) and MFA denials (20).
export const SESSION_LINKS_MIGRATION: SchemaMigration = {
  version: 21,
  name: 'session-links',
  sql: (t) => table(t.integer),
};

export async function linkSession(
  conn: SqlConn,
  dialect: Dialect,
  id: number,
  link: SessionLink,
): Promise<void> {
  await queryChanges(
    conn,
    queryBuilder(dialect)
      .insertInto('session_links')
      .values({ token_id: id, sealed: link.sealed, checked_at: link.checkedAt })
      .onConflict((conflict) =>
        conflict.column('token_id').doUpdateSet((eb) => ({
          sealed: eb.ref('excluded.sealed'),
          checked_at: eb.ref('excluded.checked_at'),
        })),
      ),
  );
}

export async function getSessionLink(
  conn: SqlConn,
  dialect: Dialect,
  id: number,
): Promise<SessionLink | null> {
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('session_links')
      .select(['token_id', 'sealed', 'checked_at'])
      .where('token_id', '=', id),
  );
  const row = rows[0];
  return row === undefined
    ? null
    : { tokenId: String(row.token_id), sealed: row.sealed, checkedAt: Number(row.checked_at) };
}

/** Answers false when the session does not exist. */
export async function refreshSession(
  conn: SqlConn,
  dialect: Dialect,
  id: number,
  input: SessionLink & { readonly role: ApiRole },
): Promise<boolean> {
  const changed = await queryChanges(
    conn,
    queryBuilder(dialect)
      .updateTable('api_tokens')
      .set({ role: input.role })
      .where('id', '=', id)
      .where('kind', '=', 'session'),
  );
  if (changed === 0) return false;
  await linkSession(conn, dialect, id, input);
  return true;
}

/** Sessions that expired or were revoked before `beforeMs`. */
function ended(beforeMs: number) {
  return (eb: ExpressionBuilder<Tables, 'api_tokens'>) =>
    eb.and([
      eb('kind', '=', 'session'),
      eb.or([
        eb.and([eb('expires_at', 'is not', null), eb('expires_at', '<=', beforeMs)]),
        eb('revoked_at', '<=', beforeMs),
      ]),
    ]);
}

export async function deleteEndedSessions(
  conn: SqlConn,
  dialect: Dialect,
  beforeMs: number,
): Promise<number> {
  const db = queryBuilder(dialect);
  await queryChanges(
    conn,
    db
      .deleteFrom('session_links')
      .where('token_id', 'in', db.selectFrom('api_tokens').select('id').where(ended(beforeMs))),
  );
  return queryChanges(conn, db.deleteFrom('api_tokens').where(ended(beforeMs)));
}
