// A prepared query compiles once per database and binds each call's values by name, in the order kysely emits them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dialect, SqlConn, SqlValue } from './driver.ts';
import { PreparedQuery } from './prepared-query.ts';

const dialect = (name: Dialect['name']): Dialect => ({ name, forUpdate: '', forUpdateSkipLocked: '' });

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

describe('prepared query', () => {
  it('compiles once per database and binds the values by name, in the compiled order', async () => {
    let builds = 0;
    const query = new PreparedQuery<{ target: string; at: number; state: string }>((db, param) => {
      builds += 1;
      // `at` is named first but used last, and twice: binding must follow the SQL, not the object.
      return db
        .selectFrom('cases')
        .select('id')
        .where('state', '=', param('state'))
        .where('target_key', '=', param('target'))
        .where('opened_at', '<=', param('at'))
        .where('updated_at', '>=', param('at'))
        .where('severity', '=', 'high');
    });
    const { conn, calls } = recorder();
    await query.rows(conn, dialect('sqlite'), { at: 5, target: 'acct/alice', state: 'open' });
    await query.rows(conn, dialect('sqlite'), { at: 7, target: 'acct/bob', state: 'resolved' });
    await query.changes(conn, dialect('postgres'), { at: 9, target: 'acct/carol', state: 'open' });
    assert.equal(builds, 2);
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
    const query = new PreparedQuery<{ id: number }>((db, param, on) =>
      db
        .selectFrom('cases')
        .selectAll()
        .where('id', '=', param('id'))
        .$if(on.name === 'postgres', (q) => q.forUpdate()),
    );
    assert.equal(query.sql(dialect('postgres')), 'select * from "cases" where "id" = ? for update');
    assert.equal(query.sql(dialect('sqlite')), 'select * from "cases" where "id" = ?');
  });

  it('a value the call does not give is an error, never a NULL', () => {
    const query = new PreparedQuery<{ id: number }>((db, param) =>
      db.selectFrom('cases').select('id').where('id', '=', param('id')),
    );
    const { conn } = recorder();
    assert.throws(() => query.rows(conn, dialect('sqlite'), {} as { id: number }), /no value for id/);
  });
});
