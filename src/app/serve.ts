// The service's composition root: config -> store -> rules -> live service -> outbox and tick loops -> sources, behind
// a front door that api/ gives (the HTTP server; app/ does not import the shells).

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Registry } from 'prom-client';
import { tagOwnerLookup } from '../cases/index.ts';
import type { OwnerLookup } from '../cases/index.ts';
import { UsageError } from '../model/index.ts';
import type { NotifierDeps } from '../notify/index.ts';
import { createNotifiers } from '../notify/index.ts';
import type { Store } from '../store/index.ts';
import { openStore } from '../store/index.ts';
import type { MfaguardConfig } from './config.ts';
import { DEFAULT_CONFIG, DEFAULT_SERVE_CONFIG } from './config.ts';
import { hashApiToken } from './api-tokens.ts';
import type { LiveLogEntry, LiveService, OutboxRunResult } from './live/index.ts';
import { createLiveMetrics, createLiveService, runScheduledJob } from './live/index.ts';
import { loadRuleSet } from './rule-set.ts';
import type { ServeSourceSettings, StartedSource } from './serve-sources.ts';
import { checkSourceSettings, startSources } from './serve-sources.ts';
import { createIamTagReader } from './iam-owner-tags.ts';
import { createServeLog, logLevelFrom } from './serve-log.ts';
import { wireResponsePath } from './respond-path.ts';
import { configuredOutbox } from './outbox-setup.ts';
import type { RespondClients } from './respond-clients.ts';
import type { Responder } from '../respond/index.ts';
import type { PostureClients, PostureService } from './posture-service.ts';
import type { ProvisionedCheck } from './provisioned-service.ts';

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
  /** Tests give mocked STS and IAM for the response (a role assumed per account); wins over `iamClient` there. */
  readonly respondClients?: RespondClients;
  /** The dashboard's folder; default `<package>/web/`; null serves none. */
  readonly webRoot?: string | null;
  /** How often an idle outbox lane looks for notifications that came due (default 1 s). */
  readonly outboxIntervalMs?: number;
  /** How long an outbox row stays this process's without a heartbeat (default 30 s; heartbeats every third of it). */
  readonly outboxLeaseMs?: number;
  /** Pause between ticks: escalations, rotations, re-triage (default 30 s). */
  readonly tickIntervalMs?: number;
  /** How often ended dashboard sessions are deleted (default hourly). */
  readonly sessionCleanupIntervalMs?: number;
  /** Live sources besides the HTTP endpoint: SQS queues, S3 prefixes to poll, LookupEvents regions. */
  readonly sources?: ServeSourceSettings;
  /** Tests replace the notifiers' fetch, the clock... */
  readonly notifierDeps?: Partial<NotifierDeps>;
  readonly clock?: () => number;
  /** One JSON object per line; default: standard error, through pino, at MFAGUARD_LOG_LEVEL, else `serve.logLevel` (default info). */
  readonly log?: (entry: LiveLogEntry) => void;
  /** Unique per process: holds outbox leases and work claims. */
  readonly workerId?: string;
  /** Tests give mocked STS/Organizations/IAM clients for the posture audit; null: no audits. */
  readonly postureClients?: PostureClients | null;
  /** How often the posture job asks whether an audit is due (default 60 s). */
  readonly postureCheckIntervalMs?: number;
}

export interface RunningService {
  /** `http://host:port` as bound (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly live: LiveService;
  /** The posture audit and its event updates (tests run an audit now with `posture.runAudit()`). */
  readonly posture: PostureService;
  /** The provisioned-without-MFA check (tests run one now with `provisioned.check()`). */
  readonly provisioned: ProvisionedCheck;
  /** One outbox pass now, outside the loop (tests). */
  drainOutbox(): Promise<OutboxRunResult>;
  /** Graceful stop: no new requests, in-flight ones and the current outbox batch finish, the store closes. Idempotent. */
  stop(): Promise<void>;
}

const LINK_SECRET_CHECKPOINT = 'serve:link-secret';
const LINK_SECRET_LOCK = 'serve:link-secret:init';
const MIN_TOKEN_LENGTH = 16;

/** What the front door is handed once the live service is built. */
export interface DoorWiring {
  readonly store: Store;
  /** The live service as built here; the door may wrap it (metering) and returns what the sources should feed. */
  readonly core: LiveService;
  readonly ingestToken: string | null;
  readonly clock: () => number;
  readonly log: (entry: LiveLogEntry) => void;
  /** The live service's own counters and histograms, for /metrics. */
  readonly liveMetrics: Registry;
  /** The containment actions: the API plans, applies and undoes them through it. */
  readonly responder: Responder;
}

