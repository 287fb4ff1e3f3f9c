// Sends what the outbox holds: one lane per notifier (its own concurrency and timeout), each send recorded as it ends.

import type { Notifier, RetryPolicy, Route } from '../../notify/index.ts';
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_MS,
  caseAtSend,
  nextAttempt,
  parseStoredNotification,
  routeNotification,
} from '../../notify/index.ts';
import type { OutboxNotification, Store } from '../../store/index.ts';
import { createLiveMetrics } from './metrics.ts';
import type { LiveMetrics } from './metrics.ts';
import { deliveryKey } from './notifications.ts';
import type { LiveLogEntry } from './live-service.ts';

/** A row queued for "whatever the routes say" rather than one notifier: the worker fans it out. */
export const ROUTED_CHANNEL = '*';

/** Sends at once per notifier when its configuration does not say. */
export const DEFAULT_LANE_CONCURRENCY = 4;
/** Added to a notifier's own timeout before its lane cancels the send: the notifier's more precise error wins. */
const LANE_TIMEOUT_MARGIN_MS = 1_000;

export interface LaneSettings {
  /** Sends in flight at once on this notifier. */
  readonly concurrency: number;
  /** The notifier's own timeout; the lane cancels a send that outlives it (plus a margin). */
  readonly timeoutMs: number;
}

export interface OutboxWorkerOptions {
  readonly store: Store;
  /** Notifiers by id: a row's channel is the id of the notifier that sends it. */
  readonly notifiers: ReadonlyMap<string, Notifier>;
  /** Per notifier id; a notifier not listed gets DEFAULT_LANE_CONCURRENCY and DEFAULT_TIMEOUT_MS. */
  readonly lanes?: ReadonlyMap<string, LaneSettings>;
  /** Used for rows queued on the `*` channel (fanned out into one row per notifier). */
  readonly routes?: readonly Route[];
  readonly clock: () => number;
  /** Unique per process, e.g. `host:pid`; leases are held in its name. */
  readonly workerId: string;
  /**
   * How long a claimed row stays this worker's without a heartbeat. Short, because heartbeats keep the rows in
   * flight alive: after a crash only those are sent again, as soon as this runs out.
   */
  readonly leaseMs: number;
  /** Between heartbeats (default a third of the lease). */
  readonly heartbeatMs?: number;
  /** At most this many rows per lane in one `runOnce`. */
  readonly batch: number;
  readonly retryPolicy?: RetryPolicy;
  /** For the backoff jitter; injected so tests are exact. */
  readonly random?: () => number;
  readonly metrics?: LiveMetrics;
  readonly log?: (entry: LiveLogEntry) => void;
}

export interface OutboxRunResult {
  readonly sent: number;
  /** Failed this time, to be retried later. */
  readonly failed: number;
  readonly dead: number;
}

export interface OutboxWorker {
  /**
   * One pass: every lane sends what is due (at most `batch` rows each, `concurrency` at a time) and the pass ends
   * when all have an outcome. For tests and `drainOutbox`; the service runs `run`.
   */
  runOnce(): Promise<OutboxRunResult>;
  /**
   * Every lane on its own until `signal` aborts: it claims only as many rows as it has free slots, so a lane
   * stuck on a hanging receiver holds its own few rows and never another lane's. Sends in flight when the
   * signal aborts finish (each is bounded by its timeout). Delivery is at-least-once: a crash between a
   * receiver's answer and the record of it re-sends that one row once its lease runs out, with the same
   * idempotency key (webhook X-Mfaguard-Delivery, email Message-ID, PagerDuty dedup_key, Slack metadata).
   */
  run(signal: AbortSignal, idleMs: number): Promise<void>;
  /** Rows this process holds right now (claimed, not yet recorded). */
  inFlight(): number;
}

type Outcome = 'sent' | 'failed' | 'dead' | 'lost';

