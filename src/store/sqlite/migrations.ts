// SQLite schema, as numbered migrations applied once each (recorded in schema_migrations).

import { SQLITE_SIGHTINGS_MIGRATION } from '../sql/baseline-sightings-sql.ts';
import { SQLITE_JOB_LEASES_MIGRATION } from '../sql/job-leases-sql.ts';
import { SQLITE_PEOPLE_MIGRATION } from '../sql/people-sql.ts';
import { SQLITE_POSTURE_MIGRATION } from '../sql/posture-snapshots-sql.ts';
import { SQLITE_CASE_KINDS_MIGRATION } from '../sql/case-kinds-sql.ts';
import { SQLITE_DENIALS_MIGRATION } from '../sql/mfa-denials-sql.ts';
import { SQLITE_SESSION_LINKS_MIGRATION } from '../sql/session-links-sql.ts';
import { SQLITE_RESPONSE_MIGRATION } from '../sql/response-actions-sql.ts';
import { SQLITE_ALERT_SEARCH_MIGRATION } from '../sql/alert-search-sql.ts';
import type { Migration } from '../sql/driver.ts';

// Times are epoch milliseconds (INTEGER). Surrogate ids use AUTOINCREMENT so an id is never reused:
// ids appear in notification dedupe keys and signed links.
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  time_ms     INTEGER NOT NULL,
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
  id             TEXT PRIMARY KEY,
  rule_id        TEXT NOT NULL,
  severity       TEXT NOT NULL,
  classification TEXT,
  target_user    TEXT,
  account        TEXT,
  event_id       TEXT NOT NULL,
  event_name     TEXT NOT NULL,
  event_outcome  TEXT NOT NULL,
  event_time_ms  INTEGER NOT NULL,
  detected_at    INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  body           TEXT NOT NULL
);
CREATE INDEX alerts_detected ON alerts (detected_at DESC, id DESC);
CREATE INDEX alerts_event ON alerts (event_id);
CREATE INDEX alerts_event_time ON alerts (event_name, event_time_ms);

CREATE TABLE cases (
  id                           INTEGER PRIMARY KEY AUTOINCREMENT,
  target_key                   TEXT NOT NULL,
  account                      TEXT,
  user_name                    TEXT NOT NULL,
  state                        TEXT NOT NULL CHECK (state IN ('open', 'verifying', 'escalated', 'resolved')),
  classification               TEXT,
  severity                     TEXT NOT NULL,
  risk_score                   REAL NOT NULL,
  assignee                     TEXT,
  opened_at                    INTEGER NOT NULL,
  first_event_at               INTEGER NOT NULL,
  detected_at                  INTEGER NOT NULL,
  resolved_at                  INTEGER,
  resolution                   TEXT,
  vulnerability_window_seconds REAL,
  updated_at                   INTEGER NOT NULL
);
-- One case per target and incident: at most one case per target is not resolved, enforced by the
-- database so two writers can never both open one.
CREATE UNIQUE INDEX cases_one_active_per_target ON cases (target_key) WHERE state <> 'resolved';
CREATE INDEX cases_opened ON cases (opened_at DESC, id DESC);

-- An alert belongs to at most one case (the primary key), which makes attaching idempotent.
CREATE TABLE case_alerts (
  alert_id    TEXT PRIMARY KEY REFERENCES alerts (id),
  case_id     INTEGER NOT NULL REFERENCES cases (id),
  attached_at INTEGER NOT NULL
);
CREATE INDEX case_alerts_case ON case_alerts (case_id);

CREATE TABLE case_comments (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER NOT NULL REFERENCES cases (id),
  author  TEXT NOT NULL,
  text    TEXT NOT NULL,
  at      INTEGER NOT NULL
);
CREATE INDEX case_comments_case ON case_comments (case_id);

CREATE TABLE case_audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id     INTEGER NOT NULL REFERENCES cases (id),
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  before_json TEXT,
  after_json  TEXT
);
CREATE INDEX case_audit_case ON case_audit (case_id);

CREATE TABLE verifications (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id      INTEGER NOT NULL REFERENCES cases (id),
  owner        TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'denied', 'expired')),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  answered_at  INTEGER,
  escalated_at INTEGER
);
CREATE INDEX verifications_case ON verifications (case_id);
CREATE INDEX verifications_pending ON verifications (expires_at) WHERE state = 'pending';

CREATE TABLE approvals (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket     TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  actor      TEXT,
  account    TEXT,
  from_ms    INTEGER NOT NULL,
  to_ms      INTEGER NOT NULL,
  approver   TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revoked_by TEXT
);
CREATE INDEX approvals_user ON approvals (user_name, to_ms);

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  payload         TEXT NOT NULL,
  dedupe_key      TEXT NOT NULL UNIQUE, -- the same notification is never queued twice
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  lease_owner     TEXT,
  lease_until     INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  sent_at         INTEGER
);
-- Workers only ever look for due pending rows.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';

CREATE TABLE api_tokens (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
  token_hash TEXT NOT NULL UNIQUE, -- never the token itself
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE TABLE checkpoints (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE work_items (
  key         TEXT PRIMARY KEY,
  owner       TEXT,
  lease_until INTEGER,
  attempts    INTEGER NOT NULL,
  claimed_at  INTEGER NOT NULL,
  done_at     INTEGER
);

CREATE TABLE dead_letters (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  source     TEXT NOT NULL,
  location   TEXT NOT NULL,
  reason     TEXT NOT NULL,
  raw        BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
`,
  },
  SQLITE_SIGHTINGS_MIGRATION,
  SQLITE_JOB_LEASES_MIGRATION,
  SQLITE_RESPONSE_MIGRATION,
  SQLITE_PEOPLE_MIGRATION,
  SQLITE_ALERT_SEARCH_MIGRATION,
  SQLITE_POSTURE_MIGRATION,
  SQLITE_CASE_KINDS_MIGRATION,
  SQLITE_DENIALS_MIGRATION,
  SQLITE_SESSION_LINKS_MIGRATION,
];
