// Recognises the shapes CloudTrail arrives in (delivery file, array, EventBridge, lookup-events, digest, one record).

import type { InputIssue } from '../../model/index.ts';
import { echo, keysOf, kindOf } from './text.ts';

export type JsonObject = Record<string, unknown>;

/** The EventBridge detail-types whose `detail` is a CloudTrail record. */
export const CLOUDTRAIL_DETAIL_TYPES: ReadonlySet<string> = new Set([
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
]);

/** Where decoded records and issues go; one per chunk. */
export interface Sink {
  readonly location: string;
  /** True when indexes are line numbers (JSON Lines), so issues carry `line` too. */
  lines: boolean;
  readonly records: { record: unknown; index: number }[];
  readonly issues: InputIssue[];
  /** Record-level issues beyond the cap are counted here instead of listed. */
  suppressed: number;
  firstSuppressed: number;
  lastSuppressed: number;
}

/** Record-level issues listed per chunk; more are summarised in one issue so a garbage file cannot flood stderr. */
export const MAX_RECORD_ISSUES = 200;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isDigestLocation(location: string): boolean {
  return location.includes('CloudTrail-Digest');
}

export function isDigestDocument(value: JsonObject): boolean {
  return 'digestStartTime' in value || 'digestS3Object' in value || 'digestPublicKeyFingerprint' in value;
}

function looksLikeRecord(value: JsonObject): boolean {
  return 'eventName' in value || 'eventSource' in value || 'eventVersion' in value || 'eventID' in value;
}

function isEventBridge(value: JsonObject): boolean {
  return 'detail-type' in value;
}

interface IssueInit {
  readonly level?: InputIssue['level'];
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly index?: number;
  readonly column?: number;
}

/** Adds a record-level issue (one with an index), respecting the per-chunk cap. */
export function recordIssue(sink: Sink, init: IssueInit & { readonly index: number }): void {
  if (sink.issues.length >= MAX_RECORD_ISSUES) {
    if (sink.suppressed === 0) sink.firstSuppressed = init.index;
    sink.suppressed += 1;
    sink.lastSuppressed = init.index;
    return;
  }
  sink.issues.push(makeIssue(sink, init));
}

export function makeIssue(sink: Pick<Sink, 'location' | 'lines'>, init: IssueInit): InputIssue {
  return {
    level: init.level ?? 'error',
    code: init.code,
    location: sink.location,
    ...(init.index === undefined ? {} : { index: init.index }),
    ...(init.index !== undefined && sink.lines ? { line: init.index + 1 } : {}),
    ...(init.column === undefined ? {} : { column: init.column }),
    message: init.message,
    ...(init.hint === undefined ? {} : { hint: init.hint }),
  };
}

/** Why one delivered item holds no CloudTrail record. */
export interface ItemProblem {
  readonly level: InputIssue['level'];
  readonly code: string;
  readonly message: string;
  readonly hint: string;
}

export type UnwrappedItem =
  { readonly ok: true; readonly record: JsonObject } | ({ readonly ok: false } & ItemProblem);

/**
 * One delivered item — an element of an array, a JSON line, or what a live source posts — as a CloudTrail record:
 * the record itself, or the `detail` of an EventBridge "AWS API Call via CloudTrail" / "AWS Console Sign In via
 * CloudTrail" event. The one decoder of delivery shapes at record level: `scan` and the live service both use it.
 */
export function unwrapItem(value: unknown): UnwrappedItem {
  if (!isObject(value)) {
    return {
      ok: false,
      level: 'error',
      code: 'record-not-object',
      message: `expected a CloudTrail record or an EventBridge event carrying one (a JSON object), found ${kindOf(value)}`,
      hint: 'each element must be one CloudTrail record object; this one was skipped, the others were kept',
    };
  }
  if (isEventBridge(value)) return unwrapEventBridge(value);
  if (Array.isArray(value['Records']) && !looksLikeRecord(value)) {
    return {
      ok: false,
      level: 'error',
      code: 'unknown-shape',
      message: `expected one CloudTrail record, found a whole delivery file ({"Records":[...]} with ${value['Records'].length} records)`,
      hint: "give delivery files one per file, or flatten them first: jq -c '.Records[]'",
    };
  }
  return { ok: true, record: value };
}

