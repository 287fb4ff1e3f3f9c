// Live SQS source: long-polls a queue of S3 notifications and EventBridge events; deletes only what is stored.

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Message, SQSClientConfig } from '@aws-sdk/client-sqs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-providers';
import { EMPTY_POLL, describeError, noLog, runPollLoop } from '../live-source.ts';
import type {
  Clock,
  LiveLog,
  LiveSink,
  LiveSource,
  LiveSourceStore,
  PollCounts,
  PollResult,
  Sleep,
} from '../live-source.ts';
import { classifySqsBody } from './sqs-body.ts';
import type { S3ObjectRef } from './sqs-body.ts';

/** What handling one body came to; only the first three allow the message to be acknowledged. */
export type BodyOutcome =
  | { readonly kind: 'ingested'; readonly objects: number; readonly events: number }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'dead-lettered'; readonly reason: string }
  /** Another worker holds an announced object; the message comes back once that worker is done. */
  | { readonly kind: 'busy'; readonly workKey: string }
  | { readonly kind: 'failed'; readonly error: string };

export function isAcknowledged(outcome: BodyOutcome): boolean {
  return outcome.kind === 'ingested' || outcome.kind === 'skipped' || outcome.kind === 'dead-lettered';
}

export interface SqsBodyDeps {
  readonly sink: LiveSink;
  readonly store: LiveSourceStore;
  /** Fetches the objects S3 notifications announce. */
  readonly s3: S3Client;
  readonly clock: Clock;
  readonly workerId: string;
  /** How long a claim on an S3 object keeps other workers off it (renewed by the SQS heartbeat). */
  readonly claimLeaseMs: number;
  /** `sqs` or `lambda`: the origin's and the dead letters' source. */
  readonly source: string;
  readonly log: LiveLog;
  /** Work keys held right now, so a heartbeat can renew their leases. */
  readonly held?: Set<string>;
}

/** The claim key of an object version: several workers, SNS fan-out copies and S3's duplicate deliveries share it. */
export function workKeyOf(ref: S3ObjectRef, etag: string): string {
  return `s3://${ref.bucket}/${ref.key}#${etag}`;
}

function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');
}

type ObjectOutcome = 'ingested' | 'done-elsewhere' | 'gone' | { busy: string };

async function processObject(
  ref: S3ObjectRef,
  messageId: string,
  body: string,
  deps: SqsBodyDeps,
): Promise<ObjectOutcome> {
  const location = `s3://${ref.bucket}/${ref.key}`;
  const claim = async (key: string): Promise<ObjectOutcome | null> => {
    if (await deps.store.isWorkDone(key)) return 'done-elsewhere';
    const owned = await deps.store.claimWork({
      key,
      workerId: deps.workerId,
      leaseMs: deps.claimLeaseMs,
      nowMs: deps.clock(),
    });
    if (owned) return null;
    return (await deps.store.isWorkDone(key)) ? 'done-elsewhere' : { busy: key };
  };

  let workKey: string | null = ref.etag === null ? null : workKeyOf(ref, ref.etag);
  if (workKey !== null) {
    const early = await claim(workKey);
    if (early !== null) return early;
  }
  let out;
  try {
    out = await deps.s3.send(
      new GetObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        // The announced version: an overwritten key is a different piece of work with its own notification.
        ...(ref.etag === null ? {} : { IfMatch: `"${ref.etag}"` }),
      }),
    );
  } catch (error) {
    if (!isNoSuchKey(error) && !(error instanceof Error && error.name === 'PreconditionFailed')) throw error;
    await deps.store.addDeadLetter({
      source: deps.source,
      location: `${location} (message ${messageId})`,
      reason: `the announced object is gone or was replaced before it was read: ${describeError(error)}`,
      raw: body,
      nowMs: deps.clock(),
    });
    if (workKey !== null) await deps.store.completeWork(workKey, deps.workerId, deps.clock());
    return 'gone';
  }
  if (workKey === null) {
    // CloudTrail's SNS notice names no ETag: take it from the object before claiming.
    const etag = (out.ETag ?? '').replace(/^"|"$/g, '');
    workKey = workKeyOf(ref, etag === '' ? 'unknown' : etag);
    const early = await claim(workKey);
    if (early !== null) {
      await out.Body?.transformToByteArray().catch(() => undefined);
      return early;
    }
  }
  deps.held?.add(workKey);
  try {
    if (out.Body === undefined) throw new Error(`S3 returned no body for ${location}`);
    const data = await out.Body.transformToByteArray();
    await deps.sink.ingestBytes(data, { source: deps.source, location });
    await deps.store.completeWork(workKey, deps.workerId, deps.clock());
  } finally {
    deps.held?.delete(workKey);
  }
  return 'ingested';
}

