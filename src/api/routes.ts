// The route table: every route the API answers, one declaration each, read by the server, the OpenAPI document and
// docs/api.md; and the matcher that tells 405 (the path exists under another method) from 404.

import { ALERT_ROUTES } from './alert-routes.ts';
import { CASE_NOTIFICATION_ROUTES } from './case-notifications.ts';
import type { Route } from './context.ts';
import { INGEST_ROUTES } from './ingest.ts';
import { KPI_ROUTES } from './kpi-routes.ts';
import { buildOpenApi } from './openapi.ts';
import { POSTURE_ROUTES } from './posture-routes.ts';
import { json, text } from './reply.ts';
import { RESOURCE_ROUTES } from './resources.ts';
import { RESPOND_ROUTES } from './respond-routes.ts';
import { SIGN_IN_ROUTES } from './sign-in.ts';
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
