// Queries on hot paths (run per event, alert or request) compiled once per database: kysely builds the SQL text at
// the first call, later calls only bind their values by name, so no call pays for compiling again.

import type { Compilable, Kysely } from 'kysely';
import type { Dialect, SqlConn, SqlRow, SqlValue } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder } from './query-builder.ts';

/** Stands for a value given at each call; kysely passes it through untouched into the compiled parameters. */
class Slot {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** Names a value of the call: typed as the value so the builder checks it against its column. */
export type Param<P> = <K extends keyof P & string>(name: K) => P[K];

interface Compiled {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * One query whose shape never changes, with named values. Values are bound by name rather than by position, so
 * the order kysely emits them in never matters; fixed values written in the builder stay as they are.
 */
export class PreparedQuery<P extends Record<string, SqlValue>, R extends SqlRow = SqlRow> {
  readonly #build: (db: Kysely<Tables>, param: Param<P>, dialect: Dialect) => Compilable<R>;
  readonly #compiled = new Map<Dialect['name'], Compiled>();

  constructor(build: (db: Kysely<Tables>, param: Param<P>, dialect: Dialect) => Compilable<R>) {
    this.#build = build;
  }

  /** Rows of the SELECT (or of the statement with RETURNING). */
  rows(conn: SqlConn, dialect: Dialect, values: P): Promise<R[]> {
    const compiled = this.#compile(dialect);
    return conn.query<R>(compiled.sql, bind(compiled, values));
  }

  /** Rows changed by the INSERT, UPDATE or DELETE. */
  changes(conn: SqlConn, dialect: Dialect, values: P): Promise<number> {
    const compiled = this.#compile(dialect);
    return conn.execute(compiled.sql, bind(compiled, values));
  }

  /** The SQL text for `dialect` (compiled at most once). */
  sql(dialect: Dialect): string {
    return this.#compile(dialect).sql;
  }

  #compile(dialect: Dialect): Compiled {
    let compiled = this.#compiled.get(dialect.name);
    if (compiled === undefined) {
      const param = ((name: string) => new Slot(name)) as unknown as Param<P>;
      compiled = this.#build(queryBuilder(dialect), param, dialect).compile();
      this.#compiled.set(dialect.name, compiled);
    }
    return compiled;
  }
}

function bind(compiled: Compiled, values: Record<string, SqlValue>): SqlValue[] {
  return compiled.parameters.map((parameter) => {
    if (!(parameter instanceof Slot)) return parameter as SqlValue;
    const value = values[parameter.name];
    // A missing value would silently bind NULL: a bug in the caller, never data.
    if (value === undefined) throw new Error(`prepared query: no value for ${parameter.name}`);
    return value;
  });
}
