// Decodes one chunk of delivered bytes (any CloudTrail delivery format, gzip or not) into raw records and issues.
//
// Synchronous on purpose: it runs inside worker threads. A whole JSON document is decompressed with one
// gunzipSync and parsed with one JSON.parse; JSON Lines are cut with indexOf('\n'). Limit: one chunk must
// fit in a JavaScript string once decompressed (MAX_DECODED_BYTES, 512 MiB); CloudTrail delivery files are
// far smaller, and JSON Lines of any size are split into chunks by the sources before they get here.

import { constants, gunzipSync } from 'node:zlib';
import type { InputIssue } from '../../model/index.ts';
import {
  acceptLine,
  decodeConcatenated,
  decodeLines,
  firstNonSpace,
  INPUT_DECODERS,
  isMoreAfterJson,
  notInFormat,
} from './input-formats.ts';
import type { InputFormat } from './input-formats.ts';
import { acceptDocument, finishSink, isDigestLocation, makeIssue, recordIssue } from './shapes.ts';
import type { DocumentFormat, Sink } from './shapes.ts';
import { scanForNeedles } from './prefilter.ts';
import type { ByteNeedles, TimeWindow } from './prefilter.ts';
import { describeJsonError, echo } from './text.ts';

export interface Chunk {
  /** File path, `s3://bucket/key`, or `stdin`. */
  readonly location: string;
  /**
   * Index of the first record in this chunk within the location. For JSON Lines a record's index is its
   * zero-based line number (blank lines keep their number), so `baseIndex` is the number of lines before the chunk.
   */
  readonly baseIndex: number;
  /** Bytes as read: maybe gzip. The sources hand out views that own their whole ArrayBuffer (transferable). */
  readonly data: Uint8Array;
  /** `auto` sniffs the gzip magic bytes 1f 8b. */
  readonly compression: 'gzip' | 'none' | 'auto';
  /** Forced when a big JSON Lines input was split at line boundaries. */
  readonly format?: 'jsonl';
}

export interface DecodedRecord {
  readonly record: unknown;
  readonly index: number;
}

export interface DecodeResult {
  readonly location: string;
  readonly format:
    | 'records'
    | 'array'
    | 'jsonl'
    | 'eventbridge'
    | 'lookup-events'
    | 'single'
    | 'cloudwatch-logs'
    | 'concatenated'
    | 'digest'
    | 'foreign'
    | 'empty'
    | 'unknown';
  readonly records: DecodedRecord[];
  readonly issues: InputIssue[];
  /** Uncompressed bytes decoded. */
  readonly bytes: number;
  /** Why the whole chunk was skipped, e.g. 'CloudTrail digest file' (a note-level issue too). */
  readonly skipped?: string;
  /**
   * Set when the byte prefilter chose the records: `records` then holds only those that matter, and this tells what
   * the others held (how many, their time span) without their having been parsed.
   */
  readonly prefiltered?: PrefilterSummary;
  /** Records the prefilter left unparsed (see `DecodeOptions.deferredNames`), in file order; absent when none. */
  readonly deferred?: DeferredRecords;
}

/** Records handed over as text, unparsed: each one's JSON (no line break in it), index, `eventID` and time. */
export interface DeferredRecords {
  readonly texts: string[];
  readonly indexes: number[];
  readonly ids: string[];
  readonly times: number[];
}

export interface PrefilterSummary {
  /** Records in the chunk, parsed or not. */
  readonly count: number;
  /** Their callers, as `principalHash` values. */
  readonly principals: ReadonlySet<number>;
  readonly firstMs: number | null;
  readonly lastMs: number | null;
}

export interface DecodeOptions {
  /** Parse only the records whose event name or source is one of these (lower-cased); absent: parse everything. */
  readonly prefilter?: ByteNeedles;
  /** With the prefilter: records outside this time window are passed over (not counted, never parsed). */
  readonly window?: TimeWindow;
  /** The input's shape, as the user named it (`--input-format`); absent: detected from the bytes. */
  readonly inputFormat?: InputFormat;
  /** With the prefilter: names whose records may be handed over unparsed (`DecodeResult.deferred`). */
  readonly deferredNames?: ReadonlySet<string>;
}

