// The schema of both databases, as numbered migrations written once (see schema.ts for what differs).

import { ALERT_SEARCH_MIGRATION } from './alert-search-sql.ts';
import { SIGHTINGS_MIGRATION } from './baseline-sightings-sql.ts';
import { CASE_KINDS_MIGRATION } from './case-kinds-sql.ts';
import type { Migration } from './driver.ts';
import { JOB_LEASES_MIGRATION } from './job-leases-sql.ts';
import { DENIAL_FACTS_MIGRATION, DENIALS_MIGRATION } from './mfa-denials-sql.ts';
import { PEOPLE_MIGRATION } from './people-sql.ts';
import { POSTURE_MIGRATION } from './posture-snapshots-sql.ts';
import { REMOVAL_CHAINS_MIGRATION } from './removal-chains-sql.ts';
import { RESPONSE_MIGRATION } from './response-actions-sql.ts';
import type { SchemaDialect, SchemaMigration } from './schema.ts';
import { POSTGRES_SCHEMA, SQLITE_SCHEMA, migrationsFor } from './schema.ts';
import { SESSION_LINKS_MIGRATION } from './session-links-sql.ts';

// Times are epoch milliseconds. The text of every step is exactly what the two hand-kept lists held before, so
// databases created by earlier releases carry on (migrations.test.ts compares against those lists).
const INITIAL_MIGRATION: SchemaMigration = {
  version: 1,
  name: 'initial',
  // eslint-disable-next-line max-lines-per-function -- one SQL text (the whole first schema), not a function with steps
  sql: (t: SchemaDialect) => `
CREATE TABLE events (
  id          ${t.orderedText} PRIMARY KEY,
  time_ms     ${t.integer} NOT NULL,
  name        TEXT NOT NULL,
  account     TEXT,
  actor_key   TEXT,
  target_key  TEXT,
  body        TEXT NOT NULL -- the whole normalised event as JSON: it round-trips exactly
);
-- Correlation asks "what did this actor / this target do around time T", and "all X in a window".
CREATE INDEX events_time ON events (time_ms, id);
CREATE INDEX events_actor ON events (actor_key, time_ms);
CREATE INDEX events_target ON events (target_key, time_ms);
CREATE INDEX events_name ON events (name, time_ms);

CREATE TABLE alerts (
  id             ${t.orderedText} PRIMARY KEY,
  rule_id        TEXT NOT NULL,
  severity       TEXT NOT NULL,
  classification TEXT,
  target_user    TEXT,
  account        TEXT,
  event_id       ${t.orderedText} NOT NULL,
  event_name     TEXT NOT NULL,
  event_outcome  TEXT NOT NULL,
  event_time_ms  ${t.integer} NOT NULL,
  detected_at    ${t.integer} NOT NULL,
  updated_at     ${t.integer} NOT NULL,
  body           TEXT NOT NULL
);
CREATE INDEX alerts_detected ON alerts (detected_at DESC, id DESC);
CREATE INDEX alerts_event ON alerts (event_id);
CREATE INDEX alerts_event_time ON alerts (event_name, event_time_ms);

CREATE TABLE cases (
  id                           ${t.id},
  target_key                   TEXT NOT NULL,
  account                      TEXT,
  user_name                    TEXT NOT NULL,
  state                        TEXT NOT NULL CHECK (state IN ('open', 'verifying', 'escalated', 'resolved')),
  classification               TEXT,
  severity                     TEXT NOT NULL,
  risk_score                   ${t.real} NOT NULL,
  assignee                     TEXT,
  opened_at                    ${t.integer} NOT NULL,
  first_event_at               ${t.integer} NOT NULL,
  detected_at                  ${t.integer} NOT NULL,
  resolved_at                  ${t.integer},
  resolution                   TEXT,
  vulnerability_window_seconds ${t.real},
  updated_at                   ${t.integer} NOT NULL
);
-- One case per target and incident: at most one case per target is not resolved, enforced by the
-- database so two writers can never both open one.
CREATE UNIQUE INDEX cases_one_active_per_target ON cases (target_key) WHERE state <> 'resolved';
CREATE INDEX cases_opened ON cases (opened_at DESC, id DESC);

-- An alert belongs to at most one case (the primary key), which makes attaching idempotent.
CREATE TABLE case_alerts (
  alert_id    ${t.orderedText} PRIMARY KEY REFERENCES alerts (id),
  case_id     ${t.integer} NOT NULL REFERENCES cases (id),
  attached_at ${t.integer} NOT NULL
);
CREATE INDEX case_alerts_case ON case_alerts (case_id);

CREATE TABLE case_comments (
  id      ${t.id},
  case_id ${t.integer} NOT NULL REFERENCES cases (id),
  author  TEXT NOT NULL,
  text    TEXT NOT NULL,
  at      ${t.integer} NOT NULL
);
CREATE INDEX case_comments_case ON case_comments (case_id);

CREATE TABLE case_audit (
  id          ${t.id},
  case_id     ${t.integer} NOT NULL REFERENCES cases (id),
  at          ${t.integer} NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  before_json TEXT,
  after_json  TEXT
);
CREATE INDEX case_audit_case ON case_audit (case_id);

CREATE TABLE verifications (
  id           ${t.id},
  case_id      ${t.integer} NOT NULL REFERENCES cases (id),
  owner        TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'denied', 'expired')),
  created_at   ${t.integer} NOT NULL,
  expires_at   ${t.integer} NOT NULL,
  answered_at  ${t.integer},
  escalated_at ${t.integer}
);
CREATE INDEX verifications_case ON verifications (case_id);
CREATE INDEX verifications_pending ON verifications (expires_at) WHERE state = 'pending';

CREATE TABLE approvals (
  id         ${t.id},
  ticket     TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  actor      TEXT,
  account    TEXT,
  from_ms    ${t.integer} NOT NULL,
  to_ms      ${t.integer} NOT NULL,
  approver   TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at ${t.integer} NOT NULL,
  revoked_at ${t.integer},
  revoked_by TEXT
);
CREATE INDEX approvals_user ON approvals (user_name, to_ms);

CREATE TABLE outbox (
  id              ${t.id},
  kind            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  payload         TEXT NOT NULL,
  dedupe_key      TEXT NOT NULL UNIQUE, -- the same notification is never queued twice
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
  attempts        ${t.integer} NOT NULL,
  next_attempt_at ${t.integer} NOT NULL,
  last_error      TEXT,
  lease_owner     TEXT,
  lease_until     ${t.integer},
  created_at      ${t.integer} NOT NULL,
  updated_at      ${t.integer} NOT NULL,
  sent_at         ${t.integer}
);
-- Workers only ever look for due pending rows.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';

CREATE TABLE api_tokens (
  id         ${t.id},
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
  token_hash TEXT NOT NULL UNIQUE, -- never the token itself
  created_by TEXT NOT NULL,
  created_at ${t.integer} NOT NULL,
  revoked_at ${t.integer}
);

CREATE TABLE checkpoints (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at ${t.integer} NOT NULL
);

CREATE TABLE work_items (
  key         TEXT PRIMARY KEY,
  owner       TEXT,
  lease_until ${t.integer},
  attempts    ${t.integer} NOT NULL,
  claimed_at  ${t.integer} NOT NULL,
  done_at     ${t.integer}
);

CREATE TABLE dead_letters (
  id         ${t.id},
  source     TEXT NOT NULL,
  location   TEXT NOT NULL,
  reason     TEXT NOT NULL,
  raw        ${t.blob} NOT NULL,
  created_at ${t.integer} NOT NULL
);
`,
};

/** In version order; a new step takes the next number and goes last. */
export const MIGRATIONS: readonly SchemaMigration[] = [
  INITIAL_MIGRATION,
  SIGHTINGS_MIGRATION,
  JOB_LEASES_MIGRATION,
  RESPONSE_MIGRATION,
  PEOPLE_MIGRATION,
  ALERT_SEARCH_MIGRATION,
  POSTURE_MIGRATION,
  CASE_KINDS_MIGRATION,
  DENIALS_MIGRATION,
  SESSION_LINKS_MIGRATION,
  DENIAL_FACTS_MIGRATION,
  REMOVAL_CHAINS_MIGRATION,
];

export const SQLITE_MIGRATIONS: readonly Migration[] = migrationsFor(MIGRATIONS, SQLITE_SCHEMA);
export const POSTGRES_MIGRATIONS: readonly Migration[] = migrationsFor(MIGRATIONS, POSTGRES_SCHEMA);
