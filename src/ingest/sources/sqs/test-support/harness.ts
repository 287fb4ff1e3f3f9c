// The sqs source's contract harness: SQS mocked at the SDK (a message stays until deleted), S3 served by s3rver.

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createSqsSource } from '../sqs-source.ts';
import { CONTRACT_ACCOUNT, contractRecord, passingSleep } from '../../test-support/live-source.contract.ts';
import type { LiveSourceHarness } from '../../test-support/live-source.contract.ts';
import { startLocalS3 } from '../../test-support/live-testkit.ts';

const QUEUE = `https://sqs.us-east-1.amazonaws.com/${CONTRACT_ACCOUNT}/contract`;

/** A queue as SQS keeps it: a message stays until deleted (visibility is not modelled: one consumer). */
export async function makeHarness(): Promise<LiveSourceHarness> {
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
        detail: contractRecord(eventId, time.clock()),
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
