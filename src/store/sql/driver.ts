// What the shared SQL store needs from a database driver: statements, transactions, and the dialect's few differences.

export type SqlValue = string | number | null | Buffer;

export type SqlRow = Record<string, unknown>;

/** One connection (or the one transaction on it). SQL uses `?` placeholders; drivers translate. */
export interface SqlConn {
  /** Rows of a SELECT or of a statement with RETURNING. */
  query<R extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Number of rows changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * For queue claims: PostgreSQL skips rows another worker is claiming right now instead of waiting
   * for them, so workers never block each other and never get the same row.
   */
  readonly forUpdateSkipLocked: string;
}

export interface SqlDriver {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a write transaction: committed when it resolves, rolled back when it throws. Concurrent calls may
   * share one database transaction (group commit, each in its own savepoint); background ones wait for foreground.
   */
  transaction<T>(
    fn: (conn: SqlConn) => Promise<T>,
    priority?: 'light' | 'foreground' | 'background',
  ): Promise<T>;
  /** Runs reads outside a transaction (each statement sees committed data). */
  read<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One schema step; applied once, in order, and recorded in `schema_migrations`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
