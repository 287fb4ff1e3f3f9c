import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SendFailure } from './notification.ts';
import { DEFAULT_RETRY_POLICY, nextAttempt } from './retry.ts';
import { assertProperty } from '../test-support/property.ts';

const NOW = 1_000_000;
const transient: SendFailure = { ok: false, retryable: true, error: 'HTTP 503' };
const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

describe('nextAttempt', () => {
  it('doubles the delay per attempt, half fixed and half from the injected random', () => {
    assert.deepEqual(
      nextAttempt(1, transient, NOW, policy, () => 0),
      { retryAtMs: NOW + 500, delayMs: 500 },
    );
    assert.deepEqual(
      nextAttempt(1, transient, NOW, policy, () => 1),
      { retryAtMs: NOW + 1000, delayMs: 1000 },
    );
    assert.deepEqual(
      nextAttempt(2, transient, NOW, policy, () => 0.5),
      { retryAtMs: NOW + 1500, delayMs: 1500 },
    );
    assert.deepEqual(
      nextAttempt(3, transient, NOW, policy, () => 1),
      { retryAtMs: NOW + 4000, delayMs: 4000 },
    );
  });

  it('caps the delay at maxDelayMs', () => {
    const big = { ...policy, maxAttempts: 100 };
    assert.deepEqual(
      nextAttempt(50, transient, NOW, big, () => 1),
      { retryAtMs: NOW + 10_000, delayMs: 10_000 },
    );
  });

  it('honours Retry-After when it is longer than the backoff, up to maxRetryAfterMs', () => {
    assert.deepEqual(
      nextAttempt(1, { ...transient, retryAfterMs: 30_000 }, NOW, policy, () => 0),
      { retryAtMs: NOW + 30_000, delayMs: 30_000 },
    );
    assert.deepEqual(
      nextAttempt(1, { ...transient, retryAfterMs: 86_400_000 }, NOW, policy, () => 0),
      { retryAtMs: NOW + 60_000, delayMs: 60_000 },
    );
    // A shorter Retry-After does not shorten our own backoff.
    assert.deepEqual(
      nextAttempt(3, { ...transient, retryAfterMs: 10 }, NOW, policy, () => 0),
      { retryAtMs: NOW + 2000, delayMs: 2000 },
    );
  });

  it('makes a non-retryable failure dead at once', () => {
    const result = nextAttempt(
      1,
      { ok: false, retryable: false, error: 'HTTP 400: bad' },
      NOW,
      policy,
      () => 0,
    );
    assert.deepEqual(result, { dead: true, reason: 'not retryable: HTTP 400: bad' });
  });

  it('makes the last allowed attempt dead', () => {
    assert.ok('retryAtMs' in nextAttempt(4, transient, NOW, policy, () => 0));
    assert.deepEqual(
      nextAttempt(5, transient, NOW, policy, () => 0),
      { dead: true, reason: 'gave up after 5 attempts: HTTP 503' },
    );
  });

  it('always schedules in the future within the bounds, for any random draw (default policy)', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: DEFAULT_RETRY_POLICY.maxAttempts - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, draw) => {
          const next = nextAttempt(attempt, transient, NOW, DEFAULT_RETRY_POLICY, () => draw);
          assert.ok('retryAtMs' in next);
          assert.ok(
            next.delayMs >= DEFAULT_RETRY_POLICY.baseDelayMs / 2 &&
              next.delayMs <= DEFAULT_RETRY_POLICY.maxDelayMs,
          );
          assert.equal(next.retryAtMs, NOW + next.delayMs);
        },
      ),
    );
  });
});
