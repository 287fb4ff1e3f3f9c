// Who may call a route: the ingest secret, API tokens and dashboard sessions (with CSRF), and the counting of failed
// attempts. Runs before the body is read, so a caller without access never gets to upload anything.

import type { IncomingMessage } from 'node:http';
import type { ApiToken } from '../store/index.ts';
import { authenticate, bearerToken, matchesSecret, presentedIngestToken, requireRole } from './auth.ts';
import type { ApiOptions, Route } from './context.ts';
import { HttpError } from './problem.ts';
import { recheckSessionRole } from './provider-session.ts';
import type { RateLimiter } from './rate-limits.ts';
import { checkCsrf, csrfTokenFor, findSession, sessionSite } from './sessions.ts';

export interface Access {
  readonly caller: ApiToken | null;
  readonly csrfToken?: string;
}

/** Checks the route's access; failed tokens are counted, and an address (or token) that failed too often gets 429. */
export async function checkAccess(
  route: Route,
  req: IncomingMessage,
  options: ApiOptions,
  limiter: RateLimiter,
): Promise<Access> {
  switch (route.access) {
    case 'public':
      return { caller: null };
    case 'ingest':
      await checkIngestToken(req, options, limiter);
      return { caller: null };
    case 'metrics':
      return options.metricsPublic ? { caller: null } : checkCaller(req, options, limiter, 'viewer');
    case 'viewer':
    case 'responder':
    case 'admin':
      return checkCaller(req, options, limiter, route.access);
  }
}

/**
 * A bearer token (scripts) is checked as it always was; without one, a dashboard session cookie is accepted when
 * sign-in is configured, and a state-changing request with it must pass the CSRF checks.
 */
async function checkCaller(
  req: IncomingMessage,
  options: ApiOptions,
  limiter: RateLimiter,
  needed: 'viewer' | 'responder' | 'admin',
): Promise<Access> {
  if (options.signIn !== undefined && bearerToken(req.headers) === undefined) {
    const site = sessionSite(options.signIn.publicUrl);
    // A guessed session cookie counts against the address like a guessed token.
    await limiter.beforeAuth('api', req, undefined);
    const session = await findSession(options.store, req.headers, site, options.now()).catch(
      async (error: unknown) => {
        if (error instanceof HttpError && error.status === 401)
          await limiter.authFailed('api', req, undefined);
        throw error;
      },
    );
    if (session !== null) {
      checkCsrf(req.method ?? 'GET', req.headers, site, session.secret);
      // The role as the provider says now (re-read at most every roleRefreshMs): a demotion counts from here.
      const caller = await recheckSessionRole(options.signIn, options.store, session, options.now());
      requireRole(caller, needed);
      return { caller, csrfToken: csrfTokenFor(session.secret) };
    }
  }
  return { caller: await checkApiToken(req, options, limiter, needed) };
}

async function checkIngestToken(req: IncomingMessage, options: ApiOptions, limiter: RateLimiter) {
  if (options.ingestToken === null) {
    throw new HttpError(
      503,
      'Service unavailable',
      'ingestion is off: start the service with MFAGUARD_INGEST_TOKEN set',
    );
  }
  await limiter.beforeAuth('ingest', req, undefined);
  const presented = presentedIngestToken(req.headers, options.ingestHeader);
  if (presented === undefined || !matchesSecret(presented, options.ingestToken)) {
    // Only a token that was presented is a guess; a sender with none configured is not counted.
    if (presented !== undefined) await limiter.authFailed('ingest', req, undefined);
    const how =
      options.ingestHeader.toLowerCase() === 'authorization'
        ? '`Authorization: Bearer <token>`'
        : `the ${options.ingestHeader} header`;
    throw new HttpError(401, 'Unauthorized', `a valid ingest token is required in ${how}`, {
      'www-authenticate': 'Bearer realm="mfaguard-ingest"',
    });
  }
}

async function checkApiToken(
  req: IncomingMessage,
  options: ApiOptions,
  limiter: RateLimiter,
  needed: 'viewer' | 'responder' | 'admin',
) {
  const presented = bearerToken(req.headers);
  await limiter.beforeAuth('api', req, presented);
  try {
    return await authenticate(options.store, req.headers, needed, options.now());
  } catch (error) {
    if (error instanceof HttpError && error.status === 401 && presented !== undefined)
      await limiter.authFailed('api', req, presented);
    throw error;
  }
}
