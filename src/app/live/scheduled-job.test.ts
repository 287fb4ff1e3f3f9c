// Tests for scheduled jobs on several workers: real SQLite store, a clock and pauses the test moves by hand.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import type { LiveLogEntry } from './live-service.ts';
import { runScheduledJob } from './scheduled-job.ts';

const T0 = Date.UTC(2024, 0, 2, 12, 0, 0);
const home = mkdtempSync(join(tmpdir(), 'mfaguard-jobs-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** Pauses that end only when the test says so (or the worker stops). */
function manualPauses() {
  const waiting = new Set<() => void>();
  return {
    sleep: (_ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const done = () => {
          waiting.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        waiting.add(done);
        signal.addEventListener('abort', done, { once: true });
      }),
    waiting: () => waiting.size,
    /** Ends every pause in progress. */
    release: () => {
      for (const done of [...waiting]) done();
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), 'condition not reached');
}

interface Worker {
  readonly id: string;
  readonly stop: AbortController;
  readonly done: Promise<{ runs: number }>;
  runs: number;
}

function startWorker(
  id: string,
  store: Store,
  clock: () => number,
  pauses: ReturnType<typeof manualPauses>,
  logs: LiveLogEntry[],
): Worker {
  const stop = new AbortController();
  const worker: { runs: number } = { runs: 0 };
  const done = runScheduledJob(stop.signal, {
    name: 'tick',
    store,
    workerId: id,
    clock,
    intervalMs: 10_000,
    leaseMs: 30_000,
    run: () => {
      worker.runs++;
      return Promise.resolve();
    },
    log: (entry) => logs.push({ ...entry, worker: id }),
    sleep: pauses.sleep,
  });
  return Object.assign(worker, { id, stop, done });
}

void describe('runScheduledJob', () => {
  void it('runs on one worker at a time; a stopped holder hands over at once, a crashed one after its lease', async () => {
    // Two store instances on one file, as two processes would have.
    const url = `sqlite:${join(home, 'jobs.db')}`;
    const stores = [await openStore(url), await openStore(url), await openStore(url)];
    let now = T0;
    const clock = () => now;
    const pauses = manualPauses();
    const logs: LiveLogEntry[] = [];
    const a = startWorker('a', stores[0]!, clock, pauses, logs);
    const b = startWorker('b', stores[1]!, clock, pauses, logs);
    for (let round = 1; round <= 5; round++) {
      await until(() => pauses.waiting() === 2);
      assert.equal(a.runs + b.runs, round, `round ${round}: one run in all`);
      now += 10_000;
      pauses.release();
    }
    await until(() => pauses.waiting() === 2);
    const [holder, other] = a.runs > 0 ? [a, b] : [b, a];
    assert.equal(other.runs, 0, 'the other worker never ran it');
    assert.equal(holder.runs, 6);

    // A graceful stop releases the lease: the other worker takes the job at its next look, with no lease to wait.
    holder.stop.abort();
    assert.equal((await holder.done).runs, 6);
    now += 10_000;
    pauses.release();
    await until(() => pauses.waiting() === 1 && other.runs === 1);

    // A worker that "crashes" (stops without releasing) keeps the job from the others until its lease runs out.
    const c = startWorker('c', stores[2]!, clock, pauses, logs);
    await until(() => pauses.waiting() === 2);
    assert.equal(c.runs, 0);
    const crashed = await stores[1]!.getJobLease('tick');
    assert.equal(crashed?.holder, other.id);
    other.stop.abort();
    await other.done;
    // Put the lease back as a crash would leave it (a graceful stop released it).
    assert.equal(
      await stores[1]!.acquireJobLease({ name: 'tick', workerId: other.id, leaseMs: 30_000, nowMs: now }),
      true,
    );
    for (const step of [10_000, 10_000]) {
      now += step;
      pauses.release();
      await until(() => pauses.waiting() === 1);
      assert.equal(c.runs, 0, 'the lease still runs');
    }
    now += 10_000;
    pauses.release();
    await until(() => c.runs === 1 && pauses.waiting() === 1);
    c.stop.abort();
    await c.done;
    assert.ok(logs.some((entry) => entry.msg === 'scheduled job taken' && entry['worker'] === 'c'));
    for (const store of stores) await store.close();
  });

  void it('logs a failing run and keeps going', async () => {
    const store = await openStore('sqlite::memory:');
    const pauses = manualPauses();
    const logs: LiveLogEntry[] = [];
    const stop = new AbortController();
    let calls = 0;
    const done = runScheduledJob(stop.signal, {
      name: 'tick',
      store,
      workerId: 'a',
      clock: () => T0,
      intervalMs: 1_000,
      run: () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('database went away')) : Promise.resolve();
      },
      log: (entry) => logs.push(entry),
      sleep: pauses.sleep,
    });
    await until(() => pauses.waiting() === 1);
    pauses.release();
    await until(() => calls === 2 && pauses.waiting() === 1);
    stop.abort();
    assert.deepEqual(await done, { runs: 1 });
    assert.ok(
      logs.some(
        (entry) => entry.msg === 'scheduled job failed' && /database went away/.test(String(entry['error'])),
      ),
    );
    assert.equal((await store.getJobLease('tick'))?.until, 0, 'released on stop');
    await store.close();
  });
});
