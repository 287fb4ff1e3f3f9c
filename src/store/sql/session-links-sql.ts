// SQL for the links between dashboard sessions and the OpenID provider, shared by SQLite and PostgreSQL.

import type { ApiRole } from '../store.ts';
import type { SessionLink } from '../session-links.ts';
import type { SqlConn } from './driver.ts';
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

interface LinkRow {
  token_id: number | string;
  sealed: string;
  checked_at: number | string;
  [key: string]: unknown;
}

export async function linkSession(conn: SqlConn, id: number, link: SessionLink): Promise<void> {
  await conn.execute(
    `INSERT INTO session_links (token_id, sealed, checked_at) VALUES (?, ?, ?)
     ON CONFLICT (token_id) DO UPDATE SET sealed = excluded.sealed, checked_at = excluded.checked_at`,
    [id, link.sealed, link.checkedAt],
  );
}

export async function getSessionLink(conn: SqlConn, id: number): Promise<SessionLink | null> {
  const rows = await conn.query<LinkRow>(
    `SELECT token_id, sealed, checked_at FROM session_links WHERE token_id = ?`,
    [id],
  );
  const row = rows[0];
  return row === undefined
    ? null
    : { tokenId: String(row.token_id), sealed: row.sealed, checkedAt: Number(row.checked_at) };
}

/** Answers false when the session does not exist. */
export async function refreshSession(
  conn: SqlConn,
  id: number,
  input: SessionLink & { readonly role: ApiRole },
): Promise<boolean> {
  const changed = await conn.execute(`UPDATE api_tokens SET role = ? WHERE id = ? AND kind = 'session'`, [
    input.role,
    id,
  ]);
  if (changed === 0) return false;
  await linkSession(conn, id, input);
  return true;
}

const ENDED = `kind = 'session' AND ((expires_at IS NOT NULL AND expires_at <= ?) OR revoked_at <= ?)`;

export async function deleteEndedSessions(conn: SqlConn, beforeMs: number): Promise<number> {
  await conn.execute(
    `DELETE FROM session_links WHERE token_id IN (SELECT id FROM api_tokens WHERE ${ENDED})`,
    [beforeMs, beforeMs],
  );
  return conn.execute(`DELETE FROM api_tokens WHERE ${ENDED}`, [beforeMs, beforeMs]);
}
