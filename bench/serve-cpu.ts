// CPU per event of the compiled `mfaguard serve`: a fixed number of single-event posts, closed-loop at a fixed
// concurrency, and the server's CPU time across them (from /proc). On a shared, loaded machine latencies measure the
// neighbours; CPU per event measures the server, so two builds can be compared there (MFAGUARD_BENCH_MAIN picks one).
// The main thread's share is printed apart: it bounds capacity, whatever other threads do beside it.
//
//   npm run build && node --import tsx bench/serve-cpu.ts [--events 4000] [--concurrency 32] [--store sqlite|postgres]
//                                                        [--removal-share 0.01]

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { EventKind } from './serve-harness.ts';
import { cpuMsOf, eventBody, INGEST_TOKEN, MAIN, startServe, stopServe, withStore } from './serve-harness.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '32' },
    store: { type: 'string', default: 'sqlite' },
    'removal-share': { type: 'string', default: '0.01' },
  },
});

/** Posts every body, `concurrency` at a time; the answers' statuses (0: no answer, with the error's code). */
async function post(
  url: string,
  bodies: readonly string[],
  concurrency: number,
): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      let status: string;
      try {
        const response = await fetch(`${url}/ingest/eventbridge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
          body,
        });
        await response.arrayBuffer();
        status = String(response.status);
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        status = `0 (${cause?.code ?? String(error)})`;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

function bodies(count: number, removalShare: number, offset: number): string[] {
  const every = Math.max(1, Math.round(1 / removalShare));
  return Array.from({ length: count }, (_, i) => {
    const kind: EventKind = i % every === 0 ? 'removal' : i % 2 === 0 ? 'kept' : 'noise';
    return eventBody(kind, offset + i, Date.now() - 60_000);
  });
}

/**
 * CPU time (ms) so far of each PostgreSQL backend serving the bench's database, by pid (from /proc: the server runs
 * on this machine). The server's parse, plan and execute work per statement shows here, not in mfaguard's process.
 * A backend that exits between two readings takes its CPU with it (the pool keeps them while the load lasts).
 */
async function backendCpu(storeUrl: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!storeUrl.startsWith('postgres')) return out;
  const client = new pg.Client({ connectionString: storeUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    );
    for (const { pid } of rows) out.set(pid, cpuMsOf(pid) ?? 0);
  } finally {
    await client.end();
  }
  return out;
}

const events = Number(args.events);
const concurrency = Number(args.concurrency);
const share = Number(args['removal-share']);
await withStore(args.store as 'sqlite' | 'postgres', async (storeUrl) => {
  const home = mkdtempSync(join(tmpdir(), 'mfaguard-bench-home-'));
  const { child, url } = await startServe(storeUrl, home);
  try {
    await post(url, bodies(500, share, 0), concurrency);
    const backendsBefore = await backendCpu(storeUrl);
    const before = cpuMsOf(child.pid);
    const mainBefore = cpuMsOf(child.pid, 'main-thread');
    const start = performance.now();
    const statuses = await post(url, bodies(events, share, 1_000_000), concurrency);
    const wallS = (performance.now() - start) / 1000;
    const cpuMs = (cpuMsOf(child.pid) ?? Number.NaN) - (before ?? Number.NaN);
    const mainMs = (cpuMsOf(child.pid, 'main-thread') ?? Number.NaN) - (mainBefore ?? Number.NaN);
    const backendsAfter = await backendCpu(storeUrl);
    let backendMs = 0;
    for (const [pid, ms] of backendsAfter) backendMs += ms - (backendsBefore.get(pid) ?? 0);
    console.log(
      `${MAIN} ${args.store}: ${events} events, concurrency ${concurrency}: server CPU ${(cpuMs / events).toFixed(3)} ms/event ` +
        `(main thread ${(mainMs / events).toFixed(3)}), ` +
        (args.store === 'postgres'
          ? `PostgreSQL backends ${(backendMs / events).toFixed(3)} ms/event (${backendsAfter.size} connections), `
          : '') +
        `${(events / wallS).toFixed(0)} ev/s, statuses ${JSON.stringify(Object.fromEntries(statuses))}; load ${loadavg()
          .map((v) => v.toFixed(2))
          .join(' ')}`,
    );
  } finally {
    await stopServe(child);
    rmSync(home, { recursive: true, force: true });
  }
});
