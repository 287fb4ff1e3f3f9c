// SQLite failures by primary result code (extended codes included) and the checks at open: what is the outside
// world (503) and what is the caller's (409), and a clear message for unwritable files and read-only file systems.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { problemFor } from '../../api/problem.ts';
import { ConflictError, StoreError, StoreUnavailableError } from '../errors.ts';
import { openStore } from '../open-store.ts';
import { checkSqliteFiles } from './file-check.ts';
import { primarySqliteCode, translateSqliteError } from './sqlite-store.ts';

function sqliteError(code: string, message = 'driver message'): Error {
  return Object.assign(new Error(message), { code });
}

describe('SQLite errors by primary result code', () => {
  it('takes the primary code of an extended one', () => {
    assert.equal(primarySqliteCode('SQLITE_IOERR_WRITE'), 'SQLITE_IOERR');
    assert.equal(primarySqliteCode('SQLITE_READONLY_DBMOVED'), 'SQLITE_READONLY');
    assert.equal(primarySqliteCode('SQLITE_FULL'), 'SQLITE_FULL');
  });

  it('maps disk, I/O, read-only, open and lock failures (extended or not) to a 503 with Retry-After', () => {
    for (const code of [
      'SQLITE_FULL',
      'SQLITE_IOERR',
      'SQLITE_IOERR_WRITE',
      'SQLITE_IOERR_FSYNC',
      'SQLITE_IOERR_SHMSIZE',
      'SQLITE_READONLY',
      'SQLITE_READONLY_DBMOVED',
      'SQLITE_CANTOPEN',
      'SQLITE_CANTOPEN_ISDIR',
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_LOCKED_SHAREDCACHE',
      'SQLITE_CORRUPT_INDEX',
    ]) {
      const translated = translateSqliteError(sqliteError(code), 'sqlite:/x.db', 5000);
      assert.ok(translated instanceof StoreUnavailableError, `${code}: ${translated.name}`);
      const { status, reply } = problemFor(translated, '/ingest/eventbridge');
      assert.equal(status, 503, code);
      assert.equal(reply.headers['retry-after'], '5', code);
    }
  });

  it('maps constraint violations to conflicts (409), anything else of SQLite to a store error, other errors as they are', () => {
    const conflict = translateSqliteError(sqliteError('SQLITE_CONSTRAINT_UNIQUE'), 'sqlite:/x.db', 1);
    assert.ok(conflict instanceof ConflictError);
    assert.equal(problemFor(conflict, '/').status, 409);
    const other = translateSqliteError(sqliteError('SQLITE_ERROR'), 'sqlite:/x.db', 1);
    assert.ok(other instanceof StoreError && other.code === 'query-failed');
    const bug = new TypeError('not from SQLite');
    assert.equal(translateSqliteError(bug, 'sqlite:/x.db', 1), bug);
  });
});

describe('checks at open', () => {
  const denied = (code: string) => () => {
    throw Object.assign(new Error(code), { code });
  };

  it('refuses an unwritable -shm file, naming it and why it matters', () => {
    assert.throws(
      () =>
        checkSqliteFiles('/data/m.db', 'sqlite:/data/m.db', {
          exists: () => true,
          isFile: () => true,
          access: (path) => (path.endsWith('-shm') ? denied('EACCES')() : undefined),
        }),
      (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError);
        assert.match(error.message, /\/data\/m\.db-shm is not writable by this process/);
        assert.match(error.message, /shared-memory index/);
        return true;
      },
    );
  });

  it('says "read-only file system" for EROFS, not "not a usable SQLite database"', () => {
    assert.throws(
      () =>
        checkSqliteFiles('/ro/m.db', 'sqlite:/ro/m.db', {
          exists: () => true,
          isFile: () => true,
          access: denied('EROFS'),
        }),
      /the file system holding \/ro is read-only; mount it read-write/,
    );
  });

  it('on a real read-only mount, opening an existing store says so (root only: mounts a tmpfs)', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('needs root to mount a tmpfs');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-ro-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir]);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      t.skip(`cannot mount a tmpfs here: ${String(error)}`);
      return;
    }
    try {
      const url = `sqlite:${join(dir, 'm.db')}`;
      await (await openStore(url)).close();
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      await assert.rejects(openStore(url), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.match(error.message, /read-only/);
        assert.doesNotMatch(error.message, /not a usable SQLite database/);
        return true;
      });
    } finally {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
