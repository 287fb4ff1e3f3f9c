// The SQLite driver's cached statements stay prepared: a LIMIT is handed to SQLite as an expression, since a bare
// bound LIMIT makes SQLite prepare the statement again on every run (see limitReadAtRunTime).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../open-store.ts';
import { makeEvent, MINUTE, T0 } from '../test-support/store-support.ts';
import { limitReadAtRunTime } from './sqlite-store.ts';

describe('limitReadAtRunTime', () => {
  it('turns every bound LIMIT into an expression, whatever its case, and leaves the rest of the text alone', () => {
    assert.equal(
      limitReadAtRunTime('select "id" from "events" order by "time_ms" limit ?'),
      'select "id" from "events" order by "time_ms" limit ? + 0',
    );
    assert.equal(limitReadAtRunTime('SELECT 1 LIMIT ? OFFSET ?'), 'SELECT 1 LIMIT ? + 0 OFFSET ?');
    assert.equal(
      limitReadAtRunTime('select a from (select a from t limit ?) limit ?'),
      'select a from (select a from t limit ? + 0) limit ? + 0',
    );
  });

  it('leaves literal limits, expressions already rewritten and names that merely contain the word', () => {
    for (const sql of ['select 1 limit 5', 'select 1 limit ? + 0', 'select "rate_limit" from t where x = ?'])
      assert.equal(limitReadAtRunTime(sql), sql);
  });
});

describe('SQLite statements with a LIMIT', () => {
  const root = mkdtempSync(join(tmpdir(), 'mfaguard-sqlite-statements-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('are prepared with the LIMIT as an expression, and still return at most LIMIT rows', async () => {
    const store = await openStore(`sqlite:${join(root, 'limits.db')}`);
    // Watches what the driver prepares from here on (the original prepare still runs).
    let prepare: ReturnType<typeof mock.method> | undefined;
    try {
      await store.insertEvents([0, 1, 2].map((i) => makeEvent(`e-${i}`, T0 + i * MINUTE)));
      prepare = mock.method(Database.prototype, 'prepare');
      const read = await store.findEvents({ fromMs: T0, toMs: T0 + 10 * MINUTE, limit: 2 });
      const inTx = await store.transaction((tx) =>
        tx.findEvents({ fromMs: T0, toMs: T0 + 10 * MINUTE, limit: 1 }),
      );
      assert.deepEqual(
        read.map((event) => event.id),
        ['e-0', 'e-1'],
      );
      assert.deepEqual(
        inTx.map((event) => event.id),
        ['e-0'],
      );
    } finally {
      prepare?.mock.restore();
      await store.close();
    }
    const prepared = (prepare?.mock.calls ?? []).map((call) => String(call.arguments[0]));
    const limited = prepared.filter((sql) => /\blimit\b/i.test(sql));
    assert.ok(limited.length > 0, 'the reads were prepared during the test');
    for (const sql of limited) assert.match(sql, /\blimit \? \+ 0/i);
  });
});
