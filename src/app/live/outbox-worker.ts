// Sends what the outbox holds: claims due rows, delivers them through their notifier, and records sent, retry or dead.

import type { Notifier, RetryPolicy, Route } from '../../notify/index.ts';
import {
  DEFAULT_RETRY_POLICY,
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

export interface OutboxWorkerOptions {
  readonly store: Store;
  /** Notifiers by id: a row's channel is the id of the notifier that sends it. */
  readonly notifiers: ReadonlyMap<string, Notifier>;
  /** Used for rows queued on the `*` channel (fanned out into one row per notifier). */
  readonly routes?: readonly Route[];
  readonly clock: () => number;
  /** Unique per process, e.g. `host:pid`; leases are held in its name. */
  readonly workerId: string;
  /** How long claimed rows stay this worker's; longer than a batch of sends can take (notifier timeouts). */
  readonly leaseMs: number;
  /** Rows claimed per run. */
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
   * One pass: claim due rows, send them concurrently, record each outcome. Delivery is at-least-once: a crash
   * after a notifier accepted a message but before it is marked sent sends it again once the lease runs out
   * (receivers drop repeats by the notification's dedupe key). Dedupe keys keep a message from being queued twice.
   */
  runOnce(): Promise<OutboxRunResult>;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 500);
}

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { store, notifiers, clock, workerId } = options;
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const metrics = options.metrics ?? createLiveMetrics();
  const log = (entry: LiveLogEntry): void => options.log?.(entry);

  async function markDead(row: OutboxNotification, error: string): Promise<'dead' | 'lost'> {
    const held = await store.markNotificationFailed(row.id, workerId, { error, nowMs: clock(), dead: true });
    if (!held) return 'lost';
    metrics.inc('outboxDead');
    log({ level: 'warn', msg: 'notification dead-lettered', id: row.id, channel: row.channel, error });
    return 'dead';
  }

  async function fanOut(row: OutboxNotification): Promise<'sent' | 'dead' | 'lost'> {
    const parsed = parseStoredNotification(row.payload);
    if ('error' in parsed) return markDead(row, `unreadable notification: ${parsed.error}`);
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

  async function deliver(row: OutboxNotification): Promise<'sent' | 'failed' | 'dead' | 'lost'> {
    if (row.channel === ROUTED_CHANNEL) {
      const result = await fanOut(row);
      return result === 'sent' ? 'sent' : result;
    }
    const notifier = notifiers.get(row.channel);
    if (notifier === undefined)
      return markDead(row, `no notifier with the id '${row.channel}' is configured`);
    const parsed = parseStoredNotification(row.payload);
    if ('error' in parsed) return markDead(row, `unreadable notification: ${parsed.error}`);
    let result;
    try {
      result = await notifier.send(parsed.notification);
    } catch (error) {
      // A notifier throws only for a bug: retried like an outage, so a fix and a restart deliver it.
      result = {
        ok: false as const,
        retryable: true,
        error: `notifier ${notifier.id} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      };
      metrics.inc('errors');
    }
    const now = clock();
    if (result.ok) {
      if (!(await store.markNotificationSent(row.id, workerId, now))) return 'lost';
      metrics.inc('outboxSent');
      return 'sent';
    }
    const next = nextAttempt(row.attempts, result, now, policy, options.random);
    if ('dead' in next) return markDead(row, oneLine(next.reason));
    const held = await store.markNotificationFailed(row.id, workerId, {
      error: oneLine(result.error),
      nowMs: now,
      nextAttemptAtMs: next.retryAtMs,
    });
    if (!held) return 'lost';
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

  return {
    async runOnce() {
      const rows = await store.claimNotifications({
        nowMs: clock(),
        limit: options.batch,
        workerId,
        leaseMs: options.leaseMs,
      });
      const outcomes = await Promise.all(
        rows.map(async (row) => {
          try {
            return await deliver(row);
          } catch (error) {
            // The store failed while recording: the lease runs out and the row is tried again.
            metrics.inc('errors');
            log({ level: 'error', msg: 'outbox delivery failed', id: row.id, error: String(error) });
            return 'lost' as const;
          }
        }),
      );
      return {
        sent: outcomes.filter((outcome) => outcome === 'sent').length,
        failed: outcomes.filter((outcome) => outcome === 'failed').length,
        dead: outcomes.filter((outcome) => outcome === 'dead').length,
      };
    },
  };
}
