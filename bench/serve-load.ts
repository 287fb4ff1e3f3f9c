// Load on the compiled `mfaguard serve`: single-event posts at a fixed rate, on SQLite and on PostgreSQL.
//
//   npm run build && node --import tsx bench/serve-load.ts [--rate 2000] [--seconds 10] [--baseline-rate 100]
//                                                         [--removal-share 0.01] [--store sqlite|postgres|both]
//
// Not a test: it prints figures. The load is open-loop (posts leave on a schedule whatever the answers do), and each
// latency is measured from the moment the post was due, so a stalled server shows in the figures instead of slowing
// the generator down (no coordinated omission). The baseline is the same mix at a quiet rate, in the same run, on
// the same store; ratios are to it. Post-to-alert: for removals, from the post being due to the 202 that carries
// the alert (the alert is committed with the event, before the answer).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  drive,
  eventBody,
  failures,
  fmt,
  MAIN,
  percentile,
  startServe,
  stopServe,
  withStore,
} from './serve-harness.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    'baseline-rate': { type: 'string', default: '100' },
    'removal-share': { type: 'string', default: '0.01' },
    store: { type: 'string', default: 'both' },
  },
});

function kindOf(i: number, removalShare: number): 'removal' | 'kept' | 'noise' {
  const every = Math.max(1, Math.round(1 / removalShare));
  if (i % every === 0) return 'removal';
  return i % 2 === 0 ? 'kept' : 'noise';
}

/** Posts `rate` events a second for `seconds`, each on its schedule; resolves with every sample. */
async function driveRate(url: string, rate: number, seconds: number, removalShare: number, offset: number) {
  const total = Math.round(rate * seconds);
  const schedule = Array.from({ length: total }, (_, i) => {
    const kind = kindOf(i, removalShare);
    return { atMs: (i / rate) * 1000, kind, body: eventBody(kind, offset + i, Date.now() - 60_000) };
  });
  const run = await drive(url, schedule);
  return { ...run, removals: schedule.filter((entry) => entry.kind === 'removal').length };
}

interface Figures {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly alertP99: number;
  readonly ok: number;
  readonly failed: number;
  readonly alerts: number;
  readonly achieved: number;
  /** The answers that were not 202, by status (see failures()). */
  readonly failures: string;
  /** p99 by kind of event: who is in the tail (a removal's triage, a kept event's write, an ignored event). */
  readonly p99ByKind: string;
}

function figures(run: Awaited<ReturnType<typeof driveRate>>): Figures {
  const all = run.samples.map((s) => s.ms).sort((a, b) => a - b);
  const alerting = run.samples
    .filter((s) => s.alerting)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const ok = run.samples.filter((s) => s.status === 202).length;
  return {
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    alertP99: percentile(alerting, 99),
    ok,
    failed: run.samples.length - ok,
    alerts: alerting.length,
    achieved: run.samples.length / run.wallS,
    failures: failures(run.samples),
    p99ByKind: (['removal', 'kept', 'noise'] as const)
      .map((kind) => {
        const times = run.samples
          .filter((s) => s.kind === kind)
          .map((s) => s.ms)
          .sort((a, b) => a - b);
        return `${kind} ${percentile(times, 99).toFixed(1)} ms`;
      })
      .join(', '),
  };
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const baselineRate = Number(args['baseline-rate']);
  const removalShare = Number(args['removal-share']);
  const stores =
    args.store === 'both' ? (['sqlite', 'postgres'] as const) : [args.store as 'sqlite' | 'postgres'];
  console.log(
    `serve-load: ${rate} ev/s for ${seconds} s (baseline ${baselineRate} ev/s), removals ${(removalShare * 100).toFixed(1)}%, ` +
      `half the rest kept (ListMFADevices), half ignored (EC2); load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    'store     run        ev/s    p50    p95    p99  alert-p99   202s  failed  alerts  p99/baseline',
  );
  for (const kind of stores) {
    await withStore(kind, async (storeUrl) => {
      const home = mkdtempSync(join(tmpdir(), 'mfaguard-bench-home-'));
      const { child, url } = await startServe(storeUrl, home);
      try {
        // Warm up (JIT, pool, statement caches), then the quiet baseline, then the load.
        await driveRate(url, baselineRate, 2, removalShare, 0);
        const base = figures(
          await driveRate(url, baselineRate, Math.max(3, seconds / 2), removalShare, 1_000_000),
        );
        const load = figures(await driveRate(url, rate, seconds, removalShare, 2_000_000));
        for (const [name, f] of [
          ['baseline', base],
          ['load', load],
        ] as const) {
          console.log(
            `${kind.padEnd(9)} ${name.padEnd(8)} ${f.achieved.toFixed(0).padStart(6)} ${fmt(f.p50)} ${fmt(f.p95)} ${fmt(f.p99)} ${fmt(f.alertP99)}     ${String(f.ok).padStart(6)} ${String(f.failed).padStart(7)} ${String(f.alerts).padStart(7)}  ${name === 'load' ? (f.p99 / base.p99).toFixed(1) + 'x' : ''}`,
          );
        }
        console.log(
          `${kind.padEnd(9)} not 202 (status or client error: count): baseline ${base.failures}; load ${load.failures}`,
        );
        console.log(`${kind.padEnd(9)} p99 by kind: baseline ${base.p99ByKind}; load ${load.p99ByKind}`);
        console.log(
          `${kind.padEnd(9)} goal p99 <= 50 ms for the POST at ${rate} ev/s: ${load.p99 <= 50 ? 'met' : 'not met'}`,
        );
      } finally {
        await stopServe(child);
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
  console.log(
    `load average after: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
}

await main();
