// API tokens and the browser sessions stored beside them.

import * as sessionSql from './session-links-sql.ts';
import type { SessionLink } from '../session-links.ts';
import { NotFoundError } from '../errors.ts';
import type { ApiRole, ApiToken, CreateApiTokenInput } from '../store.ts';
import type { Selectable } from 'kysely';
import { PreparedQuery } from './prepared-query.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryChanges, queryRows } from './query-builder.ts';
import { API_ROLES, invalid, requireText, requireTime, numericId, SqlRepository } from './sql-helpers.ts';

// Every column but the hash: a token's hash is looked up, never handed out.
const TOKEN_COLUMNS = [
  'id',
  'name',
  'role',
  'created_by',
  'created_at',
  'revoked_at',
  'kind',
  'subject',
  'display_name',
  'expires_at',
] as const;

type ApiTokenRow = Pick<Selectable<Tables['api_tokens']>, (typeof TOKEN_COLUMNS)[number]>;

// Every API request presents a token, so its lookup is compiled once (prepared-query.ts).
const FIND_TOKEN = new PreparedQuery<{ tokenHash: string }, ApiTokenRow>((db, v) =>
  db
    .selectFrom('api_tokens')
    .select(TOKEN_COLUMNS)
    .where('token_hash', '=', v.tokenHash)
    .where('revoked_at', 'is', null),
);

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
    const db = queryBuilder(this.dialect);
    const rows = await queryRows(
      this.conn,
      db
        .insertInto('api_tokens')
        .values({
          name: input.name,
          role: input.role,
          token_hash: input.tokenHash,
          created_by: input.createdBy,
          created_at: input.nowMs,
          revoked_at: null,
          kind: input.kind ?? 'token',
          subject: input.subject ?? null,
          display_name: input.displayName ?? null,
          expires_at: input.expiresAt ?? null,
        })
        .onConflict((conflict) => conflict.column('token_hash').doNothing())
        .returning(TOKEN_COLUMNS),
    );
    if (rows[0] !== undefined) return { token: toApiToken(rows[0]), created: true };
    const existing = await queryRows(
      this.conn,
      db.selectFrom('api_tokens').select(TOKEN_COLUMNS).where('token_hash', '=', input.tokenHash),
    );
    return { token: toApiToken(existing[0]!), created: false };
  }

  async findApiToken(tokenHash: string): Promise<ApiToken | null> {
    const rows = await FIND_TOKEN.rows(this.conn, this.dialect, { tokenHash });
    return rows[0] === undefined ? null : toApiToken(rows[0]);
  }

  async listApiTokens(): Promise<ApiToken[]> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect).selectFrom('api_tokens').select(TOKEN_COLUMNS).orderBy('id'),
    );
    return rows.map(toApiToken);
  }

  async revokeApiToken(id: string, nowMs: number): Promise<ApiToken> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('API token', id);
    requireTime(nowMs, 'nowMs');
    const db = queryBuilder(this.dialect);
    await queryChanges(
      this.conn,
      db
        .updateTable('api_tokens')
        .set({ revoked_at: nowMs })
        .where('id', '=', numeric)
        .where('revoked_at', 'is', null),
    );
    const rows = await queryRows(
      this.conn,
      db.selectFrom('api_tokens').select(TOKEN_COLUMNS).where('id', '=', numeric),
    );
    if (rows[0] === undefined) throw new NotFoundError('API token', id);
    return toApiToken(rows[0]);
  }

  async linkSession(link: SessionLink): Promise<void> {
    const id = await this.#sessionId(link);
    await sessionSql.linkSession(this.conn, this.dialect, id, link);
  }

  async getSessionLink(tokenId: string): Promise<SessionLink | null> {
    const id = numericId(tokenId);
    return id === null ? null : sessionSql.getSessionLink(this.conn, this.dialect, id);
  }

  async refreshSession(input: SessionLink & { readonly role: ApiRole }): Promise<void> {
    if (!API_ROLES.includes(input.role))
      throw invalid('role', `expected one of ${API_ROLES.join(', ')}, got ${JSON.stringify(input.role)}`);
    const id = await this.#sessionId(input);
    await sessionSql.refreshSession(this.conn, this.dialect, id, input);
  }

  deleteEndedSessions(beforeMs: number): Promise<number> {
    requireTime(beforeMs, 'beforeMs');
    return sessionSql.deleteEndedSessions(this.conn, this.dialect, beforeMs);
  }

  /** The numeric id of an existing session, after checking the link's fields. */
  async #sessionId(link: SessionLink): Promise<number> {
    requireText(link.sealed, 'sealed');
    requireTime(link.checkedAt, 'checkedAt');
    const id = numericId(link.tokenId);
    const rows =
      id === null
        ? []
        : await queryRows(
            this.conn,
            queryBuilder(this.dialect)
              .selectFrom('api_tokens')
              .select('id')
              .where('id', '=', id)
              .where('kind', '=', 'session'),
          );
    if (id === null || rows[0] === undefined) throw new NotFoundError('session', link.tokenId);
    return id;
  }
}
