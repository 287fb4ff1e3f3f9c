// The outbox worker as the configuration describes it, for every deployment that sends: serve's loop and the Lambda
// handler's scheduled tick build it here, so their lanes (concurrency, timeouts) and leases cannot drift apart.

import type { Notifier } from '../notify/index.ts';
import type { Store } from '../store/index.ts';
import type { MfaguardConfig } from './config.ts';
import { DEFAULT_LANE_CONCURRENCY, createOutboxWorker } from './live/index.ts';
import type { LaneSettings, LiveMetrics, OutboxWorker } from './live/index.ts';
import type { LiveLogEntry } from './live/index.ts';

export const OUTBOX_BATCH = 50;
/** Short, and kept alive by heartbeats while a send runs: after a crash only the rows truly in flight wait for it. */
export const OUTBOX_LEASE_MS = 30_000;

export interface ConfiguredOutboxOptions {
  readonly store: Store;
  readonly config: MfaguardConfig;
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly clock: () => number;
  readonly workerId: string;
  readonly leaseMs?: number | undefined;
  readonly metrics?: LiveMetrics | undefined;
  readonly log: (entry: LiveLogEntry) => void;
}

/** One lane per configured notifier, with its own concurrency and timeout (a slow receiver delays only itself). */
export function configuredOutbox(options: ConfiguredOutboxOptions): OutboxWorker {
  const { config } = options;
  const lanes = new Map<string, LaneSettings>(
    (config.notify?.notifiers ?? []).map((notifier) => [
      notifier.id,
      { concurrency: notifier.concurrency ?? DEFAULT_LANE_CONCURRENCY, timeoutMs: notifier.timeoutMs },
    ]),
  );
  return createOutboxWorker({
    store: options.store,
    notifiers: options.notifiers,
    lanes,
    routes: config.notify?.routes ?? [],
    clock: options.clock,
    workerId: options.workerId,
    leaseMs: options.leaseMs ?? OUTBOX_LEASE_MS,
    batch: OUTBOX_BATCH,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    log: options.log,
  });
}
