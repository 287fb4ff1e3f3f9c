// Turns the inputs named on a command line (paths, folders, `-`, s3:// URLs) into one ordered, bounded stream of chunks.

import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { DEFAULT_MAX_CHUNK_BYTES, echo, owned, splitStream } from '../decode/index.ts';
import type { InputEntry, InputItem, Listed } from './entry.ts';
import { listPath, nodeFileSystem, stdinEntry } from './file/file-source.ts';
import type { FileSystem } from './file/file-source.ts';
import type { PrefixVerdict } from './s3/s3-source.ts';

export interface ReadInputsOptions {
  /** Read for the spec `-`; defaults to process.stdin. */
  readonly stdin?: Readable;
  /** Injected by tests; otherwise one is created from `profile` and `region` when an s3:// spec is given. */
  readonly s3Client?: S3Client;
  readonly profile?: string;
  readonly region?: string;
  /** Inputs read in parallel, and so the most inputs held in memory at once (default 8). */
  readonly concurrency?: number;
  /** JSON Lines inputs are cut into chunks of about this many bytes (default 16 MiB); smaller inputs are read whole. */
  readonly maxChunkBytes?: number;
  /** Stops listing and reading; the iterator then ends quietly. */
  readonly signal?: AbortSignal;
  /** Injected by tests to make file-system calls fail; defaults to node:fs. */
  readonly fileSystem?: FileSystem;
  /** Inputs for which this says false are not read (e.g. outside --since, by their S3 key); one note counts them. */
  readonly select?: (location: string) => boolean;
  /** S3 prefixes judged before they are listed (see `listS3`): a filter lists only the days, accounts, regions it keeps. */
  readonly narrowS3?: (prefix: string) => PrefixVerdict;
  /** Local files that would be read whole come out as `file` items, for the consumer to read (in a worker thread). */
  readonly deferLocalReads?: boolean;
}

export const DEFAULT_CONCURRENCY = 8;

// How many listed inputs may wait ahead of the readers: enough for listing to finish early on most archives (so
// the progress bar knows the total), bounded so a bucket of millions of keys does not fill memory with names.
const LIST_AHEAD = 100_000;

type Loaded = { readonly items: readonly InputItem[] } | { readonly stream: AsyncIterable<InputItem> };

/** What the listing has found so far; read by the reading loop for the `discovered` item. */
interface ListingState {
  files: number;
  bytes: number;
  done: boolean;
}

/**
 * Lists every spec and reads what it finds: at most `concurrency` inputs are read ahead of the consumer, and
 * items come out in listing order (specs in the order given, folders in sorted order). Small inputs become one
 * chunk each (decompressed later, in the decoder); bigger ones and stdin are streamed and JSON Lines split into
 * chunks. Nothing is thrown for bad input: every failure is an `issue` item.
 */
export async function* readInputs(
  specs: readonly string[],
  options: ReadInputsOptions = {},
): AsyncGenerator<InputItem, void, undefined> {
  const clients = new S3Clients(options);
  const queue = new ListQueue(LIST_AHEAD);
  const state: ListingState = { files: 0, bytes: 0, done: false };
  const listing = listAll(specs, options, clients, queue, state);
  const onAbort = (): void => queue.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield* readListed(queue, state, options);
    await listing;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    queue.cancel();
    // Reads still in flight settle on their own; they never reject (failures are issues).
    await listing.catch(() => undefined);
    clients.destroy();
  }
}

/** The S3 client, made on first use: the AWS SDK is loaded only when an s3:// input is given (half a second). */
class S3Clients {
  private own: S3Client | undefined;

  constructor(private readonly options: ReadInputsOptions) {}

  readonly get = async (): Promise<S3Client> => {
    if (this.options.s3Client !== undefined) return this.options.s3Client;
    const { createS3Client } = await import('./s3/s3-source.ts');
    this.own ??= createS3Client({
      ...(this.options.profile === undefined ? {} : { profile: this.options.profile }),
      ...(this.options.region === undefined ? {} : { region: this.options.region }),
    });
    return this.own;
  };

  destroy(): void {
    this.own?.destroy();
  }
}

/** Lists every spec into `queue` (waiting while it is full), counting what it finds in `state`; never rejects. */
async function listAll(
  specs: readonly string[],
  options: ReadInputsOptions,
  clients: S3Clients,
  queue: ListQueue,
  state: ListingState,
): Promise<void> {
  const fs = options.fileSystem ?? nodeFileSystem;
  let passedOver = 0;
  try {
    let stdinTaken = false;
    for (const spec of specs) {
      for await (const listed of listSpec(spec, clients.get, fs, options, stdinTaken)) {
        if (listed.kind === 'entry' && options.select?.(listed.entry.location) === false) {
          passedOver += 1;
          continue;
        }
        if (listed.kind === 'entry') {
          state.files += 1;
          state.bytes += listed.entry.size ?? 0;
        }
        if (!(await queue.push(listed))) return;
      }
      if (spec === '-') stdinTaken = true;
    }
    if (passedOver > 0) {
      await queue.push({
        kind: 'issue',
        issue: {
          level: 'note',
          code: 'filtered-out',
          location: specs.join(' '),
          message: `${passedOver} files outside the filter (by their path: account, region or date): not read`,
        },
      });
    }
    state.done = true;
  } catch (error) {
    // A bug while listing: say so as an issue rather than losing the inputs not yet listed without a word.
    await queue.push({
      kind: 'issue',
      issue: {
        level: 'error',
        code: 'list-failed',
        location: specs.join(' '),
        message: `listing stopped early: ${echo(error instanceof Error ? error.message : String(error))}`,
        hint: 'this is a bug in mfaguard; please report it',
      },
    });
  } finally {
    queue.end();
  }
}

