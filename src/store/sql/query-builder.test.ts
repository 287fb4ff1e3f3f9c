// The query builder compiles for each database with the `?` placeholders SqlConn takes, and never connects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dialect } from './driver.ts';
import { queryBuilder, reusedSql } from './query-builder.ts';

const dialect = (name: Dialect['name']): Dialect => ({ name, forUpdateSkipLocked: '' });

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

describe('reused SQL text', () => {
  const sqlite = dialect('sqlite');
  const build = (source: string, limit: number) => (db: ReturnType<typeof queryBuilder>) =>
    db.selectFrom('dead_letters').select('id').where('source', '=', source).limit(limit);

  it('compiles once per key and hands back the same text with other values', () => {
    let builds = 0;
    const counted = (source: string, limit: number) => (db: ReturnType<typeof queryBuilder>) => {
      builds++;
      return build(source, limit)(db);
    };
    const first = reusedSql(sqlite, 'test:reuse', ['s3', 5], counted('s3', 5));
    const second = reusedSql(sqlite, 'test:reuse', ['sqs', 9], counted('sqs', 9));
    assert.equal(first, 'select "id" from "dead_letters" where "source" = ? limit ?');
    assert.equal(second, first);
    assert.equal(builds, 1);
  });

  it('refuses parameters that are not in the order the builder put them', () => {
    assert.throws(
      () => reusedSql(sqlite, 'test:order', [5, 's3'], build('s3', 5)),
      /parameters out of the builder's order/,
    );
    // Refused, so not kept: the next call with the right order compiles and passes.
    assert.equal(
      reusedSql(sqlite, 'test:order', ['s3', 5], build('s3', 5)),
      'select "id" from "dead_letters" where "source" = ? limit ?',
    );
  });
});
