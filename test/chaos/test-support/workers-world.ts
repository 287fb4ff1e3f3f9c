// Several `mfaguard serve` workers on one PostgreSQL fed by one SQS queue, all on loopback: an SQS server
// (local-aws-sqs, JSON protocol as the SDK speaks it), s3rver for the trail bucket, a webhook receiver that counts
// deliveries by key, and a workload of CloudTrail files and EventBridge events with duplicates across messages.
// Used by the multi-worker chaos test and by bench/workers.ts.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import pg from 'pg';
import { startLocalS3 } from '../../../src/ingest/sources/test-support/live-testkit.ts';
import { verifyWebhookSignature } from '../../../src/notify/index.ts';
import type { LocalS3 } from '../../../src/ingest/sources/test-support/live-testkit.ts';
import { createThrowawayDatabase } from '../../../src/store/test-support/postgres.ts';
import type { ThrowawayDatabase } from '../../../src/store/test-support/postgres.ts';
import { startServeProcess } from './serve-process.ts';
import type { ServeProcess } from './serve-process.ts';

const ACCOUNT = '111122223333';
const BUCKET = 'trail';
const WEBHOOK_SECRET = 'workers-webhook-secret-0123456789';
const FIXTURE = JSON.parse(
  readFileSync(
    fileURLToPath(
      new URL(
        '../../../rules/fixtures/iam-mfa-device-deactivated/must-fire/assumed-role-cli-other-user.json',
        import.meta.url,
      ),
    ),
    'utf8',
  ),
) as Record<string, unknown>;

/**
 * A webhook receiver as docs/workers.md tells receivers to be: it verifies the signature, then acts on each
 * notification once by its X-Mfaguard-Delivery key and drops a repeat of a key it has already acted on (delivery is
 * at-least-once). It keeps every delivery, so a test can check both what arrived and what was acted on.
 */
export interface DeliveryReceiver {
  readonly url: string;
  /** The key of every delivery that arrived, repeats included, in order. */
  readonly keys: string[];
  /** The notifications acted on, one per key (repeats dropped), with the body that was acted on. */
  readonly actedOn: Map<string, string>;
  /**
   * Repeats that are another notification than the one acted on under the same key (the case's state as of the send
   * aside): dropping them by key would hide a notification.
   */
  readonly conflicts: string[];
  /** Deliveries refused because the signature did not verify. */
  readonly refused: string[];
  /** Each answer waits this long, so that kills land while sends are in flight. */
  delayMs: number;
  close(): Promise<void>;
}

/**
 * A webhook body without what the outbox fills in at each send (the case as it is then: `caseNow`, with the
 * case's current severity and classification): what must be equal between a notification and its repeat.
 */
function sentOnce(body: string): string {
  const payload = JSON.parse(body) as { notification: Record<string, unknown> };
  const {
    caseNow: _caseNow,
    severity: _severity,
    classification: _classification,
    ...rest
  } = payload.notification;
  return JSON.stringify({ ...payload, notification: rest });
}