/** The most bytes one chunk may decompress to: about the longest string V8 can hold. */
export const MAX_DECODED_BYTES = 512 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Loose = new TextDecoder('utf-8');

const DIGEST_NOTE = 'CloudTrail digest file';

/** How much of a file the byte prefilter reads to tell JSON Lines from one document. */
const JSONL_SNIFF_BYTES = 64 * 1024;

export function decodeChunk(chunk: Chunk, options: DecodeOptions = {}): DecodeResult {
  try {
    return decode(chunk, options);
  } catch (error) {
    // Nothing should get here; if it does the chunk is reported, never thrown out of a worker.
    return {
      location: chunk.location,
      format: 'unknown',
      records: [],
      issues: [
        {
          level: 'error',
          code: 'decode-failed',
          location: chunk.location,
          message: `could not decode: ${echo(error instanceof Error ? `${error.name}: ${error.message}` : String(error))}`,
          hint: 'this is a bug in mfaguard; please report it with the file if you can share it',
        },
      ],
      bytes: 0,
    };
  }
}

function newSink(chunk: Chunk): Sink {
  return {
    location: chunk.location,
    lines: false,
    records: [],
    issues: [],
    suppressed: 0,
    firstSuppressed: 0,
    lastSuppressed: 0,
  };
}

function result(
  sink: Sink,
  format: DecodeResult['format'],
  bytes: number,
  skipped?: string,
  prefiltered?: PrefilterSummary,
  deferred?: DeferredRecords,
): DecodeResult {
  finishSink(sink);
  return {
    location: sink.location,
    format,
    records: sink.records,
    issues: sink.issues,
    bytes,
    ...(skipped === undefined ? {} : { skipped }),
    ...(prefiltered === undefined ? {} : { prefiltered }),
    ...(deferred === undefined || deferred.texts.length === 0 ? {} : { deferred }),
  };
}

function digestSkipped(sink: Sink, bytes: number): DecodeResult {
  sink.issues.push(
    makeIssue(sink, {
      level: 'note',
      code: 'digest-skipped',
      message: 'CloudTrail digest file (integrity hashes, no events): skipped',
    }),
  );
  return result(sink, 'digest', bytes, DIGEST_NOTE);
}

