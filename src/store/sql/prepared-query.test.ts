// A prepared query compiles once per database and shape and binds each call's values by name, in kysely's order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dialect, SqlConn, SqlValue } from './driver.ts';
import { PreparedQuery } from './prepared-query.ts';
import { queryBuilder } from './query-builder.ts';

const dialect = (name: Dialect['name']): Dialect => ({ name, forUpdateSkipLocked: '' });
const sqlite = dialect('sqlite');

/** A connection that records what it was asked to run. */
function recorder(): { conn: SqlConn; calls: { sql: string; params: readonly SqlValue[] }[] } {
  const calls: { sql: string; params: readonly SqlValue[] }[] = [];
  const conn: SqlConn = {
    query: (sql, params = []) => {
      calls.push({ sql, params });
      return Promise.resolve([]);
    },
    execute: (sql, params = []) => {
      calls.push({ sql, params });
      return Promise.resolve(1);
    },
  };
  return { conn, calls };
}

describe('query builder', () => {
  for (const name of ['sqlite', 'postgres'] as const) {
    it(`${name}: compiles with ? placeholders and the values in order`, () => {
      const compiled = queryBuilder(dialect(name))
        .selectFrom('dead_letters')
        .selectAll()
        .where('source', '=', 's3')
        .orderBy('id', 'desc')
        .limit(5)
        .compile();
      assert.equal(
        compiled.sql,
        'select * from "dead_letters" where "source" = ? order by "id" desc limit ?',
      );
      assert.deepEqual(compiled.parameters, ['s3', 5]);
    });
  }
});

describe('prepared query', () => {
  it('compiles once per database and binds the values by name, in the compiled order', async () => {
    let builds = 0;
    const query = new PreparedQuery<{ target: string; at: number; state: string }>((db, v) => {
      builds += 1;
      // `at` is named first but used last, and twice: binding must follow the SQL, not the object.
      return db
        .selectFrom('cases')
        .select('id')
        .where('state', '=', v.state)
        .where('target_key', '=', v.target)
        .where('opened_at', '<=', v.at)
        .where('updated_at', '>=', v.at)
        .where('severity', '=', 'high');
    });
    const { conn, calls } = recorder();
    await query.rows(conn, sqlite, { at: 5, target: 'acct/alice', state: 'open' });
    await query.rows(conn, sqlite, { at: 7, target: 'acct/bob', state: 'resolved' });
    await query.changes(conn, dialect('postgres'), { at: 9, target: 'acct/carol', state: 'open' });
    // Two builds per database: the one kept, and the check with the real values.
    assert.equal(builds, 4);
    assert.equal(
      calls[0]?.sql,
      'select "id" from "cases" where "state" = ? and "target_key" = ? and "opened_at" <= ? and "updated_at" >= ? and "severity" = ?',
    );
    assert.equal(calls[1]?.sql, calls[0]?.sql);
    assert.deepEqual(
      calls.map((call) => call.params),
      [
        ['open', 'acct/alice', 5, 5, 'high'],
        ['resolved', 'acct/bob', 7, 7, 'high'],
        ['open', 'acct/carol', 9, 9, 'high'],
      ],
    );
  });

  it('PostgreSQL: row locks and ? placeholders', () => {
    const query = new PreparedQuery<{ id: number }>((db, v, on) =>
      db
        .selectFrom('cases')
        .selectAll()
        .where('id', '=', v.id)
        .$if(on.name === 'postgres', (q) => q.forUpdate()),
    );
    assert.equal(
      query.sql(dialect('postgres'), { id: 1 }),
      'select * from "cases" where "id" = ? for update',
    );
    assert.equal(query.sql(sqlite, { id: 1 }), 'select * from "cases" where "id" = ?');
  });

  it('a value the call does not give is an error, never a NULL', () => {
    const query = new PreparedQuery<{ id: number }>((db, v) =>
      db.selectFrom('cases').select('id').where('id', '=', v.id),
    );
    const { conn } = recorder();
    assert.throws(() => query.rows(conn, sqlite, {} as { id: number }), /no value for id/);
  });
});

