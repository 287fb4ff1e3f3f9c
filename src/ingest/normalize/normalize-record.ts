// Turns one raw CloudTrail record into the typed event every later stage reads, or into an issue saying why it cannot.

import type { Actor, CloudTrailEvent, InputIssue, Origin, Outcome } from '../../model/index.ts';
import { readActor, UNKNOWN_ACTOR } from './actor.ts';
import { parseIsoTime } from './event-time.ts';
import { isIpAddress } from './ip-address.ts';
import { recordShapeIssue } from './record-issue.ts';
import { synthesiseEventId } from './synthetic-id.ts';
import { readTarget } from './target.ts';
import type { JsonObject } from './values.ts';
import { flag, isObject, text, yesNo } from './values.ts';

export type NormalizeResult =
  { readonly ok: true; readonly event: CloudTrailEvent } | { readonly ok: false; readonly issue: InputIssue };

const INSIGHT_EVENT_TYPE = 'AwsCloudTrailInsight';
const CONSOLE_LOGIN = 'ConsoleLogin';

/**
 * Normalises one record. Pure and allocation-light: it runs on every record of a scan.
 *
 * Strict where a wrong value would mislead every later stage — the record must be an object with string
 * `eventName`, `eventSource` and `eventTime` (an ISO-8601 time), `eventID` must be a string when present, and
 * `userIdentity` must be an object when present; anything else is a `record-shape` issue naming the field.
 *
 * Lenient where CloudTrail itself is, or where a SIEM export reshaped it: `@timestamp` stands in for a missing
 * `eventTime`, `responseElements: null`, no `userAgent`, `""` for absent values, no
 * `userIdentity` (the actor is `Unknown`), Insights events (name and source come from `insightDetails`).
 * `requestParameters`, `responseElements` and `additionalEventData` of the wrong type (a string, an array) are
 * read as null — the record is still an event and `raw` keeps what arrived for Sigma rules and evidence — and
 * the target is then unknown rather than guessed.
 *
 * A record without `eventID` gets a synthetic id: `mfaguard-sha256-` plus the hash of its canonical JSON, so
 * the same record delivered twice still dedupes to one event.
 */
export function normalizeRecord(record: unknown, origin: Origin): NormalizeResult {
  if (!isObject(record)) {
    return failure(
      recordShapeIssue(
        origin,
        '',
        'a CloudTrail record (a JSON object)',
        record,
        'each item of Records must be one event object',
      ),
    );
  }

  let nameValue = record['eventName'];
  let sourceValue = record['eventSource'];
  let namePath = 'eventName';
  let sourcePath = 'eventSource';
  if (nameValue === undefined && sourceValue === undefined && record['eventType'] === INSIGHT_EVENT_TYPE) {
    const details = record['insightDetails'];
    if (isObject(details)) {
      nameValue = details['eventName'];
      sourceValue = details['eventSource'];
      namePath = 'insightDetails.eventName';
      sourcePath = 'insightDetails.eventSource';
    }
  }
  const name = text(nameValue);
  if (name === null)
    return failure(
      recordShapeIssue(origin, namePath, 'a non-empty string such as "DeactivateMFADevice"', nameValue),
    );
  const source = text(sourceValue);
  if (source === null) {
    return failure(
      recordShapeIssue(origin, sourcePath, 'a non-empty string such as "iam.amazonaws.com"', sourceValue),
    );
  }

  // Records that went through Logstash/Filebeat (SIEM exports) carry the event time as `@timestamp` instead.
  const timeValue = record['eventTime'] ?? record['@timestamp'];
  const time = text(timeValue);
  const timeMs = time === null ? null : parseIsoTime(time);
  if (time === null || timeMs === null) {
    return failure(
      recordShapeIssue(origin, 'eventTime', 'an ISO-8601 UTC time such as "2024-05-01T12:00:00Z"', timeValue),
    );
  }

  const idValue = record['eventID'];
  if (idValue !== undefined && idValue !== null && typeof idValue !== 'string') {
    return failure(recordShapeIssue(origin, 'eventID', 'a string (CloudTrail writes a UUID)', idValue));
  }

  const identity = record['userIdentity'];
  let actor: Actor;
  if (identity === undefined || identity === null) {
    actor = UNKNOWN_ACTOR;
  } else if (isObject(identity)) {
    actor = readActor(identity, record);
  } else {
    return failure(recordShapeIssue(origin, 'userIdentity', 'an object describing the caller', identity));
  }

  const requestParameters = optionalObject(record['requestParameters']);
  const responseElements = optionalObject(record['responseElements']) ?? null;
  const additionalEventData = optionalObject(record['additionalEventData']) ?? null;

  const errorCode = scalarText(record['errorCode']);
  const errorMessage = scalarText(record['errorMessage']);
  const consoleLoginResult =
    name === CONSOLE_LOGIN && responseElements !== null ? text(responseElements[CONSOLE_LOGIN]) : null;
  const sourceIp = text(record['sourceIPAddress']);

  const event: CloudTrailEvent = {
    id: text(idValue) ?? synthesiseEventId(record),
    name,
    source,
    time,
    timeMs,
    type: text(record['eventType']),
    category: text(record['eventCategory']),
    account: text(record['recipientAccountId']) ?? actor.accountId,
    region: text(record['awsRegion']),
    sourceIp,
    sourceIpIsAddress: sourceIp !== null && isIpAddress(sourceIp),
    userAgent: text(record['userAgent']),
    outcome: outcomeOf(errorCode, errorMessage, consoleLoginResult),
    errorCode,
    errorMessage,
    actor,
    target: readTarget(name, source, requestParameters, responseElements, actor),
    mfaUsed: additionalEventData === null ? null : yesNo(additionalEventData['MFAUsed']),
    consoleLoginResult,
    readOnly: flag(record['readOnly']),
    requestParameters: requestParameters ?? null,
    responseElements,
    additionalEventData,
    origin,
    raw: record,
  };
  return { ok: true, event };
}

function failure(issue: InputIssue): NormalizeResult {
  return { ok: false, issue };
}

/** The object, null when absent, or undefined when something other than an object arrived. */
function optionalObject(value: unknown): JsonObject | null | undefined {
  if (value === undefined || value === null) return null;
  return isObject(value) ? value : undefined;
}

/** Error fields as text; any other present value still counts (a numeric errorCode is still an error). */
function scalarText(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Elastic's rule, so the typed event and the ECS view agree: an error code or message means failure; for
 * ConsoleLogin the `responseElements.ConsoleLogin` value decides (Success/Failure, any case).
 */
function outcomeOf(
  errorCode: string | null,
  errorMessage: string | null,
  consoleLoginResult: string | null,
): Outcome {
  if (consoleLoginResult !== null) {
    const result = consoleLoginResult.toLowerCase();
    if (result === 'success') return 'success';
    if (result === 'failure') return 'failure';
  }
  if (errorCode !== null || errorMessage !== null) return 'failure';
  // A ConsoleLogin result we do not know, with no error fields, says nothing either way.
  return consoleLoginResult !== null ? 'unknown' : 'success';
}
