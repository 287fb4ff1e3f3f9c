// One typed query builder for both databases: kysely compiles each query for the dialect, our drivers run it, so
// transactions, SQLite's group commit and the error mapping stay as they are (kysely never holds a connection).

import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Compilable, Generated } from 'kysely';
import type { Dialect, SqlConn, SqlRow, SqlValue } from './driver.ts';

/** The tables the converted repositories use, column names as in the migrations. */
export interface Tables {
  readonly checkpoints: { key: string; value: string; updated_at: number };
  readonly dead_letters: {
    id: Generated<number>;
    source: string;
    location: string;
    reason: string;
    raw: Buffer | Uint8Array;
    created_at: number;
  };
}

/** `?` placeholders on PostgreSQL too: SqlConn takes them for both databases (its PostgreSQL driver numbers them). */
class PostgresQuestionMarks extends PostgresQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '?';
  }
}

function compileOnly(name: Dialect['name']): Kysely<Tables> {
  const postgres = name === 'postgres';
  return new Kysely<Tables>({
    dialect: {
      createAdapter: () => (postgres ? new PostgresAdapter() : new SqliteAdapter()),
      // Never connects: queries are only compiled here and run through SqlConn.
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (postgres ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (postgres ? new PostgresQuestionMarks() : new SqliteQueryCompiler()),
    },
  });
}

const BUILDERS = { sqlite: compileOnly('sqlite'), postgres: compileOnly('postgres') } as const;

export function queryBuilder(dialect: Dialect): Kysely<Tables> {
  return BUILDERS[dialect.name];
}

/** Rows of a compiled SELECT (or of a statement with RETURNING), typed by the query. */
export function queryRows<R extends SqlRow>(conn: SqlConn, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile();
  return conn.query<R>(compiled.sql, compiled.parameters as readonly SqlValue[]);
}
