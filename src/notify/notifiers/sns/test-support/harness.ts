// The sns notifier's contract harness (the SNS SDK mocked (aws-sdk-client-mock)) and its test config.

import assert from 'node:assert/strict';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createSnsNotifier } from '../sns.ts';
import type { SnsNotifierConfig } from '../config-schema.ts';
import type { Notification } from '../../../notification.ts';
import { COMMON_TEST_SETTINGS, testDeps } from '../../../test-support/harness-kit.ts';
import { hostileNotification } from '../../../test-support/fixtures.ts';
import { closedPort } from '../../../test-support/http-receiver.ts';
import type { NotifierHarness } from '../../../test-support/notifier.contract.ts';

export function snsConfig(extra: Partial<SnsNotifierConfig> = {}): SnsNotifierConfig {
  return {
    ...COMMON_TEST_SETTINGS,
    id: 'topic',
    kind: 'sns',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:mfaguard',
    region: 'us-east-1',
    endpoint: null,
    ...extra,
  };
}

export const HARNESS: NotifierHarness = {
  kind: 'sns',
  maxWireBytes: 256 * 1024,
  secrets: [],
  setup() {
    const mock = mockClient(SNSClient);
    const accepted: PublishCommandInput[] = [];
    const failures: ('transient' | 'permanent')[] = [];
    mock.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      const failure = failures.shift();
      if (failure !== undefined) {
        const name = failure === 'transient' ? 'ThrottledException' : 'AuthorizationErrorException';
        throw Object.assign(
          new Error(failure === 'transient' ? 'Rate exceeded' : 'not authorized to publish'),
          {
            name,
            $fault: 'client',
            $metadata: { httpStatusCode: failure === 'transient' ? 429 : 403 },
          },
        );
      }
      accepted.push(input);
      return { MessageId: `m-${accepted.length}` };
    });
    return Promise.resolve({
      notifier: createSnsNotifier(snsConfig(), testDeps()),
      failNext: (how) => failures.push(how),
      accepted: () =>
        accepted.map((input) => ({
          wire: JSON.stringify(input),
          shown: [
            { markup: 'text', text: input.Subject ?? '' },
            { markup: 'json', text: input.Message ?? '' },
          ],
        })),
      close: () => {
        mock.restore();
        return Promise.resolve();
      },
    });
  },
  async unreachable() {
    const port = await closedPort();
    const config = snsConfig({ endpoint: `http://127.0.0.1:${port}` });
    const client = new SNSClient({
      region: 'us-east-1',
      endpoint: config.endpoint ?? '',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      maxAttempts: 1,
    });
    const notifier = createSnsNotifier(config, { ...testDeps(), snsClient: () => client });
    return {
      notifier,
      close: () => {
        client.destroy();
        return Promise.resolve();
      },
    };
  },
  checkHostile(view) {
    const input = JSON.parse(view.wire) as PublishCommandInput;
    assert.ok((input.Subject ?? '').length < 100);
    assert.match(input.Subject ?? '', /^[\x20-\x7e]+$/);
    assert.equal(input.MessageAttributes?.['severity']?.StringValue, 'high');
    const message = JSON.parse(input.Message ?? '') as { notification: Notification };
    assert.equal(message.notification.title, hostileNotification().title);
  },
};
