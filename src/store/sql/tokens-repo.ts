// API tokens and the browser sessions stored beside them.

import * as sessionSql from './session-links-sql.ts';
import type { SessionLink } from '../session-links.ts';
import { NotFoundError } from '../errors.ts';
import type { ApiRole, ApiToken, CreateApiTokenInput } from '../store.ts';
import { API_ROLES, invalid, requireText, requireTime, numericId, SqlRepository } from './sql-helpers.ts';

interface ApiTokenRow {
  id: number;
  name: string;
  role: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
  kind: string;
  subject: string | null;
  display_name: string | null;
  expires_at: number | string | null;
  [key: string]: unknown;
}

const TOKEN_COLUMNS =
  'id, name, role, created_by, created_at, revoked_at, kind, subject, display_name, expires_at';

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: String(row.id),
    name: row.name,
    role: row.role as ApiRole,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    kind: row.kind === 'session' ? 'session' : 'token',
    subject: row.subject,
    displayName: row.display_name,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

/** API tokens and sessions. */
export class TokensRepo extends SqlRepository {
  async createApiToken(
    input: CreateApiTokenInput,
  ): Promise<{ readonly token: ApiToken; readonly created: boolean }> {
    requireText(input.name, 'name');
    requireText(input.tokenHash, 'tokenHash');
    requireText(input.createdBy, 'createdBy');
    requireTime(input.nowMs, 'nowMs');
    if (!API_ROLES.includes(input.role))
      throw invalid('role', `expected one of ${API_ROLES.join(', ')}, got ${JSON.stringify(input.role)}`);
    const rows = await this.conn.query<ApiTokenRow>(
      `INSERT INTO api_tokens
         (name, role, token_hash, created_by, created_at, revoked_at, kind, subject, display_name, expires_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
       ON CONFLICT (token_hash) DO NOTHING
       RETURNING ${TOKEN_COLUMNS}`,
      [
        input.name,
        input.role,
        input.tokenHash,
        input.createdBy,
        input.nowMs,
        input.kind ?? 'token',
        input.subject ?? null,
        input.displayName ?? null,
        input.expiresAt ?? null,
      ],
    );
    if (rows[0] !== undefined) return { token: toApiToken(rows[0]), created: true };
    const existing = await this.conn.query<ApiTokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?`,
      [input.tokenHash],
    );
    return { token: toApiToken(existing[0]!), created: false };
  }

  async findApiToken(tokenHash: string): Promise<ApiToken | null> {
    const rows = await this.conn.query<ApiTokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`,
      [tokenHash],
    );
    return rows[0] === undefined ? null : toApiToken(rows[0]);
  }

  async listApiTokens(): Promise<ApiToken[]> {
    const rows = await this.conn.query<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY id`);
    return rows.map(toApiToken);
  }

  async revokeApiToken(id: string, nowMs: number): Promise<ApiToken> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('API token', id);
    requireTime(nowMs, 'nowMs');
    await this.conn.execute(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, [
      nowMs,
      numeric,
    ]);
    const rows = await this.conn.query<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, [
      numeric,
    ]);
    if (rows[0] === undefined) throw new NotFoundError('API token', id);
    return toApiToken(rows[0]);
  }

  async linkSession(link: SessionLink): Promise<void> {
    const id = await this.#sessionId(link);
    await sessionSql.linkSession(this.conn, id, link);
  }

  async getSessionLink(tokenId: string): Promise<SessionLink | null> {
    const id = numericId(tokenId);
    return id === null ? null : sessionSql.getSessionLink(this.conn, id);
  }

  async refreshSession(input: SessionLink & { readonly role: ApiRole }): Promise<void> {
    if (!API_ROLES.includes(input.role))
      throw invalid('role', `expected one of ${API_ROLES.join(', ')}, got ${JSON.stringify(input.role)}`);
    const id = await this.#sessionId(input);
    await sessionSql.refreshSession(this.conn, id, input);
  }

  deleteEndedSessions(beforeMs: number): Promise<number> {
    requireTime(beforeMs, 'beforeMs');
    return sessionSql.deleteEndedSessions(this.conn, beforeMs);
  }

  /** The numeric id of an existing session, after checking the link's fields. */
  async #sessionId(link: SessionLink): Promise<number> {
    requireText(link.sealed, 'sealed');
    requireTime(link.checkedAt, 'checkedAt');
    const id = numericId(link.tokenId);
    const rows =
      id === null
        ? []
        : await this.conn.query<{ id: number | string }>(
            `SELECT id FROM api_tokens WHERE id = ? AND kind = 'session'`,
            [id],
          );
    if (id === null || rows[0] === undefined) throw new NotFoundError('session', link.tokenId);
    return id;
  }
}
