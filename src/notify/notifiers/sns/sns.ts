// Amazon SNS: one Publish per notification, JSON message with severity/classification attributes for subscription filters.

import { createHash } from 'node:crypto';
import type { PublishCommand, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { forLog, forTerminal } from '../../../report/index.ts';
import type { SnsNotifierConfig } from './config-schema.ts';
import type { NotifierDeps } from '../../deps.ts';
import { describeNetworkError } from '../../http.ts';
import { kindLabel, notificationPayload, toSafeJson, utf8Length } from '../../message.ts';
import type { Notification, Notifier, SendResult } from '../../notification.ts';

/** SNS: "must be ASCII text ... no line breaks or control characters ... less than 100 characters". */
const SUBJECT_MAX = 99;
/** 256 KiB for the whole message; a margin keeps the attributes inside it. */
const MESSAGE_MAX_BYTES = 256 * 1024 - 4096;
const BIG_TEXT = 4000;

/** One line of printable ASCII: controls shown as escapes first (so they stay visible), anything else as `?`. */
export function snsSubject(n: Notification): string {
  const raw = `[mfaguard] ${n.severity}: ${kindLabel(n.kind)}: ${n.title}`;
  const ascii = forTerminal(raw)
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}

/** The JSON message; a notification too big for SNS loses its alert and long texts, and says so. */
export function snsMessage(n: Notification, verificationLinks: boolean): string {
  const full = toSafeJson(notificationPayload(n, verificationLinks));
  if (utf8Length(full) <= MESSAGE_MAX_BYTES) return full;
  const { alert: _alert, ...rest } = n;
  const slim: Notification = {
    ...rest,
    title: rest.title.slice(0, BIG_TEXT),
    summary: rest.summary.slice(0, BIG_TEXT),
  };
  return toSafeJson({ ...notificationPayload(slim, verificationLinks), truncated: true });
}

export function buildPublishInput(n: Notification, config: SnsNotifierConfig): PublishCommandInput {
  const input: PublishCommandInput = {
    TopicArn: config.topicArn,
    Subject: snsSubject(n),
    Message: snsMessage(n, config.verificationLinks),
    MessageAttributes: {
      kind: { DataType: 'String', StringValue: n.kind },
      severity: { DataType: 'String', StringValue: n.severity },
      // Attribute values cannot be empty; a filter policy can match `unclassified` explicitly.
      classification: { DataType: 'String', StringValue: n.classification ?? 'unclassified' },
    },
  };
  if (config.topicArn.endsWith('.fifo')) {
    // FIFO topics need a group (ordering per case) and deduplicate a retried Publish within 5 minutes.
    input.MessageGroupId = (n.caseId ?? 'mfaguard').replace(/[^\x21-\x7e]/g, '_').slice(0, 128);
    input.MessageDeduplicationId = createHash('sha256').update(n.dedupeKey).digest('hex');
  }
  return input;
}

/** Errors that a later attempt can get past: throttling, SNS or KMS being unwell, expired credentials. */
const RETRYABLE_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InternalError',
  'InternalErrorException',
  'InternalFailure',
  'KMSThrottlingException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TimeoutError',
  'TooManyRequestsException',
]);

/** Errors that repeat until someone changes the topic, its policy, its key or our credentials. */
const PERMANENT_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationErrorException',
  'EndpointDisabledException',
  'InvalidClientTokenId',
  'InvalidParameterException',
  'InvalidParameterValueException',
  'InvalidSecurityException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'NotFoundException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'ValidationException',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

export function snsErrorResult(error: unknown, label: string): SendResult {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const message = typeof shape.message === 'string' ? (shape.message.split('\n')[0] ?? '') : '';
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status !== 'number' && !RETRYABLE_ERRORS.has(name) && !PERMANENT_ERRORS.has(name)) {
    // No HTTP answer at all: the request never reached SNS (refused, reset, DNS).
    return { ok: false, retryable: true, error: `${label}: ${describeNetworkError(error)}` };
  }
  const retryable = RETRYABLE_ERRORS.has(name)
    ? true
    : PERMANENT_ERRORS.has(name)
      ? false
      : shape.$retryable !== undefined ||
        shape.$fault === 'server' ||
        (typeof status === 'number' && (status >= 500 || status === 429));
  const text = `${label}: ${name}${message === '' ? '' : `: ${forLog(message.slice(0, 300))}`}`;
  return { ok: false, retryable, error: text };
}

export function createSnsNotifier(config: SnsNotifierConfig, deps: NotifierDeps): Notifier {
  // The SDK is loaded on the first send: notify/index.ts is imported by the configuration's parser, which `scan` runs.
  const given = deps.snsClient?.(config);
  let sdk: Promise<{ client: SNSClient; PublishCommand: typeof PublishCommand }> | null = null;
  const loadSdk = () =>
    (sdk ??= import('@aws-sdk/client-sns').then(({ PublishCommand, SNSClient }) => ({
      PublishCommand,
      client:
        given ??
        new SNSClient({
          region: config.region,
          ...(config.endpoint === null ? {} : { endpoint: config.endpoint }),
        }),
    })));
  const label = `sns '${config.id}' topic ${config.topicArn}`;
  return {
    id: config.id,
    kind: 'sns',
    async send(n, signal): Promise<SendResult> {
      const input = buildPublishInput(n, config);
      try {
        const { client, PublishCommand } = await loadSdk();
        const output = await client.send(new PublishCommand(input), {
          abortSignal: AbortSignal.any([
            AbortSignal.timeout(config.timeoutMs),
            ...(signal === undefined ? [] : [signal]),
          ]),
        });
        return { ok: true, detail: `MessageId ${output.MessageId ?? '(none)'}` };
      } catch (error) {
        const name = (error as { name?: unknown } | null)?.name;
        if (name === 'AbortError' || name === 'TimeoutError') {
          const why =
            signal?.aborted === true
              ? 'cancelled before an answer arrived'
              : `no answer within ${config.timeoutMs} ms (timeout)`;
          return { ok: false, retryable: true, error: `${label}: ${why}` };
        }
        return snsErrorResult(error, label);
      }
    },
  };
}