function unwrapEventBridge(event: JsonObject): UnwrappedItem {
  const detailType = event['detail-type'];
  if (typeof detailType !== 'string' || !CLOUDTRAIL_DETAIL_TYPES.has(detailType)) {
    return {
      ok: false,
      level: 'warning',
      code: 'eventbridge-detail-type',
      message:
        typeof detailType === 'string'
          ? `EventBridge event with detail-type "${echo(detailType, 60)}" does not carry a CloudTrail record`
          : `EventBridge event whose "detail-type" is ${kindOf(detailType)}, not a string`,
      hint: 'only "AWS API Call via CloudTrail" and "AWS Console Sign In via CloudTrail" events are read (match only those in the EventBridge rule); the event was skipped',
    };
  }
  const detail = event['detail'];
  if (!isObject(detail)) {
    return {
      ok: false,
      level: 'error',
      code: 'eventbridge-detail',
      message: `expected "detail" of a "${detailType}" event to be the CloudTrail record (an object), found ${kindOf(detail)}`,
      hint: 'send or export the whole EventBridge event, unmodified (no input transformer)',
    };
  }
  return { ok: true, record: detail };
}

/** One element of an array or one JSON line: a CloudTrail record or an EventBridge event carrying one. */
export function acceptItem(sink: Sink, value: unknown, index: number): void {
  const unwrapped = unwrapItem(value);
  if (unwrapped.ok) sink.records.push({ record: unwrapped.record, index });
  else recordIssue(sink, { ...unwrapped, index });
}

function acceptLookupEvent(sink: Sink, value: unknown, index: number): void {
  if (!isObject(value)) {
    recordIssue(sink, {
      code: 'lookup-event',
      index,
      message: `expected a lookup-events entry (an object with "CloudTrailEvent"), found ${kindOf(value)}`,
    });
    return;
  }
  const raw = value['CloudTrailEvent'];
  // Some tools re-serialise lookup-events output with CloudTrailEvent already parsed.
  if (isObject(raw)) {
    sink.records.push({ record: raw, index });
    return;
  }
  if (typeof raw !== 'string') {
    recordIssue(sink, {
      code: 'lookup-event',
      index,
      message: `expected "CloudTrailEvent" to be a JSON string, found ${kindOf(raw)}`,
      hint: 'pass the output of `aws cloudtrail lookup-events --output json` unmodified',
    });
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    recordIssue(sink, {
      code: 'lookup-event',
      index,
      message: `"CloudTrailEvent" is not valid JSON: "${echo(raw, 60)}"`,
      hint: 'the entry was skipped; the others were kept',
    });
    return;
  }
  if (!isObject(parsed)) {
    recordIssue(sink, {
      code: 'lookup-event',
      index,
      message: `expected "CloudTrailEvent" to hold a CloudTrail record (an object), found ${kindOf(parsed)}`,
    });
    return;
  }
  sink.records.push({ record: parsed, index });
}

export type DocumentFormat =
  | 'records'
  | 'array'
  | 'eventbridge'
  | 'lookup-events'
  | 'single'
  | 'cloudwatch-logs'
  | 'digest'
  | 'foreign'
  | 'unknown';

/** Keys any CloudTrail delivery shape has at its top: a record's own, or a wrapper's. */
const CLOUDTRAIL_KEYS = [
  'Records',
  'Events',
  'eventVersion',
  'eventName',
  'eventSource',
  'eventID',
  'eventTime',
  'userIdentity',
  'detail-type',
  'messageType',
  'logEvents',
  'CloudTrailEvent',
  'digestStartTime',
];

function hasCloudTrailKey(value: JsonObject): boolean {
  return CLOUDTRAIL_KEYS.some((key) => key in value);
}

/**
 * Well-formed JSON with nothing CloudTrail about it — another product's export, a manifest, the generator's ground
 * truth: an object without any key a CloudTrail shape has, or an array whose objects have none either.
 */
export function isForeignDocument(value: unknown): boolean {
  if (isObject(value)) return !hasCloudTrailKey(value);
  if (Array.isArray(value)) {
    const objects = value.filter(isObject);
    return objects.length > 0 && objects.length === value.length && !objects.some(hasCloudTrailKey);
  }
  return false;
}

/** A CloudWatch Logs subscription envelope, as Firehose writes it to S3 (`messageType`, `logEvents[].message`). */
export function isLogsEnvelope(value: unknown): value is JsonObject {
  return isObject(value) && typeof value['messageType'] === 'string' && 'logEvents' in value;
}

/**
 * The CloudTrail records in one envelope: each log event's `message` is one record as JSON text. A CONTROL_MESSAGE
 * (CloudWatch checking the destination) holds none. Returns the next record index.
 */
export function acceptEnvelope(
  sink: Sink,
  envelope: JsonObject,
  firstIndex: number,
  oneIndex = false,
): number {
  let index = firstIndex;
  if (envelope['messageType'] !== 'DATA_MESSAGE') return index;
  const events = envelope['logEvents'];
  if (!Array.isArray(events)) {
    recordIssue(sink, {
      code: 'logs-envelope',
      index,
      message: `expected "logEvents" of a CloudWatch Logs envelope to be an array, found ${kindOf(events)}`,
      hint: 'the envelope was skipped; the others were kept',
    });
    return index;
  }
  for (const event of events) {
    const message: unknown = isObject(event) ? event['message'] : undefined;
    let parsed: unknown;
    try {
      parsed = typeof message === 'string' ? JSON.parse(message) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) {
      recordIssue(sink, {
        code: 'logs-envelope',
        index,
        message: `expected a log event whose "message" is a CloudTrail record as JSON text, found ${typeof message === 'string' ? `"${echo(message, 40)}"` : kindOf(message)}`,
        hint: 'the log event was skipped; the others were kept (is the log group a CloudTrail one?)',
      });
    } else acceptItem(sink, parsed, index);
    if (!oneIndex) index += 1;
  }
  return index;
}