/**
 * The service's front door: the HTTP server, given by api/. It listens before the service is wired (so that links
 * can name the real port) and answers 503 until `open`.
 */
export interface ServiceDoor {
  listen(): Promise<AddressInfo>;
  open(wiring: DoorWiring): LiveService;
  /** A background loop failed (counted in the door's metrics). */
  countError(where: string): void;
  /** No new requests; resolves when the open ones have finished or were cut. */
  close(): Promise<void>;
  /** After a failed start: stop listening, wait for nothing. */
  abort(): void;
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

/** What the service is built from, checked before the store is opened: a wrong setting is a usage error, not a half start. */
interface ServiceParts {
  readonly clock: () => number;
  readonly config: MfaguardConfig;
  readonly log: (entry: LiveLogEntry) => void;
  readonly workerId: string;
  readonly ingestToken: string | null;
  readonly rules: ReturnType<typeof loadRuleSet>;
  readonly notifiers: ReturnType<typeof createNotifiers>;
}

function prepareService(options: ServeOptions): ServiceParts {
  const clock = options.clock ?? (() => Date.now());
  const config = options.config ?? DEFAULT_CONFIG;
  const log = options.log ?? createServeLog(logLevelFrom(options.env, config.serve?.logLevel ?? null));
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
  return { clock, config, log, workerId, ingestToken, rules, notifiers };
}

/** Where the door listens, as people and links see it. */
function urlsOf(options: ServeOptions, config: MfaguardConfig, address: AddressInfo) {
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const boundUrl = `http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? 'localhost' : shownHost}:${address.port}`;
  const publicUrl = options.publicUrl ?? config.serve?.publicUrl ?? boundUrl;
  return { boundUrl, publicUrl };
}

/** The start's word on the two environment tokens. */
async function announceTokens(store: Store, options: ServeOptions, parts: ServiceParts): Promise<void> {
  const { log, clock, ingestToken } = parts;
  const adminToken = await bootstrapAdminToken(store, options.env, clock());
  if (adminToken === 'active') log({ level: 'info', msg: 'admin token from MFAGUARD_ADMIN_TOKEN is active' });
  if (adminToken === 'revoked') {
    log({
      level: 'warn',
      msg: 'MFAGUARD_ADMIN_TOKEN was revoked through the API and stays revoked: set a new value, or unset it',
    });
  }
  if (ingestToken === null) {
    log({ level: 'warn', msg: 'MFAGUARD_INGEST_TOKEN is not set: POST /ingest/eventbridge answers 503' });
  }
}

/** The response path (responder, posture) with the AWS clients and profile the options give. */
function responsePath(
  store: Store,
  options: ServeOptions,
  parts: ServiceParts,
  publicUrl: string,
): ReturnType<typeof wireResponsePath> {
  const { config, clock, workerId, log } = parts;
  const profileAndRegion = {
    ...(options.sources?.profile === undefined ? {} : { profile: options.sources.profile }),
    ...(options.sources?.region === undefined ? {} : { region: options.sources.region }),
  };
  return wireResponsePath({
    store,
    config,
    clock,
    workerId,
    log,
    notify: { routes: config.notify?.routes ?? [], publicUrl },
    posture: {
      config: config.posture,
      sleep,
      notify: { routes: config.notify?.routes ?? [], publicUrl },
      ...(options.postureClients === undefined ? {} : { clients: options.postureClients }),
      ...(options.postureCheckIntervalMs === undefined
        ? {}
        : { checkIntervalMs: options.postureCheckIntervalMs }),
      ...profileAndRegion,
    },
    ...(options.respondClients === undefined ? {} : { clients: options.respondClients }),
    ...(options.iamClient === undefined ? {} : { iamClient: options.iamClient }),
    ...profileAndRegion,
  });
}

/** The live core, its outbox and the door opened on them. */
async function wireService(
  store: Store,
  options: ServeOptions,
  door: ServiceDoor,
  parts: ServiceParts,
  publicUrl: string,
) {
  const { config, clock, workerId, log, rules, notifiers, ingestToken } = parts;
  const secret = await resolveLinkSecret(store, options.env, workerId, clock);
  await announceTokens(store, options, parts);
  const ownerLookups = options.ownerTags === true ? [await iamOwnerLookup(options, config, clock)] : [];
  const { posture, responder, hooks } = await responsePath(store, options, parts, publicUrl);
  const liveMetrics = createLiveMetrics();
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
    responder: hooks,
  });
  const outbox = configuredOutbox({
    store,
    config,
    notifiers,
    clock,
    workerId,
    leaseMs: options.outboxLeaseMs,
    metrics: liveMetrics,
    log,
  });
  const live = door.open({
    store,
    core,
    responder,
    ingestToken,
    clock,
    log,
    liveMetrics: liveMetrics.registry,
  });
  return { posture, outbox, live };
}

