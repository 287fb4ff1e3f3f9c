// The live source registry: alphabetical, and the live source contract run over every entry (SQS and CloudTrail
// mocked at the SDK, S3 served by s3rver, the store real SQLite).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { Event as CloudTrailLookupEvent } from '@aws-sdk/client-cloudtrail';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createLookupSource, lookupCheckpointKey } from '../ingest/sources/lookup/lookup-source.ts';
import {
  defineLiveSourceContract,
  passingSleep,
} from '../ingest/sources/test-support/live-source.contract.ts';
import type { LiveSourceHarness } from '../ingest/sources/test-support/live-source.contract.ts';
import { startLocalS3 } from '../ingest/sources/test-support/live-testkit.ts';
import { createS3PollSource, s3PollCheckpointKey } from '../ingest/sources/s3-poll/s3-poll-source.ts';
import { createSqsSource } from '../ingest/sources/sqs/sqs-source.ts';
import { LIVE_SOURCES } from './serve-sources.ts';
import type { LiveSourceId } from './serve-sources.ts';

const ACCOUNT = '111122223333';
const QUEUE = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/contract`;
const record = (eventId: string, atMs: number) => ({
  eventVersion: '1.08',
  eventID: eventId,
  eventName: 'DeactivateMFADevice',
  eventTime: new Date(atMs).toISOString(),
});

/** A queue as SQS keeps it: a message stays until deleted (visibility is not modelled: one consumer). */
async function sqsHarness(): Promise<LiveSourceHarness> {
  const mock = mockClient(SQSClient);
  const queued = new Map<string, string>();
  const deleted = new Set<string>();
  mock.on(ReceiveMessageCommand).callsFake(() => ({
    Messages: [...queued.entries()]
      .filter(([id]) => !deleted.has(id))
      .map(([id, body]) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: body })),
  }));
  mock.on(DeleteMessageCommand).callsFake((input: { ReceiptHandle: string }) => {
    deleted.add(input.ReceiptHandle.slice(3));
    return {};
  });
  mock.on(ChangeMessageVisibilityCommand).resolves({});
  const s3 = await startLocalS3([]);
  return {
    create: (sink, store, time) =>
      createSqsSource({
        client: new SQSClient({ region: 'us-east-1' }),
        s3: s3.client,
        queueUrl: QUEUE,
        sink,
        store,
        clock: time.clock,
        // Heartbeats wait on the fake clock (nobody moves it), every other pause passes at once.
        sleep: (ms, signal) => (ms >= 60_000 ? time.sleep(ms, signal) : passingSleep(time)(ms, signal)),
        workerId: 'contract',
        heartbeatMs: 100_000,
      }),
    offer: (eventId, time) => {
      const body = JSON.stringify({
        version: '0',
        id: `eb-${eventId}`,
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.iam',
        detail: record(eventId, time.clock()),
      });
      queued.set(`m-${eventId}`, body);
      return Promise.resolve();
    },
    acknowledged: (eventId) => Promise.resolve(deleted.has(`m-${eventId}`)),
    close: async () => {
      mock.restore();
      await s3.close();
    },
  };
}

/** A trail bucket in s3rver; a file is acknowledged once the region's checkpoint reached its key. */
async function s3PollHarness(): Promise<LiveSourceHarness> {
  const s3 = await startLocalS3(['trail']);
  const region = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/`;
  const keys = new Map<string, string>();
  return {
    create: (sink, store, time) =>
      createS3PollSource({
        client: s3.client,
        url: 's3://trail/AWSLogs/',
        sink,
        store,
        clock: time.clock,
        sleep: passingSleep(time),
        workerId: 'contract',
      }),
    offer: async (eventId, time) => {
      const at = new Date(time.clock());
      const stamp = at.toISOString().slice(0, 16).replace(/[-:]/g, '');
      const key = `${region}${at.toISOString().slice(0, 10).replace(/-/g, '/')}/${ACCOUNT}_CloudTrail_us-east-1_${stamp}Z_${eventId}.json.gz`;
      keys.set(eventId, key);
      await s3.put('trail', key, gzipSync(JSON.stringify({ Records: [record(eventId, time.clock())] })));
    },
    acknowledged: async (eventId, store) => {
      const checkpoint = await store.getCheckpoint(s3PollCheckpointKey('trail', region));
      const key = keys.get(eventId);
      return checkpoint !== null && key !== undefined && checkpoint >= key;
    },
    close: () => s3.close(),
  };
}

/** LookupEvents answering the offered events; acknowledged once the checkpoint is past the event's time. */
function lookupHarness(): Promise<LiveSourceHarness> {
  const mock = mockClient(CloudTrailClient);
  const events: CloudTrailLookupEvent[] = [];
  const times = new Map<string, number>();
  mock.on(LookupEventsCommand).callsFake(() => ({ Events: [...events] }));
  return Promise.resolve({
    create: (sink, store, time) =>
      createLookupSource({
        client: new CloudTrailClient({ region: 'us-east-1' }),
        account: ACCOUNT,
        region: 'us-east-1',
        sink,
        store,
        clock: time.clock,
        sleep: passingSleep(time),
        eventNames: ['DeactivateMFADevice'],
      }),
    offer: (eventId, time) => {
      times.set(eventId, time.clock());
      events.push({
        EventId: eventId,
        EventName: 'DeactivateMFADevice',
        CloudTrailEvent: JSON.stringify(record(eventId, time.clock())),
      });
      return Promise.resolve();
    },
    acknowledged: async (eventId, store) => {
      const checkpoint = await store.getCheckpoint(
        lookupCheckpointKey(ACCOUNT, 'us-east-1', 'DeactivateMFADevice'),
      );
      return checkpoint !== null && Date.parse(checkpoint) >= (times.get(eventId) ?? Infinity);
    },
    close: () => {
      mock.restore();
      return Promise.resolve();
    },
  });
}

/** One harness per registry entry: a source added to the registry without one fails the test below. */
const HARNESSES: Readonly<Record<LiveSourceId, () => Promise<LiveSourceHarness>>> = {
  'lookup-events': lookupHarness,
  's3-poll': s3PollHarness,
  sqs: sqsHarness,
};

void describe('LIVE_SOURCES', () => {
  void it('is kept in alphabetical order, and every entry has a contract harness', () => {
    const ids = Object.keys(LIVE_SOURCES);
    assert.deepEqual(ids, [...ids].sort());
    assert.deepEqual(Object.keys(HARNESSES).sort(), ids);
  });

  void it('starts only the sources the settings ask for', () => {
    const settings = { sqsQueues: [QUEUE], lookupRegions: [] };
    assert.deepEqual(
      Object.entries(LIVE_SOURCES)
        .filter(([, entry]) => entry.targets(settings).length > 0)
        .map(([id]) => id),
      ['sqs'],
    );
  });
});

for (const [id, harness] of Object.entries(HARNESSES)) defineLiveSourceContract(id, harness);
