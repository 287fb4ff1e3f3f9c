// Case kinds: a case is about an MFA removal (no kind) or another incident, e.g. a user provisioned without MFA.

import type { SchemaMigration } from './schema.ts';

/**
 * NULL for the MFA removal cases every store already holds; another kind names what the case is about, so the KPIs
 * can time each kind apart (MTTR for removals, MTTR for users provisioned without MFA).
 */
const SQL = `
ALTER TABLE cases ADD COLUMN kind TEXT;
CREATE INDEX cases_kind_state ON cases (kind, state);
`;

// Version 19: after the posture snapshots (18).
export const CASE_KINDS_MIGRATION: SchemaMigration = { version: 19, name: 'case-kinds', sql: () => SQL };
