// The byte prefilter: finds, in decompressed bytes, the records whose event name or source matters, without parsing the rest.
//
// Hand-written because no library searches JSON this way: parsing every record (JSON.parse, or any streaming
// parser) is the cost being avoided, and `Buffer.indexOf` is a native, vectorised search. Every shortcut here is
// checked as it is taken, and anything unexpected answers "parse the whole file" instead of guessing.

import { parseIsoTime } from '../normalize/event-time.ts';

/** Lower-cased event names and sources that make a record matter (see `compileRecordNeedles` in detect/). */
export interface ByteNeedles {
  readonly eventNames: ReadonlySet<string>;
  readonly eventSources: ReadonlySet<string>;
  /** Callers' `userIdentity.principalId` values (exact case): their records matter too (a baseline's second pass). */
  readonly principalIds?: ReadonlySet<string>;
}

/** One record that matters: its bytes and its index in the file (array position, or line number for JSON Lines). */
export interface PrefilterHit {
  readonly start: number;
  readonly end: number;
  readonly index: number;
}

export type PrefilterScan =
  | {
      readonly ok: true;
      readonly shape: 'records' | 'jsonl';
      readonly hits: PrefilterHit[];
      /** Records seen, matter or not. */
      readonly count: number;
      /** Oldest and newest `eventTime` over every record (epoch ms), null when there were none. */
      readonly firstMs: number | null;
      readonly lastMs: number | null;
    }
  | { readonly ok: false; readonly reason: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

const RECORD_START = Buffer.from('{"eventVersion":');
const TIME_KEY = Buffer.from('"eventTime":"');
const PRINCIPAL_KEY = Buffer.from('"principalId":"');
const SOURCE_NEXT = Buffer.from(',"eventSource":"');
const NAME_NEXT = Buffer.from(',"eventName":"');
const DELIVERY_HEAD = Buffer.from('{"Records":[');

const fallback = (reason: string): PrefilterScan => ({ ok: false, reason });

/**
 * Scans a CloudTrail delivery file as CloudTrail writes it (`{"Records":[{"eventVersion":...,"userIdentity":{...},
 * "eventTime":"...","eventSource":"...","eventName":"...",...},...]}`, compact) or JSON Lines. Anything else, or a
 * record that does not follow the layout, is a fallback: the caller parses the whole file.
 */
export interface ScanOptions {
  readonly jsonl: boolean;
  readonly baseIndex: number;
  /** Records outside [fromMs, toMs) are passed over as if absent (not counted, never kept). */
  readonly window?: TimeWindow;
}

export interface TimeWindow {
  readonly fromMs?: number;
  readonly toMs?: number;
}

const outside = (window: TimeWindow | undefined, timeMs: number): boolean =>
  window !== undefined &&
  ((window.fromMs !== undefined && timeMs < window.fromMs) ||
    (window.toMs !== undefined && timeMs >= window.toMs));

export function scanForNeedles(bytes: Buffer, needles: ByteNeedles, options: ScanOptions): PrefilterScan {
  if (options.jsonl) return scanLines(bytes, needles, options.baseIndex, options.window);
  const head = firstNonSpace(bytes, 0);
  if (head === -1 || !startsWith(bytes, head, DELIVERY_HEAD))
    return fallback('not a compact {"Records":[...]} delivery file');
  return scanDelivery(bytes, needles, head + DELIVERY_HEAD.length, options.window);
}

interface RecordHead {
  readonly start: number;
  /** Where `"eventTime"` starts: userIdentity lies before it. */
  readonly timeAt: number;
  readonly timeMs: number;
  readonly nameStart: number;
  readonly nameEnd: number;
  readonly sourceStart: number;
  readonly sourceEnd: number;
}

/**
 * The head of the record starting at `start` (on `{"eventVersion":`), read in CloudTrail's own key order: its first
 * `"eventTime"` must belong to it (no other record starts between) and be followed at once by eventSource and
 * eventName, plain strings; otherwise a string saying what was off.
 */
function readRecordHead(bytes: Buffer, start: number, count: number): RecordHead | string {
  const time = bytes.indexOf(TIME_KEY, start + RECORD_START.length);
  // A record without eventTime would lend the next record's; the record start right before it must be this one.
  if (time === -1 || bytes.lastIndexOf(RECORD_START, time) !== start)
    return `record ${count} has no eventTime`;
  const timeEnd = readString(bytes, time + TIME_KEY.length);
  if (timeEnd === null) return `record ${count}: unusual eventTime`;
  const timeMs = parseIsoTime(bytes.toString('latin1', time + TIME_KEY.length, timeEnd));
  if (timeMs === null) return `record ${count}: eventTime is not ISO 8601`;
  if (!startsWith(bytes, timeEnd + 1, SOURCE_NEXT))
    return `record ${count}: eventSource does not follow eventTime`;
  const sourceStart = timeEnd + 1 + SOURCE_NEXT.length;
  const sourceEnd = readString(bytes, sourceStart);
  if (sourceEnd === null) return `record ${count}: unusual eventSource`;
  if (!startsWith(bytes, sourceEnd + 1, NAME_NEXT))
    return `record ${count}: eventName does not follow eventSource`;
  const nameStart = sourceEnd + 1 + NAME_NEXT.length;
  const nameEnd = readString(bytes, nameStart);
  if (nameEnd === null) return `record ${count}: unusual eventName`;
  return { start, timeAt: time, timeMs, nameStart, nameEnd, sourceStart, sourceEnd };
}

function scanDelivery(
  bytes: Buffer,
  needles: ByteNeedles,
  from: number,
  window: TimeWindow | undefined,
): PrefilterScan {
  const close = lastNonSpace(bytes);
  // `]}` ends the document; an empty Records array is left to the full decoder, which reports it as usual.
  if (close < from + 1 || bytes[close] !== 0x7d || bytes[close - 1] !== 0x5d)
    return fallback('no closing ]}');
  const last = close - 1;
  if (firstNonSpace(bytes, from) !== bytes.indexOf(RECORD_START, from))
    return fallback('first record not found');
  const hits: PrefilterHit[] = [];
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  let count = 0;
  let index = 0;
  let start = bytes.indexOf(RECORD_START, from);
  while (start !== -1 && start < last) {
    const head = readRecordHead(bytes, start, index);
    if (typeof head === 'string') return fallback(head);
    let next = bytes.indexOf(RECORD_START, head.nameEnd);
    if (next > last) next = -1;
    const wanted = !outside(window, head.timeMs);
    if (wanted) {
      if (firstMs === null || head.timeMs < firstMs) firstMs = head.timeMs;
      if (lastMs === null || head.timeMs > lastMs) lastMs = head.timeMs;
    }
    if (wanted && matters(bytes, needles, head)) {
      // Between records sits exactly `,`; before the closing `]` only whitespace.
      const stop = next === -1 ? lastNonSpace(bytes, last - 1) + 1 : next - 1;
      if (next !== -1 && bytes[stop] !== 0x2c) return fallback(`record ${index}: no comma after it`);
      hits.push({ start, end: stop, index });
    }
    index += 1;
    if (wanted) count += 1;
    start = next;
  }
  return { ok: true, shape: 'records', hits, count, firstMs, lastMs };
}

/** JSON Lines: a line in CloudTrail's layout is judged by its head; any other line (EventBridge, odd order) is parsed. */
function scanLines(
  bytes: Buffer,
  needles: ByteNeedles,
  baseIndex: number,
  window: TimeWindow | undefined,
): PrefilterScan {
  const hits: PrefilterHit[] = [];
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  let count = 0;
  let pos = 0;
  let line = 0;
  while (pos < bytes.length) {
    let stop = bytes.indexOf(NEWLINE, pos);
    if (stop === -1) stop = bytes.length;
    const lineStart = firstNonSpace(bytes, pos);
    if (lineStart !== -1 && lineStart < stop) {
      const head = startsWith(bytes, lineStart, RECORD_START) ? readRecordHead(bytes, lineStart, line) : null;
      const layout = head !== null && typeof head !== 'string' && head.nameEnd < stop ? head : null;
      const wanted = layout === null || !outside(window, layout.timeMs);
      if (wanted) count += 1;
      if (layout !== null && wanted) {
        if (firstMs === null || layout.timeMs < firstMs) firstMs = layout.timeMs;
        if (lastMs === null || layout.timeMs > lastMs) lastMs = layout.timeMs;
      }
      if (layout === null || (wanted && matters(bytes, needles, layout)))
        hits.push({ start: pos, end: stop, index: baseIndex + line });
    }
    pos = stop + 1;
    line += 1;
  }
  return { ok: true, shape: 'jsonl', hits, count, firstMs, lastMs };
}

function startsWith(bytes: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > bytes.length) return false;
  return bytes.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** The position of the closing quote of a string starting at `from`, or null when it holds an escape. */
function readString(bytes: Buffer, from: number): number | null {
  const end = bytes.indexOf(QUOTE, from);
  if (end === -1) return null;
  const escape = bytes.indexOf(BACKSLASH, from);
  return escape !== -1 && escape < end ? null : end;
}

function matters(bytes: Buffer, needles: ByteNeedles, head: RecordHead): boolean {
  if (needles.eventNames.has(bytes.toString('latin1', head.nameStart, head.nameEnd).toLowerCase()))
    return true;
  if (
    needles.eventSources.size > 0 &&
    needles.eventSources.has(bytes.toString('latin1', head.sourceStart, head.sourceEnd).toLowerCase())
  )
    return true;
  const principals = needles.principalIds;
  if (principals === undefined || principals.size === 0) return false;
  // userIdentity comes before eventTime, and its first principalId is the caller's (a session issuer's comes later).
  const key = bytes.indexOf(PRINCIPAL_KEY, head.start);
  if (key === -1 || key > head.timeAt) return false;
  const end = readString(bytes, key + PRINCIPAL_KEY.length);
  // An escaped principal id cannot be read here: keep the record, the parser decides.
  return end === null || principals.has(bytes.toString('utf8', key + PRINCIPAL_KEY.length, end));
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Buffer, from: number): number {
  let at = from;
  while (at < bytes.length && isSpace(bytes[at])) at++;
  return at;
}

function firstNonSpace(bytes: Buffer, from: number): number {
  let at = from;
  // A byte-order mark may start a file.
  if (at === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) at = 3;
  at = skipSpace(bytes, at);
  return at < bytes.length ? at : -1;
}

function lastNonSpace(bytes: Buffer, from: number = bytes.length - 1): number {
  let at = from;
  while (at >= 0 && isSpace(bytes[at])) at--;
  return at;
}
