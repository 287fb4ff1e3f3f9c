// The notification outbox: enqueue once per dedupe key, leased claims, retries and dead rows.

import { ConflictError, NotFoundError } from '../errors.ts';
import type {
  ClaimNotificationsInput,
  EnqueueNotificationInput,
  NotificationFailure,
  NotificationState,
  OutboxDepth,
  OutboxNotification,
} from '../store.ts';
import {
  invalid,
  requireText,
  requireTime,
  requireLimit,
  numericId,
  channelList,
  placeholders,
  chunks,
  SqlRepository,
} from './sql-helpers.ts';

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

/** The notification outbox. */
export class OutboxRepo extends SqlRepository {
  async enqueueNotification(
    input: EnqueueNotificationInput,
  ): Promise<{ readonly id: string; readonly created: boolean }> {
    requireText(input.kind, 'kind');
    requireText(input.channel, 'channel');
    requireText(input.dedupeKey, 'dedupeKey');
    requireTime(input.nowMs, 'nowMs');
    const payload = JSON.stringify(input.payload);
    if (payload === undefined) throw invalid('payload', 'expected a JSON-serialisable value');
    const rows = await this.conn.query<{ id: number }>(
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
    const existing = await this.conn.query<{ id: number }>(`SELECT id FROM outbox WHERE dedupe_key = ?`, [
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
    const rows = await this.conn.query<OutboxRow>(
      `WITH due AS (
         SELECT id FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           ${channelFilter}
         ORDER BY next_attempt_at, id
         LIMIT ?
         ${this.dialect.forUpdateSkipLocked}
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
    const changed = await this.conn.execute(
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
    const changed = await this.conn.execute(
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
      const rows = await this.conn.query<{ id: number }>(
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
    const rows = await this.conn.query<OutboxRow>(
      `UPDATE outbox
       SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND state = 'dead'
       RETURNING *`,
      [nowMs, nowMs, numeric],
    );
    if (rows[0] !== undefined) return toNotification(rows[0]);
    const existing = await this.conn.query<{ state: string }>(`SELECT state FROM outbox WHERE id = ?`, [
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
    const rows = await this.conn.query<OutboxRow>(
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
    const rows = await this.conn.query<OutboxRow>(
      `SELECT * FROM outbox WHERE payload LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?`,
      [needle, requireLimit(limit, 'limit')],
    );
    return rows
      .map(toNotification)
      .filter((n) => (n.payload as { caseId?: unknown } | null)?.caseId === caseId);
  }

  async outboxDepth(): Promise<OutboxDepth> {
    const rows = await this.conn.query<{ state: string; n: number; oldest: number | null }>(
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

  /** False when the row exists (the lease was lost or it is final); NotFoundError when it does not. */
  async #requireNotification(numeric: number, id: string): Promise<boolean> {
    const rows = await this.conn.query(`SELECT id FROM outbox WHERE id = ?`, [numeric]);
    if (rows.length === 0) throw new NotFoundError('notification', id);
    return false;
  }
}
