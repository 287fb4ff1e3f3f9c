// `serve --sqs-queue`: the service consumes an SQS queue of EventBridge events, stores them, opens the case, and
// deletes each message only after its events are stored. SQS is mocked at the SDK; everything else is real.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { E2E_ENV, e2eConfigYaml, removalEvent, startReceiver } from '../api/test-support/e2e.ts';
import type { Receiver } from '../api/test-support/e2e.ts';
import { parseConfig } from './config.ts';
import { startService } from '../api/index.ts';
import type { RunningService } from './serve.ts';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/mfaguard-events';

describe('serve with an SQS source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-sqs-'));
  const sqs = mockClient(SQSClient);
  const event = removalEvent(Date.now() - 60_000);
  let receiver: Receiver;
  let service: RunningService;

  before(async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1', Body: JSON.stringify(event) }] })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    receiver = await startReceiver();
    service = await startService({
      storeUrl: `sqlite:${join(dir, 'mfaguard.db')}`,
      host: '127.0.0.1',
      port: 0,
      env: E2E_ENV,
      config: parseConfig(e2eConfigYaml(receiver.url), 'e2e.yaml', { env: E2E_ENV }),
      webRoot: null,
      outboxIntervalMs: 100,
      tickIntervalMs: 3_600_000,
      sources: { sqsQueues: [QUEUE], region: 'us-east-1' },
      log: () => undefined,
    });
  });
  after(async () => {
    await service?.stop();
    await receiver?.close();
    sqs.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the queued event, opens the case and then deletes the message', async () => {
    const eventId = (event['detail'] as { eventID: string }).eventID;
    const deadline = Date.now() + 15_000;
    let cases: { items: { userName: string }[] } = { items: [] };
    while (Date.now() < deadline) {
      const response = await fetch(`${service.url}/api/cases`, {
        headers: { authorization: `Bearer ${E2E_ENV.MFAGUARD_ADMIN_TOKEN}` },
      });
      cases = (await response.json()) as typeof cases;
      if (cases.items.length > 0 && sqs.commandCalls(DeleteMessageCommand).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(
      cases.items.map((item) => item.userName),
      ['bob'],
    );
    const alerts = (await (
      await fetch(`${service.url}/api/alerts?targetUser=bob`, {
        headers: { authorization: `Bearer ${E2E_ENV.MFAGUARD_ADMIN_TOKEN}` },
      })
    ).json()) as { items: { alert: { event: { id: string } } }[] };
    assert.ok(alerts.items.some((item) => item.alert.event.id === eventId));
    const deletes = sqs.commandCalls(DeleteMessageCommand);
    assert.equal(deletes.length, 1);
    assert.deepEqual(deletes[0]?.args[0].input, { QueueUrl: QUEUE, ReceiptHandle: 'rh-1' });
    assert.equal(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.QueueUrl, QUEUE);
  });
});