interface Lane {
  readonly name: string;
  readonly filter: { readonly channels: readonly string[] } | { readonly exceptChannels: readonly string[] };
  readonly concurrency: number;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 500);
}

function tally(outcomes: readonly Outcome[]): OutboxRunResult {
  return {
    sent: outcomes.filter((outcome) => outcome === 'sent').length,
    failed: outcomes.filter((outcome) => outcome === 'failed').length,
    dead: outcomes.filter((outcome) => outcome === 'dead').length,
  };
}

/** What the worker's parts share: the options, resolved once, and the rows this process holds. */
interface OutboxContext {
  readonly options: OutboxWorkerOptions;
  readonly store: Store;
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly clock: () => number;
  readonly workerId: string;
  readonly policy: RetryPolicy;
  readonly metrics: LiveMetrics;
  readonly log: (entry: LiveLogEntry) => void;
  readonly settings: (id: string) => LaneSettings;
  /** Claimed and not yet recorded: what the heartbeat keeps alive. */
  readonly held: Set<string>;
}

/** One lane per notifier, then one for rows to fan out and one for rows whose notifier nobody configured. */
function lanesOf(ctx: OutboxContext): Lane[] {
  const { notifiers, settings } = ctx;
  return [
    ...[...notifiers.keys()].sort().map((id) => ({
      name: id,
      filter: { channels: [id] },
      concurrency: Math.max(1, settings(id).concurrency),
    })),
    // Fanning out is a few inserts; rows for a notifier nobody configured only need their dead letter.
    { name: ROUTED_CHANNEL, filter: { channels: [ROUTED_CHANNEL] }, concurrency: 1 },
    { name: '(unknown)', filter: { exceptChannels: [...notifiers.keys(), ROUTED_CHANNEL] }, concurrency: 1 },
  ];
}

async function markDead(ctx: OutboxContext, row: OutboxNotification, error: string): Promise<Outcome> {
  const { store, workerId, clock, metrics, log } = ctx;
  const kept = await store.markNotificationFailed(row.id, workerId, { error, nowMs: clock(), dead: true });
  if (!kept) return 'lost';
  metrics.inc('outboxDead');
  log({ level: 'warn', msg: 'notification dead-lettered', id: row.id, channel: row.channel, error });
  return 'dead';
}

async function fanOut(ctx: OutboxContext, row: OutboxNotification): Promise<Outcome> {
  const { store, workerId, clock, options } = ctx;
  const parsed = parseStoredNotification(row.payload);
  if ('error' in parsed) return markDead(ctx, row, `unreadable notification: ${parsed.error}`);
  const ids = routeNotification(parsed.notification, options.routes ?? []);
  const now = clock();
  return store.transaction(async (tx) => {
    for (const id of ids) {
      await tx.enqueueNotification({
        kind: row.kind,
        channel: id,
        payload: row.payload,
        dedupeKey: deliveryKey(row.dedupeKey, id),
        nowMs: now,
      });
    }
    return (await tx.markNotificationSent(row.id, workerId, now)) ? 'sent' : 'lost';
  });
}

