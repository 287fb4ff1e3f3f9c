// `serve`'s front door: the HTTP server around the live service that app/ composes. The server listens before the
// service is wired (links name the real port) and answers 503 until then.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVE_CONFIG, startLiveService } from '../app/index.ts';
import type { LiveService, RunningService, ServeOptions, ServiceDoor } from '../app/index.ts';
import { DEFAULT_MAX_BODY_BYTES } from './body.ts';
import type { SignInOptions } from './context.ts';
import { Metrics, meterLiveService } from './metrics.ts';
import { createRequestHandler, httpServerOptions } from './server.ts';

/** In-flight requests get this long to finish on shutdown before their connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

/** Sign-in when the configuration asks for it; the schema has made sure publicUrl is set. */
export function signInOptions(options: ServeOptions): { signIn?: SignInOptions } {
  const config = options.config?.serve;
  const publicUrl = options.publicUrl ?? config?.publicUrl ?? null;
  if (config?.signIn === null || config?.signIn === undefined || publicUrl === null) return {};
  const secret = options.env?.['MFAGUARD_OIDC_CLIENT_SECRET'];
  return {
    signIn: {
      ...config.signIn,
      publicUrl: publicUrl.replace(/\/+$/, ''),
      clientSecret: secret === undefined || secret === '' ? null : secret,
    },
  };
}

/**
 * The HTTP server as the service's door: its options (port, body limit, metrics access, dashboard) come from `options`,
 * its connection settings (backlog, timeouts) from the configuration's `serve.http`. `create`: tests look at the server.
 */
export function createHttpDoor(
  options: ServeOptions,
  create: typeof createServer = createServer,
): ServiceDoor {
  const metrics = new Metrics();
  const http = options.config?.serve?.http ?? DEFAULT_SERVE_CONFIG.http;
  let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  const listening = create(httpServerOptions(http), (req, res) => {
    if (handle !== null) void handle(req, res);
    else res.writeHead(503, { 'retry-after': '1', 'content-length': '0' }).end();
  });
  return {
    listen: () =>
      new Promise<AddressInfo>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen({ port: options.port, host: options.host, backlog: http.listenBacklog }, () => {
          listening.off('error', reject);
          resolve(listening.address() as AddressInfo);
        });
      }),
    open(wiring): LiveService {
      const live = meterLiveService(wiring.core, metrics);
      handle = createRequestHandler({
        store: wiring.store,
        live,
        responder: wiring.responder,
        metrics,
        version: packageVersion(),
        ingestToken: wiring.ingestToken,
        ingestHeader: options.ingestHeader ?? 'authorization',
        maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        metricsPublic: options.metricsPublic ?? false,
        webRoot: options.webRoot === undefined ? defaultWebRoot() : options.webRoot,
        extraMetrics: () => wiring.liveMetrics.metrics(),
        now: wiring.clock,
        log: (line) => wiring.log({ level: 'error', msg: line }),
        logClientError: (line) => wiring.log({ level: 'warn', msg: line, kind: 'client-error' }),
        ...signInOptions(options),
        ...(options.config?.mfaPolicies === undefined ? {} : { mfaPolicies: options.config.mfaPolicies }),
      });
      return live;
    },
    countError: (where) => metrics.inc('mfaguard_errors_total', { where }),
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
      listening.closeIdleConnections();
      const cut = setTimeout(() => listening.closeAllConnections(), DRAIN_TIMEOUT_MS);
      cut.unref();
      await closed;
      clearTimeout(cut);
    },
    abort: () => {
      listening.close();
    },
  };
}

/** Starts `mfaguard serve`: the live service and its sources behind the HTTP API. */
export function startService(options: ServeOptions): Promise<RunningService> {
  return startLiveService(options, createHttpDoor(options));
}
