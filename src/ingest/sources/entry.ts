// What every batch source (folder, file, stdin, S3) lists: inputs that can be read whole or as a stream.

import type { InputIssue } from '../../model/index.ts';
import type { Chunk } from '../decode/index.ts';

/** What `readInputs` yields, in listing order. */
export type InputItem =
  /** Emitted once listing is done (for a progress bar): inputs to read and their bytes as stored (maybe gzip). */
  | { kind: 'discovered'; files: number; bytes: number }
  | { kind: 'chunk'; chunk: Chunk }
  /** Unreadable file, missing path, access denied, S3 error, skipped digest... */
  | { kind: 'issue'; issue: InputIssue };

/** One input found by a source. */
export interface InputEntry {
  /** File path, `s3://bucket/key` or `stdin`. */
  readonly location: string;
  /** Bytes as stored, when known; inputs no bigger than the chunk size are read whole, the others streamed. */
  readonly size: number | undefined;
  readWhole(signal?: AbortSignal): Promise<Uint8Array>;
  openStream(signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** Turns a failure to read into an issue naming the location, what happened and what to do. */
  describeError(error: unknown): InputIssue;
}

export type Listed = { kind: 'entry'; entry: InputEntry } | { kind: 'issue'; issue: InputIssue };
