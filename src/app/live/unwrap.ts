// Accepts what live sources post: a CloudTrail record, or an EventBridge event whose `detail` is one.

import { CLOUDTRAIL_DETAIL_TYPES, echo } from '../../ingest/index.ts';

export type Unwrapped =
  | { readonly ok: true; readonly record: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly hint: string };

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The CloudTrail record inside `item`, or why there is none (the caller dead-letters the item as it came). */
export function unwrapRecord(item: unknown): Unwrapped {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return {
      ok: false,
      code: 'record-not-object',
      message: `expected a CloudTrail record or an EventBridge event (a JSON object), found ${kindOf(item)}`,
      hint: 'post one event object, or an array of them',
    };
  }
  const object = item as Record<string, unknown>;
  if (!('detail-type' in object)) return { ok: true, record: item };
  const detailType = object['detail-type'];
  if (typeof detailType !== 'string' || !CLOUDTRAIL_DETAIL_TYPES.has(detailType)) {
    return {
      ok: false,
      code: 'eventbridge-detail-type',
      message:
        typeof detailType === 'string'
          ? `EventBridge event with detail-type "${echo(detailType, 60)}" does not carry a CloudTrail record`
          : `EventBridge event whose "detail-type" is ${kindOf(detailType)}, not a string`,
      hint: 'match only "AWS API Call via CloudTrail" and "AWS Console Sign In via CloudTrail" in the EventBridge rule',
    };
  }
  const detail = object['detail'];
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return {
      ok: false,
      code: 'eventbridge-detail',
      message: `expected "detail" of a "${detailType}" event to be the CloudTrail record (an object), found ${kindOf(detail)}`,
      hint: 'send the whole EventBridge event, unmodified (no input transformer)',
    };
  }
  return { ok: true, record: detail };
}