/** A note, not an error: the file is well-formed JSON of another kind, and nothing was lost by skipping it. */
export function foreignNote(sink: Sink, value: unknown): void {
  sink.issues.push(
    makeIssue(sink, {
      level: 'note',
      code: 'not-cloudtrail',
      message: `not CloudTrail (${isObject(value) ? keysOf(value) : kindOf(value)}): skipped`,
    }),
  );
}

const EXPECTED =
  'expected CloudTrail records: {"Records":[...]}, a JSON array of records, JSON Lines, EventBridge events, ' +
  '`aws cloudtrail lookup-events` output or one record';

/** Classifies a whole parsed JSON document and moves its records into the sink. */
export function acceptDocument(sink: Sink, value: unknown): DocumentFormat {
  if (isForeignDocument(value)) {
    foreignNote(sink, value);
    return 'foreign';
  }
  if (isLogsEnvelope(value)) {
    acceptEnvelope(sink, value, 0);
    return 'cloudwatch-logs';
  }
  if (Array.isArray(value)) {
    const first = value.find(isObject);
    for (let i = 0; i < value.length; i++) acceptItem(sink, value[i], i);
    return first !== undefined && isEventBridge(first) ? 'eventbridge' : 'array';
  }
  if (!isObject(value)) {
    sink.issues.push(
      makeIssue(sink, {
        code: 'unknown-shape',
        message: `${EXPECTED}; found ${kindOf(value)}`,
        hint: 'check that this is a CloudTrail log file',
      }),
    );
    return 'unknown';
  }
  if ('Records' in value) {
    const records = value['Records'];
    if (!Array.isArray(records)) {
      sink.issues.push(
        makeIssue(sink, {
          code: 'records-not-array',
          message: `expected "Records" to be an array of CloudTrail records, found ${kindOf(records)}`,
          hint: 'a CloudTrail delivery file looks like {"Records":[{...},{...}]}; the file was skipped',
        }),
      );
      return 'unknown';
    }
    for (let i = 0; i < records.length; i++) {
      const record: unknown = records[i];
      if (isObject(record)) sink.records.push({ record, index: i });
      else
        recordIssue(sink, {
          code: 'record-not-object',
          index: i,
          message: `expected Records[${i}] to be a CloudTrail record (a JSON object), found ${kindOf(record)}`,
          hint: 'this record was skipped; the others were kept',
        });
    }
    return 'records';
  }
  if (isDigestDocument(value)) return 'digest';
  if ('Events' in value) {
    const events = value['Events'];
    if (!Array.isArray(events)) {
      sink.issues.push(
        makeIssue(sink, {
          code: 'unknown-shape',
          message: `expected "Events" (lookup-events output) to be an array, found ${kindOf(events)}`,
          hint: 'pass the output of `aws cloudtrail lookup-events --output json` unmodified',
        }),
      );
      return 'unknown';
    }
    for (let i = 0; i < events.length; i++) acceptLookupEvent(sink, events[i], i);
    return 'lookup-events';
  }
  if (isEventBridge(value)) {
    acceptItem(sink, value, 0);
    return 'eventbridge';
  }
  if (looksLikeRecord(value)) {
    sink.records.push({ record: value, index: 0 });
    return 'single';
  }
  sink.issues.push(
    makeIssue(sink, {
      code: 'unknown-shape',
      message: `${EXPECTED}; found ${keysOf(value)}`,
      hint: 'check that this is a CloudTrail log file',
    }),
  );
  return 'unknown';
}

/** Closes a sink: the summary issue for record-level issues past the cap. */
export function finishSink(sink: Sink): void {
  if (sink.suppressed === 0) return;
  const what = sink.lines ? 'lines' : 'records';
  const from = sink.lines ? sink.firstSuppressed + 1 : sink.firstSuppressed;
  const to = sink.lines ? sink.lastSuppressed + 1 : sink.lastSuppressed;
  sink.issues.push(
    makeIssue(sink, {
      code: 'more-issues',
      message: `${sink.suppressed} more bad ${what} (${what} ${from}–${to}) not listed one by one`,
      hint: 'this input looks badly damaged or is not CloudTrail; fix the first issues listed and run again',
    }),
  );
}
