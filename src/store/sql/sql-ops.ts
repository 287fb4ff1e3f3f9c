// Every store operation written once in portable SQL (SQLite 3.35+ and PostgreSQL 12+), over one connection.

import type { SightingQuery, SightingRow } from '../baseline-sightings.ts';
import { findSightings, recordSightings, sightingsUpserts } from './baseline-sightings-sql.ts';
import type { JobLease, JobLeaseInput } from '../job-leases.ts';
import { acquireJobLease, getJobLease, releaseJobLease } from './job-leases-sql.ts';
import type { DenialFact, KpiFacts, KpiFactsQuery } from '../kpi-facts.ts';
import { kpiFacts } from './kpi-facts-sql.ts';
import { recordDenials } from './mfa-denials-sql.ts';
import type {
  PlanResponseActionInput,
  ResponseActionPatch,
  ResponseActionQuery,
  ResponseActionState,
  StoredResponseAction,
} from '../response-actions.ts';
import * as responseSql from './response-actions-sql.ts';
import { searchAlerts } from './alert-search-sql.ts';
import type {
  PostureSnapshotInput,
  PostureSnapshotQuery,
  PostureSnapshotSummary,
  StoredPostureSnapshot,
} from '../posture-snapshots.ts';
import { POSTURE_SNAPSHOT_SOURCES } from '../posture-snapshots.ts';
import * as postureSql from './posture-snapshots-sql.ts';
import * as sessionSql from './session-links-sql.ts';
import type { SessionLink } from '../session-links.ts';
import type { Alert, Classification, CloudTrailEvent, Severity } from '../../model/index.ts';
import { CLASSIFICATIONS, SEVERITIES, UsageError, isSeverity, severityRank } from '../../model/index.ts';
import { AUTO_RESOLUTIONS, CASE_TRANSITIONS, canTransition, isCaseState } from '../case-lifecycle.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../errors.ts';
import { actorKeyOf, eventTargetKey } from '../keys.ts';
import { durationStats, nearestRank } from '../stats.ts';
import { DecodedCache } from './decoded-cache.ts';
import type {
  AddDeadLetterInput,
  AlertQuery,
  ApiRole,
  ApiToken,
  Case,
  CaseAuditAction,
  CaseAuditEntry,
  CaseChange,
  CaseComment,
  CaseDetail,
  CasePatch,
  CaseQuery,
  CaseState,
  ClaimNotificationsInput,
  ClaimWorkInput,
  ConsumeVerificationResult,
  CreateApiTokenInput,
  CreateApprovalInput,
  CreateVerificationInput,
  DeadLetter,
  EnqueueNotificationInput,
  EventQuery,
  FindApprovalInput,
  InsertAlertsResult,
  InsertEventsResult,
  KpiSnapshot,
  NotificationFailure,
  NotificationState,
  OpenOrAttachCaseInput,
  OpenOrAttachCaseResult,
  OutboxDepth,
  OutboxNotification,
  Page,
  RemovalMonth,
  StoreTx,
  StoredAlert,
  StoredApproval,
  Verification,
  VerificationAnswer,
  VerificationState,
} from '../store.ts';
import type { Dialect, SqlConn, SqlValue } from './driver.ts';

const API_ROLES: readonly ApiRole[] = ['viewer', 'responder', 'admin'];
/** Rows per multi-row INSERT: well under SQLite's bound-parameter limit, few round trips on PostgreSQL. */
const INSERT_CHUNK = 100;
const MAX_PAGE = 1000;

// ---------------------------------------------------------------------------------------------
// Row shapes (column names as in the migrations)

interface CaseRow {
  id: number;
  target_key: string;
  account: string | null;
  user_name: string;
  kind?: string | null;
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
  [key: string]: unknown;
}

interface VerificationRow {
  id: number;
  case_id: number;
  owner: string;
  state: string;
  created_at: number;
  expires_at: number;
  answered_at: number | null;
  escalated_at: number | null;
  [key: string]: unknown;
}

interface ApprovalRow {
  id: number;
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
  [key: string]: unknown;
}

interface OutboxRow {
  id: number;
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
  [key: string]: unknown;
}

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

interface DeadLetterRow {
  id: number;
  source: string;
  location: string;
  reason: string;
  raw: Buffer | Uint8Array;
  created_at: number;
  [key: string]: unknown;
}

