// The AWS Lambda entry point: EventBridge events directly, or SQS batches (partial failures), into the live service.

import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadS3PollSource, loadSqsSource } from '../ingest/index.ts';
import type { LiveSourceStore } from '../ingest/index.ts';
import { setTimeout as delay } from 'node:timers/promises';
import { jsonForTerminal } from '../report/index.ts';
import type { IngestOutcome, LiveService, OutboxRunResult, OutboxWorker } from './live/index.ts';
import type { PostureClients } from './posture-service.ts';
import type { RespondClients } from './respond-clients.ts';

/** What the handler runs on; built once per Lambda container, on the first invocation. */
export interface LambdaRuntime {
  readonly service: Pick<LiveService, 'ingestRecords' | 'ingestBytes'> & Partial<Pick<LiveService, 'tick'>>;
  /** Claims of S3 objects and dead letters, for SQS batches. */
  readonly store: LiveSourceStore;
  /** Created when the first S3 notification arrives. */
  readonly s3: () => S3Client;
  readonly clock: () => number;
  /** Identifies this container in work claims. */
  readonly workerId: string;
  /**
   * Sends what the outbox holds, on each scheduled tick: a Lambda-only deployment has no serve loop to do it.
   * Absent: notifications wait for a running `serve` on the same store.
   */
  readonly outbox?: Pick<OutboxWorker, 'runOnce'>;
}

export interface HandlerDeps {
  readonly getRuntime: () => Promise<LambdaRuntime>;
  /** One JSON line per entry by default (CloudWatch Logs). */
  readonly log?: (entry: {
    readonly level: 'info' | 'warn' | 'error';
    readonly msg: string;
    readonly [key: string]: unknown;
  }) => void;
}

export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export type EventResult =
  | {
      readonly status: 'ingested';
      readonly received: number;
      readonly stored: number;
      readonly duplicates: number;
      readonly ignored: number;
      readonly rejected: number;
      readonly alerts: number;
    }
  /** A scheduled EventBridge rule's event: escalations, re-triage and due response actions ran, as serve's tick. */
  | { readonly status: 'ticked'; readonly outbox?: OutboxRunResult }
  /** The event cannot be read: retrying would not help, so it is an answer, not an exception. */
  | { readonly status: 'rejected'; readonly reason: string };

export type LambdaResult = SqsBatchResponse | EventResult;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .slice(0, 6)
      .map((k) => k.slice(0, 40).replace(/[^\w.-]/g, '?'));
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
  }
  return typeof value;
}

function isSqsBatch(event: Json): event is Json & { Records: unknown[] } {
  const records = event['Records'];
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => isObject(r) && r['eventSource'] === 'aws:sqs')
  );
}

function isOutcome(value: unknown): value is IngestOutcome {
  return isObject(value) && typeof value['received'] === 'number' && Array.isArray(value['rejected']);
}

/** CloudWatch Logs lines; entries carry CloudTrail text, so DEL, C1 and bidi characters are escaped too. */
const defaultLog: NonNullable<HandlerDeps['log']> = (entry) => {
  console.log(jsonForTerminal(JSON.stringify(entry)));
};

/**
 * The handler, on a runtime factory. A direct EventBridge event is ingested and summarised; a store or service
 * failure throws, so Lambda's asynchronous retries (and the on-failure destination) apply. An SQS batch answers
 * with the messages to retry (the event source mapping needs `ReportBatchItemFailures`).
 */
