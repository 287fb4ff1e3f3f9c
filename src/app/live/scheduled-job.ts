// Scheduled jobs (escalation ticks, posture audits) on several workers: each run holds the job's lease in the store.

import type { Store } from '../../store/index.ts';
import type { LiveLogEntry } from './live-service.ts';

export interface ScheduledJobOptions {
  /** The lease's name in the store, e.g. `tick`. */
  readonly name: string;
  readonly store: Pick<Store, 'acquireJobLease' | 'releaseJobLease'>;
  /** Unique per process. */
  readonly workerId: string;
  readonly clock: () => number;
  /** Pause between runs; also how often a waiting worker asks whether the holder is gone. */
  readonly intervalMs: number;
  /**
   * How long the lease holds without renewal (default three intervals, at least 30 s): renewed before each run and
   * every third of it while a run goes on, so only a holder that crashed or hangs in the store loses it.
   */
  readonly leaseMs?: number;
  readonly run: () => Promise<void>;
  readonly log: (entry: LiveLogEntry) => void;
  /** Waits `ms`, resolving early when the signal aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ScheduledJobResult {
  /** Runs this worker made. */
  readonly runs: number;
}

/**
 * Runs `options.run` every interval on whichever worker holds the lease, until `signal` aborts; the run in progress
 * finishes first, then the lease is released so another worker takes over at its next look rather than a lease later.
 * Never rejects: a failed run or store call is logged, and the next interval tries again.
 */
export async function runScheduledJob(
  signal: AbortSignal,
  options: ScheduledJobOptions,
): Promise<ScheduledJobResult> {
  const { name, store, workerId, clock, log } = options;
  const leaseMs = options.leaseMs ?? Math.max(30_000, 3 * options.intervalMs);
  const acquire = () => store.acquireJobLease({ name, workerId, leaseMs, nowMs: clock() });
  let runs = 0;
  // Null before the first look, so each worker logs once which way it started (an operator asking "which worker
  // audits?" finds the answer in every worker's log), then only changes.
  let held: boolean | null = null;
  while (!signal.aborted) {
    try {
      const owned = await acquire();
      if (owned !== held) {
        log({
          level: 'info',
          msg: owned ? 'scheduled job taken' : 'scheduled job held elsewhere',
          job: name,
        });
      }
      held = owned;
      if (owned) {
        await withRenewal(leaseMs, acquire, name, log, options.run);
        runs++;
      }
    } catch (error) {
      log({ level: 'error', msg: 'scheduled job failed', job: name, error: String(error) });
    }
    await options.sleep(options.intervalMs, signal);
  }
  if (held === true) {
    await store.releaseJobLease(name, workerId).catch((error: unknown) => {
      log({ level: 'warn', msg: 'could not release a scheduled job lease', job: name, error: String(error) });
    });
  }
  return { runs };
}

/** Runs `fn` while renewing the lease every third of it, so a long run keeps its job. */
async function withRenewal(
  leaseMs: number,
  acquire: () => Promise<boolean>,
  name: string,
  log: (entry: LiveLogEntry) => void,
  fn: () => Promise<void>,
): Promise<void> {
  // In an object: a closure assigns it, and a plain `let` would look forever null to the type checker below.
  const state: { renewing: Promise<void> | null } = { renewing: null };
  const timer = setInterval(
    () => {
      state.renewing ??= acquire()
        .then((kept) => {
          if (!kept) log({ level: 'warn', msg: 'scheduled job lease lost during a run', job: name });
        })
        .catch((error: unknown) => {
          log({ level: 'warn', msg: 'scheduled job lease renewal failed', job: name, error: String(error) });
        })
        .finally(() => {
          state.renewing = null;
        });
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  try {
    await fn();
  } finally {
    clearInterval(timer);
    await state.renewing;
  }
}
