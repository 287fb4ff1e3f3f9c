// The SQLite store: one better-sqlite3 connection, WAL, serialised transactions (BEGIN IMMEDIATE).

import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { ConflictError, StoreError, StoreUnavailableError } from '../errors.ts';
import type { OpenStoreOptions, Store } from '../store.ts';
import type { Dialect, SqlConn, SqlDriver, SqlRow, SqlValue } from '../sql/driver.ts';
import { GroupCommitQueue } from '../sql/group-commit.ts';
import type { GroupSession, JobPriority } from '../sql/group-commit.ts';
import { SqlStore } from '../sql/sql-store.ts';
import { Checkpointer } from './checkpointer.ts';
import { checkSqliteFiles } from './file-check.ts';
import { SQLITE_MIGRATIONS } from '../sql/migrations.ts';

const SQLITE_DIALECT: Dialect = { name: 'sqlite', forUpdateSkipLocked: '' };

/** Runs async work one at a time: the connection is shared, and a transaction spans awaits. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Jobs per group commit: bounds how long the first job of a group waits for the others' work. */
const MAX_GROUP = 64;

/** A bound LIMIT, as the query builder writes it (`limit ?`), not yet turned into an expression. */
const BOUND_LIMIT = /\blimit \?(?! \+ 0)/gi;

/**
 * `limit ?` becomes `limit ? + 0`. SQLite (3.53 here) plans with a LIMIT bound to a parameter by its value, and so
 * marks the statement to be prepared again whenever that parameter is bound: every run of a cached statement with a
 * LIMIT was parsed and planned anew (a third of the time of the read every ingested event runs, in a profile of
 * `serve`). An expression is read when the statement runs, as before SQLite planned with it, and the cached statement
 * is reused as it is.
 */
