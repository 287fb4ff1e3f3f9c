// The checkpoint worker: it copies the log back into the database file beside the writes, on its timer and when
// asked, and a worker that cannot run is reported so that the automatic checkpoint comes back.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../open-store.ts';
import { makeEvent } from '../test-support/store-support.ts';
import { Checkpointer } from './checkpointer.ts';

const root = mkdtempSync(join(tmpdir(), 'mfaguard-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A WAL database whose connection never checkpoints by itself, with `rows` rows of 1 KB written. */
function walDatabase(name: string, rows: number) {
  const path = join(root, name);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(1000));
  })();
  return { path, db };
}

/** Waits (bounded) until `check` holds; a worker that never does its job fails the test instead of hanging it. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

describe('SQLite checkpoint worker', () => {
  it('copies every frame of the log into the database file when asked', async () => {
    const { path, db } = walDatabase('asked.db', 2_000);
    const before = statSync(path).size;
    const checkpointer = new Checkpointer(path, { intervalMs: 60_000, onFailure: assert.fail });
    try {
      const result = await checkpointer.checkpoint();
      assert.ok(result.log > 400, `frames in the log: ${result.log}`);
      assert.equal(result.checkpointed, result.log);
      assert.equal(result.busy, 0);
      // The rows are in the database file itself now, not only in the log.
      assert.ok(statSync(path).size > before + 1_000_000, `${before} -> ${statSync(path).size}`);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('checkpoints on its timer once told of a write and the log is long enough, and not before', async () => {
    const { path, db } = walDatabase('timer.db', 2_000);
    const before = statSync(path).size;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
    // A log shorter than the threshold is left to grow, as SQLite's own automatic checkpoint leaves it.
    const patient = new Checkpointer(path, { intervalMs: 20, atFrames: 1_000_000, onFailure: assert.fail });
    try {
      patient.wrote();
      await settle();
      assert.equal(statSync(path).size, before, 'a short log: no checkpoint');
    } finally {
      await patient.close();
    }
    const checkpointer = new Checkpointer(path, { intervalMs: 20, atFrames: 100, onFailure: assert.fail });
    try {
      await settle();
      assert.equal(statSync(path).size, before, 'no write reported: no checkpoint');
      checkpointer.wrote();
      await eventually(() => statSync(path).size > before + 1_000_000, 'the timer checkpointed the log');
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('reports a worker that cannot open the database, and refuses checkpoints from then on', async () => {
    const failures: Error[] = [];
    const checkpointer = new Checkpointer(join(root, 'missing', 'no.db'), {
      onFailure: (error) => failures.push(error),
    });
    await assert.rejects(checkpointer.checkpoint());
    await eventually(() => failures.length === 1, 'the failure was reported');
    await checkpointer.close();
  });

  it('a store opened with background checkpoints keeps its data through writes, close and reopen', async () => {
    const url = `sqlite:${join(root, 'store.db')}`;
    const store = await openStore(url, { backgroundCheckpoints: true, onBackgroundError: assert.fail });
    const events = Array.from({ length: 300 }, (_, i) => makeEvent(`evt-${i}`, 1_700_000_000_000 + i));
    try {
      for (const event of events) await store.transaction((tx) => tx.insertEvents([event]));
    } finally {
      await store.close();
    }
    // Closing removed the log (the worker's connection closed first, so the main one was the last).
    assert.throws(() => statSync(join(root, 'store.db-wal')));
    const reopened = await openStore(url);
    try {
      const found = await reopened.findEvents({ fromMs: 0, toMs: 2_000_000_000_000, limit: 1_000 });
      assert.equal(found.length, events.length);
    } finally {
      await reopened.close();
    }
  });
});