export function createHandler(deps: HandlerDeps): (event: unknown) => Promise<LambdaResult> {
  const log = deps.log ?? defaultLog;

  async function handleBatch(records: unknown[]): Promise<SqsBatchResponse> {
    const ids = records.map((r) =>
      isObject(r) && typeof r['messageId'] === 'string' ? r['messageId'] : null,
    );
    const failures: { itemIdentifier: string }[] = [];
    let runtime: LambdaRuntime;
    try {
      runtime = await deps.getRuntime();
    } catch (error) {
      log({
        level: 'error',
        msg: 'lambda: runtime unavailable; the whole batch is retried',
        error: String(error),
      });
      return { batchItemFailures: ids.flatMap((id) => (id === null ? [] : [{ itemIdentifier: id }])) };
    }
    const { processSqsBody, isAcknowledged } = await loadSqsSource();
    for (const [index, record] of records.entries()) {
      const messageId = ids[index];
      if (messageId === null || messageId === undefined) {
        // Without an id a failure cannot be reported; SQS records always carry one.
        log({ level: 'warn', msg: 'lambda: SQS record without messageId skipped', index });
        continue;
      }
      const body = isObject(record) && typeof record['body'] === 'string' ? record['body'] : '';
      const outcome = await processSqsBody(body, messageId, {
        sink: runtime.service,
        store: runtime.store,
        get s3() {
          return runtime.s3();
        },
        clock: runtime.clock,
        workerId: runtime.workerId,
        claimLeaseMs: 15 * 60_000,
        source: 'lambda',
        log: (level, msg, fields) => log({ level: level === 'debug' ? 'info' : level, msg, ...fields }),
      });
      if (!isAcknowledged(outcome)) {
        failures.push({ itemIdentifier: messageId });
        log({ level: 'warn', msg: 'lambda: message will be retried', messageId, outcome });
      }
    }
    return { batchItemFailures: failures };
  }

  async function handleEvent(event: Json): Promise<EventResult> {
    const runtime = await deps.getRuntime();
    const id = typeof event['id'] === 'string' ? event['id'] : 'without id';
    const outcome = await runtime.service.ingestRecords([event], {
      source: 'lambda',
      location: `eventbridge event ${id.slice(0, 100)}`,
    });
    if (!isOutcome(outcome))
      return {
        status: 'ingested',
        received: 1,
        stored: 0,
        duplicates: 0,
        ignored: 0,
        rejected: 0,
        alerts: 0,
      };
    return {
      status: 'ingested',
      received: outcome.received,
      stored: outcome.stored,
      duplicates: outcome.duplicates,
      ignored: outcome.ignored,
      rejected: outcome.rejected.length,
      alerts: outcome.alerts.length,
    };
  }

  return async (event) => {
    if (!isObject(event)) {
      const reason = `expected an EventBridge event or an SQS batch, got ${describe(event)}`;
      log({ level: 'warn', msg: 'lambda: event rejected', reason });
      return { status: 'rejected', reason };
    }
    if (isSqsBatch(event)) return handleBatch(event.Records);
    if (event['source'] === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
      // A schedule rule (e.g. rate(1 minute)) stands in for serve's tick loop: delayed and approved actions apply.
      const runtime = await deps.getRuntime();
      await runtime.service.tick?.();
      // After the tick, so what it queued (escalations, applied actions) goes out in the same invocation.
      if (runtime.outbox === undefined) return { status: 'ticked' };
      const sent = await runtime.outbox.runOnce();
      return { status: 'ticked', outbox: sent };
    }
    if (typeof event['detail-type'] === 'string' && isObject(event['detail'])) return handleEvent(event);
    const reason =
      typeof event['detail-type'] === 'string'
        ? 'the EventBridge event has no detail object'
        : `expected an EventBridge event (detail-type, detail) or an SQS batch (Records from aws:sqs), got ${describe(event)}`;
    log({ level: 'warn', msg: 'lambda: event rejected', reason });
    return { status: 'rejected', reason };
  };
}

/** At least this many characters of link secret: the same bar as a 256-bit key written out. */
const MIN_SECRET_LENGTH = 32;

