// The HTTP server: fastify over the route table. Access is checked in a hook before any body is read; fastify reads
// bodies with each route's limit and parses them (JSON with the nesting check first); one error handler turns
// anything thrown into today's problem answers; metrics per route template; the dashboard's files as the fallback.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { fastify } from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerFactory } from 'fastify';
import { DEFAULT_SERVE_CONFIG } from '../app/index.ts';
import type { ServeConfig } from '../app/index.ts';
import { UsageError } from '../model/index.ts';
import { checkAccess } from './access.ts';
import type { Access } from './access.ts';
import {
  bodyTooLarge,
  hasBody,
  isJsonContentType,
  JSON_MEDIA_TYPE,
  parseJson,
  parseRecords,
  unsupportedMediaType,
} from './body.ts';
import type { ApiOptions, RequestContext, Route } from './context.ts';
import { HttpError, problemFor } from './problem.ts';
import type { Reply } from './reply.ts';
import { createRateLimiter } from './rate-limits.ts';
import { API_ROUTES, findRoute } from './routes.ts';
import { DASHBOARD_CSP, serveStatic } from './static-files.ts';
import type { RouteSchema } from './validate.ts';

export { API_ROUTES, findRoute } from './routes.ts';

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

/** Node's server options from the `serve.http` settings: timeouts that keep a stalled client from holding a connection. */
export function httpServerOptions(http: ServeConfig['http']): ServerOptions {
  return {
    requestTimeout: http.requestTimeoutMs,
    headersTimeout: http.headersTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
  };
}

/** The default settings' options. */
export const HTTP_SERVER_OPTIONS = httpServerOptions(DEFAULT_SERVE_CONFIG.http);

/** What the hooks learn about one request: when it started, its metrics label, and who called. */
interface RequestState {
  readonly started: number;
  label: string;
  access: Access;
}

const states = new WeakMap<FastifyRequest, RequestState>();

function stateOf(request: FastifyRequest): RequestState {
  let state = states.get(request);
  if (state === undefined) {
    state = { started: performance.now(), label: 'unmatched', access: { caller: null } };
    states.set(request, state);
  }
  return state;
}

/** The table's route a request matched (fastify keeps it in the route's config); undefined for the fallback. */
function routeOf(request: FastifyRequest): Route | undefined {
  return (request.routeOptions.config as { route?: Route }).route;
}

