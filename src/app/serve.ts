// The service's composition root: config -> store -> rules -> live service -> outbox and tick loops -> sources -> HTTP server.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  createRequestHandler,
  DEFAULT_MAX_BODY_BYTES,
  hashApiToken,
  HTTP_SERVER_OPTIONS,
  Metrics,
  meterLiveService,
} from '../api/index.ts';
import type { IAMClient } from '@aws-sdk/client-iam';
import { tagOwnerLookup } from '../cases/index.ts';
import type { OwnerLookup } from '../cases/index.ts';
import { UsageError } from '../model/index.ts';
import { jsonForTerminal } from '../report/index.ts';
import type { NotifierDeps } from '../notify/index.ts';
import { createNotifiers } from '../notify/index.ts';
import type { Store } from '../store/index.ts';
import { openStore } from '../store/index.ts';
import type { MfaguardConfig } from './config.ts';
import { DEFAULT_CONFIG, DEFAULT_SERVE_CONFIG } from './config.ts';
import type { LiveLogEntry, LiveService, OutboxRunResult } from './live/index.ts';
import {
  DEFAULT_LANE_CONCURRENCY,
  createLiveMetrics,
  createLiveService,
  createOutboxWorker,
  formatLiveMetrics,
} from './live/index.ts';
import { loadRuleSet } from './rule-set.ts';
import type { ServeSourceSettings, StartedSource } from './serve-sources.ts';
import { checkSourceSettings, startSources } from './serve-sources.ts';
import { createIamTagReader } from './iam-owner-tags.ts';
import { buildResponder } from './respond.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ServeOptions {
  /** `sqlite:PATH` or `postgres://...`. */
  readonly storeUrl: string;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly config?: MfaguardConfig;
  /** Secrets come from here only: MFAGUARD_INGEST_TOKEN, MFAGUARD_ADMIN_TOKEN, MFAGUARD_LINK_SECRET, notifier secrets. */
  readonly env: Environment;
  /** Where people reach the service (links in messages); default: the config's `serve.publicUrl`, else the listen address. */
  readonly publicUrl?: string;
  readonly rulePaths?: readonly string[];
  readonly builtinRules?: boolean;
  /** Header the ingest token arrives in (default `authorization`, as `Bearer <token>`). */
  readonly ingestHeader?: string;
  readonly maxBodyBytes?: number;
  readonly metricsPublic?: boolean;
  /** Also look owners up in IAM user tags (ListUserTags), after the configuration's owners. */
  readonly ownerTags?: boolean;
  /** Tests give their own IAM client for the tag lookup and the response actions. */
  readonly iamClient?: IAMClient;
  /** The dashboard's folder; default `<package>/web/`; null serves none. */
  readonly webRoot?: string | null;
  /** How often an idle outbox lane looks for notifications that came due (default 1 s). */
  readonly outboxIntervalMs?: number;
  /** How long an outbox row stays this process's without a heartbeat (default 30 s; heartbeats every third of it). */
  readonly outboxLeaseMs?: number;
  /** Pause between ticks: escalations, rotations, re-triage (default 30 s). */
  readonly tickIntervalMs?: number;
  /** Live sources besides the HTTP endpoint: SQS queues, S3 prefixes to poll, LookupEvents regions. */
  readonly sources?: ServeSourceSettings;
  /** Tests replace the notifiers' fetch, the clock... */
  readonly notifierDeps?: Partial<NotifierDeps>;
  readonly clock?: () => number;
  /** One JSON object per line; default: standard error. */
  readonly log?: (entry: LiveLogEntry) => void;
  /** Unique per process: holds outbox leases and work claims. */
  readonly workerId?: string;
}

export interface RunningService {
  /** `http://host:port` as bound (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly live: LiveService;
  /** One outbox pass now, outside the loop (tests). */
  drainOutbox(): Promise<OutboxRunResult>;
  /** Graceful stop: no new requests, in-flight ones and the current outbox batch finish, the store closes. Idempotent. */
  stop(): Promise<void>;
}

const LINK_SECRET_CHECKPOINT = 'serve:link-secret';
const LINK_SECRET_LOCK = 'serve:link-secret:init';
const MIN_TOKEN_LENGTH = 16;
const OUTBOX_BATCH = 50;
/** Short, and kept alive by heartbeats while a send runs: after a crash only the rows truly in flight wait for it. */
const OUTBOX_LEASE_MS = 30_000;
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

/** Owners from IAM user tags; the IAM SDK is loaded only when this is asked for. */
async function iamOwnerLookup(
  options: ServeOptions,
  config: MfaguardConfig,
  clock: () => number,
): Promise<OwnerLookup> {
  let client = options.iamClient;
  if (client === undefined) {
    const { IAMClient } = await import('@aws-sdk/client-iam');
    const profile = options.sources?.profile;
    const credentials =
      profile === undefined
        ? undefined
        : (await import('@aws-sdk/credential-providers')).fromIni({ profile });
    client = new IAMClient({
      region: options.sources?.region ?? 'us-east-1',
      ...(credentials === undefined ? {} : { credentials }),
    });
  }
  const keys = (config.serve ?? DEFAULT_SERVE_CONFIG).ownerTagKeys;
  return tagOwnerLookup(createIamTagReader(client, { clock }), keys);
}

