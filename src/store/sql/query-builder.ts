// One typed query builder for both databases: kysely compiles each query for the dialect, our drivers run it, so
// transactions, SQLite's group commit and the error mapping stay as they are (kysely never holds a connection).

import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Compilable, Generated, GeneratedAlways } from 'kysely';
import type { Dialect, SqlConn, SqlRow, SqlValue } from './driver.ts';

/** The tables the converted repositories use, column names as in the migrations. */
export interface Tables {
  readonly checkpoints: { key: string; value: string; updated_at: number };
  readonly dead_letters: {
    id: Generated<number>;
    source: string;
    location: string;
    reason: string;
    raw: Buffer | Uint8Array;
    created_at: number;
  };

  // --- Event side (issue 14, events / alerts / outbox / KPIs / posture repositories) ---------------------------
  readonly events: {
    id: string;
    time_ms: number;
    name: string;
    account: string | null;
    actor_key: string | null;
    target_key: string | null;
    body: string;
  };
  readonly baseline_sightings: {
    actor_key: string;
    value: string;
    day: number;
    first_ms: number;
    last_ms: number;
    count: number;
  };
  readonly alerts: {
    id: string;
    rule_id: string;
    severity: string;
    classification: string | null;
    target_user: string | null;
    account: string | null;
    event_id: string;
    event_name: string;
    event_outcome: string;
    event_time_ms: number;
    detected_at: number;
    updated_at: number;
    body: string;
    // Generated from the body (alert-search-sql.ts): read and filtered on, never written.
    region: GeneratedAlways<string | null>;
    source_ip: GeneratedAlways<string | null>;
    actor_arn: GeneratedAlways<string | null>;
    actor_user: GeneratedAlways<string | null>;
    incident_id: GeneratedAlways<string | null>;
    severity_order: GeneratedAlways<number>;
  };
  readonly outbox: {
    id: Generated<number>;
    kind: string;
    channel: string;
    payload: string;
    dedupe_key: string;
    state: string;
    attempts: number;
    next_attempt_at: number;
    last_error: string | null;
    lease_owner: string | null;
    lease_until: number | null;
    created_at: number;
    updated_at: number;
    sent_at: number | null;
  };
  readonly access_denials: {
    event_id: string;
    time_ms: number;
    account_id: string | null;
    error_code: string;
    policy: string | null;
    /** 1 without MFA, 0 with, NULL unknown (rows carried over from version 20). */
    without_mfa: number | null;
  };
  readonly posture_snapshots: {
    id: Generated<number>;
    account_id: string;
    taken_at: number;
    source: string;
    console_users: number;
    console_users_with_mfa: number;
    mfa_enforced_by_policy: number;
    cis_score: number | null;
    state_json: string;
    event_facts_json: string;
    based_on: number | null;
  };
  readonly posture_findings: {
    snapshot_id: number;
    position: number;
    check_id: string;
    status: string;
    resource: string;
    body: string;
  };
  // --- The case side (cases, verifications, approvals, tokens, sessions, leases, response actions) -------------
  // Times and counters are BIGINT on PostgreSQL, read back as numbers (postgres-store.ts's type parser).
  readonly cases: {
    id: Generated<number>;
    target_key: string;
    account: string | null;
    user_name: string;
    state: string;
    classification: string | null;
    severity: string;
    risk_score: number;
    assignee: string | null;
    opened_at: number;
    first_event_at: number;
    detected_at: number;
    resolved_at: number | null;
    resolution: string | null;
    vulnerability_window_seconds: number | null;
    updated_at: number;
    kind: string | null;
  };
  readonly case_alerts: { alert_id: string; case_id: number; attached_at: number };
  readonly case_comments: {
    id: Generated<number>;
    case_id: number;
    author: string;
    text: string;
    at: number;
  };
  readonly case_audit: {
    id: Generated<number>;
    case_id: number;
    at: number;
    actor: string;
    action: string;
    before_json: string | null;
    after_json: string | null;
  };
  readonly verifications: {
    id: Generated<number>;
    case_id: number;
    owner: string;
    token_hash: string;
    state: string;
    created_at: number;
    expires_at: number;
    answered_at: number | null;
    escalated_at: number | null;
  };
  readonly approvals: {
    id: Generated<number>;
    ticket: string;
    user_name: string;
    actor: string | null;
    account: string | null;
    from_ms: number;
    to_ms: number;
    approver: string;
    created_by: string;
    created_at: number;
    revoked_at: number | null;
    revoked_by: string | null;
  };
  readonly api_tokens: {
    id: Generated<number>;
    name: string;
    role: string;
    token_hash: string;
    created_by: string;
    created_at: number;
    revoked_at: number | null;
    kind: Generated<string>;
    subject: string | null;
    display_name: string | null;
    expires_at: number | null;
  };
  readonly session_links: { token_id: number; sealed: string; checked_at: number };
  readonly job_leases: {
    name: string;
    holder: string;
    lease_until: number;
    generation: number;
    taken_at: number;
  };
  readonly removal_chains: {
    actor_key: string;
    account: string;
    last_id: string | null;
    last_ms: number | null;
    burst_first_id: string | null;
    burst_first_ms: number | null;
    burst_users: number;
    failed_ms: number | null;
  };
  readonly work_items: {
    key: string;
    owner: string | null;
    lease_until: number | null;
    attempts: number;
    claimed_at: number;
    done_at: number | null;
  };
  readonly response_actions: {
    id: Generated<number>;
    case_id: number;
    kind: string;
    target_kind: string;
    account: string | null;
    target_name: string;
    state: string;
    hold: string | null;
    hold_reason: string | null;
    plan_json: string;
    calls_json: string | null;
    notes_json: string;
    reason: string;
    requested_by: string;
    approved_by: string | null;
    not_before: number;
    attempts: number;
    lease_owner: string | null;
    lease_until: number | null;
    error: string | null;
    created_at: number;
    updated_at: number;
    applied_at: number | null;
    undone_at: number | null;
    undone_by: string | null;
  };
  // --- end of the case side --------------------------------------------------------------------------------------
}

/** `?` placeholders on PostgreSQL too: SqlConn takes them for both databases (its PostgreSQL driver numbers them). */
class PostgresQuestionMarks extends PostgresQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '?';
  }
}

function compileOnly(name: Dialect['name']): Kysely<Tables> {
  const postgres = name === 'postgres';
  return new Kysely<Tables>({
    dialect: {
      createAdapter: () => (postgres ? new PostgresAdapter() : new SqliteAdapter()),
      // Never connects: queries are only compiled here and run through SqlConn.
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (postgres ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (postgres ? new PostgresQuestionMarks() : new SqliteQueryCompiler()),
    },
  });
}

const BUILDERS = { sqlite: compileOnly('sqlite'), postgres: compileOnly('postgres') } as const;

export function queryBuilder(dialect: Dialect): Kysely<Tables> {
  return BUILDERS[dialect.name];
}

/** Rows of a compiled SELECT (or of a statement with RETURNING), typed by the query. */
export function queryRows<R extends SqlRow>(conn: SqlConn, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile();
  return conn.query<R>(compiled.sql, compiled.parameters as readonly SqlValue[]);
}

/** Rows changed by a compiled INSERT, UPDATE or DELETE. */
export function queryChanges(conn: SqlConn, query: Compilable<unknown>): Promise<number> {
  const compiled = query.compile();
  return conn.execute(compiled.sql, compiled.parameters as readonly SqlValue[]);
}
