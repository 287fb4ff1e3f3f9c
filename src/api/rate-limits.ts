// Rate limits at the edge: owners' verification links, and failed ingest and API tokens, per address and per token.
//
// rate-limiter-flexible does the counting (fixed windows in memory, keys forgotten when their window ends); this
// module only decides what is counted and turns an exhausted budget into 429 with Retry-After. The limits are per
// process: several workers each allow the budget, which still stops guessing at any useful rate.
//
// Why not @fastify/rate-limit (decided in issue 14, docs/architecture.md "Rate limits"): it counts every request its
// hook sees (its store only has `incr`; `createRateLimit()` increments on each call), while the token limits here
// must look at a count without adding to it and add only when a token failed. Its options (keyGenerator, allowList,
// hook, skipOnError, onExceeded) pick which requests count, not whether a request that passed does.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from './problem.ts';

/** Requests (or failures) allowed per window, and the window in seconds. */
export interface Budget {
  readonly points: number;
  readonly seconds: number;
}

export interface RateLimitSettings {
  /** Verification pages (GET and POST) per client address. */
  readonly verifyPerAddress: Budget;
  /** Verification pages per link token: one link tried from many addresses. */
  readonly verifyPerToken: Budget;
  /** Failed ingest tokens per client address; past it, the address gets 429 even with the right token. */
  readonly ingestFailuresPerAddress: Budget;
  /** Failed API tokens per client address. */
  readonly apiFailuresPerAddress: Budget;
  /** Failures of one presented API token (from any address). */
  readonly apiFailuresPerToken: Budget;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  verifyPerAddress: { points: 30, seconds: 60 },
  verifyPerToken: { points: 10, seconds: 60 },
  ingestFailuresPerAddress: { points: 20, seconds: 60 },
  apiFailuresPerAddress: { points: 20, seconds: 60 },
  apiFailuresPerToken: { points: 5, seconds: 60 },
};

export type AuthKind = 'ingest' | 'api';

export interface RateLimiter {
  /** Counts one verification request; 429 when the address or the link is over its budget. */
  verifyRequest(req: IncomingMessage, token: string): Promise<void>;
  /** Before checking a token: 429 when this address (or this token) failed too often lately. */
  beforeAuth(kind: AuthKind, req: IncomingMessage, presented: string | undefined): Promise<void>;
  /** Counts one failed token. */
  authFailed(kind: AuthKind, req: IncomingMessage, presented: string | undefined): Promise<void>;
}

/** The connecting address: behind a reverse proxy that is the proxy, so give the proxy its own limits there. */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Tokens are counted by a short hash: the limiter never holds a secret, even a wrong one. */
function tokenKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url').slice(0, 22);
}

function tooMany(msBeforeNext: number, what: string): HttpError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new HttpError(429, 'Too many requests', `too many ${what}; try again in ${seconds} s`, {
    'retry-after': String(seconds),
  });
}

function limiter(budget: Budget, prefix: string): RateLimiterMemory {
  return new RateLimiterMemory({ points: budget.points, duration: budget.seconds, keyPrefix: prefix });
}

/** Consumes one point; a rejection (budget exhausted) becomes 429, anything else is passed on. */
async function consume(rate: RateLimiterMemory, key: string, what: string): Promise<void> {
  try {
    await rate.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw tooMany(rejection.msBeforeNext, what);
    throw rejection;
  }
}

async function refuseIfExhausted(rate: RateLimiterMemory, points: number, key: string, what: string) {
  const state = await rate.get(key);
  if (state !== null && state.consumedPoints >= points) throw tooMany(state.msBeforeNext, what);
}

export function createRateLimiter(settings: RateLimitSettings = DEFAULT_RATE_LIMITS): RateLimiter {
  const verifyAddress = limiter(settings.verifyPerAddress, 'verify-addr');
  const verifyToken = limiter(settings.verifyPerToken, 'verify-token');
  const failures: Record<AuthKind, { address: RateLimiterMemory; addressBudget: Budget }> = {
    ingest: {
      address: limiter(settings.ingestFailuresPerAddress, 'ingest-fail'),
      addressBudget: settings.ingestFailuresPerAddress,
    },
    api: {
      address: limiter(settings.apiFailuresPerAddress, 'api-fail'),
      addressBudget: settings.apiFailuresPerAddress,
    },
  };
  const apiToken = limiter(settings.apiFailuresPerToken, 'api-token-fail');
  return {
    async verifyRequest(req, token) {
      await consume(verifyAddress, clientAddress(req), 'verification requests from this address');
      await consume(verifyToken, tokenKey(token), 'attempts on this verification link');
    },
    async beforeAuth(kind, req, presented) {
      const what = `failed ${kind} tokens from this address`;
      await refuseIfExhausted(
        failures[kind].address,
        failures[kind].addressBudget.points,
        clientAddress(req),
        what,
      );
      if (kind === 'api' && presented !== undefined) {
        await refuseIfExhausted(
          apiToken,
          settings.apiFailuresPerToken.points,
          tokenKey(presented),
          'failures with this token',
        );
      }
    },
    async authFailed(kind, req, presented) {
      // Counting never answers 429 itself: this request already gets its 401; the next one is refused.
      await failures[kind].address.consume(clientAddress(req)).catch(ignoreRejection);
      if (kind === 'api' && presented !== undefined)
        await apiToken.consume(tokenKey(presented)).catch(ignoreRejection);
    },
  };
}

function ignoreRejection(rejection: unknown): void {
  if (!(rejection instanceof RateLimiterRes)) throw rejection;
}
