// SQL for people behind API tokens, shared by SQLite and PostgreSQL: a token (or a dashboard session, a token kept
// in a cookie) names the person it belongs to, so the audit log, comments and approvals record a person.

import type { SchemaMigration } from './schema.ts';

// Sessions live in the api_tokens table rather than their own: a session is a short-lived token that a browser
// presents as a cookie, so lookup, revocation and the role check are the same code; `expires_at` ends it.
const COLUMNS = (bigint: string) => `
ALTER TABLE api_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'token' CHECK (kind IN ('token', 'session'));
ALTER TABLE api_tokens ADD COLUMN subject TEXT;
ALTER TABLE api_tokens ADD COLUMN display_name TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at ${bigint};
CREATE INDEX api_tokens_subject ON api_tokens (subject, kind);
`;

export const PEOPLE_MIGRATION: SchemaMigration = {
  version: 16,
  name: 'token-people',
  sql: (t) => COLUMNS(t.integer),
};