function decode(chunk: Chunk, options: DecodeOptions): DecodeResult {
  const sink = newSink(chunk);
  if (isDigestLocation(chunk.location)) return digestSkipped(sink, 0);

  const data = chunk.data;
  const gzipped =
    chunk.compression === 'gzip' ||
    (chunk.compression === 'auto' && data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b);
  let bytes: Uint8Array = data;
  if (gzipped) {
    const unzipped = gunzip(data);
    if (unzipped.kind === 'failed') {
      sink.issues.push(makeIssue(sink, unzipped.issue));
      return result(sink, 'unknown', 0);
    }
    if (unzipped.kind === 'truncated') return salvageTruncated(sink, chunk, unzipped.partial);
    bytes = unzipped.data;
  }

  const forced = options.inputFormat;
  // The prefilter reads delivery files and JSON Lines: with another shape named, every record is parsed.
  if (
    options.prefilter !== undefined &&
    (forced === undefined || forced === 'records' || forced === 'jsonl')
  ) {
    const read: Chunk = forced === 'jsonl' ? { ...chunk, format: 'jsonl' } : chunk;
    const chosen = decodePrefiltered(read, bytes, options.prefilter, options);
    if (chosen !== null && (forced === undefined || chosen.format === forced)) return chosen;
  }

  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return decodeInvalidUtf8(sink, forced === 'jsonl' ? { ...chunk, format: 'jsonl' } : chunk, bytes);
  }

  if (chunk.format === 'jsonl') {
    decodeLines(sink, text, chunk.baseIndex);
    return result(sink, 'jsonl', bytes.length);
  }

  const start = firstNonSpace(text, 0);
  if (start === -1) {
    sink.issues.push(
      makeIssue(sink, {
        level: 'warning',
        code: 'empty',
        message: bytes.length === 0 ? 'empty file: no records' : 'file holds only whitespace: no records',
        hint: 'an interrupted download or copy leaves empty files; fetch it again if records were expected',
      }),
    );
    return result(sink, 'empty', bytes.length);
  }

  if (forced !== undefined) {
    if (INPUT_DECODERS[forced].decode(sink, text, chunk.baseIndex)) return result(sink, forced, bytes.length);
    notInFormat(sink, forced);
    return result(sink, 'unknown', bytes.length);
  }

  const firstBreak = text.indexOf('\n', start);
  const multiLine = firstBreak !== -1 && firstNonSpace(text, firstBreak + 1) !== -1;
  // A first line that is a whole object followed by more content can only be JSON Lines, and checking costs
  // one record's parse; a compact single-line delivery file never takes this branch, so it is parsed once.
  if (multiLine && text.charCodeAt(start) === 0x7b && parsesAsObject(text.slice(start, firstBreak))) {
    decodeLines(sink, text, chunk.baseIndex);
    return result(sink, 'jsonl', bytes.length);
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (isMoreAfterJson(error) && decodeConcatenated(sink, text))
      return result(sink, 'concatenated', bytes.length);
    if (multiLine && text.charCodeAt(start) !== 0x5b && laterLineIsObject(text, firstBreak + 1)) {
      // JSON Lines whose first line is broken: report that line, keep the rest.
      decodeLines(sink, text, chunk.baseIndex);
      return result(sink, 'jsonl', bytes.length);
    }
    const place = describeJsonError(error, text);
    sink.issues.push(
      makeIssue(sink, {
        code: 'not-json',
        message: `expected JSON, found ${place.reason}${place.line === undefined ? '' : ` at line ${place.line} column ${place.column}`}, near "${place.near}"`,
        hint: 'check that this is a CloudTrail log file and that it was copied completely',
      }),
    );
    return result(sink, 'unknown', bytes.length);
  }
  const format: DocumentFormat = acceptDocument(sink, value);
  if (format === 'digest') return digestSkipped(sink, bytes.length);
  if (format === 'foreign') return result(sink, format, bytes.length, 'not CloudTrail');
  return result(sink, format, bytes.length);
}

/**
 * The records that matter, found by the byte prefilter and parsed one by one; null when the file must be parsed whole
 * (a shape the prefilter does not read, a record off CloudTrail's layout, a cut that does not parse).
 */
function decodePrefiltered(
  chunk: Chunk,
  data: Uint8Array,
  needles: ByteNeedles,
  options: DecodeOptions,
): DecodeResult | null {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Only the first 64 KiB are judged, so only they are searched for a line break: a compact delivery file has none,
  // and searching it whole for one cost a pass over every byte.
  const head = bytes.subarray(0, JSONL_SNIFF_BYTES);
  const jsonl =
    chunk.format === 'jsonl' || (head.indexOf(0x0a) !== -1 && looksLikeJsonLines(utf8Loose.decode(head)));
  const scan = scanForNeedles(bytes, needles, {
    jsonl,
    baseIndex: chunk.baseIndex,
    ...(options.window === undefined ? {} : { window: options.window }),
    ...(options.deferredNames === undefined ? {} : { deferredNames: options.deferredNames }),
  });
  if (!scan.ok) return null;
  const sink = newSink(chunk);
  const deferred: DeferredRecords = { texts: [], indexes: [], ids: [], times: [] };
  for (const hit of scan.hits) {
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(hit.start, hit.end));
    } catch {
      return null;
    }
    if (hit.deferred !== undefined) {
      deferred.texts.push(text);
      deferred.indexes.push(hit.index);
      deferred.ids.push(hit.deferred.id);
      deferred.times.push(hit.deferred.timeMs);
      continue;
    }
    if (scan.shape === 'jsonl') {
      sink.lines = true;
      acceptLine(sink, text, hit.index);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return null;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    sink.records.push({ record: value, index: hit.index });
  }
  const summary = {
    count: scan.count,
    principals: scan.principals,
    firstMs: scan.firstMs,
    lastMs: scan.lastMs,
  };
  return result(sink, scan.shape, bytes.length, undefined, summary, deferred);
}

