// Live CloudTrail LookupEvents polling, for accounts with no trail: one event name per call, rate-limited, resumable.

import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { CloudTrailClientConfig, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { fromIni } from '@aws-sdk/credential-providers';
import { echo } from '../../decode/index.ts';
import { EMPTY_POLL, describeError, noLog, runPollLoop } from '../live-source.ts';
import type {
  Clock,
  LiveLog,
  LiveSink,
  LiveSource,
  LiveSourceStore,
  PollCounts,
  PollResult,
  Sleep,
} from '../live-source.ts';

/** The management events mfaguard's rules need; LookupEvents takes one EventName per call, so each costs a request. */
export const DEFAULT_LOOKUP_EVENT_NAMES: readonly string[] = [
  'ConsoleLogin',
  'CreateAccessKey',
  'CreateLoginProfile',
  'CreateUser',
  'CreateVirtualMFADevice',
  'DeactivateMFADevice',
  'DeleteLoginProfile',
  'DeleteVirtualMFADevice',
  'EnableMFADevice',
  'ResyncMFADevice',
  'UpdateLoginProfile',
];

/** LookupEvents' documented limit: 2 requests per second per account per region. */
export const LOOKUP_EVENTS_REQUESTS_PER_SECOND = 2;

export interface TokenBucket {
  /** Resolves when a request may be sent. */
  take(): Promise<void>;
}

/**
 * A token bucket on the injected clock. Capacity one: requests are spaced evenly, so no one-second window
 * ever holds more than `ratePerSecond` of them (a larger burst could double up at a window's edge).
 */
export function createTokenBucket(options: {
  readonly ratePerSecond: number;
  readonly clock: Clock;
  readonly sleep: Sleep;
}): TokenBucket {
  const { ratePerSecond, clock, sleep } = options;
  if (!(ratePerSecond > 0)) throw new Error(`ratePerSecond must be above 0, got ${ratePerSecond}`);
  let tokens = 1;
  let last = clock();
  // Callers queue so that concurrent takers cannot both see the same token.
  let queue: Promise<void> = Promise.resolve();
  const takeOne = async () => {
    for (;;) {
      const now = clock();
      tokens = Math.min(1, tokens + ((now - last) * ratePerSecond) / 1000);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - tokens) * 1000) / ratePerSecond));
    }
  };
  return {
    take() {
      const next = queue.then(takeOne);
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

export interface LookupSourceOptions {
  readonly client: CloudTrailClient;
  /** The account the client's credentials reach: part of the checkpoint key and the origin. */
  readonly account: string;
  /** LookupEvents is regional; IAM and STS global events are recorded in us-east-1. */
  readonly region: string;
  readonly sink: LiveSink;
  readonly store: LiveSourceStore;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log?: LiveLog;
  readonly eventNames?: readonly string[];
  /** Pause between polls (default 5 minutes). */
  readonly intervalMs?: number;
  /** Each window starts this long before the previous one ended: events show up to ~15 minutes late (default 15 minutes). */
  readonly overlapMs?: number;
  /** How far back the first poll looks when there is no checkpoint (default 1 hour; LookupEvents keeps 90 days). */
  readonly initialLookbackMs?: number;
  /** Share one bucket between sources for the same account and region (default: a bucket of its own at 2/s). */
  readonly limiter?: TokenBucket;
  /** First pause after ThrottlingException, doubling up to 30 s (default 1 s). */
  readonly throttleBackoffMs?: number;
  /** Throttled retries of one request before the event name's window fails (default 8). */
  readonly maxThrottleRetries?: number;
  /** Pause after a failed poll, doubling up to 10 minutes (default 10 s). */
  readonly errorBackoffMs?: number;
}

/** The checkpoint's store key: the end of the last window fully ingested for one event name. */
export function lookupCheckpointKey(account: string, region: string, eventName: string): string {
  return `lookup-events:${account}/${region}:${eventName}`;
}

function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'ThrottlingException' || error.name === 'TooManyRequestsException' || status === 429;
}

/** LookupEvents within the account's request rate, backing off (doubling, up to 30 s) while throttled. */
async function sendWithBackoff(
  command: LookupEventsCommand,
  signal: AbortSignal | undefined,
  options: Pick<LookupSourceOptions, 'client' | 'sleep'> & {
    readonly limiter: { take(): Promise<void> };
    readonly log: LiveLog;
    readonly where: string;
    readonly throttleBackoffMs: number;
    readonly maxThrottleRetries: number;
  },
): Promise<LookupEventsCommandOutput> {
  const { limiter, log, where, throttleBackoffMs, maxThrottleRetries } = options;
  for (let attempt = 0; ; attempt += 1) {
    await limiter.take();
    try {
      return await options.client.send(command, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      if (!isThrottling(error) || attempt >= maxThrottleRetries) throw error;
      const wait = Math.min(30_000, throttleBackoffMs * 2 ** attempt);
      log('warn', 'lookup-events: throttled, backing off', { where, retryInMs: wait });
      await options.sleep(wait, signal);
    }
  }
}

/** The page's CloudTrail records; an event without a readable record goes to the dead letters. */
async function readPageRecords(
  events: readonly NonNullable<LookupEventsCommandOutput['Events']>[number][],
  location: string,
  options: Pick<LookupSourceOptions, 'store' | 'clock'>,
  counts: PollCounts,
): Promise<unknown[]> {
  const records: unknown[] = [];
  for (const event of events) {
    counts.fetched += 1;
    const text = event.CloudTrailEvent;
    let record: unknown;
    try {
      record = text === undefined ? undefined : JSON.parse(text);
    } catch {
      record = undefined;
    }
    if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
      records.push(record);
      continue;
    }
    await options.store.addDeadLetter({
      source: 'lookup-events',
      location: `${location} event ${event.EventId ?? 'without id'}`,
      reason:
        text === undefined
          ? 'LookupEvents returned an event without CloudTrailEvent'
          : 'CloudTrailEvent is not a JSON object',
      raw: text ?? JSON.stringify(event),
      nowMs: options.clock(),
    });
    counts.deadLettered += 1;
  }
  return records;
}

export function createLookupSource(options: LookupSourceOptions): LiveSource {
  const log = options.log ?? noLog;
  const names = options.eventNames ?? DEFAULT_LOOKUP_EVENT_NAMES;
  const overlapMs = options.overlapMs ?? 15 * 60_000;
  const initialLookbackMs = options.initialLookbackMs ?? 60 * 60_000;
  const throttleBackoffMs = options.throttleBackoffMs ?? 1000;
  const maxThrottleRetries = options.maxThrottleRetries ?? 8;
  const limiter =
    options.limiter ??
    createTokenBucket({
      ratePerSecond: LOOKUP_EVENTS_REQUESTS_PER_SECOND,
      clock: options.clock,
      sleep: options.sleep,
    });
  const { account, region, store } = options;
  const where = `${account}/${region}`;

  const lookup = (command: LookupEventsCommand, signal?: AbortSignal): Promise<LookupEventsCommandOutput> =>
    sendWithBackoff(command, signal, {
      ...options,
      limiter,
      log,
      where,
      throttleBackoffMs,
      maxThrottleRetries,
    });

  /** One event name's window, page by page; the checkpoint moves only when every page is stored. */
  async function pollName(
    name: string,
    endMs: number,
    counts: PollCounts,
    signal?: AbortSignal,
  ): Promise<void> {
    const checkpointKey = lookupCheckpointKey(account, region, name);
    const checkpoint = await store.getCheckpoint(checkpointKey);
    const checkpointMs = checkpoint === null ? NaN : Date.parse(checkpoint);
    if (checkpoint !== null && Number.isNaN(checkpointMs)) {
      log('warn', 'lookup-events: unreadable checkpoint, starting from the initial lookback', {
        checkpointKey,
        checkpoint: echo(checkpoint, 60),
      });
    }
    const startMs = Number.isNaN(checkpointMs) ? endMs - initialLookbackMs : checkpointMs - overlapMs;
    const origin = { source: 'lookup-events', location: `lookup-events ${where} ${name}` };
    let token: string | undefined;
    do {
      const page = await lookup(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: name }],
          StartTime: new Date(startMs),
          EndTime: new Date(endMs),
          MaxResults: 50,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
        signal,
      );
      const records = await readPageRecords(page.Events ?? [], origin.location, options, counts);
      if (records.length > 0) await options.sink.ingestRecords(records, origin);
      counts.ingested += records.length;
      token = page.NextToken === '' ? undefined : page.NextToken;
    } while (token !== undefined);
    await store.setCheckpoint(checkpointKey, new Date(endMs).toISOString(), options.clock());
  }

  async function poll(signal?: AbortSignal): Promise<PollResult> {
    const counts: PollCounts = { ...EMPTY_POLL };
    // One end for every name, so a poll covers one window.
    const endMs = options.clock();
    let lastError: Error | null = null;
    for (const name of names) {
      if (signal?.aborted === true) break;
      try {
        await pollName(name, endMs, counts, signal);
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
        counts.failed += 1;
        log('error', 'lookup-events: window failed; it is retried from the same checkpoint', {
          where,
          eventName: name,
          error: describeError(error),
        });
      }
    }
    // Every name failing is the credentials or the network: let the run loop back off.
    if (names.length > 0 && counts.failed === names.length && lastError !== null) throw lastError;
    return counts;
  }

  return {
    pollOnce: () => poll(),
    start: (signal) =>
      runPollLoop(signal, {
        name: 'lookup-events',
        pollOnce: async (s) => {
          const result = await poll(s);
          // Every poll waits the interval: LookupEvents is rate-limited and the events are minutes late anyway.
          await options.sleep(options.intervalMs ?? 5 * 60_000, s);
          return result;
        },
        sleep: options.sleep,
        log,
        idleMs: 0,
        errorBackoffMs: options.errorBackoffMs ?? 10_000,
        maxErrorBackoffMs: 600_000,
      }),
  };
}

export interface LookupClientOptions {
  readonly region: string;
  readonly profile?: string;
}

/** A CloudTrail client on the standard credential chain, or on a named profile. */
export function createLookupClient(options: LookupClientOptions): CloudTrailClient {
  const config: CloudTrailClientConfig = {
    region: options.region,
    ...(options.profile === undefined
      ? {}
      : { profile: options.profile, credentials: fromIni({ profile: options.profile }) }),
  };
  return new CloudTrailClient(config);
}