function pathOf(request: FastifyRequest): string {
  try {
    return new URL(request.url, 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

function send(reply: FastifyReply, answer: Reply): FastifyReply {
  reply.code(answer.status).headers({ ...SECURITY_HEADERS, ...answer.headers });
  if (answer.cookies !== undefined && answer.cookies.length > 0)
    reply.header('set-cookie', [...answer.cookies]);
  return reply.send(answer.body);
}

/**
 * JSON (and `application/*+json`) is parsed only for a route that reads it, in the flavour it declares; any other
 * body is kept as bytes (a form) or ignored, as before: a route that reads no body never fails on one.
 */
function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (request, body, done) => {
    const kind = routeOf(request)?.accepts?.kind;
    const bytes = body as Buffer;
    try {
      done(null, kind === 'records' ? parseRecords(bytes) : kind === 'json' ? parseJson(bytes) : bytes);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** Access first (before any byte of the body is read), then the content type a JSON route needs (415). */
function registerHooks(app: FastifyInstance, options: ApiOptions): void {
  const limiter = options.rateLimiter ?? createRateLimiter();
  app.addHook('onRequest', async (request) => {
    const state = stateOf(request);
    const route = routeOf(request);
    if (route === undefined) return;
    state.label = route.path;
    state.access = await checkAccess(route, request.raw, options, limiter);
    const kind = route.accepts?.kind;
    // A route that needs a body asks for JSON (415) before saying it got none (400).
    const needsBody = kind === 'records' || (route.bodySchema !== undefined && !route.bodySchema.optional);
    if ((kind === 'json' || kind === 'records') && (hasBody(request.raw) || needsBody)) {
      if (!isJsonContentType(request.headers['content-type'])) throw unsupportedMediaType(request.raw);
    }
  });
  // Counted before the answer goes out (a client reading /metrics next sees it), timed once it went.
  app.addHook('onSend', async (request, reply, payload) => {
    const labels = {
      route: stateOf(request).label,
      method: request.method,
      status: String(reply.statusCode),
    };
    options.metrics.inc('mfaguard_http_requests_total', labels);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const state = stateOf(request);
    const labels = { route: state.label, method: request.method, status: String(reply.statusCode) };
    options.metrics.observeRequestTime(labels, (performance.now() - state.started) / 1000);
    // A body we refused (413) or did not read: stop the upload rather than buffer it.
    if (!request.raw.complete) request.raw.destroy();
  });
}

// No response schemas (fastify's fast-json-stringify serializers): handlers answer a finished Reply, its body already
// JSON text, so tests read values and the OpenAPI's one response schema (kpi trends) stays documentation. A
// serializer would need handlers to hand back objects, and it drops any field its schema forgot, silently.

/**
 * The routes' zod schemas are fastify's route schemas: fastify validates the body and the query string before the
 * handler (its preValidation step), through this compiler; a failure is the UsageError the error handler turns into
 * today's 400 with every issue. The query string is parsed as URLSearchParams would, a repeated key keeping its last
 * value, so every value is a string as the schemas expect.
 */
function registerValidation(app: FastifyInstance, options: ApiOptions): void {
  app.setValidatorCompiler(({ schema, httpPart, url }) => {
    if (httpPart !== 'body' && httpPart !== 'querystring')
      throw new Error(`${url}: only body and query schemas are supported, not ${String(httpPart)}`);
    const checker = schema as unknown as RouteSchema;
    return (data: unknown) => {
      try {
        return { value: checker.validate(data, options.now()) };
      } catch (error) {
        return { error: error as Error };
      }
    };
  });
}

/** The query string as the handlers always read it (URLSearchParams): one string per key, the last one given. */
function parseQueryString(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

function registerRoutes(app: FastifyInstance, options: ApiOptions): void {
  for (const route of API_ROUTES) {
    app.route({
      method: route.method,
      url: route.path.replace(/\{([^}]+)\}/g, ':$1'),
      bodyLimit: route.accepts?.maxBytes ?? options.maxBodyBytes,
      config: { route },
      schema: {
        ...(route.querySchema === undefined ? {} : { querystring: route.querySchema }),
        ...(route.bodySchema === undefined ? {} : { body: route.bodySchema }),
      },
      handler: async (request, reply) => {
        const { access } = stateOf(request);
        const ctx: RequestContext = {
          req: request.raw,
          url: new URL(request.url, 'http://localhost'),
          params: request.params as Record<string, string>,
          ...(request.body === undefined ? {} : { body: request.body }),
          query: request.query,
          caller: access.caller,
          ...(access.csrfToken === undefined ? {} : { csrfToken: access.csrfToken }),
          options,
        };
        return send(reply, await route.handle(ctx));
      },
    });
  }
}

const API_PATH = /^\/(api|auth|ingest|verify)(\/|$)/;

function isApiPath(path: string): boolean {
  return API_PATH.test(path) || path === '/healthz' || path === '/readyz' || path === '/metrics';
}

/** What no route matched: 405 with Allow for a known path, else a dashboard file, else 404. */
function registerFallback(app: FastifyInstance, options: ApiOptions): void {
  app.setNotFoundHandler(async (request, reply) => {
    const state = stateOf(request);
    const method = request.method;
    const path = pathOf(request);
    const { allowed } = findRoute(API_ROUTES, method, path);
    if (allowed.length > 0) {
      state.label = 'method-not-allowed';
      const detail = `${method} is not allowed here; use ${allowed.join(', ')}`;
      throw new HttpError(405, 'Method not allowed', detail, { allow: allowed.join(', ') });
    }
    const file =
      !isApiPath(path) && (method === 'GET' || method === 'HEAD') && options.webRoot !== null
        ? await serveStatic(options.webRoot, path)
        : null;
    if (file === null) throw new HttpError(404, 'Not found', `nothing at ${method} ${path.slice(0, 200)}`);
    state.label = 'static';
    return send(reply, file);
  });
}

/** fastify's own errors in the API's terms: the same statuses and details the hand-written server gave. */
function inApiTerms(error: unknown, request: FastifyRequest): unknown {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge(request.routeOptions.bodyLimit ?? 0);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(request.raw);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new UsageError('the request body does not match its Content-Length');
    case 'FST_ERR_BAD_URL':
      return new HttpError(404, 'Not found', `nothing at ${request.method} ${pathOf(request).slice(0, 200)}`);
    default:
      return error;
  }
}

/** The client went away mid-request (Node ends the body with `aborted`, ECONNRESET): nobody to answer. */
function clientWentAway(error: unknown, request: FastifyRequest): boolean {
  if (error instanceof HttpError) return false;
  return (
    (error as { code?: unknown }).code === 'ECONNRESET' || (request.raw.destroyed && !request.raw.complete)
  );
}

function registerErrorHandler(app: FastifyInstance, options: ApiOptions): void {
  const logClientError = options.logClientError ?? options.log;
  app.setErrorHandler((error, request, reply) => {
    const state = stateOf(request);
    const path = pathOf(request).slice(0, 200);
    if (clientWentAway(error, request)) {
      // Its mistake (or its network's), not the service's: a client error in the log, no stack, no answer.
      logClientError(`client closed the request ${request.method} ${path} before it was complete`);
      const labels = { route: state.label, method: request.method, status: '499' };
      options.metrics.inc('mfaguard_http_requests_total', labels);
      options.metrics.observeRequestTime(labels, (performance.now() - state.started) / 1000);
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    const problem = problemFor(inApiTerms(error, request), path, options.log);
    if (problem.status >= 500) options.metrics.inc('mfaguard_errors_total', { where: 'http' });
    return send(reply, problem.reply);
  });
}

/**
 * The fastify instance over the route table. The Node server is the caller's (`serverFactory`): `serve` listens before
 * the service is wired and keeps its own timeouts and graceful close.
 */
export function buildApiApp(given: ApiOptions, serverFactory?: FastifyServerFactory): FastifyInstance {
  const options: ApiOptions = { ...given, rateLimiter: given.rateLimiter ?? createRateLimiter() };
  const app = fastify({
    logger: false,
    bodyLimit: options.maxBodyBytes,
    // Verification links carry a signed token far longer than find-my-way's default of 100 characters.
    routerOptions: { maxParamLength: 8 * 1024, querystringParser: parseQueryString },
    frameworkErrors: (error, request, reply) => {
      const problem = problemFor(inApiTerms(error, request), pathOf(request).slice(0, 200), options.log);
      void send(reply, problem.reply);
    },
    ...(serverFactory === undefined ? {} : { serverFactory }),
  });
  registerBodyParsers(app);
  registerValidation(app, options);
  registerHooks(app, options);
  registerRoutes(app, options);
  registerFallback(app, options);
  registerErrorHandler(app, options);
  return app;
}

/**
 * Answers one request through fastify; requests that arrive before fastify is ready wait for it. Never throws (every
 * failure becomes a problem response).
 */
export function createRequestHandler(
  given: ApiOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let dispatch: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const app = buildApiApp(given, (handler) => {
    dispatch = handler;
    // fastify wants a server; the one that listens is the caller's, which hands requests to `dispatch`.
    return createServer();
  });
  const ready = app.ready().then(() => dispatch!);
  return async (req, res) => {
    (await ready)(req, res);
  };
}

export function createApiServer(options: ApiOptions): Server {
  const handle = createRequestHandler(options);
  return createServer(HTTP_SERVER_OPTIONS, (req, res) => {
    void handle(req, res);
  });
}