/** Reads the listed inputs, `concurrency` ahead of the consumer, in listing order; says `discovered` once listed. */
async function* readListed(
  queue: ListQueue,
  state: ListingState,
  options: ReadInputsOptions,
): AsyncGenerator<InputItem, void, undefined> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const maxChunkBytes = Math.max(1, Math.floor(options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES));
  // A function, not a property read, so TypeScript does not assume it stays false across awaits.
  const aborted = (): boolean => options.signal?.aborted === true;
  const ahead: Promise<Loaded>[] = [];
  let discovered = false;
  let listExhausted = false;
  const discovery = (): InputItem[] => {
    if (!state.done || discovered) return [];
    discovered = true;
    return [{ kind: 'discovered', files: state.files, bytes: state.bytes }];
  };
  for (;;) {
    if (aborted()) return;
    // Keep `concurrency` reads going; wait on the listing only when there is nothing else to do.
    while (!listExhausted && ahead.length < concurrency) {
      const next = ahead.length === 0 ? await queue.pull() : queue.tryPull();
      if (next === undefined) {
        if (queue.finished) listExhausted = true;
        break;
      }
      if (next.kind === 'issue') ahead.push(Promise.resolve({ items: [next] }));
      else ahead.push(loadEntry(next.entry, maxChunkBytes, options));
    }
    yield* discovery();
    const head = ahead.shift();
    if (head === undefined) {
      if (listExhausted) break;
      continue;
    }
    const loaded = await head;
    if (aborted()) return;
    if ('items' in loaded) {
      yield* loaded.items;
      continue;
    }
    for await (const item of loaded.stream) {
      if (aborted()) return;
      yield* discovery();
      yield item;
    }
  }
  if (!aborted()) yield* discovery();
}

/** One input: a local file left to the consumer, small bytes read whole, or anything bigger streamed in chunks. */
async function loadEntry(
  entry: InputEntry,
  maxChunkBytes: number,
  options: ReadInputsOptions,
): Promise<Loaded> {
  if (entry.size === undefined || entry.size > maxChunkBytes)
    return { stream: streamEntry(entry, maxChunkBytes, options.signal) };
  if (options.deferLocalReads === true && entry.localPath !== undefined)
    return {
      items: [{ kind: 'file', file: { location: entry.location, path: entry.localPath, size: entry.size } }],
    };
  try {
    const data = owned(await entry.readWhole(options.signal));
    return {
      items: [
        { kind: 'chunk', chunk: { location: entry.location, baseIndex: 0, data, compression: 'auto' } },
      ],
    };
  } catch (error) {
    return { items: [{ kind: 'issue', issue: entry.describeError(error) }] };
  }
}

function listSpec(
  spec: string,
  s3: () => Promise<S3Client>,
  fs: FileSystem,
  options: ReadInputsOptions,
  stdinTaken: boolean,
): AsyncIterable<Listed> {
  const stdin = options.stdin;
  if (spec === '-') {
    if (stdinTaken) {
      return fromList([
        {
          kind: 'issue',
          issue: {
            level: 'warning',
            code: 'duplicate-input',
            location: 'stdin',
            message: '`-` (standard input) was given more than once; it is read once',
          },
        },
      ]);
    }
    return fromList([{ kind: 'entry', entry: stdinEntry(stdin ?? process.stdin) }]);
  }
  if (spec.startsWith('s3://')) return listS3Lazily(spec, s3, options.signal, options.narrowS3);
  return listPath(spec, fs);
}

async function* listS3Lazily(
  spec: string,
  s3: () => Promise<S3Client>,
  signal: AbortSignal | undefined,
  narrow: ((prefix: string) => PrefixVerdict) | undefined,
): AsyncGenerator<Listed> {
  const { listS3 } = await import('./s3/s3-source.ts');
  yield* listS3(spec, await s3(), signal, narrow);
}

async function* fromList(items: readonly Listed[]): AsyncGenerator<Listed> {
  await Promise.resolve();
  yield* items;
}

async function* streamEntry(
  entry: InputEntry,
  maxChunkBytes: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<InputItem, void, undefined> {
  let source: AsyncIterable<Uint8Array>;
  try {
    source = await entry.openStream(signal);
  } catch (error) {
    yield { kind: 'issue', issue: entry.describeError(error) };
    return;
  }
  yield* splitStream(source, { location: entry.location, maxChunkBytes });
}

/** A FIFO between the lister and the readers; `push` waits while it is full, so listing runs a bounded way ahead. */
class ListQueue {
  private readonly items: (Listed | undefined)[] = [];
  private head = 0;
  private ended = false;
  private cancelled = false;
  private wakePull: (() => void) | undefined;
  private wakePush: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  get finished(): boolean {
    return this.ended && this.head >= this.items.length;
  }

  async push(item: Listed): Promise<boolean> {
    while (!this.cancelled && this.items.length - this.head >= this.capacity) {
      await new Promise<void>((resolve) => (this.wakePush = resolve));
    }
    if (this.cancelled) return false;
    this.items.push(item);
    this.wake('pull');
    return true;
  }

  tryPull(): Listed | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.wake('push');
    return item;
  }

  async pull(): Promise<Listed | undefined> {
    while (!this.ended && !this.cancelled && this.head >= this.items.length) {
      await new Promise<void>((resolve) => (this.wakePull = resolve));
    }
    return this.tryPull();
  }

  end(): void {
    this.ended = true;
    this.wake('pull');
  }

  cancel(): void {
    this.cancelled = true;
    this.wake('push');
    this.wake('pull');
  }

  private wake(which: 'pull' | 'push'): void {
    const wake = which === 'pull' ? this.wakePull : this.wakePush;
    if (which === 'pull') this.wakePull = undefined;
    else this.wakePush = undefined;
    wake?.();
  }
}