describe('prepared query: shapes', () => {
  type Row = { source: string; location: string; reason: string; raw: Buffer; created_at: number };
  const row = (n: number): Row => ({
    source: `s${n}`,
    location: `l${n}`,
    reason: `r${n}`,
    raw: Buffer.from([n]),
    created_at: n,
  });
  const insert = new PreparedQuery<{ rows: Row[] }>((db, v) => db.insertInto('dead_letters').values(v.rows));

  it('a multi-row insert: one text per row count, each call binds its own rows in column order', async () => {
    const { conn, calls } = recorder();
    const one = [row(1)];
    const two = [row(2), row(3)];
    await insert.changes(conn, sqlite, { rows: one });
    await insert.changes(conn, sqlite, { rows: two });
    await insert.changes(conn, sqlite, { rows: [row(4)] });
    const columns =
      'insert into "dead_letters" ("source", "location", "reason", "raw", "created_at") values ';
    assert.deepEqual(
      calls.map((call) => call.sql),
      [
        `${columns}(?, ?, ?, ?, ?)`,
        `${columns}(?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`,
        `${columns}(?, ?, ?, ?, ?)`,
      ],
    );
    const values = (r: Row) => [r.source, r.location, r.reason, r.raw, r.created_at];
    assert.deepEqual(
      calls.map((call) => call.params),
      [values(row(1)), [...values(row(2)), ...values(row(3))], values(row(4))],
    );
  });

  it('an optional filter left undefined is another shape, and an in-list compiles per length', async () => {
    const query = new PreparedQuery<{ sources: string[]; before?: number; limit: number }>((db, v) =>
      db
        .selectFrom('dead_letters')
        .select('id')
        .where('source', 'in', v.sources)
        .$if(v.before !== undefined, (q) => q.where('created_at', '<', v.before ?? 0))
        .limit(v.limit),
    );
    const { conn, calls } = recorder();
    await query.rows(conn, sqlite, { sources: ['a'], before: 9, limit: 5 });
    await query.rows(conn, sqlite, { sources: ['b', 'c'], limit: 6 });
    await query.rows(conn, sqlite, { sources: ['d'], limit: 7 });
    await query.rows(conn, sqlite, { sources: ['e'], before: 8, limit: 4 });
    const select = 'select "id" from "dead_letters" where "source" in ';
    assert.deepEqual(
      calls.map((call) => [call.sql, call.params]),
      [
        [`${select}(?) and "created_at" < ? limit ?`, ['a', 9, 5]],
        [`${select}(?, ?) limit ?`, ['b', 'c', 6]],
        [`${select}(?) limit ?`, ['d', 7]],
        [`${select}(?) and "created_at" < ? limit ?`, ['e', 8, 4]],
      ],
    );
  });

  it('a build whose text depends on a value, not only on the shape, fails at its first compile', () => {
    const query = new PreparedQuery<{ limit: number }>((db, v) =>
      db
        .selectFrom('dead_letters')
        .select('id')
        .$if(v.limit > 10, (q) => q.orderBy('id'))
        .limit(v.limit),
    );
    assert.throws(() => query.sql(sqlite, { limit: 50 }), /its text depends on a value/);
  });

  it('a build that computes with a value fails at its first compile', () => {
    const query = new PreparedQuery<{ at: number }>((db, v) =>
      db
        .selectFrom('dead_letters')
        .select('id')
        .where('created_at', '>=', v.at - 1000),
    );
    assert.throws(() => query.sql(sqlite, { at: 5000 }), /its values differ from kysely's own compile/);
  });

  it('an object of the same shape with other keys is an error, never another query', () => {
    const query = new PreparedQuery<{ id: number }>((db, v) =>
      db.selectFrom('cases').select('id').where('id', '=', v.id),
    );
    const { conn } = recorder();
    assert.equal(query.sql(sqlite, { id: 1 }), 'select "id" from "cases" where "id" = ?');
    assert.throws(
      () => query.rows(conn, sqlite, { other: 2 } as unknown as { id: number }),
      /no value for id/,
    );
  });
});