/** One JSON object per line; log entries carry CloudTrail text, so DEL, C1 and bidi characters are escaped too. */
function stderrLog(entry: LiveLogEntry): void {
  process.stderr.write(`${jsonForTerminal(JSON.stringify({ time: new Date().toISOString(), ...entry }))}\n`);
}

function secretFromEnv(env: Environment, name: string): string | null {
  const value = env[name];
  if (value === undefined || value === '') return null;
  if (value.trim().length < MIN_TOKEN_LENGTH) {
    throw new UsageError(
      `${name} is too short (${value.trim().length} characters): use at least ${MIN_TOKEN_LENGTH} random characters, e.g. \`openssl rand -base64 32\``,
    );
  }
  return value.trim();
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The HMAC key of the owners' links: MFAGUARD_LINK_SECRET, else one generated once and kept in the store, so
 * that a restart (or another worker on the same store) keeps the links already sent valid. Only one process
 * generates it: the others wait for its claim and read what it wrote.
 */
export async function resolveLinkSecret(
  store: Store,
  env: Environment,
  workerId: string,
  clock: () => number,
): Promise<Uint8Array> {
  const fromEnv = secretFromEnv(env, 'MFAGUARD_LINK_SECRET');
  if (fromEnv !== null) {
    if (Buffer.byteLength(fromEnv) < 32) {
      throw new UsageError('MFAGUARD_LINK_SECRET must be at least 32 bytes, e.g. `openssl rand -base64 32`');
    }
    return Buffer.from(fromEnv, 'utf8');
  }
  const never = new AbortController().signal;
  for (let attempt = 0; attempt < 100; attempt++) {
    const stored = await store.getCheckpoint(LINK_SECRET_CHECKPOINT);
    if (stored !== null) return Buffer.from(stored, 'base64url');
    if (await store.claimWork({ key: LINK_SECRET_LOCK, workerId, leaseMs: 30_000, nowMs: clock() })) {
      const again = await store.getCheckpoint(LINK_SECRET_CHECKPOINT);
      if (again !== null) return Buffer.from(again, 'base64url');
      const secret = randomBytes(32);
      await store.setCheckpoint(LINK_SECRET_CHECKPOINT, secret.toString('base64url'), clock());
      await store.completeWork(LINK_SECRET_LOCK, workerId, clock());
      return secret;
    }
    await sleep(100, never);
  }
  throw new UsageError(
    'could not read or create the verification link secret in the store; set MFAGUARD_LINK_SECRET',
  );
}

/**
 * MFAGUARD_ADMIN_TOKEN becomes an admin API token (idempotent: the same token on every start). A token revoked
 * through the API stays revoked: the environment cannot bring it back, and the start says so.
 */
export async function bootstrapAdminToken(
  store: Store,
  env: Environment,
  nowMs: number,
): Promise<'absent' | 'active' | 'revoked'> {
  const token = secretFromEnv(env, 'MFAGUARD_ADMIN_TOKEN');
  if (token === null) return 'absent';
  const { token: stored } = await store.createApiToken({
    name: 'admin (MFAGUARD_ADMIN_TOKEN)',
    role: 'admin',
    tokenHash: hashApiToken(token),
    createdBy: 'environment',
    nowMs,
  });
  return stored.revokedAt === null ? 'active' : 'revoked';
}

/** A loop that runs `pass` until `signal` aborts; the pass in progress when it aborts finishes first. */
async function runLoop(
  signal: AbortSignal,
  intervalMs: number,
  pass: () => Promise<boolean>,
  onError: (error: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    let again = false;
    try {
      again = await pass();
    } catch (error) {
      onError(error);
    }
    if (!again) await sleep(intervalMs, signal);
  }
}

/** Starts everything and resolves once the HTTP server listens. */
export async function startService(options: ServeOptions): Promise<RunningService> {
  const clock = options.clock ?? (() => Date.now());
  const log = options.log ?? stderrLog;
  const config = options.config ?? DEFAULT_CONFIG;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const ingestToken = secretFromEnv(options.env, 'MFAGUARD_INGEST_TOKEN');
  checkSourceSettings(options.sources ?? {});
  const rules = loadRuleSet({ builtin: options.builtinRules ?? true, paths: options.rulePaths ?? [] });
  const broken = rules.results.filter((result) => result.status === 'error');
  if (broken.length > 0) {
    throw new UsageError(`${broken.length} rule file(s) could not be loaded; run \`mfaguard rules --check\``);
  }
  // Built before the store is opened: a notifier whose secret is missing is a usage error, not a half-started service.
  const notifiers = createNotifiers(config.notify?.notifiers ?? [], {
    env: options.env,
    now: clock,
    ...options.notifierDeps,
  });

  const store = await openStore(options.storeUrl, {
    onBackgroundError: (error) => log({ level: 'warn', msg: 'store connection error', error: error.message }),
  });
  // Listening comes first so that the links in messages can name the real port (0 in tests); requests that
  // arrive in the few milliseconds before the service is wired get a 503 and are retried by their sender.
  let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  const listening: Server = createServer(HTTP_SERVER_OPTIONS, (req, res) => {
    if (handle !== null) void handle(req, res);
    else res.writeHead(503, { 'retry-after': '1', 'content-length': '0' }).end();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(options.port, options.host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    const address = listening.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const boundUrl = `http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? 'localhost' : shownHost}:${address.port}`;
    const publicUrl = options.publicUrl ?? config.serve?.publicUrl ?? boundUrl;

    const secret = await resolveLinkSecret(store, options.env, workerId, clock);
    const adminToken = await bootstrapAdminToken(store, options.env, clock());
    if (adminToken === 'active')
      log({ level: 'info', msg: 'admin token from MFAGUARD_ADMIN_TOKEN is active' });
    if (adminToken === 'revoked') {
      log({
        level: 'warn',
        msg: 'MFAGUARD_ADMIN_TOKEN was revoked through the API and stays revoked: set a new value, or unset it',
      });
    }
    if (ingestToken === null) {
      log({ level: 'warn', msg: 'MFAGUARD_INGEST_TOKEN is not set: POST /ingest/eventbridge answers 503' });
    }

    const ownerLookups = options.ownerTags === true ? [await iamOwnerLookup(options, config, clock)] : [];
    const responder = await buildResponder({
      store,
      config,
      clock,
      workerId,
      log,
      ...(options.iamClient === undefined ? {} : { iamClient: options.iamClient }),
      ...(options.sources?.profile === undefined ? {} : { profile: options.sources.profile }),
    });
    const liveMetrics = createLiveMetrics();
    const metrics = new Metrics();
    const core = createLiveService({
      store,
      rules,
      config: { ...config, serve: config.serve ?? DEFAULT_SERVE_CONFIG },
      secret,
      publicUrl,
      clock,
      log,
      metrics: liveMetrics,
      ownerLookups,
      responder,
    });
    const live = meterLiveService(core, metrics);
    const outbox = createOutboxWorker({
      store,
      notifiers,
      lanes: new Map(
        (config.notify?.notifiers ?? []).map((notifier) => [
          notifier.id,
          {
            concurrency: notifier.concurrency ?? DEFAULT_LANE_CONCURRENCY,
            timeoutMs: notifier.timeoutMs,
          },
        ]),
      ),
      routes: config.notify?.routes ?? [],
      clock,
      workerId,
      leaseMs: options.outboxLeaseMs ?? OUTBOX_LEASE_MS,
      batch: OUTBOX_BATCH,
      metrics: liveMetrics,
      log,
    });
    handle = createRequestHandler({
      store,
      live,
      responder,
      metrics,
      version: packageVersion(),
      ingestToken,
      ingestHeader: options.ingestHeader ?? 'authorization',
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      metricsPublic: options.metricsPublic ?? false,
      webRoot: options.webRoot === undefined ? defaultWebRoot() : options.webRoot,
      extraMetrics: () => formatLiveMetrics(liveMetrics.snapshot()),
      now: clock,
      log: (line) => log({ level: 'error', msg: line }),
      logClientError: (line) => log({ level: 'warn', msg: line, kind: 'client-error' }),
    });

    const stopping = new AbortController();
    // Sources first: one that cannot start (no credentials) fails the start before any loop runs.
    const sources: StartedSource[] = await startSources(options.sources ?? {}, {
      sink: live,
      store,
      clock,
      workerId,
      signal: stopping.signal,
      log,
    });
    // Each notifier's lane runs on its own: a hanging receiver holds its lane's few rows, never another lane.
    const outboxLoop = outbox
      .run(stopping.signal, options.outboxIntervalMs ?? 1000)
      .catch((error: unknown) => {
        metrics.inc('mfaguard_errors_total', { where: 'outbox' });
        log({ level: 'error', msg: 'outbox stopped', error: String(error) });
      });
    const tickLoop = runLoop(
      stopping.signal,
      options.tickIntervalMs ?? 30_000,
      async () => {
        await live.tick();
        return false;
      },
      (error) => log({ level: 'error', msg: 'tick failed', error: String(error) }),
    );
    log({ level: 'info', msg: 'mfaguard serve listening', url: boundUrl, store: store.url, publicUrl });

    let stopped: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        log({ level: 'info', msg: 'shutting down: finishing in-flight work' });
        const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
        listening.closeIdleConnections();
        const cut = setTimeout(() => listening.closeAllConnections(), DRAIN_TIMEOUT_MS);
        cut.unref();
        stopping.abort();
        await Promise.all([closed, outboxLoop, tickLoop, ...sources.map((source) => source.done)]);
        clearTimeout(cut);
        await store.close();
        log({ level: 'info', msg: 'stopped' });
      })();
      return stopped;
    };
    return {
      url: boundUrl,
      port: address.port,
      store,
      live,
      drainOutbox: () => outbox.runOnce(),
      stop,
    };
  } catch (error) {
    listening.close();
    await store.close().catch(() => undefined);
    throw error;
  }
}
