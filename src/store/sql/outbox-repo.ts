// The notification outbox: enqueue once per dedupe key, leased claims, retries and dead rows.

import { sql } from 'kysely';
import type { ExpressionBuilder } from 'kysely';
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
  chunks,
  SqlRepository,
} from './sql-helpers.ts';
import type { Selectable } from 'kysely';
import type { Tables } from './query-builder.ts';
import { PreparedQuery } from './prepared-query.ts';
import { queryChanges, queryBuilder, queryRows } from './query-builder.ts';

/** A stored notification as the builder reads it (the columns of `Tables['outbox']`). */
type OutboxRow = Selectable<Tables['outbox']>;

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

// Per event in `serve`: compiled once. The fixed columns are literals, as they were in the hand-written text.
const ENQUEUE = new PreparedQuery(
  (
    db,
    v: {
      kind: string;
      channel: string;
      payload: string;
      dedupeKey: string;
      notBefore: number;
      nowMs: number;
    },
  ) =>
    db
      .insertInto('outbox')
      .values({
        kind: v.kind,
        channel: v.channel,
        payload: v.payload,
        dedupe_key: v.dedupeKey,
        state: sql.lit('pending'),
        attempts: sql.lit(0),
        next_attempt_at: v.notBefore,
        last_error: sql.lit(null),
        lease_owner: sql.lit(null),
        lease_until: sql.lit(null),
        created_at: v.nowMs,
        updated_at: v.nowMs,
        sent_at: sql.lit(null),
      })
      .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
      .returning('id'),
);

const BY_DEDUPE_KEY = new PreparedQuery((db, v: { dedupeKey: string }) =>
  db.selectFrom('outbox').select('id').where('dedupe_key', '=', v.dedupeKey),
);

type Claim = {
  now: number;
  leaseUntil: number;
  workerId: string;
  limit: number;
  only: readonly string[] | undefined;
  except: readonly string[] | undefined;
};

