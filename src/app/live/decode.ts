// The live service's edge: records and raw bytes decoded into CloudTrail events, every unreadable one dead-lettered with its reason.

import {
  decodeChunk,
  depthExceeds,
  MAX_JSON_DEPTH,
  normalizeRecord,
  stringifyIteratively,
  UnreadableRecord,
  unwrapItem,
} from '../../ingest/index.ts';
import type { CloudTrailEvent, InputIssue } from '../../model/index.ts';
import type { AddDeadLetterInput } from '../../store/index.ts';
import type { RecordOrigin } from './contract.ts';

/** What a batch refused: the issues for the answer, the dead letters (raw bytes and reason) for the store. */
export interface Rejected {
  readonly issues: readonly InputIssue[];
  readonly deadLetters: readonly AddDeadLetterInput[];
}

/** A decoded batch: the events to ingest, what was refused, and how many records arrived. */
export interface DecodedBatch {
  readonly events: readonly CloudTrailEvent[];
  readonly rejected: Rejected;
  readonly received: number;
}

/** Records already parsed (SQS, EventBridge, Lambda, files): unwrapped, refused or normalised one by one. */
export function decodeRecords(records: readonly unknown[], origin: RecordOrigin, now: number): DecodedBatch {
  const events: CloudTrailEvent[] = [];
  const issues: InputIssue[] = [];
  const deadLetters: AddDeadLetterInput[] = [];
  const reject = (item: unknown, issue: InputIssue): void => {
    issues.push(issue);
    deadLetters.push(deadLetterOf(item, issue, origin, now));
  };
  records.forEach((item, index) => {
    const refused = refusal(item, origin.location, index);
    if (refused !== null) {
      reject(item, refused);
      return;
    }
    const unwrapped = unwrapItem(item);
    if (!unwrapped.ok) {
      const issue: InputIssue = {
        level: unwrapped.level,
        code: unwrapped.code,
        location: origin.location,
        index,
        message: unwrapped.message,
        hint: unwrapped.hint,
      };
      reject(item, issue);
      return;
    }
    const normalized = normalizeRecord(unwrapped.record, { location: origin.location, index });
    if (normalized.ok) events.push(normalized.event);
    else reject(item, normalized.issue);
  });
  return { events, rejected: { issues, deadLetters }, received: records.length };
}

/** Raw bytes (a log file, gzip or not; JSON lines): decoded, then refused or normalised record by record. */
export function decodeBytes(data: Uint8Array, origin: RecordOrigin, now: number): DecodedBatch {
  const decoded = decodeChunk({ location: origin.location, baseIndex: 0, data, compression: 'auto' });
  const issues: InputIssue[] = [];
  const deadLetters: AddDeadLetterInput[] = [];
  const problems = decoded.issues.filter((issue) => issue.level !== 'note');
  if (problems.length > 0) {
    // The decoder cannot hand back the bytes of one bad record, so the whole input is kept once with every reason.
    const reason = problems
      .slice(0, 20)
      .map((issue) => `${issue.code}${issue.index === undefined ? '' : `#${issue.index}`}: ${issue.message}`)
      .join('; ');
    issues.push(...problems);
    deadLetters.push({
      source: origin.source,
      location: origin.location,
      reason: problems.length > 20 ? `${reason}; and ${problems.length - 20} more` : reason,
      raw: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      nowMs: now,
    });
  }
  const events: CloudTrailEvent[] = [];
  for (const { record, index } of decoded.records) {
    const refused = refusal(record, origin.location, index);
    if (refused !== null) {
      issues.push(refused);
      deadLetters.push(deadLetterOf(record, refused, origin, now));
      continue;
    }
    const normalized = normalizeRecord(record, { location: origin.location, index });
    if (normalized.ok) events.push(normalized.event);
    else {
      issues.push(normalized.issue);
      deadLetters.push(deadLetterOf(record, normalized.issue, origin, now));
    }
  }
  const unreadable = problems.filter((issue) => issue.index !== undefined).length;
  return { events, rejected: { issues, deadLetters }, received: decoded.records.length + unreadable };
}

function deadLetterOf(
  raw: unknown,
  issue: InputIssue,
  origin: RecordOrigin,
  now: number,
): AddDeadLetterInput {
  // Iterative: a record may nest deeper than JSON.stringify's recursion can go.
  const kept =
    raw instanceof UnreadableRecord ? raw.raw : typeof raw === 'string' ? raw : stringifyIteratively(raw);
  const where = issue.index === undefined ? origin.location : `${origin.location}#${issue.index}`;
  return {
    source: origin.source,
    location: where,
    reason: `${issue.code}: ${issue.message}`,
    raw: kept,
    nowMs: now,
  };
}

/**
 * Why a record cannot be taken before anything recursive (normalisation, rules, JSON.stringify in the store)
 * runs on it: refused over its bytes at the edge, or (parsed elsewhere: SQS, Lambda, files) nested too deep.
 */
function refusal(item: unknown, location: string, index: number): InputIssue | null {
  const problem =
    item instanceof UnreadableRecord
      ? { code: item.code, reason: item.reason }
      : depthExceeds(item, MAX_JSON_DEPTH)
        ? {
            code: 'too-deep',
            reason: `nested deeper than ${MAX_JSON_DEPTH} levels; no CloudTrail record is`,
          }
        : null;
  if (problem === null) return null;
  return {
    level: 'error',
    code: problem.code,
    location,
    index,
    message: `record ${index}: ${problem.reason}`,
    hint: 'the record was dead-lettered with its bytes; the others were stored',
  };
}
