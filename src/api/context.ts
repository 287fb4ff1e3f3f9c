// What every handler is given: the service's parts, the request, its path parameters and the caller.

import type { IncomingMessage } from 'node:http';
import type { KpiTrendSources, LiveService } from '../app/index.ts';
import type { Responder } from '../respond/index.ts';
import type { ApiRole, ApiToken, Store } from '../store/index.ts';
import type { Metrics } from './metrics.ts';
import type { RateLimiter } from './rate-limits.ts';
import type { Reply } from './reply.ts';

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
  /** Posture snapshots for the KPI trends (the store's list of them, once it keeps them); absent: no posture series. */
  readonly postureSnapshots?: KpiTrendSources['postureSnapshots'];
  /** The response actions (plan, approve, undo); absent: those routes answer 503. */
  readonly responder?: Responder;
}

/** `public`: no token; `ingest`: the ingest secret; `metrics`: viewer unless configured public; else a role. */
export type Access = 'public' | 'ingest' | 'metrics' | ApiRole;

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** The caller's token; null on public and ingest routes. */
  readonly caller: ApiToken | null;
  readonly options: ApiOptions;
}

/** For the audit log: `api:<token name>`. */
export function actorOf(ctx: RequestContext): string {
  return ctx.caller === null ? 'api:anonymous' : `api:${ctx.caller.name}`;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Segments in braces are parameters: `/api/cases/{id}`. */
  readonly path: string;
  readonly access: Access;
  readonly tag: string;
  readonly summary: string;
  /** Query parameters, for the OpenAPI document. */
  readonly query?: readonly { readonly name: string; readonly description: string }[];
  /** Body fields, for the OpenAPI document: name -> description (a `*` suffix marks required). */
  readonly body?: Readonly<Record<string, string>>;
  /** Non-JSON answers, for the OpenAPI document. */
  readonly produces?: string;
  /** Status codes this route answers with besides the common ones, with what they mean. */
  readonly responses: Readonly<Record<string, string>>;
  /** The JSON Schema of the 200 answer, for the OpenAPI document. */
  readonly responseSchema?: Readonly<Record<string, unknown>>;
  handle(ctx: RequestContext): Promise<Reply>;
}
