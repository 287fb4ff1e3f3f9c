// What every batch source (folder, file, stdin, S3) lists: inputs that can be read whole or as a stream.

import type { InputIssue } from '../../model/index.ts';
import type { Chunk } from '../decode/index.ts';

/** What `readInputs` yields, in listing order. */
export type InputItem =
  /** Emitted once listing is done (for a progress bar): inputs to read and their bytes as stored (maybe gzip). */
  | { kind: 'discovered'; files: number; bytes: number }
  | { kind: 'chunk'; chunk: Chunk }
  /**
   * A local file whose reading was left to the consumer (`deferLocalReads`): a scan's worker threads read it
   * themselves with `readLocalChunk`, so the main thread never touches its bytes.
   */
  | { kind: 'file'; file: LocalFile }
  /** Unreadable file, missing path, access denied, S3 error, skipped digest... */
  | { kind: 'issue'; issue: InputIssue };

/** A local file to read whole (see `readLocalChunk`); plain data, so it can be posted to a worker thread. */
export interface LocalFile {
  readonly location: string;
  readonly path: string;
  /** Bytes as listed, for progress. */
  readonly size: number;
}

/** One input found by a source. */
export interface InputEntry {
  /** File path, `s3://bucket/key` or `stdin`. */
  readonly location: string;
  /** Bytes as stored, when known; inputs no bigger than the chunk size are read whole, the others streamed. */
  readonly size: number | undefined;
  readWhole(signal?: AbortSignal): Promise<Uint8Array>;
  openStream(signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** Set for a file on the local disk read through node:fs: it can be read by whoever `readLocalChunk`s it. */
  readonly localPath?: string;
  /** Turns a failure to read into an issue naming the location, what happened and what to do. */
  describeError(error: unknown): InputIssue;
}

export type Listed = { kind: 'entry'; entry: InputEntry } | { kind: 'issue'; issue: InputIssue };
