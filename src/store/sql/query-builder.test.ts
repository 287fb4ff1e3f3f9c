// The query builder compiles for each database with the `?` placeholders SqlConn takes, and never connects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dialect } from './driver.ts';
import { queryBuilder } from './query-builder.ts';

const dialect = (name: Dialect['name']): Dialect => ({ name, forUpdate: '', forUpdateSkipLocked: '' });

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
