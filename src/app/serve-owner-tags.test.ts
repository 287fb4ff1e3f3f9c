// `serve --owner-tags`: when the configuration names no owner, the owner's address comes from IAM user tags.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IAMClient, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import {
  E2E_ENV,
  e2eConfigYaml,
  notificationOf,
  removalEvent,
  startReceiver,
} from '../api/test-support/e2e.ts';
import type { Receiver } from '../api/test-support/e2e.ts';
import { parseConfig } from './config.ts';
import { startService } from '../api/index.ts';
import type { RunningService } from './serve.ts';

describe('serve with owners from IAM user tags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-owner-tags-'));
  const iam = mockClient(IAMClient);
  let receiver: Receiver;
  let service: RunningService;

  before(async () => {
    iam.on(ListUserTagsCommand, { UserName: 'bob' }).resolves({
      Tags: [
        { Key: 'team', Value: 'payments' },
        { Key: 'owner-email', Value: 'bob.manager@example.com' },
      ],
      IsTruncated: false,
    });
    receiver = await startReceiver();
    // The e2e configuration without its owners section: only the tags can tell who owns bob.
    const yaml = e2eConfigYaml(receiver.url).replace(
      /identities:\n {2}owners:\n {4}bob:\n {6}email: bob@example.com\n/,
      '',
    );
    assert.doesNotMatch(yaml, /bob@example\.com/);
    service = await startService({
      storeUrl: `sqlite:${join(dir, 'mfaguard.db')}`,
      host: '127.0.0.1',
      port: 0,
      env: E2E_ENV,
      config: parseConfig(yaml, 'e2e.yaml', { env: E2E_ENV }),
      webRoot: null,
      outboxIntervalMs: 100,
      tickIntervalMs: 3_600_000,
      ownerTags: true,
      iamClient: new IAMClient({ region: 'us-east-1' }),
      log: () => undefined,
    });
  });
  after(async () => {
    await service?.stop();
    await receiver?.close();
    iam.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the verification request to the address in the user tags', async () => {
    const response = await fetch(`${service.url}/ingest/eventbridge`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${E2E_ENV.MFAGUARD_INGEST_TOKEN}`,
      },
      body: JSON.stringify(removalEvent(Date.now() - 60_000)),
    });
    assert.equal(response.status, 202);
    await receiver.waitFor(
      (all) => all.some((r) => notificationOf(r).kind === 'verification-request'),
      'the verification request',
    );
    const request = receiver.received.map(notificationOf).find((n) => n.kind === 'verification-request')!;
    assert.equal(request.recipient, 'bob.manager@example.com');
    assert.deepEqual(iam.commandCalls(ListUserTagsCommand)[0]?.args[0].input, { UserName: 'bob' });
  });
});
