// The HTTP server: route table, access checks, one error mapping, metrics per route, static dashboard.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { authenticate, bearerToken, constantTimeEqual, presentedIngestToken, requireRole } from './auth.ts';
import { ClientClosedError } from './body.ts';
import { CASE_NOTIFICATION_ROUTES } from './case-notifications.ts';
import type { ApiOptions, RequestContext, Route } from './context.ts';
import { ALERT_ROUTES } from './alert-routes.ts';
import { INGEST_ROUTES } from './ingest.ts';
import { buildOpenApi } from './openapi.ts';
import { HttpError, problemFor } from './problem.ts';
import type { ApiToken } from '../store/index.ts';
import type { Reply } from './reply.ts';
import { json, text } from './reply.ts';
import type { RateLimiter } from './rate-limits.ts';
import { createRateLimiter } from './rate-limits.ts';
import { KPI_ROUTES } from './kpi-routes.ts';
import { POSTURE_ROUTES } from './posture-routes.ts';
import { RESOURCE_ROUTES } from './resources.ts';
import { RESPOND_ROUTES } from './respond-routes.ts';
import { recheckSessionRole } from './provider-session.ts';
import { checkCsrf, csrfTokenFor, findSession, sessionSite } from './sessions.ts';
import { SIGN_IN_ROUTES } from './sign-in.ts';
import { DASHBOARD_CSP, serveStatic } from './static-files.ts';
import { VERIFY_ROUTES } from './verify.ts';

const HEALTH_TIMEOUT_MS = 2000;
/** The row /readyz writes: one for all workers, so probes add no rows. */
const READINESS_CHECKPOINT = 'serve:readyz';

/** Runs `probe`, resolving true when it succeeds within HEALTH_TIMEOUT_MS, false when it fails or hangs. */
async function within(probe: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      probe().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const SYSTEM_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/healthz',
    access: 'public',
    tag: 'system',
    summary:
      'Liveness: 200 while the process answers, with the store read status {status: ok | degraded, store: ok | unavailable, version}. No token needed.',
    responses: { '200': 'the process is alive (see `store` for the database)' },
    async handle(ctx) {
      // Liveness stays 200 through a database outage: restarting the process would not bring the database back.
      const ok = await within(() => ctx.options.store.outboxDepth());
      return json(200, {
        status: ok ? 'ok' : 'degraded',
        store: ok ? 'ok' : 'unavailable',
        version: ctx.options.version,
      });
    },
  },
  {
    method: 'GET',
    path: '/readyz',
    access: 'public',
    tag: 'system',
    summary:
      'Readiness: writes a heartbeat row; 200 {status: ready} when the store accepts writes, else 503 with Retry-After (disk full, read-only, database down).',
    responses: { '200': 'ready', '503': 'the store does not accept writes now' },
    async handle(ctx) {
      const now = ctx.options.now();
      const ok = await within(() =>
        ctx.options.store.setCheckpoint(READINESS_CHECKPOINT, new Date(now).toISOString(), now),
      );
      return ok
        ? json(200, { status: 'ready', store: 'ok', version: ctx.options.version })
        : json(
            503,
            { status: 'not-ready', store: 'unavailable', version: ctx.options.version },
            { 'retry-after': '5' },
          );
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    access: 'metrics',
    tag: 'system',
    summary:
      'Prometheus text exposition. Needs a viewer token unless the service runs with --metrics-public.',
    produces: 'text/plain; version=0.0.4',
    responses: { '200': 'metrics' },
    async handle(ctx) {
      const own = await ctx.options.metrics.render(ctx.options.store, ctx.options.now());
      const extra = (await ctx.options.extraMetrics?.()) ?? '';
      const body = extra === '' ? own : own + (extra.endsWith('\n') ? extra : `${extra}\n`);
      return text(200, body, 'text/plain; version=0.0.4; charset=utf-8');
    },
  },
  {
    method: 'GET',
    path: '/api/openapi.json',
    access: 'public',
    tag: 'system',
    summary: 'This API as an OpenAPI 3.1 document.',
    responses: { '200': 'the document' },
    handle(ctx) {
      return Promise.resolve(json(200, buildOpenApi(API_ROUTES, ctx.options.version)));
    },
  },
  {
    method: 'GET',
    path: '/cases/{id}',
    access: 'public',
    tag: 'dashboard',
    summary:
      "A case's link in notifications: redirects to the dashboard's page for it (which asks for a token).",
    produces: 'text/plain',
    responses: { '302': 'to /#/cases/{id}' },
    handle(ctx) {
      const location = `/#/cases/${encodeURIComponent(ctx.params['id'] ?? '')}`;
      return Promise.resolve({ status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' });
    },
  },
  {
    method: 'GET',
    path: '/api/whoami',
    access: 'viewer',
    tag: 'system',
    summary:
      'The caller: token name, role, kind (token or session), the person (subject, displayName) and, for a dashboard session, its csrfToken.',
    responses: { '200': '{id, name, role, kind, subject, displayName, csrfToken}' },
    handle(ctx) {
      const caller = ctx.caller!;
      return Promise.resolve(
        json(200, {
          id: caller.id,
          name: caller.name,
          role: caller.role,
          kind: caller.kind,
          subject: caller.subject,
          displayName: caller.displayName,
          csrfToken: ctx.csrfToken ?? null,
        }),
      );
    },
  },
];

/** Every route the server answers, in one table: the router, the OpenAPI document and docs/api.md use it. */
export const API_ROUTES: readonly Route[] = [
  ...SYSTEM_ROUTES,
  ...INGEST_ROUTES,
  ...ALERT_ROUTES,
  ...RESOURCE_ROUTES,
  ...CASE_NOTIFICATION_ROUTES,
  ...KPI_ROUTES,
  ...RESPOND_ROUTES,
  ...POSTURE_ROUTES,
  ...VERIFY_ROUTES,
  ...SIGN_IN_ROUTES,
];

interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return null;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

/** The route for a method and path; `allowed` lists the methods of a path that exists under another method. */
export function findRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { match: Match | null; allowed: string[] } {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params === null) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET'))
      return { match: { route, params }, allowed };
    allowed.push(route.method);
  }
  return { match: null, allowed };
}

