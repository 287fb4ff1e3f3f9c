// Migrations written once for both databases: the few column types and expressions that differ, as typed helpers.

import type { Migration } from './driver.ts';

/** What a migration may ask of its database; everything else in the SQL is shared text. */
export interface SchemaDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Epoch milliseconds, counters and foreign keys to surrogate ids: 64-bit on PostgreSQL. */
  readonly integer: string;
  readonly real: string;
  readonly blob: string;
  /**
   * A surrogate key that is never reused (SQLite's AUTOINCREMENT, PostgreSQL's identity): ids appear in
   * notification dedupe keys and signed links.
   */
  readonly id: string;
  /** Text keys that are ordered or paginated: byte order on both (PostgreSQL's "C" collation, SQLite's BINARY). */
  readonly orderedText: string;
  /** The text at `path` inside a JSON text column. */
  jsonText(column: string, path: readonly string[]): string;
  /** A computed column: virtual on SQLite (no type, as SQLite infers none), stored with its type on PostgreSQL. */
  generatedColumn(type: 'TEXT' | 'BIGINT', expression: string): string;
  /** An integer literal beyond 32 bits (PostgreSQL would otherwise overflow `integer` arithmetic). */
  bigintLiteral(value: number): string;
}

export const SQLITE_SCHEMA: SchemaDialect = {
  name: 'sqlite',
  integer: 'INTEGER',
  real: 'REAL',
  blob: 'BLOB',
  id: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  orderedText: 'TEXT',
  jsonText: (column, path) => `json_extract(${column}, '$.${path.join('.')}')`,
  generatedColumn: (_type, expression) => `GENERATED ALWAYS AS (${expression}) VIRTUAL`,
  bigintLiteral: (value) => String(value),
};

export const POSTGRES_SCHEMA: SchemaDialect = {
  name: 'postgres',
  integer: 'BIGINT',
  real: 'DOUBLE PRECISION',
  blob: 'BYTEA',
  id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  orderedText: 'TEXT COLLATE "C"',
  jsonText: (column, path) => `((${column}::jsonb) #>> '{${path.join(',')}}')`,
  generatedColumn: (type, expression) => `${type} GENERATED ALWAYS AS (${expression}) STORED`,
  bigintLiteral: (value) => `${value}::BIGINT`,
};

/** One schema step for both databases; applied once, in order, and recorded in `schema_migrations`. */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: (t: SchemaDialect) => string;
}

export function migrationsFor(migrations: readonly SchemaMigration[], t: SchemaDialect): Migration[] {
  return migrations.map((step) => ({ version: step.version, name: step.name, sql: step.sql(t) }));
}
