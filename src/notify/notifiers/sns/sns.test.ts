import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { ServiceInputTypes, ServiceOutputTypes, SNSClientResolvedConfig } from '@aws-sdk/client-sns';
import { HOSTILE, sampleNotification } from '../../test-support/fixtures.ts';
import { testDeps } from '../../test-support/harness-kit.ts';
import { snsConfig } from './test-support/harness.ts';
import { createSnsNotifier, snsErrorResult, snsSubject } from './sns.ts';

let sns: AwsStub<ServiceInputTypes, ServiceOutputTypes, SNSClientResolvedConfig>;
beforeEach(() => {
  sns = mockClient(SNSClient);
});
afterEach(() => sns.restore());

describe('sns notifier', () => {
  it('publishes the JSON message with subject and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const n = sampleNotification();
    const result = await createSnsNotifier(snsConfig(), testDeps()).send(n);
    assert.deepEqual(result, { ok: true, detail: 'MessageId m-1' });
    const calls = sns.commandCalls(PublishCommand);
    assert.equal(calls.length, 1);
    const input = calls[0]!.args[0].input;
    assert.deepEqual(
      { ...input, Message: undefined },
      {
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:mfaguard',
        Subject: '[mfaguard] high: MFA removed: case opened: MFA removed from alice',
        Message: undefined,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'case-opened' },
          severity: { DataType: 'String', StringValue: 'high' },
          classification: { DataType: 'String', StringValue: 'suspicious' },
        },
      },
    );
    assert.deepEqual(JSON.parse(input.Message!), { version: 1, notification: n });
  });

  it('adds group and deduplication ids for a FIFO topic, and unclassified for no classification', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const config = snsConfig({ topicArn: 'arn:aws:sns:us-east-1:123456789012:mfaguard.fifo' });
    await createSnsNotifier(config, testDeps()).send(sampleNotification({ classification: null }));
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    assert.equal(input.MessageGroupId, 'case-42');
    assert.match(input.MessageDeduplicationId ?? '', /^[0-9a-f]{64}$/);
    assert.equal(input.MessageAttributes?.['classification']?.StringValue, 'unclassified');
  });

  it('keeps the subject printable ASCII under 100 characters', () => {
    const subject = snsSubject(
      sampleNotification({ title: `${HOSTILE.crlf} ${HOSTILE.ansi} é😀 ${HOSTILE.big}` }),
    );
    assert.ok(subject.length <= 99, String(subject.length));
    assert.match(
      subject,
      /^\[mfaguard\] high: MFA removed: case opened: x\\r\\nX-Injected: yes\\r\\n\\r\\nfake body \\x1b\[2J/,
    );
    assert.match(subject, /^[\x20-\x7e]+\.\.\.$/);
  });

  it('slims a message over 256 KB and says so', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    const huge = 'x'.repeat(300_000);
    await createSnsNotifier(snsConfig(), testDeps()).send(sampleNotification({ summary: huge }));
    const message = sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!;
    assert.ok(Buffer.byteLength(message) < 256 * 1024);
    const parsed = JSON.parse(message) as {
      truncated: boolean;
      notification: { summary: string; alert?: unknown };
    };
    assert.equal(parsed.truncated, true);
    assert.equal(parsed.notification.summary.length, 4000);
    assert.equal(parsed.notification.alert, undefined);
  });

  it('classifies SDK errors by name, then by fault and status', () => {
    const cases: [Record<string, unknown>, boolean][] = [
      [{ name: 'ThrottledException', $metadata: { httpStatusCode: 429 } }, true],
      [{ name: 'Throttling', $metadata: { httpStatusCode: 400 } }, true],
      [{ name: 'KMSThrottlingException', $metadata: { httpStatusCode: 400 } }, true],
      [{ name: 'InternalErrorException', $metadata: { httpStatusCode: 500 } }, true],
      [{ name: 'AuthorizationErrorException', $metadata: { httpStatusCode: 403 } }, false],
      [{ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } }, false],
      [{ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } }, false],
      [{ name: 'KMSDisabledException', $metadata: { httpStatusCode: 400 } }, false],
      [{ name: 'SomethingNew', $fault: 'server', $metadata: { httpStatusCode: 502 } }, true],
      [{ name: 'SomethingNew', $fault: 'client', $metadata: { httpStatusCode: 400 } }, false],
      [{ name: 'Error', code: 'ECONNRESET' }, true],
    ];
    for (const [shape, retryable] of cases) {
      const error = Object.assign(new Error('boom\n    at somewhere (file.ts:1:2)'), shape);
      const result = snsErrorResult(error, "sns 't'");
      assert.equal(!result.ok && result.retryable, retryable, String(shape['name']));
      assert.ok(!result.ok && !result.error.includes('\n'));
    }
  });

  it('turns an SDK throw into a failure result instead of throwing', async () => {
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('Topic does not exist'), {
        name: 'NotFoundException',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const result = await createSnsNotifier(snsConfig(), testDeps()).send(sampleNotification());
    assert.deepEqual(result, {
      ok: false,
      retryable: false,
      error:
        "sns 'topic' topic arn:aws:sns:us-east-1:123456789012:mfaguard: NotFoundException: Topic does not exist",
    });
  });
});
