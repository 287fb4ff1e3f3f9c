// Cuts a byte stream (a big file, stdin, an S3 body) into chunks: JSON Lines at line breaks, anything else whole.

import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { InputIssue } from '../../model/index.ts';
import { looksLikeJsonLines } from './chunk.ts';
import type { Chunk } from './chunk.ts';
import { echo } from './text.ts';

/** Default size of a JSON Lines chunk: big enough to amortise a worker hand-off, small enough to keep memory flat. */
export const DEFAULT_MAX_CHUNK_BYTES = 16 * 1024 * 1024;

export type SplitItem = { kind: 'chunk'; chunk: Chunk } | { kind: 'issue'; issue: InputIssue };

export interface SplitOptions {
  /** File path, `s3://bucket/key` or `stdin`, for chunks and issues. */
  readonly location: string;
  /** JSON Lines are cut into chunks of about this many (uncompressed) bytes. */
  readonly maxChunkBytes?: number;
}

// Enough of the start of a stream to tell JSON Lines from one document.
const SNIFF_BYTES = 64 * 1024;
const looseUtf8 = new TextDecoder('utf-8');

/**
 * Reads `source` (gzip or not, sniffed from its first bytes) and yields chunks. JSON Lines are cut at line
 * breaks into chunks of ≈maxChunkBytes with the right baseIndex, so memory stays flat whatever the size; any
 * other input is one JSON document and is gathered whole (a single document must fit in memory; CloudTrail
 * files are at most a few hundred MB). Read errors and truncated gzip end the stream with an issue, after the
 * complete lines read so far.
 */
export async function* splitStream(
  source: AsyncIterable<Uint8Array>,
  options: SplitOptions,
): AsyncGenerator<SplitItem, void, undefined> {
  const location = options.location;
  const opened = await openPlain(source);
  if ('error' in opened) {
    yield { kind: 'issue', issue: streamIssue(location, opened.error, 0, false) };
    return;
  }
  const cutter = new LineCutter(location, Math.max(1, options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES));
  try {
    for await (const piece of opened.plain) yield* cutter.add(piece);
  } catch (error) {
    yield* cutter.salvage(streamIssue(location, error, cutter.total, opened.gzipped));
    return;
  }
  yield* cutter.finish();
}

/** The stream's bytes, gunzipped when its first two bytes say gzip; or the error that ended it before them. */
async function openPlain(
  source: AsyncIterable<Uint8Array>,
): Promise<{ plain: AsyncIterable<Uint8Array>; gzipped: boolean } | { error: unknown }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  let ended = false;
  try {
    while (headLength < 2) {
      const next = await iterator.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      head.push(next.value);
      headLength += next.value.length;
    }
  } catch (error) {
    return { error };
  }
  const gzipped = head.length > 0 && firstBytesAreGzip(head);
  const raw = resume(head, iterator, ended);
  return { plain: gzipped ? gunzipStream(raw) : raw, gzipped };
}

/**
 * Gathers a stream's pieces; once it reads as JSON Lines, cuts chunks of at most `maxChunkBytes` at line breaks,
 * counting lines for each chunk's baseIndex. Anything else is gathered whole for the decoder.
 */
class LineCutter {
  private pieces: Uint8Array[] = [];
  private pending = 0;
  private mode: 'undecided' | 'jsonl' | 'whole' = 'undecided';
  private waitingForBreak = false;
  private baseIndex = 0;
  /** Bytes seen, for the issue when the stream fails. */
  total = 0;

  constructor(
    private readonly location: string,
    private readonly maxChunkBytes: number,
  ) {}

  *add(piece: Uint8Array): Generator<SplitItem, void, undefined> {
    this.pieces.push(piece);
    this.pending += piece.length;
    this.total += piece.length;
    if (this.mode === 'whole' || this.pending < this.maxChunkBytes) return;
    // A line longer than a chunk: only a new piece with a line break can change anything.
    if (this.waitingForBreak && piece.indexOf(0x0a) === -1) return;
    const buffer = concat(this.pieces, this.pending);
    if (this.mode === 'undecided') this.mode = sniffJsonLines(buffer) ? 'jsonl' : 'whole';
    if (this.mode === 'whole') {
      this.pieces = [buffer];
      return;
    }
    // Cut as many chunks of at most maxChunkBytes as the buffer holds, each ending at a line break.
    let offset = 0;
    while (buffer.length - offset >= this.maxChunkBytes) {
      let cut = buffer.lastIndexOf(0x0a, offset + this.maxChunkBytes - 1);
      if (cut < offset) cut = buffer.indexOf(0x0a, offset + this.maxChunkBytes);
      if (cut === -1) break;
      yield this.lines(buffer.subarray(offset, cut + 1));
      offset = cut + 1;
    }
    const rest = offset === 0 ? buffer : buffer.subarray(offset);
    this.waitingForBreak = rest.length >= this.maxChunkBytes;
    this.pieces = rest.length > 0 ? [rest] : [];
    this.pending = rest.length;
  }