interface Access {
  readonly caller: ApiToken | null;
  readonly csrfToken?: string;
}

/** Checks the route's access; failed tokens are counted, and an address (or token) that failed too often gets 429. */
async function checkAccess(
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
  if (presented === undefined || !constantTimeEqual(presented, options.ingestToken)) {
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

/**
 * On every answer, not only the dashboard's files: a JSON body or an error page opened in a tab gets the same strict
 * policy, so nothing the service sends can run script or be framed.
 */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': DASHBOARD_CSP,
  'x-frame-options': 'DENY',
} as const;

/** Answers one request; never throws (every failure becomes a problem response). */
export function createRequestHandler(
  given: ApiOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const limiter = given.rateLimiter ?? createRateLimiter();
  const options: ApiOptions = { ...given, rateLimiter: limiter };
  const logClientError = options.logClientError ?? options.log;
  return async (req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let path = '/';
    let label = 'unmatched';
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      path = url.pathname;
      const { match, allowed } = findRoute(API_ROUTES, method, path);
      if (match !== null) {
        label = match.route.path;
        const access = await checkAccess(match.route, req, options, limiter);
        const ctx: RequestContext = {
          req,
          url,
          params: match.params,
          caller: access.caller,
          ...(access.csrfToken === undefined ? {} : { csrfToken: access.csrfToken }),
          options,
        };
        reply = await match.route.handle(ctx);
      } else if (allowed.length > 0) {
        label = 'method-not-allowed';
        throw new HttpError(
          405,
          'Method not allowed',
          `${method} is not allowed here; use ${allowed.join(', ')}`,
          {
            allow: allowed.join(', '),
          },
        );
      } else {
        const isApi =
          /^\/(api|auth|ingest|verify)(\/|$)/.test(path) ||
          path === '/healthz' ||
          path === '/readyz' ||
          path === '/metrics';
        const file =
          !isApi && (method === 'GET' || method === 'HEAD') && options.webRoot !== null
            ? await serveStatic(options.webRoot, path)
            : null;
        if (file === null)
          throw new HttpError(404, 'Not found', `nothing at ${method} ${path.slice(0, 200)}`);
        label = 'static';
        reply = file;
      }
    } catch (error) {
      if (error instanceof ClientClosedError) {
        // The client went away mid-request: its mistake (or its network's), not the service's; nobody to answer.
        logClientError(`client closed the request ${method} ${path.slice(0, 200)} before it was complete`);
        const labels = { route: label, method, status: '499' };
        options.metrics.inc('mfaguard_http_requests_total', labels);
        options.metrics.observeRequestTime(labels, (performance.now() - started) / 1000);
        return;
      }
      const problem = problemFor(error, path.slice(0, 200), options.log);
      if (problem.status >= 500) options.metrics.inc('mfaguard_errors_total', { where: 'http' });
      reply = problem.reply;
    }
    const labels = { route: label, method, status: String(reply.status) };
    // Counted before the answer goes out (a client reading /metrics next sees it), timed once it went.
    options.metrics.inc('mfaguard_http_requests_total', labels);
    await writeReply(req, res, reply, method === 'HEAD');
    options.metrics.observeRequestTime(labels, (performance.now() - started) / 1000);
  };
}

function writeReply(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  headOnly: boolean,
): Promise<void> {
  return new Promise((resolve) => {
    // A client that went away never sees 'finish': settle on 'close' too, so no handler waits forever.
    res.once('close', () => resolve());
    if (res.headersSent) {
      res.end();
      resolve();
      return;
    }
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
    res.writeHead(reply.status, {
      ...SECURITY_HEADERS,
      ...reply.headers,
      ...(reply.cookies === undefined || reply.cookies.length === 0
        ? {}
        : { 'set-cookie': [...reply.cookies] }),
      'content-length': String(body.length),
    });
    res.end(headOnly ? undefined : body, () => resolve());
    // A body we refused (413) or did not read: stop the upload rather than buffer it.
    if (!req.complete && reply.headers['connection'] === 'close') res.once('finish', () => req.destroy());
  });
}

/** Timeouts that keep a slow or stalled client from holding a connection forever. */
export const HTTP_SERVER_OPTIONS = {
  requestTimeout: 60_000,
  headersTimeout: 20_000,
  keepAliveTimeout: 5_000,
} as const;

export function createApiServer(options: ApiOptions): Server {
  const handle = createRequestHandler(options);
  return createServer(HTTP_SERVER_OPTIONS, (req, res) => {
    void handle(req, res);
  });
}