async function startDeliveryReceiver(secret: string): Promise<DeliveryReceiver> {
  const state = { delayMs: 0 };
  const keys: string[] = [];
  const actedOn = new Map<string, string>();
  const conflicts: string[] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    // Workers are killed mid-request on purpose: an aborted request must not crash the test process.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        // Acted on when the receiver answers, as a real one would just before answering.
        const body = Buffer.concat(chunks).toString('utf8');
        const key = String(req.headers['x-mfaguard-delivery']);
        const verified = verifyWebhookSignature(body, req.headers, secret, Date.now());
        if (!verified.ok) {
          refused.push(`${key}: ${verified.reason}`);
          res.writeHead(401).end();
          return;
        }
        keys.push(key);
        const earlier = actedOn.get(key);
        if (earlier === undefined) actedOn.set(key, body);
        else if (sentOnce(earlier) !== sentOnce(body)) conflicts.push(key);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, state.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    actedOn,
    conflicts,
    refused,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

export interface WorkersWorld {
  readonly home: string;
  readonly db: ThrowawayDatabase;
  readonly s3: LocalS3;
  readonly sqs: SQSClient;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly receiver: DeliveryReceiver;
  readonly configPath: string;
  /** Messages still on the queue, visible or in flight. */
  queueDepth(): Promise<{ visible: number; inFlight: number }>;
  close(): Promise<void>;
}

/** Starts the SQS server, S3, the receiver and a fresh database; PostgreSQL must be reachable (checked by the caller). */
export async function startWorkersWorld(): Promise<WorkersWorld> {
  const home = mkdtempSync(join(tmpdir(), 'mfaguard-workers-'));
  const db = await createThrowawayDatabase('mfaguard_workers');
  const s3 = await startLocalS3([BUCKET]);
  const server = await createSqsServer({
    port: 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  const sqsEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: sqsEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const created = await sqs.send(new CreateQueueCommand({ QueueName: 'trail-events' }));
  const queueUrl = created.QueueUrl!;
  const receiver = await startDeliveryReceiver(WEBHOOK_SECRET);
  const configPath = join(home, 'workers.yaml');
  writeFileSync(
    configPath,
    `
notify:
  notifiers:
    - { id: hook, kind: webhook, url: ${receiver.url}/hook, secretEnv: WORKERS_WEBHOOK_SECRET, concurrency: 4 }
  routes:
    - { name: everything, notify: [hook] }
`,
  );
  return {
    home,
    db,
    s3,
    sqs,
    sqsEndpoint,
    queueUrl,
    receiver,
    configPath,
    async queueDepth() {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? NaN),
        inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? NaN),
      };
    },
    async close() {
      sqs.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await receiver.close();
      await s3.close();
      await db.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export const WORKER_ENV = {
  MFAGUARD_INGEST_TOKEN: 'workers-ingest-token-0123456789',
  MFAGUARD_ADMIN_TOKEN: 'workers-admin-token-0123456789',
  MFAGUARD_LINK_SECRET: 'workers-link-secret-0123456789-0123456789',
  WORKERS_WEBHOOK_SECRET: WEBHOOK_SECRET,
} as const;

export interface WorkerOptions {
  /** Visibility timeout of received messages (default 5s: a killed worker's messages come back soon). */
  readonly visibility?: string;
  /** Script that runs the CLI (default: the sources through bin/mfaguard.js). */
  readonly entry?: string;
}

/** One `mfaguard serve` worker process on the world's store and queue. */
export function startWorker(world: WorkersWorld, options: WorkerOptions = {}): Promise<ServeProcess> {
  const args = [
    '--store',
    world.db.url,
    '--config',
    world.configPath,
    '--sqs-queue',
    world.queueUrl,
    '--sqs-visibility',
    options.visibility ?? '5s',
    '--region',
    'us-east-1',
    '--outbox-interval',
    '200ms',
    '--outbox-lease',
    '3s',
    '--tick-interval',
    '1h',
  ];
  const env = {
    ...WORKER_ENV,
    HOME: world.home,
    // The SDK's own endpoint settings: the workers run exactly as against AWS, pointed at loopback.
    AWS_ENDPOINT_URL_SQS: world.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: world.s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return startServeProcess(args, env, ...(options.entry === undefined ? [] : [options.entry]));
}

export interface WorkloadOptions {
  /** Distinct events in all (default 20,000). */
  readonly events?: number;
  /** Of which MFA removals, each of its own user by its own caller (default 40). */
  readonly removals?: number;
  /** Records per CloudTrail file (default 100). */
  readonly perFile?: number;
}

export interface Workload {
  /** Distinct events the store must keep (the MFA-relevant slice): removals and IAM list calls. */
  readonly keptIds: ReadonlySet<string>;
  /** eventIDs of the removals, and the user each removes the device of. */
  readonly removals: ReadonlyMap<string, string>;
  /** Every distinct event, as CloudTrail records. */
  readonly records: readonly Record<string, unknown>[];
  /** The SQS message bodies, shuffled; `sendWorkload` puts them on the queue. */
  readonly bodies: readonly string[];
  readonly files: number;
}

function record(kind: 'removal' | 'kept' | 'noise', n: number, atMs: number): Record<string, unknown> {
  const identity = FIXTURE['userIdentity'] as Record<string, unknown>;
  const base: Record<string, unknown> = {
    ...FIXTURE,
    eventID: randomUUID(),
    requestID: randomUUID(),
    eventTime: new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    userIdentity: { ...identity, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/actor-${n}` },
  };
  if (kind === 'removal') {
    return {
      ...base,
      requestParameters: { userName: `user-${n}`, serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/user-${n}` },
    };
  }
  if (kind === 'kept') {
    // A list call on someone who loses no device: kept for correlation, alerts on nothing.
    return {
      ...base,
      eventName: 'ListMFADevices',
      requestParameters: { userName: `lister-${n}` },
      readOnly: true,
    };
  }
  return {
    ...base,
    eventName: 'DescribeInstances',
    eventSource: 'ec2.amazonaws.com',
    requestParameters: { instancesSet: {} },
    readOnly: true,
  };
}

function eventBridge(detail: Record<string, unknown>): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: ACCOUNT,
    time: detail['eventTime'],
    region: 'us-east-1',
    resources: [],
    detail,
  });
}

function s3Notification(key: string, etag: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: BUCKET }, object: { key, eTag: etag } },
      },
    ],
  });
}

/**
 * Puts the workload's files in S3 and returns the messages that announce them (`sendWorkload` sends them). Duplicates across messages, as AWS delivers them: every file repeats a
 * tenth of the previous file's records, every removal also arrives as an EventBridge event, a tenth of the files
 * are announced twice, and a few hundred list calls arrive again through EventBridge.
 */