  /** The stream ended: the rest of the JSON Lines, or the whole document (the decoder tells its format). */
  *finish(): Generator<SplitItem, void, undefined> {
    const data = concat(this.pieces, this.pending);
    if (this.mode !== 'jsonl') {
      yield {
        kind: 'chunk',
        chunk: { location: this.location, baseIndex: 0, data: owned(data), compression: 'none' },
      };
      return;
    }
    if (data.length > 0) yield this.lines(data);
  }

  /** The stream failed: JSON Lines keep their complete lines, then the issue says what was kept. */
  *salvage(issue: InputIssue): Generator<SplitItem, void, undefined> {
    const buffer = concat(this.pieces, this.pending);
    if (this.mode === 'undecided' && buffer.length > 0)
      this.mode = sniffJsonLines(buffer) ? 'jsonl' : 'whole';
    if (this.mode === 'jsonl') {
      const cut = buffer.lastIndexOf(0x0a);
      if (cut !== -1) yield this.lines(buffer.subarray(0, cut + 1));
    }
    const salvaged = this.mode === 'jsonl' && this.baseIndex > 0;
    yield {
      kind: 'issue',
      issue: {
        ...issue,
        message: salvaged
          ? `${issue.message}; the ${this.baseIndex} complete lines before it were kept, the rest is lost`
          : `${issue.message}; nothing from this input could be used`,
      },
    };
  }

  /** A JSON Lines chunk of `data` (whole lines), advancing the line count. */
  private lines(data: Uint8Array): SplitItem {
    const item: SplitItem = {
      kind: 'chunk',
      chunk: {
        location: this.location,
        baseIndex: this.baseIndex,
        data: owned(data),
        compression: 'none',
        format: 'jsonl',
      },
    };
    this.baseIndex += countBreaks(data);
    return item;
  }
}

/**
 * A chunk's bytes own their whole ArrayBuffer, so a worker pool can transfer them instead of copying, and
 * transferring never detaches bytes this splitter still holds (the rest of a line, the next chunk).
 */
export function owned(view: Uint8Array): Uint8Array {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view;
  // Not view.slice(): on a Buffer that shares memory instead of copying.
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy;
}

function firstBytesAreGzip(head: Uint8Array[]): boolean {
  const bytes = concat(
    head,
    head.reduce((n, b) => n + b.length, 0),
  );
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function* resume(
  head: Uint8Array[],
  iterator: AsyncIterator<Uint8Array>,
  ended: boolean,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    // Stopping early must release the underlying stream (file handle, socket).
    if (!ended) await iterator.return?.();
  }
}

function gunzipStream(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const gunzip = createGunzip();
  // Errors on either side reach the consumer through gunzip's iterator; the callback only keeps them handled.
  pipeline(Readable.from(source), gunzip, () => undefined);
  return gunzip as AsyncIterable<Uint8Array>;
}

function sniffJsonLines(buffer: Uint8Array): boolean {
  return looksLikeJsonLines(looseUtf8.decode(buffer.subarray(0, SNIFF_BYTES)));
}

function concat(pieces: Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1 && pieces[0] !== undefined && pieces[0].length === length) return pieces[0];
  return Buffer.concat(pieces, length);
}

function countBreaks(data: Uint8Array): number {
  let count = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) count += 1;
  return count;
}

function streamIssue(location: string, error: unknown, bytesRead: number, gzipped: boolean): InputIssue {
  const message = error instanceof Error ? error.message : String(error);
  if (gzipped && /unexpected end of file/i.test(message)) {
    return {
      level: 'error',
      code: 'gzip-truncated',
      location,
      message: `gzip data ends early after ${bytesRead} decompressed bytes`,
      hint: 'the file was cut short (interrupted download or copy); fetch it again',
    };
  }
  if (gzipped && (error as NodeJS.ErrnoException).code?.startsWith('Z_') === true) {
    return {
      level: 'error',
      code: 'gzip-corrupt',
      location,
      message: `gzip data is corrupt after ${bytesRead} decompressed bytes (${echo(message, 60)})`,
      hint: 'fetch the file again',
    };
  }
  return {
    level: 'error',
    code: 'read-failed',
    location,
    message: `reading failed after ${bytesRead} bytes: ${echo(message)}`,
    hint: 'check the file system or network and run again',
  };
}
