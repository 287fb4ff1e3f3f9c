// Refuses, at open, a SQLite file the process could not write: a clear error instead of failures (or a crash) later.
//
// Why a check and not another locking mode: SQLite maps `<db>-shm` (the WAL index) into memory. When that file cannot
// be written (wrong owner, read-only mount), SQLite falls back to a read-only mapping, and a file that then cannot back
// its pages ends the process with SIGBUS, which no JavaScript handler can catch or log. `locking_mode=EXCLUSIVE` would
// need no shared memory, but it locks every other process out of the database (the CLI reading while `serve` runs,
// several workers during a rolling restart). So the folder and the three files are checked before SQLite opens them.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../errors.ts';

export interface FileAccess {
  readonly access: (path: string, mode: number) => void;
  readonly exists: (path: string) => boolean;
  readonly isFile: (path: string) => boolean;
}

const REAL_FILES: FileAccess = {
  access: (path, mode) => accessSync(path, mode),
  exists: (path) => existsSync(path),
  isFile: (path) => statSync(path).isFile(),
};

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

const ROLE: Readonly<Record<string, string>> = {
  '': 'the database file',
  '-wal': 'the write-ahead log',
  '-shm': 'the shared-memory index (SQLite maps it into memory; unwritable, it can crash the process)',
};

/** Throws a StoreUnavailableError naming the file and the fix when the folder or a database file is not writable. */
export function checkSqliteFiles(path: string, url: string, files: FileAccess = REAL_FILES): void {
  const folder = dirname(path);
  if (!files.exists(folder)) {
    throw new StoreUnavailableError(url, `folder ${folder} does not exist; create it or choose another path`);
  }
  const refuse = (target: string, what: string, error: unknown): never => {
    const code = errorCode(error);
    const why =
      code === 'EROFS'
        ? `the file system holding ${target} is read-only; mount it read-write or choose a path on a writable one`
        : `${what} ${target} is not writable by this process (uid ${process.getuid?.() ?? '?'}, ${code || 'no access'}); fix its owner or permissions, or choose another path`;
    throw new StoreUnavailableError(url, why, { cause: error });
  };
  try {
    files.access(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    refuse(folder, 'the folder', error);
  }
  for (const suffix of ['', '-wal', '-shm']) {
    const file = `${path}${suffix}`;
    if (!files.exists(file)) continue;
    if (!files.isFile(file)) {
      throw new StoreUnavailableError(url, `${file} is not a regular file; remove it or choose another path`);
    }
    try {
      files.access(file, constants.R_OK | constants.W_OK);
    } catch (error) {
      refuse(file, ROLE[suffix] ?? 'the file', error);
    }
  }
}
