// Queries compiled once per database and shape: kysely builds the SQL text at call time (10–20 µs a query), so the
// per-event statements of `serve` compile at their first call and later calls only bind their values by name.

import type { Compilable, Kysely } from 'kysely';
import type { Dialect, SqlConn, SqlRow, SqlValue } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder } from './query-builder.ts';

/** Stands for a value of the call; kysely passes it through untouched into the compiled parameters. */
class Slot {
  readonly path: readonly (string | number)[];
  constructor(path: readonly (string | number)[]) {
    this.path = path;
  }
}

interface Compiled {
  readonly sql: string;
  /** Slots (a value of the call, found by its path) and the fixed values written in the builder, in SQL order. */
  readonly parameters: readonly unknown[];
}

/** Shapes kept per query and database: past it (unusual list lengths), a shape compiles at every call. */
const MAX_SHAPES = 512;

/**
 * One query with named values. `build` gets the values' shape, not the values: every value is a stand-in bound by
 * its name at each call, so the order kysely emits them in never matters. The text is kept per database and shape
 * (which values are undefined, how long each list is), so a multi-row insert or an `in` list compiles once per length,
 * and an optional filter left undefined is another shape. The first compile of a shape is checked against kysely's
 * own compile of the real values: a build that branches on a value, or computes with one, fails there (a bug).
 */
export class PreparedQuery<P extends object, R extends SqlRow = SqlRow> {
  readonly #build: (db: Kysely<Tables>, values: P, dialect: Dialect) => Compilable<R>;
  readonly #compiled = { sqlite: new Map<string, Compiled>(), postgres: new Map<string, Compiled>() };

  constructor(build: (db: Kysely<Tables>, values: P, dialect: Dialect) => Compilable<R>) {
    this.#build = build;
  }

  /** Rows of the SELECT (or of the statement with RETURNING). */
  rows(conn: SqlConn, dialect: Dialect, values: P): Promise<R[]> {
    const compiled = this.#compile(dialect, values);
    return conn.query<R>(compiled.sql, bind(compiled, values));
  }

  /** Rows changed by the INSERT, UPDATE or DELETE. */
  changes(conn: SqlConn, dialect: Dialect, values: P): Promise<number> {
    const compiled = this.#compile(dialect, values);
    return conn.execute(compiled.sql, bind(compiled, values));
  }

  /** The SQL text for `dialect` and the shape of `values`. */
  sql(dialect: Dialect, values: P): string {
    return this.#compile(dialect, values).sql;
  }

  #compile(dialect: Dialect, values: P): Compiled {
    const shapes = this.#compiled[dialect.name];
    const shape = shapeOf(values);
    const known = shapes.get(shape);
    if (known !== undefined) return known;
    const db = queryBuilder(dialect);
    const read = new Set<string>();
    const compiled = this.#build(db, template(values, read) as P, dialect).compile();
    const missing = compiled.parameters.some((parameter) => parameter === undefined);
    if (missing) throw new Error(`prepared query: no value for ${[...read].join(', ') || 'a parameter'}`);
    checkAgainstKysely(compiled, this.#build(db, values, dialect).compile(), values);
    if (shapes.size < MAX_SHAPES) shapes.set(shape, compiled);
    return compiled;
  }
}

/** The same text, and the values bound where kysely put them, as kysely compiles the real values. */
function checkAgainstKysely(compiled: Compiled, expected: Compiled, values: object): void {
  const start = compiled.sql.slice(0, 60);
  if (compiled.sql !== expected.sql)
    throw new Error(
      `prepared query "${start}...": its text depends on a value, not only on the shape (a bug)`,
    );
  const bound = bind(compiled, values);
  if (bound.length !== expected.parameters.length || bound.some((v, i) => v !== expected.parameters[i]))
    throw new Error(`prepared query "${start}...": its values differ from kysely's own compile (a bug)`);
}

function isLeaf(value: unknown): boolean {
  return value === null || typeof value !== 'object' || value instanceof Uint8Array;
}

/** The shape of a flat object of `n` given values, made once, so the usual call's shape allocates nothing. */
const FLAT = Array.from({ length: 64 }, (_, count) => `${count}{}`);

/**
 * What makes two calls compile to different text: a list's length, how many keys an object has and which of them are
 * undefined. A value itself never does (the check in `#compile` sees to it), so it is left out; so are key names:
 * an object with other keys finds no value to bind, an error at its first call. Runs at every call, so only the
 * exceptions (undefined, lists, nested objects) are written out, by position.
 */
function shapeOf(value: object): string {
  let exceptions = '';
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value as unknown[])
      exceptions += item === undefined ? 'u' : isLeaf(item) ? 'v' : shapeOf(item as object);
    return `[${value.length}${exceptions}]`;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) exceptions += `u${count},`;
    else if (!isLeaf(item)) exceptions += `${count}:${shapeOf(item as object)}`;
    count += 1;
  }
  return exceptions === '' ? (FLAT[count] ?? `${count}{}`) : `${count}{${exceptions}}`;
}

/**
 * The values with a slot for every leaf, lists and undefined kept as they are. `read` collects the top-level names
 * the build asked for and found undefined, to name them if one lands in a parameter.
 */
function template(values: object, read: Set<string>): object {
  const slots = (value: unknown, path: (string | number)[]): unknown => {
    if (value === undefined) return undefined;
    if (isLeaf(value)) return new Slot(path);
    if (Array.isArray(value)) return value.map((item, index) => slots(item, [...path, index]));
    return Object.fromEntries(
      Object.entries(value as object).map(([key, item]) => [key, slots(item, [...path, key])]),
    );
  };
  return new Proxy(slots(values, []) as object, {
    get(target, key, receiver) {
      const found: unknown = Reflect.get(target, key, receiver);
      if (found === undefined && typeof key === 'string') read.add(key);
      return found;
    },
  });
}

function bind(compiled: Compiled, values: object): SqlValue[] {
  return compiled.parameters.map((parameter) => {
    if (!(parameter instanceof Slot)) return parameter as SqlValue;
    let value: unknown = values;
    for (const step of parameter.path)
      value =
        value === undefined || value === null ? undefined : (value as Record<string | number, unknown>)[step];
    // Another object of the same shape without this key: a bug in the caller, never a NULL.
    if (value === undefined) throw new Error(`prepared query: no value for ${parameter.path.join('.')}`);
    return value as SqlValue;
  });
}
