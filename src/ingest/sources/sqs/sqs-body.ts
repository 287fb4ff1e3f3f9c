// Recognises what an SQS message body carries: S3 event notifications, EventBridge events, SNS envelopes of either.

import { echo, isDigestLocation } from '../../decode/index.ts';

/** One S3 object a notification announced; `etag` without quotes, null when the notification has none. */
export interface S3ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string | null;
}

export type SqsBody =
  /** New objects to fetch and scan; `skipped` counts digests, folder markers and non-create events. */
  | { readonly kind: 's3'; readonly objects: readonly S3ObjectRef[]; readonly skipped: number }
  /** EventBridge events (a CloudTrail record in `detail`), ingested as they are. */
  | { readonly kind: 'events'; readonly events: readonly Record<string, unknown>[] }
  /** `s3:TestEvent`, sent by S3 when notifications are configured: nothing to do. */
  | { readonly kind: 'test' }
  | { readonly kind: 'invalid'; readonly reason: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `${echo(detail, 120)} (body starts ${JSON.stringify(echo(text, 60))})` };
  }
}

const EXPECTED =
  'expected an S3 event notification (Records[].s3), an EventBridge event (detail-type, detail), ' +
  'a CloudTrail SNS delivery notice (s3Bucket, s3ObjectKey) or an SNS Notification wrapping one';

function keysOf(value: Json): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return 'an empty object';
  const shown = keys.slice(0, 8).map((k) => echo(k, 40));
  return `an object with keys ${shown.join(', ')}${keys.length > 8 ? ', ...' : ''}`;
}

/** S3 notifications URL-encode keys with `+` for spaces (form encoding). */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function classifyS3Records(records: unknown[]): SqsBody {
  if (records.length === 0) return { kind: 'invalid', reason: `${EXPECTED}; got an empty Records array` };
  const objects: S3ObjectRef[] = [];
  let skipped = 0;
  for (const [index, record] of records.entries()) {
    const s3 = isObject(record) ? record['s3'] : undefined;
    const bucket = isObject(s3) && isObject(s3['bucket']) ? s3['bucket']['name'] : undefined;
    const object = isObject(s3) ? s3['object'] : undefined;
    const rawKey = isObject(object) ? object['key'] : undefined;
    if (typeof bucket !== 'string' || bucket === '' || typeof rawKey !== 'string' || rawKey === '') {
      return {
        kind: 'invalid',
        reason: `${EXPECTED}; Records[${index}] has no s3.bucket.name and s3.object.key strings`,
      };
    }
    let key: string;
    try {
      key = decodeS3EventKey(rawKey);
    } catch {
      return {
        kind: 'invalid',
        reason: `Records[${index}].s3.object.key is not valid URL encoding: ${JSON.stringify(echo(rawKey, 80))}`,
      };
    }
    const eventName = isObject(record) ? record['eventName'] : undefined;
    // Removals, restores and tagging also notify; only a created object holds new events.
    const created = typeof eventName !== 'string' || eventName.startsWith('ObjectCreated:');
    if (!created || key.endsWith('/') || isDigestLocation(key)) {
      skipped += 1;
      continue;
    }
    const etag = isObject(object) ? object['eTag'] : undefined;
    objects.push({ bucket, key, etag: typeof etag === 'string' && etag !== '' ? unquote(etag) : null });
  }
  return { kind: 's3', objects, skipped };
}

/** CloudTrail's own SNS notice of a delivered log file: keys are plain, not URL-encoded. */
function classifyCloudTrailNotice(value: Json): SqsBody {
  const bucket = value['s3Bucket'];
  const keys = value['s3ObjectKey'];
  if (typeof bucket !== 'string' || !Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    return {
      kind: 'invalid',
      reason: `${EXPECTED}; s3Bucket must be a string and s3ObjectKey an array of strings`,
    };
  }
  const wanted = keys.filter((k) => !isDigestLocation(k) && !k.endsWith('/'));
  return {
    kind: 's3',
    objects: wanted.map((key) => ({ bucket, key, etag: null })),
    skipped: keys.length - wanted.length,
  };
}

function classifyValue(value: unknown, where: string): SqsBody {
  if (!isObject(value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    return { kind: 'invalid', reason: `${EXPECTED}; ${where} is ${got}` };
  }
  if (value['Event'] === 's3:TestEvent') return { kind: 'test' };
  if (Array.isArray(value['Records'])) return classifyS3Records(value['Records']);
  if ('s3Bucket' in value && 's3ObjectKey' in value) return classifyCloudTrailNotice(value);
  if (typeof value['detail-type'] === 'string' && isObject(value['detail'])) {
    return { kind: 'events', events: [value] };
  }
  return { kind: 'invalid', reason: `${EXPECTED}; ${where} is ${keysOf(value)}` };
}

/** Classifies one message body; never throws. */
export function classifySqsBody(body: string): SqsBody {
  if (body.trim() === '') return { kind: 'invalid', reason: `${EXPECTED}; the body is empty` };
  const parsed = parseJson(body);
  if (!parsed.ok) return { kind: 'invalid', reason: `the body is not JSON: ${parsed.reason}` };
  const value = parsed.value;
  if (isObject(value) && typeof value['Type'] === 'string' && 'TopicArn' in value) {
    if (value['Type'] !== 'Notification') {
      return {
        kind: 'invalid',
        reason: `an SNS ${echo(value['Type'], 40)} message, not a Notification: confirm the subscription in SNS`,
      };
    }
    const message = value['Message'];
    if (typeof message !== 'string') {
      return { kind: 'invalid', reason: 'an SNS Notification without a Message string' };
    }
    const inner = parseJson(message);
    if (!inner.ok) return { kind: 'invalid', reason: `the SNS Message is not JSON: ${inner.reason}` };
    return classifyValue(inner.value, 'the SNS Message');
  }
  return classifyValue(value, 'the body');
}
