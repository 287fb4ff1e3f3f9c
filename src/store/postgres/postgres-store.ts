// The PostgreSQL store: a connection pool shared by many workers; row locks and SKIP LOCKED for concurrency.

import pg from 'pg';
import { UsageError } from '../../model/index.ts';
import { ConflictError, StoreError, StoreUnavailableError } from '../errors.ts';
import type { OpenStoreOptions, Store } from '../store.ts';
import type { Dialect, SqlConn, SqlDriver, SqlRow, SqlValue } from '../sql/driver.ts';
import { GroupCommitQueue } from '../sql/group-commit.ts';
import type { GroupSession, JobPriority } from '../sql/group-commit.ts';
import { SqlStore } from '../sql/sql-store.ts';
import { POSTGRES_MIGRATIONS } from '../sql/migrations.ts';

const POSTGRES_DIALECT: Dialect = {
  name: 'postgres',
  forUpdateSkipLocked: 'FOR UPDATE SKIP LOCKED',
};

/** BIGINT (epoch ms, ids, counts) as numbers: all our values stay far below 2^53. */
const INT8_OID = 20;
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID) return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
}
const TYPE_PARSERS: pg.CustomTypesConfig = { getTypeParser: typeParser };

/** Jobs per group commit: bounds how long the first job of a group waits for the others' work. */
const MAX_GROUP = 64;

/**
 * Groups written at once: a few, not the whole pool. Ingestion's transactions lock a few index entries each, so
 * groups in parallel rarely wait for each other; the other connections stay free for reads and the outbox.
 */
const writersFor = (poolSize: number): number => Math.max(1, Math.min(4, Math.floor(poolSize / 2)));