/**
 * Handles one message body: fetches and ingests the S3 objects it announces (each claimed, so it is processed
 * once), ingests the EventBridge events it carries, or dead-letters it with the reason. Never throws.
 */
export async function processSqsBody(
  body: string,
  messageId: string,
  deps: SqsBodyDeps,
): Promise<BodyOutcome> {
  const parsed = classifySqsBody(body);
  try {
    switch (parsed.kind) {
      case 'test':
        return { kind: 'skipped', reason: 's3:TestEvent' };
      case 'invalid':
        await deps.store.addDeadLetter({
          source: deps.source,
          location: `message ${messageId}`,
          reason: parsed.reason,
          raw: body,
          nowMs: deps.clock(),
        });
        deps.log('warn', `${deps.source}: message dead-lettered`, { messageId, reason: parsed.reason });
        return { kind: 'dead-lettered', reason: parsed.reason };
      case 'events':
        await deps.sink.ingestRecords(parsed.events, {
          source: deps.source,
          location: `message ${messageId}`,
        });
        return { kind: 'ingested', objects: 0, events: parsed.events.length };
      case 's3': {
        let ingested = 0;
        let gone = 0;
        for (const ref of parsed.objects) {
          const result = await processObject(ref, messageId, body, deps);
          if (typeof result === 'object') return { kind: 'busy', workKey: result.busy };
          if (result === 'ingested') ingested += 1;
          if (result === 'gone') gone += 1;
        }
        if (ingested > 0) return { kind: 'ingested', objects: ingested, events: 0 };
        if (gone > 0) return { kind: 'dead-lettered', reason: 'announced objects are gone' };
        return {
          kind: 'skipped',
          reason:
            parsed.objects.length === 0
              ? 'only digests, folders or non-create events'
              : 'already processed by another worker',
        };
      }
    }
  } catch (error) {
    return { kind: 'failed', error: describeError(error) };
  }
}

export interface SqsSourceOptions {
  readonly client: SQSClient;
  readonly s3: S3Client;
  readonly queueUrl: string;
  readonly sink: LiveSink;
  readonly store: LiveSourceStore;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log?: LiveLog;
  /** Identifies this process in work claims (several workers may share a queue). */
  readonly workerId: string;
  /** Set on every receive and on every heartbeat (default 300 s). */
  readonly visibilityTimeoutSeconds?: number;
  /** How often visibility is extended while a message is in hand (default a third of the visibility timeout). */
  readonly heartbeatMs?: number;
  /** Long-poll wait (default 20 s, the most SQS allows). */
  readonly waitTimeSeconds?: number;
  /** Messages per receive, 1..10 (default 10). */
  readonly maxMessages?: number;
  /**
   * Lease of a claim on an S3 object (default: the visibility timeout; renewed by the heartbeat). A worker killed
   * while it holds an object leaves the claim behind: the message comes back after the visibility timeout, and a
   * claim that outlived it would send the message back again and again until the claim ran out too.
   */
  readonly claimLeaseMs?: number;
  /** Pause after an empty receive (default 100 ms; the long poll itself already waited). */
  readonly idleMs?: number;
  /** First pause after a failed receive, doubling up to a minute (default 1 s). */
  readonly errorBackoffMs?: number;
}

