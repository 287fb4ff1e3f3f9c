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
  /**
   * A record also matters when a string it holds under a key ending in `key` contains one of `fragments`
   * (lower-cased; compared ASCII case-insensitively): the needles of rules that pin no name or source.
   */
  readonly valuePins?: readonly { readonly key: string; readonly fragments: ReadonlySet<string> }[];
}

/** One record that matters: its bytes and its index in the file (array position, or line number for JSON Lines). */
export interface PrefilterHit {
  readonly start: number;
  readonly end: number;
  readonly index: number;
  /** Set when the record may wait unparsed (see `ScanOptions.deferredNames`): what is known of it from its bytes. */
  readonly deferred?: DeferredHead;
}

/** A record left unparsed: its `eventID` (a plain, non-empty string at its top level) and its `eventTime`. */
export interface DeferredHead {
  readonly id: string;
  readonly timeMs: number;
}

export type PrefilterScan =
  | {
      readonly ok: true;
      readonly shape: 'records' | 'jsonl';
      readonly hits: PrefilterHit[];
      /** Records seen, matter or not. */
      readonly count: number;
      /** `principalHash` of each record's caller (its userIdentity.principalId), once each. */
      readonly principals: ReadonlySet<number>;
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
/**
 * The keys above are searched for by their tails, from a byte that is rare in CloudTrail JSON (`T`, `p`). Node's
 * `indexOf` looks for a needle's first byte and then compares: a needle opening on `"`, met every few bytes, made
 * each search cost two to three times the scan of the same bytes (measured on a generated archive).
 */
const TIME_TAIL = TIME_KEY.subarray('"event'.length);
const PRINCIPAL_TAIL = PRINCIPAL_KEY.subarray(1);

/** The next `key` at or after `from`, found by its `tail` (the key's last bytes) and checked backwards; -1 if none. */
function indexOfKey(bytes: Buffer, key: Buffer, tail: Buffer, from: number): number {
  const lead = key.length - tail.length;
  for (let at = bytes.indexOf(tail, from + lead); at !== -1; at = bytes.indexOf(tail, at + tail.length)) {
    let i = 0;
    while (i < lead && bytes[at - lead + i] === key[i]) i++;
    if (i === lead) return at - lead;
  }
  return -1;
}
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
  /**
   * Event names (exact case) whose records, when nothing else about them matters (no rule's name, source or value,
   * no caller looked for), are handed over unparsed, with their id and time (`PrefilterHit.deferred`): the kept
   * slice's names that no rule reads wait as bytes until a removal's window says whether they are needed.
   */
  readonly deferredNames?: ReadonlySet<string>;
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
  if (options.jsonl) return scanLines(bytes, needles, options);
  const head = firstNonSpace(bytes, 0);
  if (head === -1 || !startsWith(bytes, head, DELIVERY_HEAD))
    return fallback('not a compact {"Records":[...]} delivery file');
  return scanDelivery(bytes, needles, head + DELIVERY_HEAD.length, options);
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
  /** Where the caller's `"principalId":"` key is (the first in userIdentity, before eventTime), or -1. */
  readonly principalAt: number;
}

/**
 * The next `"principalId":"` at or after the last record read (-1: none left, -2: not searched yet): a file of AWS
 * service calls (no principal id) is searched once, not once per record to its end.
 */
interface PrincipalCursor {
  next: number;
}

function principalKeyAt(bytes: Buffer, start: number, timeAt: number, cursor: PrincipalCursor): number {
  const inPlace = principalKeyInPlace(bytes, start);
  if (inPlace !== -1 && inPlace < timeAt) return inPlace;
  if (cursor.next === NOT_SEARCHED || (cursor.next !== -1 && cursor.next < start))
    cursor.next = indexOfKey(bytes, PRINCIPAL_KEY, PRINCIPAL_TAIL, start);
  return cursor.next !== -1 && cursor.next < timeAt ? cursor.next : -1;
}

const IDENTITY_NEXT = Buffer.from(',"userIdentity":{"type":"');
const PRINCIPAL_NEXT = Buffer.from(',"principalId":"');

/**
 * Where CloudTrail writes it, the caller's `"principalId":"` follows the identity's type at once
 * (`{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"...`): read in place, it costs no
 * search (a native call per record, 10-15% of the prefilter's time). -1 when the record is laid out otherwise.
 */