// Polled by every outbox worker (after each enqueue in `serve`): compiled once per shape. The due condition is
// repeated in the UPDATE: on PostgreSQL a row picked by the CTE is re-checked after its lock is taken, so a row
// another worker leased in between is left alone.
const CLAIM = new PreparedQuery((db, v: Claim, dialect) => {
  const leaseFree = (eb: ExpressionBuilder<Tables, 'outbox'>) =>
    eb.and([
      eb('state', '=', 'pending'),
      eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', v.now)]),
    ]);
  const { only, except } = v;
  return db
    .with('due', (creator) =>
      creator
        .selectFrom('outbox')
        .select('id')
        .where((eb) => eb.and([leaseFree(eb), eb('next_attempt_at', '<=', v.now)]))
        .$if(only !== undefined, (select) => select.where('channel', 'in', only ?? []))
        .$if(except !== undefined, (select) => select.where('channel', 'not in', except ?? []))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(v.limit)
        // The dialect's row-lock clause as text: empty on SQLite (its writers are serialised already).
        .modifyEnd(sql.raw(dialect.forUpdateSkipLocked)),
    )
    .updateTable('outbox')
    .set((eb) => ({
      lease_owner: v.workerId,
      lease_until: v.leaseUntil,
      attempts: eb('attempts', '+', 1),
      updated_at: v.now,
    }))
    .where((eb) => eb.and([eb('id', 'in', eb.selectFrom('due').select('id')), leaseFree(eb)]))
    .returningAll();
});

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
    const notBefore = input.notBeforeMs ?? input.nowMs;
    const rows = await ENQUEUE.rows(this.conn, this.dialect, {
      kind: input.kind,
      channel: input.channel,
      payload,
      dedupeKey: input.dedupeKey,
      notBefore,
      nowMs: input.nowMs,
    });
    if (rows[0] !== undefined) return { id: String(rows[0].id), created: true };
    const existing = await BY_DEDUPE_KEY.rows(this.conn, this.dialect, { dedupeKey: input.dedupeKey });
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
    const rows = await CLAIM.rows(this.conn, this.dialect, {
      now,
      leaseUntil: now + input.leaseMs,
      workerId: input.workerId,
      limit,
      only,
      except: except !== undefined && except.length > 0 ? except : undefined,
    });
    return rows
      .map(toNotification)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || Number(a.id) - Number(b.id));
  }

  async markNotificationSent(id: string, workerId: string, nowMs: number): Promise<boolean> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('notification', id);
    requireTime(nowMs, 'nowMs');
    const changed = await queryChanges(
      this.conn,
      this.#leased(numeric, workerId).set({
        state: 'sent',
        sent_at: nowMs,
        updated_at: nowMs,
        lease_owner: null,
        lease_until: null,
      }),
    );
    return changed > 0 || this.#requireNotification(numeric, id);
  }

  async markNotificationFailed(id: string, workerId: string, failure: NotificationFailure): Promise<boolean> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('notification', id);
    requireTime(failure.nowMs, 'nowMs');
    const dead = 'dead' in failure;
    const nextAttempt = 'dead' in failure ? null : requireTime(failure.nextAttemptAtMs, 'nextAttemptAtMs');
    const changed = await queryChanges(
      this.conn,
      this.#leased(numeric, workerId).set((eb) => ({
        state: dead ? 'dead' : 'pending',
        last_error: failure.error.slice(0, 4000),
        next_attempt_at: nextAttempt ?? eb.ref('next_attempt_at'),
        updated_at: failure.nowMs,
        lease_owner: null,
        lease_until: null,
      })),
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
      const rows = await queryRows(
        this.conn,
        queryBuilder(this.dialect)
          .updateTable('outbox')
          .set({ lease_until: input.nowMs + input.leaseMs })
          .where('id', 'in', part)
          .where('state', '=', 'pending')
          .where('lease_owner', '=', input.workerId)
          .where('lease_until', '>', input.nowMs)
          .returning('id'),
      );
      held.push(...rows.map((row) => String(row.id)));
    }
    return held.sort((a, b) => Number(a) - Number(b));
  }

  async retryNotification(id: string, nowMs: number): Promise<OutboxNotification> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('notification', id);
    requireTime(nowMs, 'nowMs');
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .updateTable('outbox')
        .set({
          state: 'pending',
          attempts: 0,
          next_attempt_at: nowMs,
          updated_at: nowMs,
          lease_owner: null,
          lease_until: null,
        })
        .where('id', '=', numeric)
        .where('state', '=', 'dead')
        .returningAll(),
    );
    if (rows[0] !== undefined) return toNotification(rows[0]);
    const existing = await queryRows(
      this.conn,
      queryBuilder(this.dialect).selectFrom('outbox').select('state').where('id', '=', numeric),
    );
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
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('outbox')
        .selectAll()
        .where('state', '=', query.state)
        .orderBy('id')
        .limit(requireLimit(query.limit, 'limit')),
    );
    return rows.map(toNotification);
  }

  async listCaseNotifications(caseId: string, limit: number): Promise<OutboxNotification[]> {
    requireText(caseId, 'caseId');
    // The payload is JSON text written by JSON.stringify (no spaces), so `"caseId":"<id>"` finds the rows in both
    // dialects without a JSON operator; a quote inside a string value is escaped there, so only the key matches,
    // and the parsed payload is checked again. A case page reads this once: no index for it on the outbox.
    const needle = `%${JSON.stringify('caseId')}:${JSON.stringify(caseId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('outbox')
        .selectAll()
        // LIKE with an ESCAPE clause, which the builder has no operator for.
        .where(sql<boolean>`payload LIKE ${needle} ESCAPE '\\'`)
        .orderBy('id')
        .limit(requireLimit(limit, 'limit')),
    );
    return rows
      .map(toNotification)
      .filter((n) => (n.payload as { caseId?: unknown } | null)?.caseId === caseId);
  }

  async outboxDepth(): Promise<OutboxDepth> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('outbox')
        .select((eb) => [
          'state',
          eb.fn.countAll<number>().as('n'),
          eb.fn.min('next_attempt_at').as('oldest'),
        ])
        .where('state', 'in', ['pending', 'dead'])
        .groupBy('state'),
    );
    const pending = rows.find((row) => row.state === 'pending');
    const dead = rows.find((row) => row.state === 'dead');
    return {
      pending: Number(pending?.n ?? 0),
      dead: Number(dead?.n ?? 0),
      oldestPendingAt: pending?.oldest ?? null,
    };
  }

  /** The update of a notification this worker still holds (pending, leased to it). */
  #leased(id: number, workerId: string) {
    return queryBuilder(this.dialect)
      .updateTable('outbox')
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where('lease_owner', '=', workerId);
  }

  /** False when the row exists (the lease was lost or it is final); NotFoundError when it does not. */
  async #requireNotification(numeric: number, id: string): Promise<boolean> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect).selectFrom('outbox').select('id').where('id', '=', numeric),
    );
    if (rows.length === 0) throw new NotFoundError('notification', id);
    return false;
  }
}