type Gunzipped =
  | { kind: 'ok'; data: Uint8Array }
  | { kind: 'truncated'; partial: Uint8Array }
  | { kind: 'failed'; issue: { code: string; message: string; hint: string } };

function gunzip(data: Uint8Array): Gunzipped {
  try {
    return {
      kind: 'ok',
      data: gunzipSync(data, { maxOutputLength: MAX_DECODED_BYTES, chunkSize: outputChunkSize(data) }),
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      return {
        kind: 'failed',
        issue: {
          code: 'too-large',
          message: `decompresses to more than ${MAX_DECODED_BYTES / 1024 / 1024} MiB, more than one JSON document can hold`,
          hint: 'convert it to JSON Lines (one record per line): JSON Lines inputs of any size are streamed',
        },
      };
    }
    if (/unexpected end of file/i.test(message)) {
      let partial: Uint8Array;
      try {
        // Z_SYNC_FLUSH returns what inflated cleanly instead of failing on the missing end.
        partial = gunzipSync(data, {
          finishFlush: constants.Z_SYNC_FLUSH,
          maxOutputLength: MAX_DECODED_BYTES,
        });
      } catch {
        partial = new Uint8Array(0);
      }
      return { kind: 'truncated', partial };
    }
    const header = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
    return {
      kind: 'failed',
      issue: {
        code: 'gzip-corrupt',
        message: header
          ? `gzip data is corrupt (${echo(message, 60)})`
          : `expected gzip data (starting 1f 8b), found bytes ${hexStart(data)}`,
        hint: 'fetch the file again; if it is not compressed, give it a name that does not end in .gz',
      },
    };
  }
}

// zlib's default 16 KiB output chunks make a 200 KiB delivery file inflate into a dozen buffers and then copy them
// into one: a third of the inflate time. The gzip trailer's ISIZE (the input's size modulo 2^32, of the last member
// only) sizes one buffer for the usual single-member file. Only a hint: a wrong one costs a copy, never a wrong result.
const MIN_OUTPUT_CHUNK = 64 * 1024;
const MAX_OUTPUT_CHUNK = 64 * 1024 * 1024;

export function outputChunkSize(data: Uint8Array): number {
  if (data.length < 18) return MIN_OUTPUT_CHUNK;
  const at = data.length - 4;
  const isize =
    ((data[at] ?? 0) |
      ((data[at + 1] ?? 0) << 8) |
      ((data[at + 2] ?? 0) << 16) |
      ((data[at + 3] ?? 0) << 24)) >>>
    0;
  // One byte more than the output, so zlib sees room left and stops without asking for another buffer.
  return Math.min(MAX_OUTPUT_CHUNK, Math.max(MIN_OUTPUT_CHUNK, isize + 1));
}

