// Throughput of several compiled `mfaguard serve` workers sharing one PostgreSQL and one SQS queue.
//
//   npm run bench:workers [-- --events 20000 --workers 1,2,3]
//
// Not a test: it prints figures. For each worker count, a fresh world (database, queue, bucket) gets the same kind
// of workload as the multi-worker chaos test (CloudTrail files announced by S3 notifications, EventBridge events,
// duplicates across messages); the workers start on an empty queue, then the messages are sent and the clock runs
// until the queue is empty, every kept event is stored and every notification is sent. The baseline is one worker,
// measured in the same run; ratios are to it. Everything (SQS server, S3, PostgreSQL, receiver, workers) shares this
// machine's cores, so the ratios say how the work divides, not how it would scale on separate machines.

import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresProblem } from '../src/store/test-support/postgres.ts';
import type { ServeProcess } from '../test/chaos/test-support/serve-process.ts';
import {
  prepareWorkload,
  readOutcome,
  sendWorkload,
  startWorker,
  startWorkersWorld,
} from '../test/chaos/test-support/workers-world.ts';

const ENTRY = fileURLToPath(new URL('./run-dist.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '1,2,3' },
    removals: { type: 'string', default: '40' },
  },
});

interface Run {
  readonly workers: number;
  readonly seconds: number;
  readonly events: number;
  readonly messages: number;
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function measure(workerCount: number, events: number, removals: number): Promise<Run> {
  const world = await startWorkersWorld();
  const workers: ServeProcess[] = [];
  try {
    const workload = await prepareWorkload(world, { events, removals });
    for (let i = 0; i < workerCount; i++) workers.push(await startWorker(world, { entry: ENTRY }));
    const started = performance.now();
    await sendWorkload(world, workload);
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const depth = await world.queueDepth();
      if (depth.visible === 0 && depth.inFlight === 0) {
        const outcome = await readOutcome(world.db.url);
        const pending = outcome.outbox.filter((row) => row.state === 'pending').length;
        if (outcome.eventIds.length >= workload.keptIds.size && pending === 0) break;
      }
      if (Date.now() > deadline) throw new Error(`${workerCount} worker(s) did not finish within 30 minutes`);
      for (const worker of workers) {
        if (worker.ended() !== null) throw new Error(`a worker died:\n${worker.output().slice(-2000)}`);
      }
      await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      workers: workerCount,
      seconds,
      events: workload.records.length,
      messages: workload.bodies.length,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await world.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(DIST))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:workers does)');
  const problem = await postgresProblem();
  if (problem !== null) throw new Error(problem);
  const events = Number(args.events);
  const removals = Number(args.removals);
  const counts = args.workers.split(',').map(Number);
  if (!Number.isInteger(events) || events < 100 || counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error('--events must be a whole number of at least 100, --workers a list such as 1,2,3');
  }
  console.log(`machine: ${cpus().length} cores; load average before: ${load()}`);
  const runs: Run[] = [];
  for (const count of counts) {
    const run = await measure(count, events, removals);
    runs.push(run);
    console.log(
      `${count} worker(s): ${run.seconds.toFixed(1)} s for ${run.messages} messages, ` +
        `${Math.round(run.events / run.seconds)} events/s (load average now ${load()})`,
    );
  }
  const baseline = runs[0]!;
  console.log('\nworkers  seconds  events/s  speed-up vs the first');
  for (const run of runs) {
    console.log(
      `${String(run.workers).padStart(7)}  ${run.seconds.toFixed(1).padStart(7)}  ` +
        `${String(Math.round(run.events / run.seconds)).padStart(8)}  ${(baseline.seconds / run.seconds).toFixed(2)}x`,
    );
  }
  console.log(
    `load average after: ${load()} (figures taken while other work runs on this machine are noisy)`,
  );
}

await main();