/** The notifier's answer; a notifier that throws has a bug, retried like an outage so a fix and a restart deliver it. */
async function attempt(
  ctx: OutboxContext,
  notifier: Notifier,
  notification: Parameters<Notifier['send']>[0],
): Promise<Awaited<ReturnType<Notifier['send']>>> {
  try {
    const bound = AbortSignal.timeout(ctx.settings(notifier.id).timeoutMs + LANE_TIMEOUT_MARGIN_MS);
    return await notifier.send(notification, bound);
  } catch (error) {
    ctx.metrics.inc('errors');
    return {
      ok: false as const,
      retryable: true,
      error: `notifier ${notifier.id} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

async function send(ctx: OutboxContext, notifier: Notifier, row: OutboxNotification): Promise<Outcome> {
  const { store, workerId, clock, metrics, log, policy, options } = ctx;
  const parsed = parseStoredNotification(row.payload);
  if ('error' in parsed) return markDead(ctx, row, `unreadable notification: ${parsed.error}`);
  // The case as it is now, not as it was when the row was written (issue 17: a message said "unresolved" about a
  // case already classified suspicious). A store failure here ends in deliver's catch: the row is tried again.
  const { caseId } = parsed.notification;
  const current = caseId === null ? null : await store.getCase(caseId);
  const notification = caseAtSend(parsed.notification, current, row.createdAt, clock());
  const result = await attempt(ctx, notifier, notification);
  const now = clock();
  if (result.ok) {
    // Recorded the moment the receiver took it: a crash after this point sends nothing again.
    if (!(await store.markNotificationSent(row.id, workerId, now))) return 'lost';
    metrics.inc('outboxSent');
    metrics.observeDeliveryAge((now - row.createdAt) / 1000);
    return 'sent';
  }
  const next = nextAttempt(row.attempts, result, now, policy, options.random);
  if ('dead' in next) return markDead(ctx, row, oneLine(next.reason));
  const kept = await store.markNotificationFailed(row.id, workerId, {
    error: oneLine(result.error),
    nowMs: now,
    nextAttemptAtMs: next.retryAtMs,
  });
  if (!kept) return 'lost';
  metrics.inc('outboxFailed');
  log({
    level: 'warn',
    msg: 'notification failed; will retry',
    id: row.id,
    channel: row.channel,
    error: oneLine(result.error),
    retryAt: next.retryAtMs,
  });
  return 'failed';
}

async function deliver(ctx: OutboxContext, row: OutboxNotification): Promise<Outcome> {
  try {
    if (row.channel === ROUTED_CHANNEL) return await fanOut(ctx, row);
    const notifier = ctx.notifiers.get(row.channel);
    if (notifier === undefined)
      return await markDead(ctx, row, `no notifier with the id '${row.channel}' is configured`);
    return await send(ctx, notifier, row);
  } catch (error) {
    // The store failed while recording: the lease runs out and the row is tried again.
    ctx.metrics.inc('errors');
    ctx.log({ level: 'error', msg: 'outbox delivery failed', id: row.id, error: String(error) });
    return 'lost';
  } finally {
    ctx.held.delete(row.id);
  }
}

async function claim(ctx: OutboxContext, lane: Lane, limit: number): Promise<OutboxNotification[]> {
  const rows = await ctx.store.claimNotifications({
    nowMs: ctx.clock(),
    limit,
    workerId: ctx.workerId,
    leaseMs: ctx.options.leaseMs,
    ...lane.filter,
  });
  for (const row of rows) ctx.held.add(row.id);
  return rows;
}

/** Renews the leases of the rows this process holds, on one timer however many runs overlap. */
class Heartbeat {
  readonly #ctx: OutboxContext;
  #users = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #beating: Promise<void> | null = null;

  constructor(ctx: OutboxContext) {
    this.#ctx = ctx;
  }

  /** Keeps the leases of held rows alive while `fn` runs. */
  async around<T>(fn: () => Promise<T>): Promise<T> {
    const { options } = this.#ctx;
    this.#users++;
    this.#timer ??= setInterval(
      () => {
        // One renewal at a time: a slow store does not pile them up.
        if (this.#beating === null)
          this.#beating = this.#beat().finally(() => {
            this.#beating = null;
          });
      },
      options.heartbeatMs ?? Math.max(1, Math.floor(options.leaseMs / 3)),
    );
    this.#timer.unref();
    try {
      return await fn();
    } finally {
      this.#users--;
      if (this.#users === 0 && this.#timer !== null) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    }
  }

  async #beat(): Promise<void> {
    const { store, workerId, clock, options, held, metrics, log } = this.#ctx;
    const ids = [...held];
    if (ids.length === 0) return;
    try {
      const kept = new Set(
        await store.renewNotificationLeases({ ids, workerId, nowMs: clock(), leaseMs: options.leaseMs }),
      );
      const lost = ids.filter((id) => held.has(id) && !kept.has(id));
      if (lost.length > 0) {
        log({
          level: 'warn',
          msg: 'outbox leases lapsed before their heartbeat; another worker may resend',
          ids: lost,
        });
      }
    } catch (error) {
      metrics.inc('errors');
      log({ level: 'error', msg: 'outbox heartbeat failed', error: String(error) });
    }
  }
}

type LaneMode = { readonly signal: AbortSignal; readonly idleMs: number } | { readonly max: number };

/** Claims what the lane has room for; a failed claim ends a bounded pass, and is logged and retried in a running one. */
async function claimRoom(ctx: OutboxContext, lane: Lane, budget: number, mode: LaneMode) {
  if (budget <= 0) return [];
  try {
    return await claim(ctx, lane, budget);
  } catch (error) {
    if (!('signal' in mode)) throw error;
    ctx.metrics.inc('errors');
    ctx.log({ level: 'error', msg: 'outbox claim failed', lane: lane.name, error: String(error) });
    return [];
  }
}

/**
 * Drives one lane: claims as many rows as it has free slots, starts each send, and claims again when a slot
 * frees. Without a signal it stops once nothing more is due (or `max` rows were claimed) and all sends ended.
 */
async function driveLane(ctx: OutboxContext, lane: Lane, mode: LaneMode): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const active = new Set<Promise<void>>();
  let claimed = 0;
  let freed = false;
  let wake: () => void = () => undefined;
  const start = (row: OutboxNotification): void => {
    const running: Promise<void> = deliver(ctx, row).then((outcome) => {
      outcomes.push(outcome);
      active.delete(running);
      freed = true;
      wake();
    });
    active.add(running);
  };
  for (;;) {
    if ('signal' in mode && mode.signal.aborted) break;
    const free = lane.concurrency - active.size;
    const budget = 'max' in mode ? Math.min(free, mode.max - claimed) : free;
    freed = false;
    const rows = await claimRoom(ctx, lane, budget, mode);
    claimed += rows.length;
    for (const row of rows) start(row);
    const nothingDue = budget > 0 && rows.length < budget;
    if ('max' in mode) {
      if (nothingDue || claimed >= mode.max) break;
      await Promise.race(active);
      continue;
    }
    if (freed && !nothingDue) continue;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        mode.signal.removeEventListener('abort', done);
        wake = () => undefined;
        resolve();
      };
      // A full lane waits for a slot; an idle one also looks again after `idleMs` for rows that came due.
      const timer = setTimeout(done, mode.idleMs);
      wake = done;
      mode.signal.addEventListener('abort', done, { once: true });
      if (freed && active.size < lane.concurrency && !nothingDue) done();
    });
  }
  await Promise.all(active);
  return outcomes;
}

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const ctx: OutboxContext = {
    options,
    store: options.store,
    notifiers: options.notifiers,
    clock: options.clock,
    workerId: options.workerId,
    policy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
    metrics: options.metrics ?? createLiveMetrics(),
    log: (entry) => options.log?.(entry),
    settings: (id) =>
      options.lanes?.get(id) ?? { concurrency: DEFAULT_LANE_CONCURRENCY, timeoutMs: DEFAULT_TIMEOUT_MS },
    held: new Set(),
  };
  const lanes = lanesOf(ctx);
  const heartbeat = new Heartbeat(ctx);
  return {
    async runOnce() {
      return heartbeat.around(async () => {
        const perLane = await Promise.all(lanes.map((lane) => driveLane(ctx, lane, { max: options.batch })));
        return tally(perLane.flat());
      });
    },
    async run(signal, idleMs) {
      await heartbeat.around(async () => {
        await Promise.all(lanes.map((lane) => driveLane(ctx, lane, { signal, idleMs })));
      });
    },
    inFlight: () => ctx.held.size,
  };
}