function hexStart(data: Uint8Array): string {
  if (data.length === 0) return '(none: empty)';
  return Array.from(data.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * A truncated gzip inflates cleanly up to the cut. Only JSON Lines can be salvaged from that (whole lines
 * before the last line break); a single JSON document cut short is reported and nothing is kept.
 */
function salvageTruncated(sink: Sink, chunk: Chunk, partial: Uint8Array): DecodeResult {
  const lastBreak = partial.lastIndexOf(0x0a);
  let format: DecodeResult['format'] = 'unknown';
  let kept = 0;
  let lines = 0;
  if (lastBreak !== -1) {
    const whole = partial.subarray(0, lastBreak + 1);
    let text: string | undefined;
    try {
      text = utf8.decode(whole);
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      const document = chunk.format === 'jsonl' ? undefined : parseDocument(text);
      if (document !== undefined) {
        // Only the gzip trailer was missing: the document itself is complete.
        format = acceptDocument(sink, document.value);
        kept = sink.records.length;
        lines = countLines(text);
      } else if (chunk.format === 'jsonl' || looksLikeJsonLines(text)) {
        decodeLines(sink, text, chunk.baseIndex);
        format = 'jsonl';
        kept = sink.records.length;
        lines = countLines(text);
      }
    }
  }
  sink.issues.push(
    makeIssue(sink, {
      code: 'gzip-truncated',
      message:
        kept > 0
          ? `gzip data ends early: kept ${kept} records from the first ${lines} lines that decompressed cleanly; the rest is lost`
          : `gzip data ends early after ${partial.length} decompressed bytes: nothing could be read`,
      hint: 'the file was cut short (interrupted download or copy); fetch it again',
    }),
  );
  return result(sink, kept > 0 ? format : 'unknown', partial.length);
}

/** Bytes that are not UTF-8: JSON Lines lose only the bad lines; a whole document is reported. */
function decodeInvalidUtf8(sink: Sink, chunk: Chunk, bytes: Uint8Array): DecodeResult {
  const loose = utf8Loose.decode(bytes);
  if (chunk.format === 'jsonl' || looksLikeJsonLines(loose)) {
    decodeByteLines(sink, bytes, chunk.baseIndex);
    return result(sink, 'jsonl', bytes.length);
  }
  const bad = loose.indexOf('\ufffd');
  const line = bad === -1 ? undefined : countLines(loose.slice(0, bad)) + 1;
  sink.issues.push(
    makeIssue(sink, {
      code: 'not-utf8',
      message: `expected UTF-8 text, found invalid bytes${line === undefined ? '' : ` on line ${line}`}`,
      hint: 'CloudTrail writes UTF-8; this file was damaged or is not a CloudTrail log',
    }),
  );
  return result(sink, 'unknown', bytes.length);
}

function decodeByteLines(sink: Sink, bytes: Uint8Array, baseIndex: number): void {
  sink.lines = true;
  let pos = 0;
  let lineNo = 0;
  // A BOM only ever starts the first line.
  if (baseIndex === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) pos = 3;
  while (pos < bytes.length) {
    let stop = bytes.indexOf(0x0a, pos);
    if (stop === -1) stop = bytes.length;
    if (stop > pos) {
      const index = baseIndex + lineNo;
      let line: string | undefined;
      try {
        line = utf8.decode(bytes.subarray(pos, stop));
      } catch {
        recordIssue(sink, {
          code: 'not-utf8',
          index,
          message: 'expected UTF-8 text, found invalid bytes on this line',
          hint: 'the line was skipped; the others were kept',
        });
      }
      if (line !== undefined) acceptLine(sink, line, index);
    }
    pos = stop + 1;
    lineNo += 1;
  }
}

/**
 * True when text (or its first part) reads as JSON Lines: more than one line, the first non-blank one starts with
 * `{`, and it or one of the next few lines is a whole JSON object on its own. A pretty-printed document never passes.
 */
export function looksLikeJsonLines(text: string): boolean {
  const start = firstNonSpace(text, 0);
  if (start === -1 || text.charCodeAt(start) !== 0x7b) return false;
  const firstBreak = text.indexOf('\n', start);
  // One line alone is a document, whatever it holds.
  if (firstBreak === -1 || firstNonSpace(text, firstBreak + 1) === -1) return false;
  return parsesAsObject(text.slice(start, firstBreak)) || laterLineIsObject(text, firstBreak + 1);
}

function parseDocument(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function parsesAsObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** True when one of the next few non-blank lines, flush left, is a whole JSON object. */
function laterLineIsObject(text: string, from: number): boolean {
  let pos = from;
  for (let seen = 0; seen < 5 && pos < text.length;) {
    let stop = text.indexOf('\n', pos);
    if (stop === -1) stop = text.length;
    if (text.charCodeAt(pos) === 0x7b) {
      if (parsesAsObject(text.slice(pos, stop))) return true;
      seen += 1;
    } else if (firstNonSpace(text.slice(pos, stop), 0) !== -1) {
      seen += 1;
    }
    pos = stop + 1;
  }
  return false;
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}