type Wired = Awaited<ReturnType<typeof wireService>>;

/** The background loops: outbox, ticks, session cleanup, posture; each resolves once `signal` stops it. */
function startLoops(
  store: Store,
  options: ServeOptions,
  door: ServiceDoor,
  parts: ServiceParts,
  wired: Wired,
  signal: AbortSignal,
): Promise<unknown>[] {
  const { clock, workerId, log } = parts;
  // Each notifier's lane runs on its own: a hanging receiver holds its lane's few rows, never another lane.
  const outboxLoop = wired.outbox.run(signal, options.outboxIntervalMs ?? 1000).catch((error: unknown) => {
    door.countError('outbox');
    log({ level: 'error', msg: 'outbox stopped', error: String(error) });
  });
  // Each scheduled job runs on one worker at a time: the others wait on the store's lease.
  const every = (name: string, intervalMs: number, run: () => Promise<void>) =>
    runScheduledJob(signal, { name, store, workerId, clock, intervalMs, run, log, sleep });
  // The ticks: escalations, expired verifications, due responses, re-triage.
  const tickLoop = every('tick', options.tickIntervalMs ?? 30_000, async () => {
    await wired.live.tick();
  });
  // Dashboard sessions that ended (expired, signed out, demoted to nothing) are deleted with their sealed provider
  // tokens, so the table holds live sessions only. API tokens stay, revoked or not, for the record.
  const sessionCleanup = every('session-cleanup', options.sessionCleanupIntervalMs ?? 3_600_000, async () => {
    const deleted = await store.deleteEndedSessions(clock());
    if (deleted > 0) log({ level: 'info', msg: 'ended dashboard sessions deleted', count: deleted });
  });
  return [outboxLoop, tickLoop, sessionCleanup, wired.posture.run(signal)];
}

/** Stops once, however often asked: the door first (in-flight requests finish), then the loops, then the store. */
function stopperOf(
  store: Store,
  door: ServiceDoor,
  log: (entry: LiveLogEntry) => void,
  stopping: AbortController,
  running: readonly Promise<unknown>[],
): () => Promise<void> {
  let stopped: Promise<void> | null = null;
  return () => {
    stopped ??= (async () => {
      log({ level: 'info', msg: 'shutting down: finishing in-flight work' });
      const closed = door.close();
      stopping.abort();
      await Promise.all([closed, ...running]);
      await store.close();
      log({ level: 'info', msg: 'stopped' });
    })();
    return stopped;
  };
}

/** Starts everything behind `door` and resolves once it listens. */
export async function startLiveService(options: ServeOptions, door: ServiceDoor): Promise<RunningService> {
  const parts = prepareService(options);
  const { config, clock, workerId, log } = parts;
  const store = await openStore(options.storeUrl, {
    onBackgroundError: (error) => log({ level: 'warn', msg: 'store connection error', error: error.message }),
    // SQLite's checkpoints (a copy of the log and an fsync) off the event loop: requests never wait for one.
    backgroundCheckpoints: true,
  });
  // Listening comes first so that the links in messages can name the real port (0 in tests); requests that
  // arrive in the few milliseconds before the service is wired get a 503 and are retried by their sender.
  try {
    const address = await door.listen();
    const { boundUrl, publicUrl } = urlsOf(options, config, address);
    const wired = await wireService(store, options, door, parts, publicUrl);
    const stopping = new AbortController();
    // Sources first: one that cannot start (no credentials) fails the start before any loop runs.
    const sources: StartedSource[] = await startSources(options.sources ?? {}, {
      sink: wired.live,
      store,
      clock,
      workerId,
      signal: stopping.signal,
      log,
    });
    const loops = startLoops(store, options, door, parts, wired, stopping.signal);
    log({ level: 'info', msg: 'mfaguard serve listening', url: boundUrl, store: store.url, publicUrl });
    const running = [...loops, ...sources.map((source) => source.done)];
    return {
      url: boundUrl,
      port: address.port,
      store,
      live: wired.live,
      posture: wired.posture.service,
      provisioned: wired.posture.provisioned,
      drainOutbox: () => wired.outbox.runOnce(),
      stop: stopperOf(store, door, log, stopping, running),
    };
  } catch (error) {
    door.abort();
    await store.close().catch(() => undefined);
    throw error;
  }
}