function principalKeyInPlace(bytes: Buffer, start: number): number {
  const version = start + RECORD_START.length;
  if (bytes[version] !== QUOTE) return -1;
  const versionEnd = readString(bytes, version + 1);
  if (versionEnd === null || !startsWith(bytes, versionEnd + 1, IDENTITY_NEXT)) return -1;
  const typeEnd = readString(bytes, versionEnd + 1 + IDENTITY_NEXT.length);
  if (typeEnd === null || !startsWith(bytes, typeEnd + 1, PRINCIPAL_NEXT)) return -1;
  return typeEnd + 2;
}

/**
 * The head of the record starting at `start` (on `{"eventVersion":`), read in CloudTrail's own key order: its first
 * `"eventTime"` must belong to it (no other record starts between) and be followed at once by eventSource and
 * eventName, plain strings; otherwise a string saying what was off.
 */
function readRecordHead(
  bytes: Buffer,
  start: number,
  next: number,
  count: number,
  cursor: PrincipalCursor,
): RecordHead | string {
  const time = indexOfKey(bytes, TIME_KEY, TIME_TAIL, start + RECORD_START.length);
  // A record without eventTime would lend the next record's: it must come before the next record starts.
  if (time === -1 || (next !== -1 && next < time)) return `record ${count} has no eventTime`;
  const timeEnd = readString(bytes, time + TIME_KEY.length);
  if (timeEnd === null) return `record ${count}: unusual eventTime`;
  const timeMs = readTime(bytes, time + TIME_KEY.length, timeEnd);
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
  const principalAt = principalKeyAt(bytes, start, time, cursor);
  return { start, timeAt: time, timeMs, nameStart, nameEnd, sourceStart, sourceEnd, principalAt };
}

function scanDelivery(
  bytes: Buffer,
  needles: ByteNeedles,
  from: number,
  options: ScanOptions,
): PrefilterScan {
  const window = options.window;
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
  const principals = new Set<number>();
  const pins = valueCursors(needles);
  const cursor: PrincipalCursor = { next: NOT_SEARCHED };
  let start = bytes.indexOf(RECORD_START, from);
  while (start !== -1 && start < last) {
    // The next record's start, found once: it bounds this record's head and is where the loop goes next. Between
    // here and the head's end lie only plain strings (no quote inside), so no record can start there.
    let next = bytes.indexOf(RECORD_START, start + RECORD_START.length);
    if (next > last) next = -1;
    const head = readRecordHead(bytes, start, next, index, cursor);
    if (typeof head === 'string') return fallback(head);
    const wanted = !outside(window, head.timeMs);
    if (wanted) {
      notePrincipal(bytes, head, principals);
      if (firstMs === null || head.timeMs < firstMs) firstMs = head.timeMs;
      if (lastMs === null || head.timeMs > lastMs) lastMs = head.timeMs;
    }
    const verdict = wanted ? judge(bytes, needles, head, next === -1 ? last : next, pins, options) : SKIP;
    if (verdict !== SKIP) {
      // Between records sits exactly `,`; before the closing `]` only whitespace.
      const stop = next === -1 ? lastNonSpace(bytes, last - 1) + 1 : next - 1;
      if (next !== -1 && bytes[stop] !== 0x2c) return fallback(`record ${index}: no comma after it`);
      hits.push(hitOf(bytes, start, stop, index, verdict === DEFER ? head.timeMs : null));
    }
    index += 1;
    if (wanted) count += 1;
    start = next;
  }
  return { ok: true, shape: 'records', hits, count, principals, firstMs, lastMs };
}

/** JSON Lines: a line in CloudTrail's layout is judged by its head; any other line (EventBridge, odd order) is parsed. */
function scanLines(bytes: Buffer, needles: ByteNeedles, options: ScanOptions): PrefilterScan {
  const { baseIndex, window } = options;
  const principals = new Set<number>();
  const hits: PrefilterHit[] = [];
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  let count = 0;
  let pos = 0;
  let line = 0;
  const pins = valueCursors(needles);
  const cursor: PrincipalCursor = { next: NOT_SEARCHED };
  while (pos < bytes.length) {
    let stop = bytes.indexOf(NEWLINE, pos);
    if (stop === -1) stop = bytes.length;
    const lineStart = firstNonSpace(bytes, pos);
    if (lineStart !== -1 && lineStart < stop) {
      const head = startsWith(bytes, lineStart, RECORD_START)
        ? readRecordHead(bytes, lineStart, stop, line, cursor)
        : null;
      const layout = head !== null && typeof head !== 'string' && head.nameEnd < stop ? head : null;
      const wanted = layout === null || !outside(window, layout.timeMs);
      if (wanted) count += 1;
      if (layout !== null && wanted) {
        notePrincipal(bytes, layout, principals);
        if (firstMs === null || layout.timeMs < firstMs) firstMs = layout.timeMs;
        if (lastMs === null || layout.timeMs > lastMs) lastMs = layout.timeMs;
      }
      const verdict =
        layout === null ? PARSE : wanted ? judge(bytes, needles, layout, stop, pins, options) : SKIP;
      if (verdict !== SKIP)
        hits.push(
          hitOf(
            bytes,
            pos,
            stop,
            baseIndex + line,
            layout !== null && verdict === DEFER ? layout.timeMs : null,
          ),
        );
    }
    pos = stop + 1;
    line += 1;
  }
  return { ok: true, shape: 'jsonl', hits, count, principals, firstMs, lastMs };
}

