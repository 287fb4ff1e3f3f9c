// What the live sources (SQS, S3 polling, LookupEvents) share: their dependencies, their result and their run loop.

import type { StoreTx } from '../../store/index.ts';

/** Where a batch came from; the same shape as the live service's `RecordOrigin`. */
export interface LiveOrigin {
  readonly source: string;
  readonly location: string;
}

/**
 * The part of the live service a source feeds. Both methods resolve only once everything is durably stored
 * or dead-lettered, so a source acknowledges (deletes a message, advances a checkpoint) only after they resolve.
 */
export interface LiveSink {
  ingestRecords(records: readonly unknown[], origin: LiveOrigin): Promise<unknown>;
  ingestBytes(data: Uint8Array, origin: LiveOrigin): Promise<unknown>;
}

/** The store methods the sources use: resume points, shared work and dead letters. */
export type LiveSourceStore = Pick<
  StoreTx,
  'getCheckpoint' | 'setCheckpoint' | 'claimWork' | 'completeWork' | 'isWorkDone' | 'addDeadLetter'
>;

/** Epoch milliseconds. */
export type Clock = () => number;

/** Waits `ms` on the clock the source was given; resolves early (without throwing) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export type LiveLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log line: the service decides where it goes. */
export type LiveLog = (
  level: LiveLogLevel,
  message: string,
  fields?: Readonly<Record<string, unknown>>,
) => void;

/** What one poll did. */
export interface PollResult {
  /** Units fetched: SQS messages, S3 objects listed as new, LookupEvents pages. */
  readonly fetched: number;
  /** Units handed to the sink and stored. */
  readonly ingested: number;
  /** Units that needed nothing (digests, test events, work another worker already did). */
  readonly skipped: number;
  /** Units kept in the store's dead letters with the reason. */
  readonly deadLettered: number;
  /** Units that failed and will be tried again (message left on the queue, checkpoint not advanced). */
  readonly failed: number;
}

/** A PollResult being counted. */
export type PollCounts = { -readonly [K in keyof PollResult]: PollResult[K] };

export interface LiveSource {
  /** Polls until `signal` aborts; what is in hand when it aborts is finished first. Never rejects. */
  start(signal: AbortSignal): Promise<void>;
  pollOnce(): Promise<PollResult>;
}

export const EMPTY_POLL: PollResult = { fetched: 0, ingested: 0, skipped: 0, deadLettered: 0, failed: 0 };

export function addPolls(a: PollResult, b: PollResult): PollResult {
  return {
    fetched: a.fetched + b.fetched,
    ingested: a.ingested + b.ingested,
    skipped: a.skipped + b.skipped,
    deadLettered: a.deadLettered + b.deadLettered,
    failed: a.failed + b.failed,
  };
}

/** The wall-clock sleep for production wiring; tests pass a fake one. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });

export const noLog: LiveLog = () => undefined;

/** An error's name and message on one line, for logs and dead-letter reasons (never a stack). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message === '' || error.message === error.name ? '' : `: ${error.message}`;
    return `${error.name}${message}`.slice(0, 500);
  }
  return String(error).slice(0, 500);
}

export interface PollLoopOptions {
  readonly name: string;
  readonly pollOnce: (signal: AbortSignal) => Promise<PollResult>;
  readonly sleep: Sleep;
  readonly log: LiveLog;
  /** Pause after a poll that fetched nothing (0 for sources that wait inside the poll, like SQS long polling). */
  readonly idleMs: number;
  /** Pause after a poll that threw, doubling up to `maxErrorBackoffMs`. */
  readonly errorBackoffMs: number;
  readonly maxErrorBackoffMs: number;
}

/** Runs polls until the signal aborts; a failing poll is logged and retried with backoff, never thrown. */
export async function runPollLoop(signal: AbortSignal, options: PollLoopOptions): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    let result: PollResult;
    try {
      result = await options.pollOnce(signal);
    } catch (error) {
      if (signal.aborted) break;
      const wait = Math.min(options.maxErrorBackoffMs, options.errorBackoffMs * 2 ** failures);
      failures += 1;
      options.log('error', `${options.name}: poll failed, retrying`, {
        error: describeError(error),
        retryInMs: wait,
      });
      await options.sleep(wait, signal);
      continue;
    }
    failures = 0;
    if (result.fetched === 0 && options.idleMs > 0) await options.sleep(options.idleMs, signal);
  }
}