export async function prepareWorkload(world: WorkersWorld, options: WorkloadOptions = {}): Promise<Workload> {
  const total = options.events ?? 20_000;
  const removalCount = options.removals ?? 40;
  const perFile = options.perFile ?? 100;
  const now = Date.now();
  const records: Record<string, unknown>[] = [];
  const keptIds = new Set<string>();
  const removals = new Map<string, string>();
  const spacing = Math.max(1, Math.floor(total / removalCount));
  for (let i = 0; i < total; i++) {
    const kind =
      i % spacing === 0 && removals.size < removalCount ? 'removal' : i % 2 === 0 ? 'kept' : 'noise';
    const r = record(kind, i, now - 10 * 60_000 + Math.floor((i * 300_000) / total));
    records.push(r);
    if (kind !== 'noise') keptIds.add(String(r['eventID']));
    if (kind === 'removal') removals.set(String(r['eventID']), `user-${i}`);
  }

  const bodies: string[] = [];
  const day = new Date(now).toISOString().slice(0, 10).replace(/-/g, '/');
  let files = 0;
  for (let at = 0; at < records.length; at += perFile) {
    const own = records.slice(at, at + perFile);
    const repeated = at === 0 ? [] : records.slice(at - Math.ceil(perFile / 10), at);
    const key = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/${day}/${ACCOUNT}_CloudTrail_us-east-1_${files}_${randomUUID().slice(0, 8)}.json.gz`;
    const etag = await world.s3.put(
      BUCKET,
      key,
      gzipSync(JSON.stringify({ Records: [...repeated, ...own] })),
    );
    bodies.push(s3Notification(key, etag));
    if (files % 10 === 3) bodies.push(s3Notification(key, etag));
    files++;
  }
  for (const r of records) {
    if (removals.has(String(r['eventID']))) bodies.push(eventBridge(r));
  }
  const kept = records.filter(
    (r) => keptIds.has(String(r['eventID'])) && !removals.has(String(r['eventID'])),
  );
  for (let i = 0; i < kept.length; i += Math.max(1, Math.floor(kept.length / 300)))
    bodies.push(eventBridge(kept[i]!));

  // Shuffled with a fixed seed, so a duplicate and its original land in different batches and workers.
  let seed = 12345;
  for (let i = bodies.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [bodies[i], bodies[j]] = [bodies[j]!, bodies[i]!];
  }
  return { keptIds, removals, records, bodies, files };
}

/** Puts the workload's messages on the queue, ten at a time. */
export async function sendWorkload(world: WorkersWorld, workload: Workload): Promise<void> {
  const { bodies } = workload;
  for (let at = 0; at < bodies.length; at += 10) {
    await world.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: world.queueUrl,
        Entries: bodies.slice(at, at + 10).map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
  }
}

/** What the workers left in the database. */
export interface StoredOutcome {
  readonly eventIds: string[];
  readonly alerts: { id: string; ruleId: string; eventId: string }[];
  readonly cases: { id: string; targetKey: string; state: string; alerts: number }[];
  readonly outbox: { channel: string; dedupeKey: string; state: string }[];
  readonly unfinishedWork: number;
  /** Distinct workers that completed S3 objects: the work was shared. */
  readonly workOwners: number;
  readonly deadLetters: number;
}

export async function readOutcome(url: string): Promise<StoredOutcome> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events = await client.query<{ id: string }>('SELECT id FROM events');
    const alerts = await client.query<{ id: string; rule_id: string; event_id: string }>(
      'SELECT id, rule_id, event_id FROM alerts',
    );
    const cases = await client.query<{ id: string; target_key: string; state: string; n: string }>(
      `SELECT c.id, c.target_key, c.state, (SELECT count(*) FROM case_alerts ca WHERE ca.case_id = c.id) AS n
       FROM cases c`,
    );
    const outbox = await client.query<{ channel: string; dedupe_key: string; state: string }>(
      'SELECT channel, dedupe_key, state FROM outbox',
    );
    const work = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM work_items WHERE done_at IS NULL',
    );
    const owners = await client.query<{ n: string }>(
      'SELECT count(DISTINCT owner) AS n FROM work_items WHERE done_at IS NOT NULL',
    );
    const dead = await client.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters');
    return {
      eventIds: events.rows.map((row) => row.id),
      alerts: alerts.rows.map((row) => ({ id: row.id, ruleId: row.rule_id, eventId: row.event_id })),
      cases: cases.rows.map((row) => ({
        id: String(row.id),
        targetKey: row.target_key,
        state: row.state,
        alerts: Number(row.n),
      })),
      outbox: outbox.rows.map((row) => ({
        channel: row.channel,
        dedupeKey: row.dedupe_key,
        state: row.state,
      })),
      unfinishedWork: Number(work.rows[0]?.n ?? 0),
      workOwners: Number(owners.rows[0]?.n ?? 0),
      deadLetters: Number(dead.rows[0]?.n ?? 0),
    };
  } finally {
    await client.end();
  }
}

/** How many of the distinct kept events are stored so far (progress, for kills mid-run and for the benchmark). */
export async function storedEventCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM events');
    return Number(result.rows[0]?.n ?? 0);
  } catch {
    return 0; // the first worker has not created the schema yet
  } finally {
    await client.end();
  }
}