/** Statement texts prepared by name (see #statement); the rest run unnamed, parsed at each call. */
const MAX_NAMED = 2000;

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * A statement prepared on a connection (see PostgresDriver.#statement) whose `select *` now returns other columns:
 * another process's migration changed the table. PostgreSQL re-plans it but refuses a new result type, on that
 * connection, until the statement is dropped; so the connection is dropped (see #stale) and the work retried.
 */
function isStalePlan(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '0A000' &&
    /cached plan must not change result type/.test((error as { message?: unknown }).message as string)
  );
}

/** Translates driver errors into the store's: connection trouble is unavailable, races are conflicts. */
export function translatePgError(error: unknown, url: string): Error {
  if (error instanceof StoreError || error instanceof StoreUnavailableError || error instanceof UsageError)
    return error;
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : '';
  const message = error instanceof Error ? error.message : String(error);
  if (
    NETWORK_ERRORS.has(code) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|is not queryable/i.test(
      message,
    )
  ) {
    return new StoreUnavailableError(
      url,
      `cannot reach PostgreSQL (${code === '' ? message : `${code}: ${message}`})`,
      { retryable: true, transient: true, cause: error },
    );
  }
  // 08: connection exceptions; 57P01..03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
    return new StoreUnavailableError(url, `PostgreSQL unavailable (${code}): ${message}`, {
      retryable: true,
      transient: true,
      cause: error,
    });
  }
  if (isStalePlan(error)) {
    return new StoreUnavailableError(
      url,
      `a prepared statement no longer matches the schema another process changed; retried on a new connection (${message})`,
      { retryable: true, transient: true, cause: error },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new StoreUnavailableError(url, `PostgreSQL refused the credentials (${code}): ${message}`, {
      cause: error,
    });
  }
  if (code === '3D000')
    return new StoreUnavailableError(url, `${message}; create it first`, { cause: error });
  if (code === '40P01' || code === '40001')
    return new ConflictError(`concurrent update (${code}): ${message}; retry`, {
      retryable: true,
      cause: error,
    });
  if (code === '23505') return new ConflictError(message, { cause: error });
  if (/^[0-9A-Z]{5}$/.test(code))
    return new StoreError('query-failed', `store ${url}: ${message} (${code})`, { cause: error });
  return error instanceof Error ? error : new Error(message);
}

class PostgresDriver implements SqlDriver {
  readonly dialect = POSTGRES_DIALECT;
  readonly #pool: pg.Pool;
  readonly #url: string;
  /** `?` placeholders rewritten to `$n` once per distinct statement, and the name it is prepared under. */
  readonly #converted = new Map<string, { readonly text: string; readonly name: string | undefined }>();
  readonly #writes: GroupCommitQueue<SqlConn>;
  /** Connections holding a prepared statement the schema outgrew (see isStalePlan): not given back to the pool. */
  readonly #stale = new WeakSet<pg.PoolClient>();

  constructor(pool: pg.Pool, url: string, writers: number) {
    this.#pool = pool;
    this.#url = url;
    this.#writes = new GroupCommitQueue<SqlConn>({
      maxGroup: MAX_GROUP,
      writers,
      session: () => this.#session(),
    });
  }

  /**
   * Group commit (see group-commit.ts): concurrent single-event requests share a transaction instead of paying a
   * BEGIN/COMMIT round trip and a WAL flush each, on a few connections (the rest of the pool serves reads and the
   * outbox). Each job's errors are its own (rolled back to its savepoint); a lost connection fails the group's jobs
   * with a transient error, and the callers' retries start over.
   */
  transaction<T>(fn: (conn: SqlConn) => Promise<T>, priority?: JobPriority): Promise<T> {
    return this.#writes.run(fn, priority);
  }

  /**
   * One group's session on a pooled client. A job's RELEASE is not sent on its own: it rides with the next job's
   * SAVEPOINT in one simple-protocol message, and COMMIT releases the last one, so a job costs one round trip of
   * transaction control instead of two (a group of one costs none, see group-commit.ts).
   */
  async #session(): Promise<GroupSession<SqlConn>> {
    const client = await this.#connect();
    const run = async (sql: string): Promise<void> => {
      try {
        await client.query(sql);
      } catch (error) {
        throw translatePgError(error, this.#url);
      }
    };
    let released = false;
    let pendingRelease = false;
    // BEGIN is not sent on its own either: it rides with the first job's SAVEPOINT, or (a group of one, which has
    // none) goes just before its first statement; a job that ran no statement commits nothing and costs nothing.
    let pendingBegin = false;
    const rollback = async (): Promise<boolean> => {
      if (pendingBegin) return true;
      try {
        await client.query('ROLLBACK');
        return true;
      } catch {
        return false;
      }
    };
    const base = this.#connOf(client);
    const begun = async (): Promise<void> => {
      if (!pendingBegin) return;
      pendingBegin = false;
      await run('BEGIN');
    };
    return {
      conn: {
        query: async (sql, params) => {
          await begun();
          return base.query(sql, params);
        },
        execute: async (sql, params) => {
          await begun();
          return base.execute(sql, params);
        },
      },
      begin: () => {
        pendingBegin = true;
        return Promise.resolve();
      },
      savepoint: () => {
        const sql = `${pendingBegin ? 'BEGIN; ' : ''}${pendingRelease ? 'RELEASE SAVEPOINT mfaguard_job; ' : ''}SAVEPOINT mfaguard_job`;
        pendingBegin = false;
        pendingRelease = false;
        return run(sql);
      },
      release: () => {
        pendingRelease = true;
        return Promise.resolve();
      },
      rollbackJob: async () => {
        try {
          await client.query('ROLLBACK TO SAVEPOINT mfaguard_job; RELEASE SAVEPOINT mfaguard_job');
          return true;
        } catch {
          // The connection is gone or the transaction aborted beyond the savepoint.
          return false;
        }
      },
      rollback,
      commit: () => (pendingBegin ? Promise.resolve() : this.#commit(client)),
      abort: async () => {
        await rollback();
      },
      done: (broken?: Error) => {
        if (released) return;
        released = true;
        // A failed group may leave the connection gone or confused: do not hand it back to the pool then.
        client.release(broken ?? this.#staleError(client));
      },
    };
  }

  /** An error (the pool then closes the connection) when `client` holds a statement the schema outgrew. */
  #staleError(client: pg.PoolClient): Error | undefined {
    return this.#stale.has(client) ? new Error('prepared statements outgrown by the schema') : undefined;
  }

  async read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      return await fn(this.#connOf(client));
    } finally {
      client.release(this.#staleError(client));
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }

  /**
   * A connection lost while COMMIT is on its way leaves the outcome unknown: the transaction may have been
   * committed. That is not transient (running the work again blindly could do it twice); the caller answers
   * 503 and the sender's retry meets the idempotent store (events by eventID, alerts by rule + eventID).
   */
  async #commit(client: pg.PoolClient): Promise<void> {
    let command: string;
    try {
      ({ command } = await client.query('COMMIT'));
    } catch (error) {
      const translated = translatePgError(error, this.#url);
      if (translated instanceof StoreUnavailableError && translated.transient) {
        throw new StoreUnavailableError(
          this.#url,
          `the connection was lost during COMMIT; the outcome is unknown (${translated.message})`,
          { retryable: true, cause: error },
        );
      }
      throw translated;
    }
    // COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error: nothing was written. A job
    // that swallowed its statement's error would otherwise settle as committed.
    if (command !== 'COMMIT') {
      throw new StoreError(
        'query-failed',
        `store ${this.#url}: COMMIT answered ${command}; nothing was written`,
      );
    }
  }

  /**
   * Applies missing migrations in one transaction. Several processes may start at once: the advisory
   * lock makes the others wait until the first has committed, after which they find nothing to do.
   * It is transaction-scoped, so a crashed migrator cannot leave it held.
   */
  async migrate(schema: string | undefined): Promise<void> {
    await this.transaction(async (conn) => {
      await conn.query(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`mfaguard-migrations:${schema ?? ''}`]);
      if (schema !== undefined) await conn.execute(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await conn.execute(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      );
      const applied = new Set(
        (await conn.query<{ version: number }>(`SELECT version FROM schema_migrations`)).map(
          (row) => row.version,
        ),
      );
      for (const migration of POSTGRES_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await conn.execute(migration.sql);
        await conn.execute(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      }
    });
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw translatePgError(error, this.#url);
    }
  }

  #connOf(client: pg.PoolClient): SqlConn {
    return {
      query: async <R extends SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> => {
        try {
          const result = await client.query<R>(this.#statement(sql, params));
          return result.rows;
        } catch (error) {
          if (isStalePlan(error)) this.#stale.add(client);
          throw translatePgError(error, this.#url);
        }
      },
      execute: async (sql: string, params: readonly SqlValue[] = []): Promise<number> => {
        try {
          // No parameters: the simple protocol, which also runs multi-statement migration scripts.
          const result =
            params.length === 0 ? await client.query(sql) : await client.query(this.#statement(sql, params));
          return result.rowCount ?? 0;
        } catch (error) {
          if (isStalePlan(error)) this.#stale.add(client);
          throw translatePgError(error, this.#url);
        }
      },
    };
  }

  /**
   * The statement for `sql` with `$n` placeholders, named: pg parses a named statement once per connection and then
   * only binds and executes it, so PostgreSQL parses and plans each text once per connection instead of at every
   * call (the unnamed statement is parsed, analysed and planned anew each time; per ingested event that was most of
   * the server's work). Past MAX_NAMED texts (list lengths nobody bounded) statements go unnamed, so that neither
   * this map nor each connection's prepared statements grow without end.
   */
  #statement(sql: string, params: readonly SqlValue[]): pg.QueryConfig {
    let converted = this.#converted.get(sql);
    if (converted === undefined) {
      let n = 0;
      // Our SQL never contains a literal `?` (no JSON operators, none in strings), so every `?` is a parameter.
      const text = sql.replace(/\?/g, () => `$${++n}`);
      const named = this.#converted.size < MAX_NAMED;
      converted = { text, name: named ? `mfaguard_${this.#converted.size}` : undefined };
      if (named) this.#converted.set(sql, converted);
    }
    return converted.name === undefined
      ? { text: converted.text, values: params as SqlValue[] }
      : { text: converted.text, name: converted.name, values: params as SqlValue[] };
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openPostgresStore(
  connectionString: string,
  url: string,
  options: OpenStoreOptions = {},
): Promise<Store> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new UsageError(
      `invalid PostgreSQL schema name ${JSON.stringify(options.schema)}: use lower-case letters, digits and _`,
    );
  }
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    application_name: 'mfaguard',
    types: TYPE_PARSERS,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // A pooled connection that dies emits 'error'; unhandled, it would crash the process. The pool listens on
  // idle clients only, so every client gets its own listener too: a checked-out client whose server goes away
  // (PostgreSQL stopped under traffic) also emits 'error', besides failing the query it was running.
  const background = (error: Error) => options.onBackgroundError?.(error);
  pool.on('error', background);
  pool.on('connect', (client) => client.on('error', background));
  const driver = new PostgresDriver(pool, url, writersFor(options.poolSize ?? 10));
  try {
    await driver.migrate(options.schema);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new SqlStore(driver, url);
}
