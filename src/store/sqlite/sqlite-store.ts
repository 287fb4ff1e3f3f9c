// The SQLite store: one better-sqlite3 connection, WAL, serialised transactions (BEGIN IMMEDIATE).

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { ConflictError, StoreError, StoreUnavailableError } from '../errors.ts';
import type { OpenStoreOptions, Store } from '../store.ts';
import type { Dialect, SqlConn, SqlDriver, SqlRow, SqlValue } from '../sql/driver.ts';
import { SqlStore } from '../sql/sql-store.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';

const SQLITE_DIALECT: Dialect = { name: 'sqlite', forUpdate: '', forUpdateSkipLocked: '' };

/** Runs async work one at a time: the connection is shared, and a transaction spans awaits. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
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

  constructor(db: Database.Database, url: string, busyTimeoutMs: number) {
    this.#db = db;
    this.#url = url;
    this.#busyTimeoutMs = busyTimeoutMs;
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
  }

  transaction<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      await this.#beginImmediate();
      try {
        const result = await fn(this.#conn);
        this.#run(() => this.#db.exec('COMMIT'));
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => fn(this.#conn));
  }

  close(): Promise<void> {
    return this.#mutex.run(() => {
      this.#db.close();
      return Promise.resolve();
    });
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
    this.#db.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          this.#db.exec('BEGIN IMMEDIATE');
          return;
        } catch (error) {
          if (sqliteCode(error) !== 'SQLITE_BUSY' || performance.now() >= deadline)
            throw this.#translate(error);
        }
        await sleep(delay + Math.random() * delay);
        delay = Math.min(delay * 2, 50);
      }
    } finally {
      this.#db.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
    }
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
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
    const code = sqliteCode(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      return new StoreUnavailableError(
        this.#url,
        `database is locked by another process (waited ${this.#busyTimeoutMs} ms)`,
        {
          retryable: true,
          cause: error,
        },
      );
    }
    if (code?.startsWith('SQLITE_CONSTRAINT') === true) return new ConflictError(message, { cause: error });
    if (
      code === 'SQLITE_IOERR' ||
      code === 'SQLITE_FULL' ||
      code === 'SQLITE_READONLY' ||
      code === 'SQLITE_CORRUPT' ||
      code === 'SQLITE_NOTADB'
    ) {
      return new StoreUnavailableError(this.#url, message, { cause: error });
    }
    if (code?.startsWith('SQLITE_') === true)
      return new StoreError('query-failed', `store ${this.#url}: ${message}`, { cause: error });
    // Not from SQLite (e.g. a value the driver cannot bind): a bug, passed on as it is.
    return error instanceof Error ? error : new Error(message);
  }
}

export async function openSqliteStore(
  path: string,
  url: string,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (path !== ':memory:' && !existsSync(dirname(path))) {
    throw new StoreUnavailableError(
      url,
      `folder ${dirname(path)} does not exist; create it or choose another path`,
    );
  }
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
    throw new StoreUnavailableError(
      url,
      `not a usable SQLite database: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  const driver = new SqliteDriver(db, url, busyTimeoutMs);
  try {
    await driver.migrate();
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlStore(driver, url);
}
