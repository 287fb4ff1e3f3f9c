// What every handler is given: the service's parts, the request, its path parameters and the caller.

import type { IncomingMessage } from 'node:http';
import type { LiveService, SignInConfig } from '../app/index.ts';
import type { Responder } from '../respond/index.ts';
import type { ApiRole, ApiToken, Store } from '../store/index.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimiter } from './rate-limits.ts';
import type { Reply } from './reply.ts';
import type { RouteSchema } from './validate.ts';

/** What the HTTP server needs for sign-in: the configuration, where it is reached, and the client secret if any. */
export interface SignInOptions extends SignInConfig {
  /** The dashboard's base URL: the callback is `<publicUrl>/auth/callback`. */
  readonly publicUrl: string;
  /** From MFAGUARD_OIDC_CLIENT_SECRET; null: a public client, PKCE only. */
  readonly clientSecret: string | null;
}

export interface ApiOptions {
  readonly store: Store;
  readonly live: LiveService;
  readonly metrics: Metrics;
  readonly version: string;
  /** The secret sources present on POST /ingest/eventbridge; null turns ingestion off (503). */
  readonly ingestToken: string | null;
  /** `authorization` (Bearer) by default; e.g. `x-mfaguard-api-key` for an EventBridge API-key connection. */
  readonly ingestHeader: string;
  readonly maxBodyBytes: number;
  /** True: /metrics needs no token (a scraper inside a trusted network). Default: a viewer token. */
  readonly metricsPublic: boolean;
  /** The dashboard's folder, or null to serve none. */
  readonly webRoot: string | null;
  /** More metrics in the text exposition format (the live core's counters), appended to /metrics. */
  readonly extraMetrics?: () => string | Promise<string>;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Client mistakes worth a line (an upload the client aborted): not errors of the service. Default: `log`. */
  readonly logClientError?: (line: string) => void;
  /** Limits on verification links and failed tokens; default: DEFAULT_RATE_LIMITS, per process. */
  readonly rateLimiter?: RateLimiter;
  /** The response actions (plan, approve, undo); absent: those routes answer 503. */
  readonly responder?: Responder;
  /** Dashboard sign-in with OpenID Connect; absent: API tokens only. */
  readonly signIn?: SignInOptions;
  /** `mfaPolicies` from the configuration: the KPIs classify denials with them, as ingestion does. */
  readonly mfaPolicies?: readonly string[];
}

/** `public`: no token; `ingest`: the ingest secret; `metrics`: viewer unless configured public; else a role. */
export type Access = 'public' | 'ingest' | 'metrics' | ApiRole;

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /**
   * The body as the route's `accepts` says (parsed JSON, records, or bytes); undefined when none was sent. A route
   * with a `bodySchema` gets it checked: read it with that schema's `of(ctx)`.
   */
  readonly body?: unknown;
  /** The query string, checked by the route's `querySchema` (read it with `of(ctx)`); unchecked without one. */
  readonly query?: unknown;
  /** The caller's token (or dashboard session); null on public and ingest routes. */
  readonly caller: ApiToken | null;
  /** The session's CSRF token when the caller came with a session cookie. */
  readonly csrfToken?: string;
  readonly options: ApiOptions;
}

/**
 * For the audit log, comments and approvals: the person (`Ada Lovelace <sub:248289761001>`, with the token's name
 * when a script acted with their token); `api:<token name>` for a token that belongs to nobody (the bootstrap one).
 */
export function actorOf(ctx: RequestContext): string {
  return ctx.caller === null ? 'api:anonymous' : actorOfToken(ctx.caller);
}

export function actorOfToken(token: ApiToken): string {
  if (token.subject === null) return `api:${token.name}`;
  const person = `${token.displayName ?? token.subject} <sub:${token.subject}>`;
  return token.kind === 'session' ? person : `${person} via token ${JSON.stringify(token.name)}`;
}

/**
 * What a route reads from the request body. `json`: one JSON document, nesting checked over the bytes before parsing;
 * `records`: the ingestion flavour (items past the limits kept as bytes, for dead letters); `bytes`: as sent (a form).
 */
export interface BodyAccepted {
  readonly kind: 'json' | 'records' | 'bytes';
  /** At most this many bytes (413 past it); default: the server's maxBodyBytes. */
  readonly maxBytes?: number;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Segments in braces are parameters: `/api/cases/{id}`. */
  readonly path: string;
  readonly access: Access;
  readonly tag: string;
  readonly summary: string;
  /** The query string's fields: fastify checks them before the handler; the OpenAPI document lists them. */
  readonly querySchema?: RouteSchema;
  /** The JSON body's fields: fastify checks them before the handler; the OpenAPI document describes them. */
  readonly bodySchema?: RouteSchema;
  /**
   * A body no zod schema checks (the ingestion batch, the verification form), described for the OpenAPI document:
   * name -> description (a `*` suffix marks required).
   */
  readonly body?: Readonly<Record<string, string>>;
  /** What the handler reads from the body; absent: the body is not parsed (a JSON one is not even looked at). */
  readonly accepts?: BodyAccepted;
  /** Non-JSON answers, for the OpenAPI document. */
  readonly produces?: string;
  /** Status codes this route answers with besides the common ones, with what they mean. */
  readonly responses: Readonly<Record<string, string>>;
  /** The JSON Schema of the 200 answer, for the OpenAPI document. */
  readonly responseSchema?: Readonly<Record<string, unknown>>;
  handle(ctx: RequestContext): Promise<Reply>;
}