export function limitReadAtRunTime(sql: string): string {
  return sql.replace(BOUND_LIMIT, (limit) => `${limit} + 0`);
}

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE_DIALECT;
  readonly #db: Database.Database;
  readonly #url: string;
  readonly #busyTimeoutMs: number;
  readonly #mutex = new Mutex();
  readonly #statements = new Map<string, Database.Statement>();
  readonly #conn: SqlConn;
  /** Group commit (see group-commit.ts): one writer, as SQLite has one. */
  readonly #writes: GroupCommitQueue<SqlConn>;
  /** Checkpoints the log off the event loop (serve); null: SQLite's automatic checkpoint, inside COMMIT. */
  #checkpointer: Checkpointer | null = null;

  constructor(db: Database.Database, url: string, busyTimeoutMs: number) {
    this.#db = db;
    this.#url = url;
    this.#busyTimeoutMs = busyTimeoutMs;
    // Waiting for another process's write lock is done asynchronously in #beginImmediate; SQLite's own busy handler
    // would wait synchronously and freeze the event loop. Set once: toggling it around every BEGIN cost two pragma
    // statements per transaction. In WAL mode nothing else here waits for a lock (readers never block).
    db.pragma('busy_timeout = 0');
    this.#conn = {
      query: <R extends SqlRow>(sql: string, params: readonly SqlValue[] = []) =>
        Promise.resolve(
          this.#run(() => {
            const statement = this.#prepare(sql);
            if (statement.reader) return statement.all(...params) as R[];
            statement.run(...params);
            return [];
          }),
        ),
      execute: (sql: string, params: readonly SqlValue[] = []) =>
        Promise.resolve(this.#run(() => this.#prepare(sql).run(...params).changes)),
    };
    this.#writes = new GroupCommitQueue<SqlConn>({
      maxGroup: MAX_GROUP,
      writers: 1,
      // The group holds the connection: reads queue behind it instead of seeing its uncommitted rows half way.
      session: () =>
        new Promise<GroupSession<SqlConn>>((resolveSession) => {
          void this.#mutex.run(
            () =>
              new Promise<void>((released) => {
                resolveSession(this.#session(released));
              }),
          );
        }),
    });
  }

  /** Runs `fn` in the next group commit (see group-commit.ts); background work yields to foreground work. */
  transaction<T>(fn: (conn: SqlConn) => Promise<T>, priority?: JobPriority): Promise<T> {
    return this.#writes.run(fn, priority);
  }

  /** One group's session on the one connection; `released` hands the connection back to reads. */
  #session(released: () => void): GroupSession<SqlConn> {
    return {
      conn: this.#conn,
      begin: () => this.#beginImmediate(),
      savepoint: () => this.#control('SAVEPOINT mfaguard_job'),
      release: () => this.#control('RELEASE mfaguard_job'),
      rollbackJob: () => Promise.resolve(this.#rollbackJob()),
      rollback: () => Promise.resolve(this.#rollback()),
      commit: async () => {
        await this.#control('COMMIT');
        this.#checkpointer?.wrote();
      },
      abort: () => {
        // A failed ROLLBACK (the disk went away too) must not hide the error that caused it; SQLite has rolled back
        // itself in that case (or will on the next open, from the journal).
        this.#rollback();
        return Promise.resolve();
      },
      done: () => released(),
    };
  }

  /**
   * A transaction-control statement, prepared once: `exec` parses its text on every call, and a group runs a
   * savepoint and a release per job.
   */
  #control(sql: string): Promise<void> {
    this.#run(() => this.#prepare(sql).run());
    return Promise.resolve();
  }

  /** Undoes the failed job's writes; false when the transaction itself is gone. */
  #rollbackJob(): boolean {
    try {
      if (!this.#db.inTransaction) return false;
      this.#prepare('ROLLBACK TO mfaguard_job').run();
      this.#prepare('RELEASE mfaguard_job').run();
      return true;
    } catch {
      this.#rollback();
      return false;
    }
  }

  /** Rolls the transaction back, if one is open; false when even that failed (the transaction is gone either way). */
  #rollback(): boolean {
    try {
      if (this.#db.inTransaction) this.#prepare('ROLLBACK').run();
      return true;
    } catch {
      return false;
    }
  }

  read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => fn(this.#conn));
  }

  async close(): Promise<void> {
    // The worker's connection first: the last one to close checkpoints the log and removes it.
    await this.#checkpointer?.close();
    return this.#mutex.run(() => {
      this.#db.close();
      return Promise.resolve();
    });
  }

  /**
   * Moves checkpoints to a worker thread (see checkpointer.ts). A log that grew in a burst is cut back to 64 MB once
   * checkpointed; should the worker fail, the automatic checkpoint comes back.
   */
  checkpointInBackground(path: string, onError: (error: Error) => void): Checkpointer {
    this.#db.pragma('journal_size_limit = 67108864');
    this.#db.pragma('wal_autocheckpoint = 0');
    const checkpointer = new Checkpointer(path, {
      onFailure: (error) => {
        this.#checkpointer = null;
        try {
          if (this.#db.open) this.#db.pragma('wal_autocheckpoint = 1000');
        } catch {
          // the connection is going away; nothing to checkpoint for
        }
        onError(error);
      },
    });
    this.#checkpointer = checkpointer;
    return checkpointer;
  }

  /** Applies missing migrations inside one immediate transaction: a second process waits, then finds them done. */
  async migrate(): Promise<void> {
    await this.transaction(async (conn) => {
      await conn.execute(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
      );
      const applied = new Set(
        (await conn.query<{ version: number }>(`SELECT version FROM schema_migrations`)).map(
          (row) => row.version,
        ),
      );
      for (const migration of SQLITE_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.#db.exec(migration.sql);
        await conn.execute(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      }
    });
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half way on a lock
   * upgrade. SQLite's own busy handler would wait synchronously and freeze the event loop (and deadlock
   * against another connection in this process); so here we poll without it and sleep asynchronously.
   */
  async #beginImmediate(): Promise<void> {
    const deadline = performance.now() + this.#busyTimeoutMs;
    let delay = 2;
    for (;;) {
      try {
        this.#prepare('BEGIN IMMEDIATE').run();
        return;
      } catch (error) {
        if (sqliteCode(error) !== 'SQLITE_BUSY' || performance.now() >= deadline)
          throw this.#translate(error);
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(limitReadAtRunTime(sql));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw this.#translate(error);
    }
  }

  #translate(error: unknown): Error {
    return translateSqliteError(error, this.#url, this.#busyTimeoutMs);
  }
}

/**
 * SQLite's primary result code: `SQLITE_IOERR_WRITE` -> `SQLITE_IOERR`. Extended codes refine the primary one
 * (https://sqlite.org/rescode.html), so mapping by the primary code covers every extended code, present and future.
 */
export function primarySqliteCode(code: string): string {
  const match = /^SQLITE_[A-Z]+/.exec(code);
  return match === null ? code : match[0];
}

/** The outside world failing (disk full, I/O error, read-only, cannot open, damaged file): 503 with Retry-After. */
const UNAVAILABLE_CODES = new Set([
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_NOMEM',
  'SQLITE_NOLFS',
  'SQLITE_PERM',
  'SQLITE_PROTOCOL',
  'SQLITE_INTERRUPT',
  'SQLITE_ABORT',
]);

const UNAVAILABLE_WHY: Readonly<Record<string, string>> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'the disk reported an I/O error',
  SQLITE_READONLY: 'the database cannot be written (read-only file or file system)',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_NOMEM: 'out of memory',
};

