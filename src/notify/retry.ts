// When to try a failed delivery again: exponential backoff with jitter, the receiver's Retry-After honoured, a cap on attempts.

import type { SendFailure } from './notification.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included; the last failure makes the delivery a dead letter. */
  readonly maxAttempts: number;
  /** Delay after the first failure; doubled after each further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is cut to it, so a confused receiver cannot park a page for days. */
  readonly maxRetryAfterMs: number;
}

/**
 * 10 attempts, 10 s doubling to at most 30 min: about 75 minutes of trying before a dead letter. A page
 * that arrives after that is history, and the dead letter is visible in the API for a person to act on.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 10_000,
  maxDelayMs: 30 * 60_000,
  maxRetryAfterMs: 6 * 3_600_000,
};

export type NextAttempt =
  { readonly retryAtMs: number; readonly delayMs: number } | { readonly dead: true; readonly reason: string };

/**
 * After the `attempt`-th attempt (1-based) failed with `result`: when to try again, or dead.
 * The delay is "equal jitter": half the exponential delay fixed, half drawn from `random` (injected so tests
 * are exact) — a floor keeps retries from hammering a receiver that just failed, the random half keeps many
 * workers from retrying in lockstep. A Retry-After raises the delay to at least what the receiver asked.
 */
export function nextAttempt(
  attempt: number,
  result: SendFailure,
  nowMs: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): NextAttempt {
  if (!result.retryable) return { dead: true, reason: `not retryable: ${result.error}` };
  if (attempt >= policy.maxAttempts) {
    return { dead: true, reason: `gave up after ${attempt} attempts: ${result.error}` };
  }
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 40));
  const draw = Math.min(Math.max(random(), 0), 1);
  let delayMs = Math.round(ceiling / 2 + (ceiling / 2) * draw);
  if (result.retryAfterMs !== undefined && Number.isFinite(result.retryAfterMs) && result.retryAfterMs > 0) {
    delayMs = Math.max(delayMs, Math.min(Math.ceil(result.retryAfterMs), policy.maxRetryAfterMs));
  }
  return { retryAtMs: nowMs + delayMs, delayMs };
}