/** Keeps a received message invisible, and the work it claimed ours, until the returned stop is awaited. */
function startHeartbeat(
  options: SqsSourceOptions,
  settings: { visibility: number; heartbeatMs: number; claimLeaseMs: number; log: LiveLog },
  message: Message,
  held: Set<string>,
): () => Promise<void> {
  const { visibility, heartbeatMs, claimLeaseMs, log } = settings;
  const { client, queueUrl } = options;
  const stop = new AbortController();
  const loop = (async () => {
    for (;;) {
      await options.sleep(heartbeatMs, stop.signal);
      if (stop.signal.aborted) return;
      try {
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: visibility,
          }),
        );
        for (const key of held) {
          await options.store.claimWork({
            key,
            workerId: options.workerId,
            leaseMs: claimLeaseMs,
            nowMs: options.clock(),
          });
        }
      } catch (error) {
        log('warn', 'sqs: could not extend visibility', {
          messageId: message.MessageId,
          error: describeError(error),
        });
      }
    }
  })();
  return async () => {
    stop.abort();
    await loop;
  };
}

function countOutcome(result: PollCounts, outcome: BodyOutcome): void {
  switch (outcome.kind) {
    case 'ingested':
      result.ingested += 1;
      break;
    case 'skipped':
      result.skipped += 1;
      break;
    case 'dead-lettered':
      result.deadLettered += 1;
      break;
    case 'busy':
    case 'failed':
      result.failed += 1;
      break;
  }
}

export function createSqsSource(options: SqsSourceOptions): LiveSource {
  const log = options.log ?? noLog;
  const visibility = options.visibilityTimeoutSeconds ?? 300;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1000, Math.floor((visibility * 1000) / 3));
  const claimLeaseMs = options.claimLeaseMs ?? visibility * 1000;
  const { client, queueUrl } = options;

  const heartbeat = (message: Message, held: Set<string>): (() => Promise<void>) =>
    startHeartbeat(options, { visibility, heartbeatMs, claimLeaseMs, log }, message, held);

  async function handle(message: Message, stopHeartbeat: () => Promise<void>, held: Set<string>) {
    const messageId = message.MessageId ?? 'unknown';
    let outcome: BodyOutcome;
    try {
      outcome = await processSqsBody(message.Body ?? '', messageId, {
        sink: options.sink,
        store: options.store,
        s3: options.s3,
        clock: options.clock,
        workerId: options.workerId,
        claimLeaseMs,
        source: 'sqs',
        log,
        held,
      });
    } finally {
      await stopHeartbeat();
    }
    if (!isAcknowledged(outcome)) {
      // Left on the queue: it becomes visible again after the visibility timeout, and the redrive policy
      // moves it to the queue's dead-letter queue after maxReceiveCount failures.
      log(outcome.kind === 'busy' ? 'info' : 'error', 'sqs: message left on the queue', {
        messageId,
        outcome,
      });
      return outcome;
    }
    try {
      await client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    } catch (error) {
      // Harmless: the message comes back, and its objects and events are already done (claims, eventID dedupe).
      log('warn', 'sqs: delete failed; the message will be seen again', {
        messageId,
        error: describeError(error),
      });
    }
    return outcome;
  }

  async function poll(signal?: AbortSignal): Promise<PollResult> {
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: options.maxMessages ?? 10,
        WaitTimeSeconds: options.waitTimeSeconds ?? 20,
        VisibilityTimeout: visibility,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    const messages = received.Messages ?? [];
    // Every message in the batch is kept invisible from now on, not just the one being processed.
    const held = messages.map(() => new Set<string>());
    const stops = messages.map((m, i) => heartbeat(m, held[i]!));
    const result: PollCounts = { ...EMPTY_POLL, fetched: messages.length };
    for (const [i, message] of messages.entries()) {
      const outcome = await handle(message, stops[i]!, held[i]!);
      countOutcome(result, outcome);
    }
    return result;
  }

  return {
    pollOnce: () => poll(),
    start: (signal) =>
      runPollLoop(signal, {
        name: 'sqs',
        pollOnce: poll,
        sleep: options.sleep,
        log,
        idleMs: options.idleMs ?? 100,
        errorBackoffMs: options.errorBackoffMs ?? 1000,
        maxErrorBackoffMs: 60_000,
      }),
  };
}

export interface SqsClientOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
}

/** An SQS client on the standard credential chain, or on a named profile. */
export function createSqsClient(options: SqsClientOptions = {}): SQSClient {
  const config: SQSClientConfig = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.profile === undefined
      ? {}
      : { profile: options.profile, credentials: fromIni({ profile: options.profile }) }),
  };
  return new SQSClient(config);
}
