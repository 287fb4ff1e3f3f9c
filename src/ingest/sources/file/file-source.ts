// Lists and reads CloudTrail from the local file system: one file, a folder walked recursively, a pipe, or stdin.

import type { Dirent } from 'node:fs';
import { readFileSync, statSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { InputIssue } from '../../../model/index.ts';
import { echo, isDigestLocation } from '../../decode/index.ts';
import type { Chunk } from '../../decode/index.ts';
import type { InputEntry, Listed, LocalFile } from '../entry.ts';

/** The file-system calls the file source makes, so tests can make one fail the way a real disk does. */
export interface FileSystem {
  stat(path: string): Promise<FileStat>;
  readdir(path: string): Promise<DirEntry[]>;
  readFile(path: string, signal?: AbortSignal): Promise<Uint8Array>;
  openStream(path: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

export interface FileStat {
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
}

export type DirEntry = Pick<Dirent, 'name' | 'isFile' | 'isDirectory' | 'isSymbolicLink'>;

export const nodeFileSystem: FileSystem = {
  // Synchronous inside: a walk stats every file one after the other anyway, and an asynchronous stat's trip through
  // the thread pool cost more than the stat itself: listing 8,065 files took 0.35 CPU-s instead of 0.55-1.1.
  // A throw in the executor becomes a rejection, as from fs.promises.
  stat: (path) => new Promise((resolve) => resolve(statSync(path))),
  readdir: (path) => readdir(path, { withFileTypes: true }),
  readFile: (path, signal) => readFile(path, signal === undefined ? {} : { signal }),
  async openStream(path, signal) {
    // Opening first makes a missing or forbidden file fail here, as an issue, not mid-stream.
    const handle = await open(path, 'r');
    return handle.createReadStream({
      highWaterMark: 1024 * 1024,
      ...(signal === undefined ? {} : { signal }),
    });
  },
};

/** Names a folder walk reads; a file named explicitly is read whatever its name. */
const TAKEN_SUFFIXES = ['.json', '.json.gz', '.jsonl', '.jsonl.gz', '.ndjson', '.gz', '.log'];

export function isTakenFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return TAKEN_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** Lists one path spec: a file, a pipe, or a folder walked recursively in sorted order. */
export async function* listPath(path: string, fs: FileSystem = nodeFileSystem): AsyncGenerator<Listed> {
  let info: FileStat;
  try {
    info = await fs.stat(path);
  } catch (error) {
    yield { kind: 'issue', issue: fileIssue(path, error) };
    return;
  }
  if (info.isDirectory()) {
    let found = 0;
    for await (const item of walk(path, info, fs, new Set<string>())) {
      if (item.kind === 'entry') found += 1;
      yield item;
    }
    if (found === 0) {
      yield {
        kind: 'issue',
        issue: {
          level: 'warning',
          code: 'no-input-files',
          location: path,
          message: `no CloudTrail files in this folder (looked for ${TAKEN_SUFFIXES.join(', ')}; hidden files are skipped)`,
          hint: 'point at the folder that holds the AWSLogs/ tree, or name the files directly',
        },
      };
    }
    return;
  }
  if (isDigestLocation(path)) {
    yield { kind: 'issue', issue: digestNote(path) };
    return;
  }
  if (info.isFile()) {
    yield { kind: 'entry', entry: fileEntry(path, info.size, fs) };
    return;
  }
  if (info.isFIFO() || info.isCharacterDevice()) {
    // A pipe such as `<(zcat logs.gz)`: no size, so it is always streamed.
    yield { kind: 'entry', entry: fileEntry(path, undefined, fs) };
    return;
  }
  yield {
    kind: 'issue',
    issue: {
      level: 'error',
      code: 'not-a-file',
      location: path,
      message: 'expected a file or a folder, found something else (a socket or device)',
      hint: 'name CloudTrail files or folders',
    },
  };
}

async function* walk(
  dir: string,
  info: FileStat,
  fs: FileSystem,
  visited: Set<string>,
): AsyncGenerator<Listed> {
  // Device and inode identify a folder however it was reached, so a symlink loop is entered once, not forever.
  const id = `${info.dev}:${info.ino}`;
  if (visited.has(id)) {
    yield {
      kind: 'issue',
      issue: {
        level: 'note',
        code: 'folder-seen',
        location: dir,
        message: 'folder already read through another path (a symbolic link loop or duplicate link): skipped',
      },
    };
    return;
  }
  visited.add(id);
  let entries: DirEntry[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    yield { kind: 'issue', issue: fileIssue(dir, error) };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const link = entry.isSymbolicLink();
    // Sockets and devices inside a folder are never logs; other files are filtered by name before any stat.
    if (!link && !entry.isDirectory() && !entry.isFile()) continue;
    if (entry.isFile() && !isTakenFileName(entry.name)) continue;
    const path = join(dir, entry.name);
    let child: FileStat;
    try {
      child = await fs.stat(path);
    } catch (error) {
      const issue = fileIssue(path, error);
      // A dangling link whose name is not a log name was probably never meant for us.
      yield {
        kind: 'issue',
        issue: link && !isTakenFileName(entry.name) ? { ...issue, level: 'warning' } : issue,
      };
      continue;
    }
    if (child.isDirectory()) {
      if (entry.name === 'CloudTrail-Digest') yield { kind: 'issue', issue: digestNote(path) };
      else yield* walk(path, child, fs, visited);
    } else if (child.isFile() && isTakenFileName(entry.name)) {
      if (isDigestLocation(path)) yield { kind: 'issue', issue: digestNote(path) };
      else yield { kind: 'entry', entry: fileEntry(path, child.size, fs) };
    }
  }
}

function fileEntry(path: string, size: number | undefined, fs: FileSystem): InputEntry {
  return {
    location: path,
    size,
    // A test's injected file system must see every read, so only node:fs reads may move to another thread.
    ...(fs === nodeFileSystem && size !== undefined ? { localPath: path } : {}),
    readWhole: (signal) => fs.readFile(path, signal),
    openStream: (signal) => fs.openStream(path, signal),
    describeError: (error) => fileIssue(path, error),
  };
}

/**
 * Reads a deferred local file whole, synchronously: it runs in a scan's worker threads, where a blocking read costs
 * nothing and saves the main thread the four asynchronous steps (open, stat, read, close) of `fs.promises.readFile`,
 * which at thousands of small delivery files a second were what kept it busy.
 */
export function readLocalChunk(file: LocalFile): { chunk: Chunk } | { issue: InputIssue } {
  try {
    const data = readFileSync(file.path);
    return {
      chunk: {
        location: file.location,
        baseIndex: 0,
        // readFileSync gives a buffer of its own, so it stays transferable.
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        compression: 'auto',
      },
    };
  } catch (error) {
    return { issue: fileIssue(file.path, error) };
  }
}

/** Standard input, read as a stream (it may be gzip). */
export function stdinEntry(stdin: Readable): InputEntry {
  return {
    location: 'stdin',
    size: undefined,
    readWhole: () => Promise.reject(new Error('stdin is only streamed')),
    openStream: () => Promise.resolve(stdin),
    describeError: (error) => ({
      level: 'error',
      code: 'read-failed',
      location: 'stdin',
      message: `reading standard input failed: ${echo(error instanceof Error ? error.message : String(error))}`,
    }),
  };
}

function digestNote(path: string): InputIssue {
  return {
    level: 'note',
    code: 'digest-skipped',
    location: path,
    message: 'CloudTrail digest files (integrity hashes, no events): skipped',
  };
}

/** A file-system failure as an issue: what happened in words, never Node's message with the raw path in it. */
export function fileIssue(path: string, error: unknown): InputIssue {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return {
      level: 'error',
      code: 'not-found',
      location: path,
      message: 'no such file or folder (or a symbolic link to nothing)',
      hint: 'check the path; a shell glob that matched nothing is passed through as is',
    };
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      level: 'error',
      code: 'unreadable',
      location: path,
      message: 'permission denied',
      hint: 'grant read permission to the user running mfaguard (and execute permission on its folders)',
    };
  }
  if (code === 'ELOOP') {
    return {
      level: 'error',
      code: 'symlink-loop',
      location: path,
      message: 'too many levels of symbolic links',
      hint: 'fix the symbolic link',
    };
  }
  const detail = error instanceof Error ? error.message.replaceAll(path, '…') : String(error);
  return {
    level: 'error',
    code: 'read-failed',
    location: path,
    message: `could not read: ${echo(detail)}`,
    hint: 'check the disk and the path, then run again',
  };
}