interface AlertRow {
  body: string;
  detected_at: number;
  updated_at: number;
  case_id: number | null;
  id: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Mapping and validation helpers

function toCase(row: CaseRow): Case {
  return {
    id: String(row.id),
    targetKey: row.target_key,
    account: row.account,
    userName: row.user_name,
    ...(row.kind === null || row.kind === undefined ? {} : { kind: row.kind }),
    state: row.state as CaseState,
    classification: row.classification as Classification | null,
    severity: row.severity as Severity,
    riskScore: row.risk_score,
    assignee: row.assignee,
    openedAt: row.opened_at,
    firstEventAt: row.first_event_at,
    detectedAt: row.detected_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    vulnerabilityWindowSeconds: row.vulnerability_window_seconds,
    updatedAt: row.updated_at,
  };
}

function toVerification(row: VerificationRow): Verification {
  return {
    id: String(row.id),
    caseId: String(row.case_id),
    owner: row.owner,
    state: row.state as VerificationState,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
    escalatedAt: row.escalated_at,
  };
}

function toApproval(row: ApprovalRow): StoredApproval {
  return {
    id: String(row.id),
    ticket: row.ticket,
    user: row.user_name,
    actor: row.actor,
    account: row.account,
    fromMs: row.from_ms,
    toMs: row.to_ms,
    approver: row.approver,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

function toNotification(row: OutboxRow): OutboxNotification {
  return {
    id: String(row.id),
    kind: row.kind,
    channel: row.channel,
    payload: JSON.parse(row.payload) as unknown,
    dedupeKey: row.dedupe_key,
    state: row.state as NotificationState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
  };
}

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

const parseAlert = (text: string): Alert => JSON.parse(text) as Alert;
const parseEvent = (text: string): CloudTrailEvent => JSON.parse(text) as CloudTrailEvent;

/**
 * Decoded bodies a store keeps across its transactions (see decoded-cache.ts): stored events never change and are
 * re-read by every re-triage of a burst; an alert is re-read right after this process wrote it.
 */
export interface SqlCaches {
  readonly events: DecodedCache<CloudTrailEvent>;
  readonly alerts: DecodedCache<Alert>;
}

export function newSqlCaches(): SqlCaches {
  return { events: new DecodedCache(), alerts: new DecodedCache() };
}

function toStoredAlert(row: AlertRow, caches: SqlCaches | undefined): StoredAlert {
  return {
    alert: caches === undefined ? parseAlert(row.body) : caches.alerts.decode(row.id, row.body, parseAlert),
    detectedAt: row.detected_at,
    updatedAt: row.updated_at,
    caseId: row.case_id === null ? null : String(row.case_id),
  };
}

function invalid(location: string, message: string): UsageError {
  return new UsageError(`${location}: ${message}`, [
    { level: 'error', code: 'store-input', location, message },
  ]);
}

function requireText(value: unknown, location: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(location, 'expected a non-empty string');
  return value;
}

function requireTime(value: unknown, location: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(location, `expected epoch milliseconds, got ${String(value)}`);
  return value;
}

function requireLimit(value: unknown, location: string, max = MAX_PAGE): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(location, `expected an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

function requireSeverity(value: unknown, location: string): Severity {
  if (!isSeverity(value))
    throw invalid(location, `expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

function requireClassification(value: unknown, location: string): Classification {
  if (typeof value !== 'string' || !(CLASSIFICATIONS as readonly string[]).includes(value)) {
    throw invalid(location, `expected one of ${CLASSIFICATIONS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as Classification;
}

/** Surrogate ids are integers in the database; anything else cannot name a row (and must not reach a SQL cast). */
function requireSightings(rows: readonly SightingRow[]): void {
  rows.forEach((row, index) => {
    requireText(row.actor, `sightings[${index}].actor`);
    requireTime(row.firstMs, `sightings[${index}].firstMs`);
  });
}

function numericId(id: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : null;
}

/** A claim's channel filter, checked: undefined when not given. */
function channelList(channels: readonly string[] | undefined, field: string): readonly string[] | undefined {
  if (channels === undefined) return undefined;
  const list: unknown = channels;
  if (!Array.isArray(list) || !list.every((channel) => typeof channel === 'string' && channel !== ''))
    throw invalid(field, 'expected a list of channel names');
  return channels;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** Byte order (what SQLite's BINARY and PostgreSQL's "C" collation use), so both stores order ids alike. */
function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

// ---------------------------------------------------------------------------------------------

export class SqlOps implements StoreTx {
  readonly #conn: SqlConn;
  readonly #dialect: Dialect;
  readonly #caches: SqlCaches | undefined;

  constructor(conn: SqlConn, dialect: Dialect, caches?: SqlCaches) {
    this.#conn = conn;
    this.#dialect = dialect;
    this.#caches = caches;
  }

  // Events -----------------------------------------------------------------------------------

  async insertEvents(
    events: readonly CloudTrailEvent[],
    options: { readonly sightings?: readonly SightingRow[] } = {},
  ): Promise<InsertEventsResult> {
    events.forEach((event, index) => {
      requireText(event.id, `events[${index}].id`);
      requireText(event.name, `events[${index}].name`);
      requireTime(event.timeMs, `events[${index}].timeMs`);
    });
    const upserts = this.#sightingUpserts(options.sightings ?? []);
    // Sorted so that concurrent batches lock unique-index entries in the same order (no deadlocks on PostgreSQL).
    const sorted = [...events].sort((a, b) => compareIds(a.id, b.id));
    const insertedIds = new Set<string>();
    const eventChunks = chunks(sorted, INSERT_CHUNK);
    // PostgreSQL: the last sightings upsert rides along with the first events insert as a data-modifying CTE, one
    // statement (and one round trip) where there were two; sightings first, in key order, as on their own.
    const riding = this.#dialect.name === 'postgres' && eventChunks.length > 0 ? upserts.pop() : undefined;
    for (const upsert of upserts) await this.#conn.execute(upsert.sql, upsert.params);
    for (const [index, chunk] of eventChunks.entries()) {
      const params: SqlValue[] = [];
      for (const event of chunk) {
        params.push(
          event.id,
          event.timeMs,
          event.name,
          event.account,
          actorKeyOf(event.actor),
          eventTargetKey(event),
          JSON.stringify(event),
        );
      }
      const insert = `INSERT INTO events (id, time_ms, name, account, actor_key, target_key, body)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (id) DO NOTHING
         RETURNING id`;
      const rows =
        riding !== undefined && index === 0
          ? await this.#conn.query<{ id: string }>(`WITH sightings AS (${riding.sql}) ${insert}`, [
              ...riding.params,
              ...params,
            ])
          : await this.#conn.query<{ id: string }>(insert, params);
      for (const row of rows) insertedIds.add(row.id);
    }
    const inserted: CloudTrailEvent[] = [];
    for (const event of events) {
      if (insertedIds.delete(event.id)) inserted.push(event);
    }
    return { inserted, duplicates: events.length - inserted.length };
  }

  #sightingUpserts(rows: readonly SightingRow[]): ReturnType<typeof sightingsUpserts> {
    requireSightings(rows);
    return sightingsUpserts(this.#dialect, rows);
  }

  async findEvents(query: EventQuery): Promise<CloudTrailEvent[]> {
    const where = ['time_ms >= ?', 'time_ms < ?'];
    const params: SqlValue[] = [requireTime(query.fromMs, 'fromMs'), requireTime(query.toMs, 'toMs')];
    const lists: [string, readonly string[] | undefined][] = [
      ['name', query.names],
      ['actor_key', query.actorKeys],
      ['target_key', query.targetKeys],
      ['account', query.accounts],
    ];
    for (const [column, values] of lists) {
      if (values === undefined) continue;
      if (values.length === 0) return [];
      where.push(`${column} IN (${placeholders(values.length)})`);
      params.push(...values);
    }
    const limit = query.limit === undefined ? 10_000 : requireLimit(query.limit, 'limit', 100_000);
    const either = query.actorOrTargetKeys;
    let sql = `SELECT id, body FROM events WHERE ${where.join(' AND ')} ORDER BY time_ms, id LIMIT ?`;
    if (either !== undefined) {
      // A UNION of one branch per key column, so each branch uses its own index ((actor_key, time_ms), (target_key,
      // time_ms)); an OR in one WHERE may make the planner fall back to the time or name index and read the window.
      const branches: string[] = [];
      const common = [...params];
      params.length = 0;
      for (const [column, values] of [
        ['actor_key', either.actorKeys],
        ['target_key', either.targetKeys],
      ] as const) {
        if (values.length === 0) continue;
        branches.push(
          `SELECT id, time_ms, body FROM events WHERE ${where.join(' AND ')} AND ${column} IN (${placeholders(values.length)})`,
        );
        params.push(...common, ...values);
      }
      if (branches.length === 0) return [];
      sql = `${branches.join(' UNION ')} ORDER BY time_ms, id LIMIT ?`;
    }
    params.push(limit);
    const rows = await this.#conn.query<{ id: string; body: string }>(sql, params);
    const cache = this.#caches?.events;
    return rows.map((row) =>
      cache === undefined ? parseEvent(row.body) : cache.decode(row.id, row.body, parseEvent),
    );
  }

  // Baseline sightings ------------------------------------------------------------------------

  recordSightings(rows: readonly SightingRow[]): Promise<void> {
    requireSightings(rows);
    return recordSightings(this.#conn, this.#dialect, rows);
  }

  findSightings(query: SightingQuery): Promise<SightingRow[]> {
    requireTime(query.fromMs, 'fromMs');
    requireTime(query.toMs, 'toMs');
    return findSightings(this.#conn, query);
  }

  // Posture snapshots (SQL in posture-snapshots-sql.ts) ---------------------------------------

  recordPostureSnapshot(input: PostureSnapshotInput): Promise<PostureSnapshotSummary> {
    requireText(input.accountId, 'accountId');
    requireTime(input.takenAt, 'takenAt');
    if (!(POSTURE_SNAPSHOT_SOURCES as readonly string[]).includes(input.source))
      throw invalid(
        'source',
        `expected one of ${POSTURE_SNAPSHOT_SOURCES.join(', ')}, got ${JSON.stringify(input.source)}`,
      );
    for (const field of ['consoleUsers', 'consoleUsersWithMfa', 'mfaEnforcedByPolicy'] as const) {
      const value = input[field];
      if (!Number.isInteger(value) || value < 0)
        throw invalid(field, `expected a count, got ${String(value)}`);
    }
    if (input.cisScore !== null && !Number.isFinite(input.cisScore))
      throw invalid('cisScore', `expected a number or null, got ${String(input.cisScore)}`);
    return postureSql.recordPostureSnapshot(this.#conn, input);
  }

  listPostureSnapshots(query: PostureSnapshotQuery): Promise<PostureSnapshotSummary[]> {
    if (query.from !== undefined) requireTime(query.from, 'from');
    if (query.to !== undefined) requireTime(query.to, 'to');
    return postureSql.listPostureSnapshots(this.#conn, query);
  }

  getPostureSnapshot(id: string): Promise<StoredPostureSnapshot | null> {
    return postureSql.getPostureSnapshot(this.#conn, id);
  }

  latestPostureSnapshots(query: { readonly accountId?: string } = {}): Promise<StoredPostureSnapshot[]> {
    return postureSql.latestPostureSnapshots(this.#conn, query);
  }

  // Response actions (SQL in response-actions-sql.ts) ----------------------------------------

  planResponseAction(input: PlanResponseActionInput) {
    requireText(input.kind, 'kind');
    requireText(input.targetName, 'targetName');
    requireText(input.actor, 'actor');
    requireTime(input.nowMs, 'nowMs');
    requireTime(input.notBeforeMs, 'notBeforeMs');
    return responseSql.planResponseAction(this.#conn, input);
  }

  getResponseAction(id: string): Promise<StoredResponseAction | null> {
    return responseSql.getResponseAction(this.#conn, id);
  }

  listResponseActions(query: ResponseActionQuery): Promise<StoredResponseAction[]> {
    return responseSql.listResponseActions(this.#conn, query);
  }

  updateResponseAction(
    id: string,
    expect: readonly ResponseActionState[],
    patch: ResponseActionPatch,
    change: { readonly actor: string; readonly nowMs: number; readonly note: string },
  ): Promise<StoredResponseAction | null> {
    requireText(change.actor, 'actor');
    requireTime(change.nowMs, 'nowMs');
    return responseSql.updateResponseAction(this.#conn, id, expect, patch, change);
  }

  // Alerts -----------------------------------------------------------------------------------

  async insertAlerts(alerts: readonly Alert[], detectedAtMs: number): Promise<InsertAlertsResult> {
    requireTime(detectedAtMs, 'detectedAtMs');
    const eventTimes = alerts.map((alert, index) => {
      requireText(alert.id, `alerts[${index}].id`);
      requireSeverity(alert.severity, `alerts[${index}].severity`);
      if (alert.classification !== undefined)
        requireClassification(alert.classification, `alerts[${index}].classification`);
      const eventTime = Date.parse(alert.event.time);
      if (Number.isNaN(eventTime))
        throw invalid(
          `alerts[${index}].event.time`,
          `expected an ISO-8601 time, got ${JSON.stringify(alert.event.time)}`,
        );
      return eventTime;
    });
    const indexed = alerts.map((alert, index) => ({ alert, eventTime: eventTimes[index] ?? 0 }));
    indexed.sort((a, b) => compareIds(a.alert.id, b.alert.id));
    const insertedIds = new Set<string>();
    for (const chunk of chunks(indexed, INSERT_CHUNK)) {
      const params: SqlValue[] = [];
      for (const { alert, eventTime } of chunk) {
        params.push(
          alert.id,
          alert.rule.id,
          alert.severity,
          alert.classification ?? null,
          alert.target.userName,
          alert.event.account,
          alert.event.id,
          alert.event.name,
          alert.event.outcome,
          eventTime,
          detectedAtMs,
          detectedAtMs,
          JSON.stringify(alert),
        );
      }
      const rows = await this.#conn.query<{ id: string }>(
        `INSERT INTO alerts (id, rule_id, severity, classification, target_user, account, event_id, event_name,
                             event_outcome, event_time_ms, detected_at, updated_at, body)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        params,
      );
      for (const row of rows) insertedIds.add(row.id);
    }
    const inserted: Alert[] = [];
    for (const alert of alerts) {
      if (insertedIds.delete(alert.id)) inserted.push(alert);
    }
    return { inserted, duplicates: alerts.length - inserted.length };
  }

  async updateAlert(alert: Alert, nowMs: number): Promise<void> {
    requireSeverity(alert.severity, 'alert.severity');
    if (alert.classification !== undefined)
      requireClassification(alert.classification, 'alert.classification');
    const body = JSON.stringify(alert);
    const changed = await this.#conn.execute(
      `UPDATE alerts SET severity = ?, classification = ?, target_user = ?, body = ?, updated_at = ? WHERE id = ?`,
      [
        alert.severity,
        alert.classification ?? null,
        alert.target.userName,
        body,
        requireTime(nowMs, 'nowMs'),
        alert.id,
      ],
    );
    if (changed === 0) throw new NotFoundError('alert', alert.id);
    // The next re-triage reads it back: kept decoded, under the exact text written (a rollback leaves other text).
    this.#caches?.alerts.remember(alert.id, body, alert);
  }

  async getAlert(id: string): Promise<StoredAlert | null> {
    const rows = await this.#conn.query<AlertRow>(
      `SELECT a.id, a.body, a.detected_at, a.updated_at, ca.case_id
       FROM alerts a LEFT JOIN case_alerts ca ON ca.alert_id = a.id
       WHERE a.id = ?`,
      [id],
    );
    return rows[0] === undefined ? null : toStoredAlert(rows[0], this.#caches);
  }

  listAlerts(query: AlertQuery): Promise<Page<StoredAlert>> {
    return searchAlerts(this.#conn, query);
  }

  // Cases ------------------------------------------------------------------------------------

  // eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
  async openOrAttachCase(input: OpenOrAttachCaseInput): Promise<OpenOrAttachCaseResult> {
    const { alert, nowMs } = input;
    const targetKey = requireText(input.targetKey, 'targetKey');
    const actor = requireText(input.actor, 'actor');
    requireTime(nowMs, 'nowMs');
    const stored = await this.#conn.query<{
      detected_at: number;
      event_time_ms: number;
      case_id: number | null;
    }>(
      `SELECT a.detected_at, a.event_time_ms, ca.case_id
       FROM alerts a LEFT JOIN case_alerts ca ON ca.alert_id = a.id
       WHERE a.id = ?`,
      [alert.id],
    );
    const alertRow = stored[0];
    if (alertRow === undefined) throw new NotFoundError('alert', alert.id);
    if (alertRow.case_id !== null) {
      // A replay (restart, second worker): the alert already belongs to a case.
      return { case: await this.#requireCase(String(alertRow.case_id)), created: false, attached: false };
    }

    let row = await this.#activeCaseOf(targetKey);
    let created = false;
    if (row === undefined) {
      const userName = alert.target.userName ?? targetKey.slice(targetKey.indexOf('/') + 1);
      // The partial unique index allows one case per target that is not resolved. When another process
      // opens it first, DO NOTHING (after waiting for that transaction on PostgreSQL) and we attach to theirs.
      const inserted = await this.#conn.query<CaseRow>(
        `INSERT INTO cases (target_key, account, user_name, kind, state, classification, severity, risk_score, assignee,
                            opened_at, first_event_at, detected_at, resolved_at, resolution,
                            vulnerability_window_seconds, updated_at)
         VALUES (?, ?, ?, ?, 'open', ?, ?, ?, NULL, ?, ?, ?, NULL, NULL, ?, ?)
         ON CONFLICT (target_key) WHERE state <> 'resolved' DO NOTHING
         RETURNING *`,
        [
          targetKey,
          alert.event.account,
          userName,
          input.kind ?? null,
          alert.classification ?? null,
          requireSeverity(alert.severity, 'alert.severity'),
          alert.riskScore,
          nowMs,
          alertRow.event_time_ms,
          alertRow.detected_at,
          alert.vulnerabilityWindowSeconds ?? null,
          nowMs,
        ],
      );
      row = inserted[0];
      if (row !== undefined) {
        created = true;
        await this.#audit(String(row.id), nowMs, actor, 'opened', null, {
          state: 'open',
          severity: row.severity,
          classification: row.classification,
          alertId: alert.id,
        });
      } else {
        row = await this.#activeCaseOf(targetKey);
        if (row === undefined)
          throw new ConflictError(`case for ${targetKey} changed concurrently; retry`, { retryable: true });
      }
    }
    const caseId = String(row.id);
    const attachedRows = await this.#conn.query<{ case_id: number }>(
      `INSERT INTO case_alerts (alert_id, case_id, attached_at) VALUES (?, ?, ?)
       ON CONFLICT (alert_id) DO NOTHING
       RETURNING case_id`,
      [alert.id, row.id, nowMs],
    );
    if (attachedRows.length === 0) {
      // The same alert was attached by a concurrent call meanwhile.
      const owner = await this.#conn.query<{ case_id: number }>(
        `SELECT case_id FROM case_alerts WHERE alert_id = ?`,
        [alert.id],
      );
      return {
        case: await this.#requireCase(String(owner[0]?.case_id ?? caseId)),
        created: false,
        attached: false,
      };
    }
    if (created) return { case: toCase(row), created: true, attached: true };

    // Attaching to an existing case: it escalates to the worst alert and reaches back to the earliest event.
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = { alertId: alert.id };
    const next = { ...row };
    if (severityRank(alert.severity) > severityRank(row.severity as Severity)) {
      before['severity'] = row.severity;
      after['severity'] = next.severity = alert.severity;
    }
    if (alert.riskScore > row.risk_score) {
      before['riskScore'] = row.risk_score;
      after['riskScore'] = next.risk_score = alert.riskScore;
    }
    if (alertRow.event_time_ms < row.first_event_at) {
      before['firstEventAt'] = row.first_event_at;
      after['firstEventAt'] = next.first_event_at = alertRow.event_time_ms;
    }
    if (alertRow.detected_at < row.detected_at) {
      before['detectedAt'] = row.detected_at;
      after['detectedAt'] = next.detected_at = alertRow.detected_at;
    }
    if (row.classification === null && alert.classification !== undefined) {
      before['classification'] = null;
      after['classification'] = next.classification = alert.classification;
    }
    next.updated_at = nowMs;
    await this.#conn.execute(
      `UPDATE cases SET severity = ?, risk_score = ?, first_event_at = ?, detected_at = ?, classification = ?, updated_at = ?
       WHERE id = ?`,
      [
        next.severity,
        next.risk_score,
        next.first_event_at,
        next.detected_at,
        next.classification,
        nowMs,
        row.id,
      ],
    );
    await this.#audit(
      caseId,
      nowMs,
      actor,
      'alert-attached',
      Object.keys(before).length === 0 ? null : before,
      after,
    );
    return { case: toCase(next), created: false, attached: true };
  }

  async getCase(id: string): Promise<CaseDetail | null> {
    const numeric = numericId(id);
    if (numeric === null) return null;
    const rows = await this.#conn.query<CaseRow>(`SELECT * FROM cases WHERE id = ?`, [numeric]);
    const row = rows[0];
    if (row === undefined) return null;
    const alertIds = await this.#conn.query<{ alert_id: string }>(
      `SELECT alert_id FROM case_alerts WHERE case_id = ? ORDER BY attached_at, alert_id`,
      [numeric],
    );
    const comments = await this.#conn.query<{ id: number; author: string; text: string; at: number }>(
      `SELECT id, author, text, at FROM case_comments WHERE case_id = ? ORDER BY at, id`,
      [numeric],
    );
    const audit = await this.#conn.query<{
      id: number;
      at: number;
      actor: string;
      action: string;
      before_json: string | null;
      after_json: string | null;
    }>(
      `SELECT id, at, actor, action, before_json, after_json FROM case_audit WHERE case_id = ? ORDER BY id`,
      [numeric],
    );
    const verifications = await this.#conn.query<VerificationRow>(
      `SELECT * FROM verifications WHERE case_id = ? ORDER BY id`,
      [numeric],
    );
    return {
      ...toCase(row),
      alertIds: alertIds.map((entry) => entry.alert_id),
      comments: comments.map((entry) => ({
        id: String(entry.id),
        caseId: id,
        author: entry.author,
        text: entry.text,
        at: entry.at,
      })),
      audit: audit.map((entry): CaseAuditEntry => ({
        id: String(entry.id),
        caseId: id,
        at: entry.at,
        actor: entry.actor,
        action: entry.action as CaseAuditAction,
        before:
          entry.before_json === null ? null : (JSON.parse(entry.before_json) as Record<string, unknown>),
        after: entry.after_json === null ? null : (JSON.parse(entry.after_json) as Record<string, unknown>),
      })),
      verifications: verifications.map(toVerification),
    };
  }

  async listCases(query: CaseQuery): Promise<Page<Case>> {
    const limit = requireLimit(query.limit, 'limit');
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.state !== undefined) {
      if (!isCaseState(query.state))
        throw invalid(
          'state',
          `expected one of open, verifying, escalated, resolved, got ${JSON.stringify(query.state)}`,
        );
      where.push('state = ?');
      params.push(query.state);
    }
    if (query.severity !== undefined) {
      where.push('severity = ?');
      params.push(requireSeverity(query.severity, 'severity'));
    }
    if (query.assignee !== undefined) {
      if (query.assignee === null) where.push('assignee IS NULL');
      else {
        where.push('assignee = ?');
        params.push(query.assignee);
      }
    }
    if (query.cursor !== undefined) {
      const position = decodeCursor('cases', query.cursor);
      const id = numericId(position.id);
      if (id === null) throw invalid('cursor', 'expected a cursor returned by the cases list');
      where.push('(opened_at < ? OR (opened_at = ? AND id < ?))');
      params.push(position.at, position.at, id);
    }
    params.push(limit + 1);
    const rows = await this.#conn.query<CaseRow>(
      `SELECT * FROM cases ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY opened_at DESC, id DESC
       LIMIT ?`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toCase),
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeCursor('cases', { at: last.opened_at, id: String(last.id) })
          : null,
    };
  }

  async transitionCase(
    id: string,
    to: CaseState,
    change: CaseChange & { readonly note?: string },
  ): Promise<Case> {
    if (!isCaseState(to))
      throw invalid('to', `expected one of open, verifying, escalated, resolved, got ${JSON.stringify(to)}`);
    requireText(change.actor, 'actor');
    requireTime(change.nowMs, 'nowMs');
    const row = await this.#lockCase(id);
    const from = row.state as CaseState;
    if (!canTransition(from, to)) throw new InvalidTransitionError(id, from, to, CASE_TRANSITIONS[from]);
    const resolvedAt = to === 'resolved' ? change.nowMs : row.resolved_at;
    // Compare-and-set on the state as a second guard: the row lock already makes this the only writer.
    const changed = await this.#conn.execute(
      `UPDATE cases SET state = ?, resolved_at = ?, updated_at = ? WHERE id = ? AND state = ?`,
      [to, resolvedAt, change.nowMs, row.id, from],
    );
    if (changed === 0) throw new ConflictError(`case ${id} changed concurrently; retry`, { retryable: true });
    const after: Record<string, unknown> = { state: to };
    if (to === 'resolved') after['resolvedAt'] = resolvedAt;
    if (change.note !== undefined) after['note'] = change.note;
    await this.#audit(id, change.nowMs, change.actor, 'transition', { state: from }, after);
    return toCase({ ...row, state: to, resolved_at: resolvedAt, updated_at: change.nowMs });
  }

  async reopenCase(id: string, change: CaseChange & { readonly note: string }): Promise<Case> {
    requireText(change.actor, 'actor');
    requireText(change.note, 'note');
    requireTime(change.nowMs, 'nowMs');
    const row = await this.#lockCase(id);
    if (row.state !== 'resolved') throw new InvalidTransitionError(id, row.state, 'escalated', []);
    const active = await this.#conn.query<{ id: number }>(
      `SELECT id FROM cases WHERE target_key = ? AND state <> 'resolved' AND id <> ?`,
      [row.target_key, row.id],
    );
    if (active[0] !== undefined) {
      throw new ConflictError(
        `case ${id} cannot reopen: case ${active[0].id} is already open for ${row.target_key}`,
      );
    }
    const changed = await this.#conn.execute(
      `UPDATE cases SET state = 'escalated', resolved_at = NULL, resolution = NULL, updated_at = ?
       WHERE id = ? AND state = 'resolved'`,
      [change.nowMs, row.id],
    );
    if (changed === 0) throw new ConflictError(`case ${id} changed concurrently; retry`, { retryable: true });
    await this.#audit(
      id,
      change.nowMs,
      change.actor,
      'transition',
      { state: 'resolved', resolvedAt: row.resolved_at, resolution: row.resolution },
      { state: 'escalated', note: change.note },
    );
    return toCase({
      ...row,
      state: 'escalated',
      resolved_at: null,
      resolution: null,
      updated_at: change.nowMs,
    });
  }

  async updateCase(id: string, patch: CasePatch, change: CaseChange): Promise<Case> {
    requireText(change.actor, 'actor');
    requireTime(change.nowMs, 'nowMs');
    const row = await this.#lockCase(id);
    const next = { ...row };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const set = (field: string, column: keyof CaseRow & string, value: unknown): void => {
      if (value === undefined || row[column] === value) return;
      before[field] = row[column];
      after[field] = value;
      next[column] = value;
    };
    if (patch.classification !== undefined && patch.classification !== null)
      requireClassification(patch.classification, 'classification');
    if (patch.severity !== undefined) requireSeverity(patch.severity, 'severity');
    if (patch.riskScore !== undefined && !Number.isFinite(patch.riskScore))
      throw invalid('riskScore', 'expected a number');
    set('classification', 'classification', patch.classification);
    set('severity', 'severity', patch.severity);
    set('riskScore', 'risk_score', patch.riskScore);
    set('assignee', 'assignee', patch.assignee);
    set('resolution', 'resolution', patch.resolution);
    set('vulnerabilityWindowSeconds', 'vulnerability_window_seconds', patch.vulnerabilityWindowSeconds);
    if (Object.keys(after).length === 0) return toCase(row);
    next.updated_at = change.nowMs;
    await this.#conn.execute(
      `UPDATE cases SET classification = ?, severity = ?, risk_score = ?, assignee = ?, resolution = ?,
                        vulnerability_window_seconds = ?, updated_at = ?
       WHERE id = ?`,
      [
        next.classification,
        next.severity,
        next.risk_score,
        next.assignee,
        next.resolution,
        next.vulnerability_window_seconds,
        change.nowMs,
        row.id,
      ],
    );
    await this.#audit(id, change.nowMs, change.actor, 'updated', before, after);
    return toCase(next);
  }

  async addComment(
    id: string,
    comment: { readonly author: string; readonly text: string; readonly nowMs: number },
  ): Promise<CaseComment> {
    requireText(comment.author, 'author');
    requireText(comment.text, 'text');
    requireTime(comment.nowMs, 'nowMs');
    const row = await this.#lockCase(id);
    const inserted = await this.#conn.query<{ id: number }>(
      `INSERT INTO case_comments (case_id, author, text, at) VALUES (?, ?, ?, ?) RETURNING id`,
      [row.id, comment.author, comment.text, comment.nowMs],
    );
    const commentId = String(inserted[0]?.id);
    await this.#conn.execute(`UPDATE cases SET updated_at = ? WHERE id = ?`, [comment.nowMs, row.id]);
    await this.#audit(id, comment.nowMs, comment.author, 'commented', null, { commentId });
    return { id: commentId, caseId: id, author: comment.author, text: comment.text, at: comment.nowMs };
  }

  // Owner verification -------------------------------------------------------------------------

  async createVerification(input: CreateVerificationInput): Promise<Verification> {
    requireText(input.owner, 'owner');
    requireText(input.tokenHash, 'tokenHash');
    requireTime(input.nowMs, 'nowMs');
    requireTime(input.expiresAtMs, 'expiresAtMs');
    if (input.expiresAtMs <= input.nowMs) throw invalid('expiresAtMs', 'must be later than nowMs');
    const row = await this.#lockCase(input.caseId);
    const inserted = await this.#conn.query<VerificationRow>(
      `INSERT INTO verifications (case_id, owner, token_hash, state, created_at, expires_at, answered_at, escalated_at)
       VALUES (?, ?, ?, 'pending', ?, ?, NULL, NULL)
       ON CONFLICT (token_hash) DO NOTHING
       RETURNING *`,
      [row.id, input.owner, input.tokenHash, input.nowMs, input.expiresAtMs],
    );
    const created = inserted[0];
    if (created === undefined) throw new ConflictError('a verification with this token already exists');
    await this.#audit(input.caseId, input.nowMs, 'system', 'verification-requested', null, {
      verificationId: String(created.id),
      owner: input.owner,
      expiresAt: input.expiresAtMs,
    });
    return toVerification(created);
  }

  async consumeVerification(input: {
    readonly tokenHash: string;
    readonly answer: VerificationAnswer;
    readonly nowMs: number;
  }): Promise<ConsumeVerificationResult> {
    if (input.answer !== 'confirmed' && input.answer !== 'denied') {
      throw invalid('answer', `expected confirmed or denied, got ${JSON.stringify(input.answer)}`);
    }
    requireTime(input.nowMs, 'nowMs');
    // One conditional UPDATE is the single-use guarantee: of two concurrent answers only one matches `pending`.
    const rows = await this.#conn.query<VerificationRow>(
      `UPDATE verifications SET state = ?, answered_at = ?
       WHERE token_hash = ? AND state = 'pending' AND expires_at > ?
       RETURNING *`,
      [input.answer, input.nowMs, input.tokenHash, input.nowMs],
    );
    const row = rows[0];
    if (row !== undefined) {
      const verification = toVerification(row);
      await this.#audit(
        verification.caseId,
        input.nowMs,
        `owner:${row.owner}`,
        'verification-answered',
        { state: 'pending' },
        {
          verificationId: verification.id,
          state: input.answer,
        },
      );
      return { ok: true, verification };
    }
    const existing = await this.#conn.query<{ state: string; expires_at: number }>(
      `SELECT state, expires_at FROM verifications WHERE token_hash = ?`,
      [input.tokenHash],
    );
    const found = existing[0];
    if (found === undefined) return { ok: false, reason: 'unknown' };
    if (found.state === 'confirmed' || found.state === 'denied') return { ok: false, reason: 'used' };
    return { ok: false, reason: 'expired' };
  }

  async findVerification(tokenHash: string): Promise<Verification | null> {
    const rows = await this.#conn.query<VerificationRow>(`SELECT * FROM verifications WHERE token_hash = ?`, [
      tokenHash,
    ]);
    return rows[0] === undefined ? null : toVerification(rows[0]);
  }

  async listExpiredVerifications(nowMs: number): Promise<Verification[]> {
    const rows = await this.#conn.query<VerificationRow>(
      `SELECT * FROM verifications WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at, id`,
      [requireTime(nowMs, 'nowMs')],
    );
    return rows.map(toVerification);
  }

  async markVerificationEscalated(id: string, nowMs: number): Promise<boolean> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('verification', id);
    requireTime(nowMs, 'nowMs');
    const rows = await this.#conn.query<VerificationRow>(
      `UPDATE verifications SET state = 'expired', escalated_at = ?
       WHERE id = ? AND state = 'pending' AND expires_at <= ?
       RETURNING *`,
      [nowMs, numeric, nowMs],
    );
    const row = rows[0];
    if (row === undefined) {
      const exists = await this.#conn.query(`SELECT id FROM verifications WHERE id = ?`, [numeric]);
      if (exists.length === 0) throw new NotFoundError('verification', id);
      return false;
    }
    await this.#audit(
      String(row.case_id),
      nowMs,
      'system',
      'verification-expired',
      { state: 'pending' },
      {
        verificationId: id,
        state: 'expired',
      },
    );
    return true;
  }

  // Approvals ----------------------------------------------------------------------------------

  async createApproval(input: CreateApprovalInput): Promise<StoredApproval> {
    requireText(input.ticket, 'ticket');
    requireText(input.user, 'user');
    requireText(input.approver, 'approver');
    requireText(input.createdBy, 'createdBy');
    requireTime(input.fromMs, 'fromMs');
    requireTime(input.toMs, 'toMs');
    requireTime(input.nowMs, 'nowMs');
    if (input.toMs < input.fromMs) throw invalid('toMs', 'the approval window ends before it starts');
    const rows = await this.#conn.query<ApprovalRow>(
      `INSERT INTO approvals (ticket, user_name, actor, account, from_ms, to_ms, approver, created_by, created_at, revoked_at, revoked_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
       RETURNING *`,
      [
        input.ticket,
        input.user,
        input.actor ?? null,
        input.account ?? null,
        input.fromMs,
        input.toMs,
        input.approver,
        input.createdBy,
        input.nowMs,
      ],
    );
    return toApproval(rows[0]!);
  }

  async listApprovals(query: { readonly activeAt?: number } = {}): Promise<StoredApproval[]> {
    const rows =
      query.activeAt === undefined
        ? await this.#conn.query<ApprovalRow>(`SELECT * FROM approvals ORDER BY created_at DESC, id DESC`)
        : await this.#conn.query<ApprovalRow>(
            `SELECT * FROM approvals WHERE revoked_at IS NULL AND from_ms <= ? AND to_ms >= ? ORDER BY created_at DESC, id DESC`,
            [requireTime(query.activeAt, 'activeAt'), query.activeAt],
          );
    return rows.map(toApproval);
  }

  async revokeApproval(id: string, by: string, nowMs: number): Promise<StoredApproval> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('approval', id);
    requireText(by, 'by');
    requireTime(nowMs, 'nowMs');
    await this.#conn.execute(
      `UPDATE approvals SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
      [nowMs, by, numeric],
    );
    const rows = await this.#conn.query<ApprovalRow>(`SELECT * FROM approvals WHERE id = ?`, [numeric]);
    if (rows[0] === undefined) throw new NotFoundError('approval', id);
    return toApproval(rows[0]);
  }

  async findApproval(input: FindApprovalInput): Promise<StoredApproval | null> {
    requireTime(input.atMs, 'atMs');
    // An actor given as an ARN must match the ARN exactly; a bare name matches the IAM user name without case.
    const rows = await this.#conn.query<ApprovalRow>(
      `SELECT * FROM approvals
       WHERE revoked_at IS NULL
         AND LOWER(user_name) = LOWER(?)
         AND from_ms <= ? AND to_ms >= ?
         AND (account IS NULL OR account = ?)
         AND (actor IS NULL
              OR (SUBSTR(actor, 1, 4) = 'arn:' AND actor = ?)
              OR (SUBSTR(actor, 1, 4) <> 'arn:' AND LOWER(actor) = LOWER(?)))
       ORDER BY created_at, id
       LIMIT 1`,
      [input.user, input.atMs, input.atMs, input.account, input.actor.arn, input.actor.userName],
    );
    return rows[0] === undefined ? null : toApproval(rows[0]);
  }

  // Outbox -------------------------------------------------------------------------------------

  async enqueueNotification(
    input: EnqueueNotificationInput,
  ): Promise<{ readonly id: string; readonly created: boolean }> {
    requireText(input.kind, 'kind');
    requireText(input.channel, 'channel');
    requireText(input.dedupeKey, 'dedupeKey');
    requireTime(input.nowMs, 'nowMs');
    const payload = JSON.stringify(input.payload);
    if (payload === undefined) throw invalid('payload', 'expected a JSON-serialisable value');
    const rows = await this.#conn.query<{ id: number }>(
      `INSERT INTO outbox (kind, channel, payload, dedupe_key, state, attempts, next_attempt_at, last_error,
                           lease_owner, lease_until, created_at, updated_at, sent_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, NULL, NULL, NULL, ?, ?, NULL)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        input.kind,
        input.channel,
        payload,
        input.dedupeKey,
        input.notBeforeMs ?? input.nowMs,
        input.nowMs,
        input.nowMs,
      ],
    );
    if (rows[0] !== undefined) return { id: String(rows[0].id), created: true };
    const existing = await this.#conn.query<{ id: number }>(`SELECT id FROM outbox WHERE dedupe_key = ?`, [
      input.dedupeKey,
    ]);
    return { id: String(existing[0]?.id), created: false };
  }

  async claimNotifications(input: ClaimNotificationsInput): Promise<OutboxNotification[]> {
    const limit = requireLimit(input.limit, 'limit');
    requireText(input.workerId, 'workerId');
    requireTime(input.nowMs, 'nowMs');
    if (!Number.isFinite(input.leaseMs) || input.leaseMs <= 0)
      throw invalid('leaseMs', 'expected a positive number of milliseconds');
    const now = input.nowMs;
    const only = channelList(input.channels, 'channels');
    const except = channelList(input.exceptChannels, 'exceptChannels');
    if (only?.length === 0) return [];
    const channelFilter = [
      ...(only === undefined ? [] : [`AND channel IN (${placeholders(only.length)})`]),
      ...(except === undefined || except.length === 0
        ? []
        : [`AND channel NOT IN (${placeholders(except.length)})`]),
    ].join(' ');
    // The due condition is repeated in the UPDATE: on PostgreSQL a row picked by the CTE is re-checked
    // after its lock is taken, so a row another worker leased in between is left alone.
    const rows = await this.#conn.query<OutboxRow>(
      `WITH due AS (
         SELECT id FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           ${channelFilter}
         ORDER BY next_attempt_at, id
         LIMIT ?
         ${this.#dialect.forUpdateSkipLocked}
       )
       UPDATE outbox
       SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
       WHERE id IN (SELECT id FROM due)
         AND state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
       RETURNING *`,
      [now, now, ...(only ?? []), ...(except ?? []), limit, input.workerId, now + input.leaseMs, now, now],
    );
    return rows
      .map(toNotification)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || Number(a.id) - Number(b.id));
  }

  async markNotificationSent(id: string, workerId: string, nowMs: number): Promise<boolean> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('notification', id);
    requireTime(nowMs, 'nowMs');
    const changed = await this.#conn.execute(
      `UPDATE outbox SET state = 'sent', sent_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND state = 'pending' AND lease_owner = ?`,
      [nowMs, nowMs, numeric, workerId],
    );
    return changed > 0 || this.#requireNotification(numeric, id);
  }

  async markNotificationFailed(id: string, workerId: string, failure: NotificationFailure): Promise<boolean> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('notification', id);
    requireTime(failure.nowMs, 'nowMs');
    const dead = 'dead' in failure;
    const nextAttempt = 'dead' in failure ? null : requireTime(failure.nextAttemptAtMs, 'nextAttemptAtMs');
    const changed = await this.#conn.execute(
      `UPDATE outbox
       SET state = ?, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), updated_at = ?,
           lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND state = 'pending' AND lease_owner = ?`,
      [
        dead ? 'dead' : 'pending',
        failure.error.slice(0, 4000),
        nextAttempt,
        failure.nowMs,
        numeric,
        workerId,
      ],
    );
    return changed > 0 || this.#requireNotification(numeric, id);
  }

  async renewNotificationLeases(input: {
    readonly ids: readonly string[];
    readonly workerId: string;
    readonly nowMs: number;
    readonly leaseMs: number;
  }): Promise<string[]> {
    requireText(input.workerId, 'workerId');
    requireTime(input.nowMs, 'nowMs');
    if (!Number.isFinite(input.leaseMs) || input.leaseMs <= 0)
      throw invalid('leaseMs', 'expected a positive number of milliseconds');
    const numeric = input.ids.map(numericId).filter((id): id is number => id !== null);
    const held: string[] = [];
    for (const part of chunks(numeric, 500)) {
      // Only a lease still running is extended: one that lapsed may already be another worker's.
      const rows = await this.#conn.query<{ id: number }>(
        `UPDATE outbox SET lease_until = ?
         WHERE id IN (${placeholders(part.length)}) AND state = 'pending' AND lease_owner = ? AND lease_until > ?
         RETURNING id`,
        [input.nowMs + input.leaseMs, ...part, input.workerId, input.nowMs],
      );
      held.push(...rows.map((row) => String(row.id)));
    }
    return held.sort((a, b) => Number(a) - Number(b));
  }

  async retryNotification(id: string, nowMs: number): Promise<OutboxNotification> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('notification', id);
    requireTime(nowMs, 'nowMs');
    const rows = await this.#conn.query<OutboxRow>(
      `UPDATE outbox
       SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND state = 'dead'
       RETURNING *`,
      [nowMs, nowMs, numeric],
    );
    if (rows[0] !== undefined) return toNotification(rows[0]);
    const existing = await this.#conn.query<{ state: string }>(`SELECT state FROM outbox WHERE id = ?`, [
      numeric,
    ]);
    if (existing[0] === undefined) throw new NotFoundError('notification', id);
    throw new ConflictError(
      existing[0].state === 'sent'
        ? `notification ${id} was sent; only a dead notification can be retried`
        : `notification ${id} is still pending; only a dead notification can be retried`,
    );
  }

  async listNotifications(query: {
    readonly state: NotificationState;
    readonly limit: number;
  }): Promise<OutboxNotification[]> {
    if (!['pending', 'sent', 'dead'].includes(query.state)) {
      throw invalid('state', `expected pending, sent or dead, got ${JSON.stringify(query.state)}`);
    }
    const rows = await this.#conn.query<OutboxRow>(
      `SELECT * FROM outbox WHERE state = ? ORDER BY id LIMIT ?`,
      [query.state, requireLimit(query.limit, 'limit')],
    );
    return rows.map(toNotification);
  }

  async listCaseNotifications(caseId: string, limit: number): Promise<OutboxNotification[]> {
    requireText(caseId, 'caseId');
    // The payload is JSON text written by JSON.stringify (no spaces), so `"caseId":"<id>"` finds the rows in both
    // dialects without a JSON operator; a quote inside a string value is escaped there, so only the key matches,
    // and the parsed payload is checked again. A case page reads this once: no index for it on the outbox.
    const needle = `%${JSON.stringify('caseId')}:${JSON.stringify(caseId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.#conn.query<OutboxRow>(
      `SELECT * FROM outbox WHERE payload LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?`,
      [needle, requireLimit(limit, 'limit')],
    );
    return rows
      .map(toNotification)
      .filter((n) => (n.payload as { caseId?: unknown } | null)?.caseId === caseId);
  }

  async outboxDepth(): Promise<OutboxDepth> {
    const rows = await this.#conn.query<{ state: string; n: number; oldest: number | null }>(
      `SELECT state, COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM outbox WHERE state IN ('pending', 'dead') GROUP BY state`,
    );
    const pending = rows.find((row) => row.state === 'pending');
    const dead = rows.find((row) => row.state === 'dead');
    return {
      pending: Number(pending?.n ?? 0),
      dead: Number(dead?.n ?? 0),
      oldestPendingAt: pending?.oldest ?? null,
    };
  }

  // API tokens -----------------------------------------------------------------------------------

  async createApiToken(
    input: CreateApiTokenInput,
  ): Promise<{ readonly token: ApiToken; readonly created: boolean }> {
    requireText(input.name, 'name');
    requireText(input.tokenHash, 'tokenHash');
    requireText(input.createdBy, 'createdBy');
    requireTime(input.nowMs, 'nowMs');
    if (!API_ROLES.includes(input.role))
      throw invalid('role', `expected one of ${API_ROLES.join(', ')}, got ${JSON.stringify(input.role)}`);
    const rows = await this.#conn.query<ApiTokenRow>(
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
    const existing = await this.#conn.query<ApiTokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?`,
      [input.tokenHash],
    );
    return { token: toApiToken(existing[0]!), created: false };
  }

  async findApiToken(tokenHash: string): Promise<ApiToken | null> {
    const rows = await this.#conn.query<ApiTokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`,
      [tokenHash],
    );
    return rows[0] === undefined ? null : toApiToken(rows[0]);
  }

  async listApiTokens(): Promise<ApiToken[]> {
    const rows = await this.#conn.query<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY id`);
    return rows.map(toApiToken);
  }

  async revokeApiToken(id: string, nowMs: number): Promise<ApiToken> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('API token', id);
    requireTime(nowMs, 'nowMs');
    await this.#conn.execute(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, [
      nowMs,
      numeric,
    ]);
    const rows = await this.#conn.query<ApiTokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, [
      numeric,
    ]);
    if (rows[0] === undefined) throw new NotFoundError('API token', id);
    return toApiToken(rows[0]);
  }

  // Session links (SQL in session-links-sql.ts) -------------------------------------------------

  async linkSession(link: SessionLink): Promise<void> {
    const id = await this.#sessionId(link);
    await sessionSql.linkSession(this.#conn, id, link);
  }

  async getSessionLink(tokenId: string): Promise<SessionLink | null> {
    const id = numericId(tokenId);
    return id === null ? null : sessionSql.getSessionLink(this.#conn, id);
  }

  async refreshSession(input: SessionLink & { readonly role: ApiRole }): Promise<void> {
    if (!API_ROLES.includes(input.role))
      throw invalid('role', `expected one of ${API_ROLES.join(', ')}, got ${JSON.stringify(input.role)}`);
    const id = await this.#sessionId(input);
    await sessionSql.refreshSession(this.#conn, id, input);
  }

  deleteEndedSessions(beforeMs: number): Promise<number> {
    requireTime(beforeMs, 'beforeMs');
    return sessionSql.deleteEndedSessions(this.#conn, beforeMs);
  }

  /** The numeric id of an existing session, after checking the link's fields. */
  async #sessionId(link: SessionLink): Promise<number> {
    requireText(link.sealed, 'sealed');
    requireTime(link.checkedAt, 'checkedAt');
    const id = numericId(link.tokenId);
    const rows =
      id === null
        ? []
        : await this.#conn.query<{ id: number | string }>(
            `SELECT id FROM api_tokens WHERE id = ? AND kind = 'session'`,
            [id],
          );
    if (id === null || rows[0] === undefined) throw new NotFoundError('session', link.tokenId);
    return id;
  }

  // Checkpoints ----------------------------------------------------------------------------------

  async getCheckpoint(key: string): Promise<string | null> {
    const rows = await this.#conn.query<{ value: string }>(`SELECT value FROM checkpoints WHERE key = ?`, [
      key,
    ]);
    return rows[0]?.value ?? null;
  }

  async setCheckpoint(key: string, value: string, nowMs: number): Promise<void> {
    requireText(key, 'key');
    if (typeof value !== 'string') throw invalid('value', 'expected a string');
    await this.#conn.execute(
      `INSERT INTO checkpoints (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, value, requireTime(nowMs, 'nowMs')],
    );
  }

  // Work claims ----------------------------------------------------------------------------------

  async claimWork(input: ClaimWorkInput): Promise<boolean> {
    requireText(input.key, 'key');
    requireText(input.workerId, 'workerId');
    requireTime(input.nowMs, 'nowMs');
    if (!Number.isFinite(input.leaseMs) || input.leaseMs <= 0)
      throw invalid('leaseMs', 'expected a positive number of milliseconds');
    // One statement decides ownership: the upsert's WHERE sees the latest row (PostgreSQL locks it while
    // deciding), so two workers can never both win. Done items and live foreign leases are left alone.
    const rows = await this.#conn.query(
      `INSERT INTO work_items (key, owner, lease_until, attempts, claimed_at, done_at)
       VALUES (?, ?, ?, 1, ?, NULL)
       ON CONFLICT (key) DO UPDATE
         SET owner = excluded.owner, lease_until = excluded.lease_until,
             attempts = work_items.attempts + 1, claimed_at = excluded.claimed_at
         WHERE work_items.done_at IS NULL
           AND (work_items.owner = excluded.owner OR work_items.lease_until <= excluded.claimed_at)
       RETURNING key`,
      [input.key, input.workerId, input.nowMs + input.leaseMs, input.nowMs],
    );
    return rows.length > 0;
  }

  async completeWork(key: string, workerId: string, nowMs: number): Promise<boolean> {
    const changed = await this.#conn.execute(
      `UPDATE work_items SET done_at = ?, lease_until = NULL WHERE key = ? AND owner = ? AND done_at IS NULL`,
      [requireTime(nowMs, 'nowMs'), key, workerId],
    );
    return changed > 0;
  }

  async isWorkDone(key: string): Promise<boolean> {
    const rows = await this.#conn.query(`SELECT key FROM work_items WHERE key = ? AND done_at IS NOT NULL`, [
      key,
    ]);
    return rows.length > 0;
  }

  // Scheduled jobs -------------------------------------------------------------------------------

  acquireJobLease(input: JobLeaseInput): Promise<boolean> {
    requireText(input.name, 'name');
    requireText(input.workerId, 'workerId');
    requireTime(input.nowMs, 'nowMs');
    if (!Number.isFinite(input.leaseMs) || input.leaseMs <= 0)
      throw invalid('leaseMs', 'expected a positive number of milliseconds');
    return acquireJobLease(this.#conn, input);
  }

  releaseJobLease(name: string, workerId: string): Promise<boolean> {
    return releaseJobLease(this.#conn, requireText(name, 'name'), requireText(workerId, 'workerId'));
  }

  getJobLease(name: string): Promise<JobLease | null> {
    return getJobLease(this.#conn, requireText(name, 'name'));
  }

  // Dead letters ---------------------------------------------------------------------------------

  async addDeadLetter(input: AddDeadLetterInput): Promise<DeadLetter> {
    requireText(input.source, 'source');
    requireText(input.reason, 'reason');
    requireTime(input.nowMs, 'nowMs');
    const raw = typeof input.raw === 'string' ? Buffer.from(input.raw, 'utf8') : input.raw;
    if (!Buffer.isBuffer(raw)) throw invalid('raw', 'expected a Buffer or a string');
    const rows = await this.#conn.query<{ id: number }>(
      `INSERT INTO dead_letters (source, location, reason, raw, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
      [input.source, input.location, input.reason, raw, input.nowMs],
    );
    return {
      id: String(rows[0]?.id),
      source: input.source,
      location: input.location,
      reason: input.reason,
      raw,
      createdAt: input.nowMs,
    };
  }

  async listDeadLetters(query: { readonly limit: number }): Promise<DeadLetter[]> {
    const rows = await this.#conn.query<DeadLetterRow>(
      `SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?`,
      [requireLimit(query.limit, 'limit')],
    );
    return rows.map((row) => ({
      id: String(row.id),
      source: row.source,
      location: row.location,
      reason: row.reason,
      raw: Buffer.isBuffer(row.raw) ? row.raw : Buffer.from(row.raw),
      createdAt: row.created_at,
    }));
  }

  // KPIs -----------------------------------------------------------------------------------------

  // eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
  async kpiSnapshot(query: { readonly fromMs: number; readonly toMs: number }): Promise<KpiSnapshot> {
    const from = requireTime(query.fromMs, 'fromMs');
    const to = requireTime(query.toMs, 'toMs');
    const mttd = await this.#conn.query<{ d: number }>(
      // Alerts of cases of another kind (a user provisioned without MFA, alerted on after a grace) are not detections
      // of a removal: their delay is the grace, not the pipeline's.
      `SELECT detected_at - event_time_ms AS d FROM alerts WHERE detected_at >= ? AND detected_at < ?
         AND NOT EXISTS (SELECT 1 FROM case_alerts ca JOIN cases c ON c.id = ca.case_id
                         WHERE ca.alert_id = alerts.id AND c.kind IS NOT NULL)`,
      [from, to],
    );
    const auto = AUTO_RESOLUTIONS.map(() => '?').join(', ');
    const mttr = await this.#conn.query<{ d: number }>(
      `SELECT resolved_at - detected_at AS d FROM cases WHERE resolved_at IS NOT NULL AND resolved_at >= ? AND resolved_at < ?
         AND kind IS NULL AND (resolution IS NULL OR resolution NOT IN (${auto}))`,
      [from, to, ...AUTO_RESOLUTIONS],
    );
    const autoResolved = await this.#conn.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM cases WHERE resolved_at IS NOT NULL AND resolved_at >= ? AND resolved_at < ?
         AND kind IS NULL AND resolution IN (${auto})`,
      [from, to, ...AUTO_RESOLUTIONS],
    );
    // Several rules may alert on one removal: one row per event, the case's classification winning
    // (verification answers land on the case), else the earliest alert's.
    const removals = await this.#conn.query<{
      event_id: string;
      event_time_ms: number;
      classification: string | null;
    }>(
      `SELECT a.event_id, a.event_time_ms, COALESCE(c.classification, a.classification) AS classification
       FROM alerts a
       LEFT JOIN case_alerts ca ON ca.alert_id = a.id
       LEFT JOIN cases c ON c.id = ca.case_id
       WHERE a.event_name = 'DeactivateMFADevice' AND a.event_outcome = 'success'
         AND a.event_time_ms >= ? AND a.event_time_ms < ?
       ORDER BY a.event_id, a.detected_at, a.id`,
      [from, to],
    );
    const openBySeverity = await this.#conn.query<{ severity: string; n: number }>(
      `SELECT severity, COUNT(*) AS n FROM cases WHERE state <> 'resolved' GROUP BY severity`,
    );
    const windows = await this.#conn.query<{ v: number }>(
      `SELECT vulnerability_window_seconds AS v FROM cases
       WHERE vulnerability_window_seconds IS NOT NULL AND first_event_at >= ? AND first_event_at < ?`,
      [from, to],
    );
    const answers = await this.#conn.query<{ d: number }>(
      `SELECT answered_at - created_at AS d FROM verifications WHERE answered_at IS NOT NULL AND answered_at >= ? AND answered_at < ?`,
      [from, to],
    );

    const months = new Map<string, Record<Classification | 'unclassified', number>>();
    const seenEvents = new Set<string>();
    for (const removal of removals) {
      if (seenEvents.has(removal.event_id)) continue;
      seenEvents.add(removal.event_id);
      const month = monthOf(Number(removal.event_time_ms));
      let counts = months.get(month);
      if (counts === undefined) {
        counts = {
          rotation: 0,
          approved: 0,
          'admin-reset': 0,
          verified: 0,
          suspicious: 0,
          unauthorized: 0,
          unresolved: 0,
          unclassified: 0,
        };
        months.set(month, counts);
      }
      const key =
        removal.classification !== null &&
        (CLASSIFICATIONS as readonly string[]).includes(removal.classification)
          ? (removal.classification as Classification)
          : 'unclassified';
      counts[key]++;
    }
    const removalsByMonth: RemovalMonth[] = [...months.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([month, byClassification]) => ({
        month,
        total: Object.values(byClassification).reduce((sum, n) => sum + n, 0),
        byClassification,
      }));

    const openCasesBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
      Severity,
      number
    >;
    for (const row of openBySeverity) {
      if (isSeverity(row.severity)) openCasesBySeverity[row.severity] = Number(row.n);
    }
    const windowValues = windows.map((row) => Number(row.v)).sort((a, b) => a - b);
    return {
      fromMs: from,
      toMs: to,
      mttd: durationStats(mttd.map((row) => Number(row.d))),
      mttr: durationStats(mttr.map((row) => Number(row.d))),
      autoResolved: Number(autoResolved[0]?.n ?? 0),
      removalsByMonth,
      openCasesBySeverity,
      vulnerabilityWindow: {
        count: windowValues.length,
        medianSeconds: nearestRank(windowValues, 50),
        p90Seconds: nearestRank(windowValues, 90),
      },
      verificationAnswerTime: durationStats(answers.map((row) => Number(row.d))),
    };
  }

  kpiFacts(query: KpiFactsQuery): Promise<KpiFacts> {
    return kpiFacts(this.#conn, {
      fromMs: requireTime(query.fromMs, 'fromMs'),
      toMs: requireTime(query.toMs, 'toMs'),
    });
  }

  recordDenials(denials: readonly DenialFact[]): Promise<void> {
    denials.forEach((denial, index) => {
      requireText(denial.eventId, `denials[${index}].eventId`);
      requireTime(denial.timeMs, `denials[${index}].timeMs`);
      requireText(denial.errorCode, `denials[${index}].errorCode`);
      if (denial.kind !== 'mfa-policy' && denial.kind !== 'no-mfa-session')
        throw invalid(
          `denials[${index}].kind`,
          `expected mfa-policy or no-mfa-session, got ${String(denial.kind)}`,
        );
    });
    return recordDenials(this.#conn, denials);
  }

  // Internals ------------------------------------------------------------------------------------

  async #activeCaseOf(targetKey: string): Promise<CaseRow | undefined> {
    const rows = await this.#conn.query<CaseRow>(
      `SELECT * FROM cases WHERE target_key = ? AND state <> 'resolved' ${this.#dialect.forUpdate}`,
      [targetKey],
    );
    return rows[0];
  }

  async #lockCase(id: string): Promise<CaseRow> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('case', id);
    const rows = await this.#conn.query<CaseRow>(
      `SELECT * FROM cases WHERE id = ? ${this.#dialect.forUpdate}`,
      [numeric],
    );
    if (rows[0] === undefined) throw new NotFoundError('case', id);
    return rows[0];
  }

  async #requireCase(id: string): Promise<Case> {
    const numeric = numericId(id);
    const rows =
      numeric === null ? [] : await this.#conn.query<CaseRow>(`SELECT * FROM cases WHERE id = ?`, [numeric]);
    if (rows[0] === undefined) throw new NotFoundError('case', id);
    return toCase(rows[0]);
  }

  /** False when the row exists (the lease was lost or it is final); NotFoundError when it does not. */
  async #requireNotification(numeric: number, id: string): Promise<boolean> {
    const rows = await this.#conn.query(`SELECT id FROM outbox WHERE id = ?`, [numeric]);
    if (rows.length === 0) throw new NotFoundError('notification', id);
    return false;
  }

  async #audit(
    caseId: string,
    at: number,
    actor: string,
    action: CaseAuditAction,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
  ): Promise<void> {
    await this.#conn.execute(
      `INSERT INTO case_audit (case_id, at, actor, action, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?)`,
      [
        Number(caseId),
        at,
        requireText(actor, 'actor'),
        action,
        before === null ? null : JSON.stringify(before),
        after === null ? null : JSON.stringify(after),
      ],
    );
  }
}
