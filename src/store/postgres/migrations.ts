// PostgreSQL schema, as numbered migrations applied once each (recorded in schema_migrations).

import { POSTGRES_SIGHTINGS_MIGRATION } from '../sql/baseline-sightings-sql.ts';
import { POSTGRES_JOB_LEASES_MIGRATION } from '../sql/job-leases-sql.ts';
import { POSTGRES_PEOPLE_MIGRATION } from '../sql/people-sql.ts';
import { POSTGRES_POSTURE_MIGRATION } from '../sql/posture-snapshots-sql.ts';
import { POSTGRES_CASE_KINDS_MIGRATION } from '../sql/case-kinds-sql.ts';
import { POSTGRES_DENIALS_MIGRATION } from '../sql/mfa-denials-sql.ts';
import { POSTGRES_SESSION_LINKS_MIGRATION } from '../sql/session-links-sql.ts';
import { POSTGRES_RESPONSE_MIGRATION } from '../sql/response-actions-sql.ts';
import { POSTGRES_ALERT_SEARCH_MIGRATION } from '../sql/alert-search-sql.ts';
import type { Migration } from '../sql/driver.ts';

// Times are epoch milliseconds (BIGINT). Text keys that are ordered or paginated use the "C" collation,
// so ordering is byte order whatever the database's locale, the same as SQLite's.
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE events (
  id          TEXT COLLATE "C" PRIMARY KEY,
  time_ms     BIGINT NOT NULL,
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
  id             TEXT COLLATE "C" PRIMARY KEY,
  rule_id        TEXT NOT NULL,
  severity       TEXT NOT NULL,
  classification TEXT,
  target_user    TEXT,
  account        TEXT,
  event_id       TEXT COLLATE "C" NOT NULL,
  event_name     TEXT NOT NULL,
  event_outcome  TEXT NOT NULL,
  event_time_ms  BIGINT NOT NULL,
  detected_at    BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  body           TEXT NOT NULL
);
CREATE INDEX alerts_detected ON alerts (detected_at DESC, id DESC);
CREATE INDEX alerts_event ON alerts (event_id);
CREATE INDEX alerts_event_time ON alerts (event_name, event_time_ms);

CREATE TABLE cases (
  id                           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  target_key                   TEXT NOT NULL,
  account                      TEXT,
  user_name                    TEXT NOT NULL,
  state                        TEXT NOT NULL CHECK (state IN ('open', 'verifying', 'escalated', 'resolved')),
  classification               TEXT,
  severity                     TEXT NOT NULL,
  risk_score                   DOUBLE PRECISION NOT NULL,
  assignee                     TEXT,
  opened_at                    BIGINT NOT NULL,
  first_event_at               BIGINT NOT NULL,
  detected_at                  BIGINT NOT NULL,
  resolved_at                  BIGINT,
  resolution                   TEXT,
  vulnerability_window_seconds DOUBLE PRECISION,
  updated_at                   BIGINT NOT NULL
);
-- One case per target and incident: at most one case per target is not resolved, enforced by the
-- database so two writers can never both open one.
CREATE UNIQUE INDEX cases_one_active_per_target ON cases (target_key) WHERE state <> 'resolved';
CREATE INDEX cases_opened ON cases (opened_at DESC, id DESC);

-- An alert belongs to at most one case (the primary key), which makes attaching idempotent.
CREATE TABLE case_alerts (
  alert_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES alerts (id),
  case_id     BIGINT NOT NULL REFERENCES cases (id),
  attached_at BIGINT NOT NULL
);
CREATE INDEX case_alerts_case ON case_alerts (case_id);

CREATE TABLE case_comments (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id BIGINT NOT NULL REFERENCES cases (id),
  author  TEXT NOT NULL,
  text    TEXT NOT NULL,
  at      BIGINT NOT NULL
);
CREATE INDEX case_comments_case ON case_comments (case_id);

CREATE TABLE case_audit (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id     BIGINT NOT NULL REFERENCES cases (id),
  at          BIGINT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  before_json TEXT,
  after_json  TEXT
);
CREATE INDEX case_audit_case ON case_audit (case_id);

CREATE TABLE verifications (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id      BIGINT NOT NULL REFERENCES cases (id),
  owner        TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'denied', 'expired')),
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  answered_at  BIGINT,
  escalated_at BIGINT
);
CREATE INDEX verifications_case ON verifications (case_id);
CREATE INDEX verifications_pending ON verifications (expires_at) WHERE state = 'pending';

CREATE TABLE approvals (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket     TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  actor      TEXT,
  account    TEXT,
  from_ms    BIGINT NOT NULL,
  to_ms      BIGINT NOT NULL,
  approver   TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revoked_by TEXT
);
CREATE INDEX approvals_user ON approvals (user_name, to_ms);

CREATE TABLE outbox (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  payload         TEXT NOT NULL,
  dedupe_key      TEXT NOT NULL UNIQUE, -- the same notification is never queued twice
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
  attempts        BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT,
  lease_owner     TEXT,
  lease_until     BIGINT,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  sent_at         BIGINT
);
-- Workers only ever look for due pending rows.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';

CREATE TABLE api_tokens (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
  token_hash TEXT NOT NULL UNIQUE, -- never the token itself
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);

CREATE TABLE checkpoints (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE work_items (
  key         TEXT PRIMARY KEY,
  owner       TEXT,
  lease_until BIGINT,
  attempts    BIGINT NOT NULL,
  claimed_at  BIGINT NOT NULL,
  done_at     BIGINT
);

CREATE TABLE dead_letters (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source     TEXT NOT NULL,
  location   TEXT NOT NULL,
  reason     TEXT NOT NULL,
  raw        BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
`,
  },
  POSTGRES_SIGHTINGS_MIGRATION,
  POSTGRES_JOB_LEASES_MIGRATION,
  POSTGRES_RESPONSE_MIGRATION,
  POSTGRES_PEOPLE_MIGRATION,
  POSTGRES_ALERT_SEARCH_MIGRATION,
  POSTGRES_POSTURE_MIGRATION,
  POSTGRES_CASE_KINDS_MIGRATION,
  POSTGRES_DENIALS_MIGRATION,
  POSTGRES_SESSION_LINKS_MIGRATION,
];
