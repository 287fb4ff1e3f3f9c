// Throttling and failures of Athena and CloudTrail Lake calls: retried with backoff when AWS asks us to slow down, otherwise one clear error.

import { ExternalError } from '../../model/index.ts';

export interface RetryTiming {
  readonly sleep: (ms: number) => Promise<void>;
  /** First pause (after a throttle, or between status polls), doubling up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxThrottleRetries: number;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestLimitExceeded',
]);

export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return THROTTLING.has(error.name) || status === 429;
}

/**
 * The SDK retries a throttled call a few times on its own; a hunt's status polls and result pages can outlast that
 * at busy times, so throttling is retried here too, with a longer backoff, before it becomes an error.
 */
export async function withThrottleRetries<T>(
  timing: RetryTiming,
  service: string,
  call: () => Promise<T>,
): Promise<T> {
  let delay = timing.firstDelayMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ExternalError) throw error;
      if (!isThrottling(error) || attempt >= timing.maxThrottleRetries) throw awsFailure(service, error);
      await timing.sleep(delay);
      delay = Math.min(delay * 2, timing.maxDelayMs);
    }
  }
}

/** An SDK error as the user should see it: the service, the error name and AWS's message. */
export function awsFailure(service: string, error: unknown): ExternalError {
  if (error instanceof ExternalError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new ExternalError(service, `${name}: ${message}`, { retryable: isThrottling(error), cause: error });
}

/** What one look at a running query says: finished with a result, or still in the named state. */
export type QueryPoll<T> = { readonly done: T } | { readonly pending: string };

/**
 * Looks at a query until `look` says it is done (or throws for a failed one), pausing with doubling delays; past
 * `timeoutMs` gives up with a retryable error, the query itself left running. Athena and CloudTrail Lake share it.
 */
export async function pollQuery<T>(
  engine: string,
  id: string,
  timing: RetryTiming,
  timeoutMs: number,
  look: () => Promise<QueryPoll<T>>,
  stillRunningNote = '',
): Promise<T> {
  let waited = 0;
  let delay = timing.firstDelayMs;
  for (;;) {
    const seen = await look();
    if ('done' in seen) return seen.done;
    if (waited >= timeoutMs) {
      throw new ExternalError(
        engine,
        `query ${id} still ${seen.pending} after ${Math.round(waited / 1000)} s${stillRunningNote}`,
        { retryable: true },
      );
    }
    await timing.sleep(delay);
    waited += delay;
    delay = Math.min(delay * 2, timing.maxDelayMs);
  }
}