/** A byte loop, not `Buffer.compare`: the prefixes are a dozen bytes, and a native call per record costs more. */
function startsWith(bytes: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** The position of the closing quote of a string starting at `from`, or null when it holds an escape. */
function readString(bytes: Buffer, from: number): number | null {
  // One plain loop for both the quote and an escape: the values read here are short, and a native search per value
  // (then a second look for `\\`) cost more in call overhead than it saved.
  for (let at = from; at < bytes.length; at++) {
    const byte = bytes[at];
    if (byte === QUOTE) return at;
    if (byte === BACKSLASH) return null;
  }
  return null;
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ`, CloudTrail's own form, read from the bytes without making a string; anything else (days
 * past the 28th included, to skip month lengths) goes through the normaliser's parser, so both agree on every value.
 */
function readTime(bytes: Buffer, from: number, end: number): number | null {
  if (end - from === 20 && bytes[from + 19] === 0x5a && bytes[from + 10] === 0x54) {
    const year = digits(bytes, from, 4);
    const month = digits(bytes, from + 5, 2);
    const day = digits(bytes, from + 8, 2);
    const hour = digits(bytes, from + 11, 2);
    const minute = digits(bytes, from + 14, 2);
    const second = digits(bytes, from + 17, 2);
    const separators =
      bytes[from + 4] === 0x2d &&
      bytes[from + 7] === 0x2d &&
      bytes[from + 13] === 0x3a &&
      bytes[from + 16] === 0x3a;
    if (
      separators &&
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 28 &&
      hour >= 0 &&
      hour <= 23
    )
      if (minute >= 0 && minute <= 59 && second >= 0 && second <= 59)
        return Date.UTC(year, month - 1, day, hour, minute, second);
  }
  return parseIsoTime(bytes.toString('latin1', from, end));
}

function digits(bytes: Buffer, from: number, count: number): number {
  let value = 0;
  for (let at = from; at < from + count; at++) {
    const digit = (bytes[at] ?? 0) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * FNV-1a over a principal id's UTF-8 bytes. The first pass records these per file, so the baseline's second pass
 * reads only the files that can hold a judged caller; a collision only costs reading a file for nothing.
 */
export function principalHash(bytes: Uint8Array, from = 0, end = bytes.length): number {
  let hash = 0x811c9dc5;
  for (let at = from; at < end; at++) hash = Math.imul(hash ^ (bytes[at] ?? 0), 0x01000193) >>> 0;
  return hash;
}

export function principalHashOf(principalId: string): number {
  return principalHash(Buffer.from(principalId, 'utf8'));
}

/** The caller's principal id: userIdentity comes before eventTime, and its first principalId is the caller's. */
function notePrincipal(bytes: Buffer, head: RecordHead, principals: Set<number>): void {
  const key = head.principalAt;
  if (key === -1) return;
  const end = readString(bytes, key + PRINCIPAL_KEY.length);
  // An escaped id cannot be hashed as the parser would read it: the file is marked as holding anyone.
  if (end === null) principals.add(ANY_PRINCIPAL);
  else if (end < head.timeAt) principals.add(principalHash(bytes, key + PRINCIPAL_KEY.length, end));
}

/** Marks a file whose callers could not all be fingerprinted: the second pass reads it whatever it looks for. */
export const ANY_PRINCIPAL = 0;

/**
 * The needle sets as hashes of their lower-cased bytes, so that judging a record's name and source hashes bytes in
 * place instead of making two strings per record; a hash hit is confirmed on the string. Built once per needle set.
 */
interface FoldedNeedles {
  readonly names: ReadonlySet<number>;
  readonly sources: ReadonlySet<number>;
}

const folded = new WeakMap<ByteNeedles, FoldedNeedles>();

function foldNeedles(needles: ByteNeedles): FoldedNeedles {
  let found = folded.get(needles);
  if (found === undefined) {
    const hashAll = (values: ReadonlySet<string>): Set<number> => {
      const hashes = new Set<number>();
      for (const value of values) {
        const bytes = Buffer.from(value, 'latin1');
        hashes.add(foldedHash(bytes, 0, bytes.length));
      }
      return hashes;
    };
    found = { names: hashAll(needles.eventNames), sources: hashAll(needles.eventSources) };
    folded.set(needles, found);
  }
  return found;
}

/** FNV-1a over ASCII-lower-cased bytes; -1 for a byte past ASCII. */
function foldedHash(bytes: Buffer, from: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let at = from; at < end; at++) {
    let byte = bytes[at] ?? 0;
    if (byte >= 0x80) return -1;
    if (byte >= 0x41 && byte <= 0x5a) byte += 0x20;
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash;
}

/** Whether the value between `from` and `end` is one of `values` (lower-cased), any case. */
function holds(
  bytes: Buffer,
  from: number,
  end: number,
  values: ReadonlySet<string>,
  hashes: ReadonlySet<number>,
): boolean {
  if (values.size === 0) return false;
  const hash = foldedHash(bytes, from, end);
  // Past ASCII, folding bytes is not folding characters: keep the record and let the rules decide on its parse.
  if (hash === -1) return true;
  return hashes.has(hash) && values.has(bytes.toString('latin1', from, end).toLowerCase());
}

const SKIP = 0;
const PARSE = 1;
const DEFER = 2;
type Verdict = typeof SKIP | typeof PARSE | typeof DEFER;

/**
 * Whether the record starting at `head` and ending before `recordEnd` matters, and if so whether it must be parsed
 * now or may wait unparsed: only a record whose one reason to matter is an event name in `deferredNames`.
 */
function judge(
  bytes: Buffer,
  needles: ByteNeedles,
  head: RecordHead,
  recordEnd: number,
  pins: readonly ValueCursor[],
  options: ScanOptions,
): Verdict {
  const hashes = foldNeedles(needles);
  const named = holds(bytes, head.nameStart, head.nameEnd, needles.eventNames, hashes.names);
  if (named && options.deferredNames === undefined) return PARSE;
  if (holds(bytes, head.sourceStart, head.sourceEnd, needles.eventSources, hashes.sources)) return PARSE;
  for (const pin of pins) if (valueHolds(bytes, head.start, recordEnd, pin)) return PARSE;
  if (callerWanted(bytes, needles, head)) return PARSE;
  if (!named) return SKIP;
  // The exact name, as the kept slice compares it: another spelling of a kept name is parsed, as before.
  return options.deferredNames?.has(bytes.toString('latin1', head.nameStart, head.nameEnd)) === true
    ? DEFER
    : PARSE;
}

/** Whether the record's caller is one of the principal ids looked for (a baseline's second pass). */
function callerWanted(bytes: Buffer, needles: ByteNeedles, head: RecordHead): boolean {
  const principals = needles.principalIds;
  if (principals === undefined || principals.size === 0) return false;
  // userIdentity comes before eventTime, and its first principalId is the caller's (a session issuer's comes later).
  const key = head.principalAt;
  if (key === -1) return false;
  const end = readString(bytes, key + PRINCIPAL_KEY.length);
  // An escaped principal id cannot be read here: keep the record, the parser decides.
  return end === null || principals.has(bytes.toString('utf8', key + PRINCIPAL_KEY.length, end));
}

/** A hit; a deferred one carries its id, or is parsed after all when its id cannot be read safely from its bytes. */
function hitOf(
  bytes: Buffer,
  start: number,
  end: number,
  index: number,
  timeMs: number | null,
): PrefilterHit {
  if (timeMs === null) return { start, end, index };
  const id = topLevelEventId(bytes, start, end);
  return id === null ? { start, end, index } : { start, end, index, deferred: { id, timeMs } };
}

const EVENT_ID_KEY = Buffer.from('"eventID":"');
const LINE_BREAK = 0x0a;

/**
 * The record's `eventID` as the normaliser reads it (a non-empty string, the last such key at the top level, as
 * JSON.parse keeps the last of repeated keys), or null: missing, escaped, empty, nested only, or the record holds a
 * line break (deferred records travel one per line). CloudTrail writes eventID near a record's end, after
 * requestParameters and responseElements, so the last occurrence is searched for and checked to close at depth 0.
 */
function topLevelEventId(bytes: Buffer, start: number, end: number): string | null {
  const record = bytes.subarray(start, end);
  if (record.indexOf(LINE_BREAK) !== -1) return null;
  const key = record.lastIndexOf(EVENT_ID_KEY);
  if (key === -1) return null;
  const from = key + EVENT_ID_KEY.length;
  const close = readString(record, from);
  if (close === null || close === from || !closesAtTop(record, close + 1)) return null;
  return record.toString('utf8', from, close);
}

/** Whether, from `from` on, the record's own closing brace is its last byte and no bracket closes before it. */
function closesAtTop(record: Buffer, from: number): boolean {
  let depth = 0;
  for (let at = from; at < record.length; at++) {
    const byte = record[at];
    if (byte === QUOTE) {
      at = skipString(record, at + 1);
      if (at === -1) return false;
    } else if (byte === 0x7b || byte === 0x5b) depth++;
    else if (byte === 0x7d || byte === 0x5d) {
      depth--;
      if (depth < 0) return at === lastNonSpace(record);
    }
  }
  return false;
}

/** The closing quote of the string whose content starts at `from`, escapes skipped; -1 when it does not close. */
function skipString(bytes: Buffer, from: number): number {
  for (let at = from; at < bytes.length; at++) {
    const byte = bytes[at];
    if (byte === BACKSLASH) at++;
    else if (byte === QUOTE) return at;
  }
  return -1;
}

/** A value pin being searched for in one buffer: its key's bytes and where that key next occurs. */
interface ValueCursor {
  /** `<key>"`: the end of any JSON key ending in the pin's key (dotted keys included). */
  readonly key: Buffer;
  readonly fragments: readonly Buffer[];
  /** The key's next occurrence at or after the last record judged; -1 when none is left, -2 before the first search. */
  next: number;
}

const NOT_SEARCHED = -2;
const COLON = 0x3a;

function valueCursors(needles: ByteNeedles): ValueCursor[] {
  return (needles.valuePins ?? []).map((pin) => ({
    key: Buffer.from(`${pin.key}"`, 'latin1'),
    fragments: [...pin.fragments].map((fragment) => Buffer.from(fragment, 'latin1')),
    next: NOT_SEARCHED,
  }));
}

/**
 * Whether the record in [start, end) holds the pin: some occurrence of its key has a string value containing a
 * fragment. A key can only end in `key"` followed by `:` outside strings (a quote inside a string is escaped), so
 * each occurrence found is a real key. The cursor keeps the next occurrence, so a key that is rare in the buffer is
 * searched for once, not once per record. A value that cannot be judged on its bytes (escaped, a number, an object)
 * keeps the record: the parser and the rule decide.
 */
function valueHolds(bytes: Buffer, start: number, end: number, pin: ValueCursor): boolean {
  let at = pin.next;
  if (at === NOT_SEARCHED || (at !== -1 && at < start)) at = bytes.indexOf(pin.key, start);
  while (at !== -1 && at < end) {
    pin.next = at;
    let value = skipSpace(bytes, at + pin.key.length);
    if (bytes[value] === COLON) {
      value = skipSpace(bytes, value + 1);
      const first = bytes[value];
      if (first === QUOTE) {
        const close = readString(bytes, value + 1);
        if (close === null || containsFolded(bytes, value + 1, close, pin.fragments)) return true;
      } else if (first !== 0x6e) return true; // anything but `null`
    }
    at = bytes.indexOf(pin.key, at + pin.key.length);
  }
  pin.next = at;
  return false;
}

/** Whether bytes [from, end) contain one of the lower-cased fragments, ASCII case-insensitively; past ASCII, yes. */
function containsFolded(bytes: Buffer, from: number, end: number, fragments: readonly Buffer[]): boolean {
  for (let at = from; at < end; at++) if ((bytes[at] ?? 0) >= 0x80) return true;
  for (const fragment of fragments) {
    const first = fragment[0] ?? 0;
    const lastStart = end - fragment.length;
    for (let at = from; at <= lastStart; at++) {
      if (foldByte(bytes[at] ?? 0) !== first) continue;
      let i = 1;
      while (i < fragment.length && foldByte(bytes[at + i] ?? 0) === fragment[i]) i++;
      if (i === fragment.length) return true;
    }
  }
  return false;
}

function foldByte(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
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
