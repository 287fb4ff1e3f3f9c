// Worker threads change only the speed: files read and decoded on workers give the main thread's alerts and figures.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRuleSet } from './rule-set.ts';
import { processBaselineInput, processInput } from './process-chunk.ts';
import { defaultWorkers, eachChunk, runScan } from './scan.ts';
import { FILES_PER_TASK, WorkerPool } from './worker-pool.ts';
import { readInputs } from '../ingest/index.ts';
import type { InputItem, LocalFile } from '../ingest/index.ts';

const DEMO = fileURLToPath(new URL('../../samples/demo/AWSLogs', import.meta.url));

describe('scan on worker threads', () => {
  it('gives the main thread alerts, events and figures on the demo sample', async () => {
    const inline = await runScan({ inputs: [DEMO], workers: 0 });
    const pooled = await runScan({ inputs: [DEMO], workers: 2 });
    assert.equal(pooled.stats.workers, 2);
    assert.ok(inline.alerts.length > 0, 'the comparison needs alerts');
    assert.deepEqual(pooled.alerts, inline.alerts);
    assert.deepEqual(pooled.events, inline.events);
    assert.deepEqual(pooled.issues, inline.issues);
    const figures = ({ elapsedMs: _e, workers: _w, ...rest }: typeof inline.stats) => rest;
    assert.deepEqual(figures(pooled.stats), figures(inline.stats));
  });

  it('leaves a core to the main thread by default, and always has a worker to offer', () => {
    // The main thread lists, merges and deflates all along: a worker on its core only makes them take turns.
    assert.deepEqual(
      [1, 2, 4, 8].map((cores) => defaultWorkers(cores)),
      [1, 1, 3, 7],
    );
  });

  it('sends local files to a worker several to a task, and gives each its own result in order', async () => {
    const files: LocalFile[] = [];
    for await (const item of readInputs([DEMO], { deferLocalReads: true }))
      if (item.kind === 'file') files.push(item.file);
    const wanted = FILES_PER_TASK + 2;
    assert.ok(files.length >= wanted, 'the demo needs more files than a task holds');
    const some = files.slice(0, wanted);
    const selection = { builtin: true, paths: [] };
    const { engine, reading } = loadRuleSet(selection);
    const pool = new WorkerPool(1, selection);
    try {
      const pending = some.map((file) => pool.run({ file }));
      pool.flush();
      const pooled = await Promise.all(pending);
      // One full task and the rest in a second: a task per file would be one per file.
      assert.equal(pool.tasksSent, 2);
      assert.deepEqual(
        pooled,
        some.map((file) => processInput({ file }, engine, reading)),
      );
    } finally {
      await pool.close();
    }
  });

  it('has the main thread take an input while the workers are full, once a turn has let their results in', async () => {
    const names = ['a', 'b', 'c', 'd'];
    const listed = (): AsyncIterable<InputItem> =>
      Readable.from(names.map((name) => ({ kind: 'file', file: { location: name, path: name, size: 1 } })));
    let full = false;
    const pool = { busy: () => full, flush: () => {}, flushIfIdle: () => {} };
    const taken: [string, boolean][] = [];
    await eachChunk(
      listed(),
      { batches: 2, chunks: 2 },
      (input, inline) => {
        const name = 'file' in input ? input.file.location : '?';
        taken.push([name, inline]);
        // After 'a' the workers' queues are full; after 'b' a result comes back (a message, handled before the next
        // turn's immediates), so 'c' goes to a worker; 'd' finds them full again.
        if (name === 'a') full = true;
        if (name === 'b') setImmediate(() => (full = false));
        if (name === 'c') full = true;
        return Promise.resolve();
      },
      () => {},
      () => pool,
    );
    assert.deepEqual(taken, [
      ['a', false],
      ['b', true],
      ['c', false],
      ['d', true],
    ]);
  });

  it('holds at most two chunks of bytes per worker in flight, however many batches of files the workers hold', async () => {
    const chunks = Array.from({ length: 6 }, (_, at) => ({
      kind: 'chunk' as const,
      chunk: {
        location: `s3://b/${at}`,
        baseIndex: 0,
        data: new Uint8Array(1),
        compression: 'none' as const,
      },
    }));
    let held = 0;
    let most = 0;
    await eachChunk(
      Readable.from(chunks),
      { batches: 5, chunks: 2 },
      () => {
        most = Math.max(most, ++held);
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            held--;
            resolve();
          }),
        );
      },
      () => {},
    );
    assert.equal(most, 2);
  });

  it('reports a file that vanished between listing and reading, where it is read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-gone-'));
    try {
      const file = { location: join(dir, 'gone.json.gz'), path: join(dir, 'gone.json.gz'), size: 10 };
      const { engine, reading } = loadRuleSet({ builtin: true, paths: [] });
      const outcome = processInput({ file }, engine, reading);
      assert.ok('unreadable' in outcome);
      assert.equal(outcome.unreadable.code, 'not-found');
      assert.equal(outcome.unreadable.location, file.path);
      // The second pass has nothing to add from it, and does not throw.
      const baseline = processBaselineInput({ file }, { actors: ['x'], principalIds: ['x'], full: false });
      assert.deepEqual(
        baseline,
        processBaselineInput({ file }, { actors: [], principalIds: [], full: true }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