/** Driver errors into the store's, by primary result code: an extended code is never mistaken for a bug. */
export function translateSqliteError(error: unknown, url: string, busyTimeoutMs: number): Error {
  const code = sqliteCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === undefined || !code.startsWith('SQLITE_')) {
    // Not from SQLite (e.g. a value the driver cannot bind): a bug, passed on as it is.
    return error instanceof Error ? error : new Error(message);
  }
  const primary = primarySqliteCode(code);
  if (primary === 'SQLITE_BUSY' || primary === 'SQLITE_LOCKED') {
    return new StoreUnavailableError(
      url,
      `database is locked by another process (waited ${busyTimeoutMs} ms)`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
  if (primary === 'SQLITE_CONSTRAINT') return new ConflictError(message, { cause: error });
  if (UNAVAILABLE_CODES.has(primary)) {
    const why = UNAVAILABLE_WHY[primary];
    return new StoreUnavailableError(url, `${why === undefined ? '' : `${why}: `}${message} (${code})`, {
      retryable: true,
      cause: error,
    });
  }
  return new StoreError('query-failed', `store ${url}: ${message} (${code})`, { cause: error });
}

export async function openSqliteStore(
  path: string,
  url: string,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (path !== ':memory:') checkSqliteFiles(path, url);
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new StoreUnavailableError(
      url,
      `cannot open: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // WAL: readers never block the writer and the writer never blocks readers (API reads during ingestion).
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    db.close();
    const code = primarySqliteCode(sqliteCode(error) ?? '');
    const message = error instanceof Error ? error.message : String(error);
    // Only a file that is not (or no longer) a database is called so; a read-only or full disk says what it is.
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StoreUnavailableError(url, `not a usable SQLite database: ${message}`, { cause: error });
    }
    throw translateSqliteError(error, url, busyTimeoutMs);
  }
  const driver = new SqliteDriver(db, url, busyTimeoutMs);
  try {
    await driver.migrate();
  } catch (error) {
    await driver.close();
    throw error;
  }
  if (options.backgroundCheckpoints === true && path !== ':memory:') {
    driver.checkpointInBackground(path, (error) =>
      options.onBackgroundError?.(new Error(`SQLite checkpoint worker: ${error.message}`, { cause: error })),
    );
  }
  return new SqlStore(driver, url);
}