function required(env: Readonly<Record<string, string | undefined>>, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: ${hint}`);
  return value;
}

/** What tests replace; a deployment uses none of it. */
export interface RuntimeOverrides {
  readonly clock?: () => number;
  /** Mocked STS and IAM for the response (aws-sdk-client-mock). */
  readonly respondClients?: RespondClients;
  /** Mocked clients for posture's event updates; null: none. */
  readonly postureClients?: PostureClients | null;
}

/** The posture audit job never runs in Lambda (a schedule of its own would); its wiring still asks for a pause. */
const lambdaSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * Builds the runtime from the environment: MFAGUARD_STORE (store URL, e.g. postgres://...), MFAGUARD_CONFIG
 * (optional configuration file), MFAGUARD_SECRET (verification link key, shared with `serve`),
 * MFAGUARD_PUBLIC_URL (or serve.publicUrl in the configuration) and MFAGUARD_RULES (optional, comma-separated
 * rule paths besides the built-ins). Everything heavy is imported here, on the first invocation.
 */
export async function runtimeFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: RuntimeOverrides = {},
): Promise<LambdaRuntime> {
  const storeUrl = required(
    env,
    'MFAGUARD_STORE',
    'set it to the store URL the service uses (postgres://...)',
  );
  const secret = required(env, 'MFAGUARD_SECRET', 'set it to the same link secret as `mfaguard serve`');
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`MFAGUARD_SECRET is too short: use at least ${MIN_SECRET_LENGTH} random characters`);
  }
  const [
    { openStore },
    { DEFAULT_CONFIG, loadConfigFile },
    { loadRuleSet },
    { createLiveService },
    { wireResponsePath },
    { configuredOutbox },
    { createNotifiers },
  ] = await Promise.all([
    import('../store/index.ts'),
    import('./config.ts'),
    import('./rule-set.ts'),
    import('./live/index.ts'),
    import('./respond-path.ts'),
    import('./outbox-setup.ts'),
    import('../notify/index.ts'),
  ]);
  const configPath = env['MFAGUARD_CONFIG'];
  const config =
    configPath === undefined || configPath === '' ? DEFAULT_CONFIG : loadConfigFile(configPath, { env });
  const publicUrl = env['MFAGUARD_PUBLIC_URL'] ?? config.serve?.publicUrl ?? null;
  if (publicUrl === null || publicUrl === '') {
    throw new Error(
      'MFAGUARD_PUBLIC_URL is not set and the configuration has no serve.publicUrl: links need it',
    );
  }
  const paths = (env['MFAGUARD_RULES'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const rules = loadRuleSet({ builtin: true, paths });
  const store = await openStore(storeUrl);
  const clock = overrides.clock ?? (() => Date.now());
  const workerId = `lambda:${env['AWS_LAMBDA_LOG_STREAM_NAME'] ?? randomUUID()}`;
  // The same wiring as serve's: posture updated from the events, then the responder, notifying through the outbox.
  const { hooks } = await wireResponsePath({
    store,
    config,
    clock,
    workerId,
    log: defaultLog,
    notify: { routes: config.notify?.routes ?? [], publicUrl },
    posture: {
      config: config.posture,
      sleep: lambdaSleep,
      ...(overrides.postureClients === undefined ? {} : { clients: overrides.postureClients }),
      ...(env['AWS_REGION'] === undefined ? {} : { region: env['AWS_REGION'] }),
    },
    ...(overrides.respondClients === undefined ? {} : { clients: overrides.respondClients }),
    ...(env['AWS_REGION'] === undefined ? {} : { region: env['AWS_REGION'] }),
  });
  const service = createLiveService({
    store,
    rules,
    config,
    secret: Buffer.from(secret, 'utf8'),
    publicUrl,
    clock,
    log: defaultLog,
    responder: hooks,
  });
  const outbox = configuredOutbox({
    store,
    config,
    notifiers: createNotifiers(config.notify?.notifiers ?? [], { env, now: clock }),
    clock,
    workerId,
    log: defaultLog,
  });
  let s3: S3Client | null = null;
  const { createS3Client } = await loadS3PollSource();
  return {
    service,
    store,
    s3: () => (s3 ??= createS3Client()),
    clock,
    workerId,
    outbox,
  };
}

/** Builds the runtime once; a failed build is tried again on the next invocation instead of being cached. */
export function lazyRuntime(build: () => Promise<LambdaRuntime>): () => Promise<LambdaRuntime> {
  let pending: Promise<LambdaRuntime> | null = null;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = null;
      throw error;
    });
    return pending;
  };
}

/** The handler to name in the Lambda function's configuration (`index.handler` of the package). */
export const handler = createHandler({ getRuntime: lazyRuntime(() => runtimeFromEnv()) });
