// A burst during load on the compiled `mfaguard serve`: removals by one caller interleaved with noise, single-event
// posts, on SQLite and on PostgreSQL.
//
//   npm run build && node --import tsx bench/serve-burst.ts [--rate 2000] [--seconds 10] [--removals 500]
//                                                          [--store sqlite|postgres|both]
//
// Not a test: it prints figures. Each store runs the same noise twice in one invocation, on one server: without a
// burst (the baseline), then with `--removals` removals by one caller spread over the run (one burst: every removal
// changes every earlier one's alert). Per-event p50/p95/p99 of both runs and the ratio of the burst run to the
// baseline (the target: p99 within 2x); the noise's own p99 and the removals' are shown apart, since removals wait
// for the re-triage of their chain and noise must not. Open-loop driver: see serve-harness.ts. On a machine other
// work is loading, the absolute figures are noisy; the ratios, taken minutes apart on the same server, less so.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EventKind, Sample } from './serve-harness.ts';
import {
  cpuMsOf,
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
    removals: { type: 'string', default: '500' },
    store: { type: 'string', default: 'both' },
  },
});

/** Noise at `rate` for `seconds` (half kept ListMFADevices, half ignored EC2, each by its own caller), plus the burst. */
function schedule(rate: number, seconds: number, removals: number, offset: number) {
  const at = Date.now() - 60_000;
  const total = Math.round(rate * seconds);
  const entries: { atMs: number; kind: EventKind; body: string }[] = Array.from({ length: total }, (_, i) => {
    const kind: EventKind = i % 2 === 0 ? 'kept' : 'noise';
    return { atMs: (i / rate) * 1000, kind, body: eventBody(kind, offset + i, at) };
  });
  for (let i = 0; i < removals; i++) {
    entries.push({
      atMs: ((i + 0.5) / removals) * seconds * 1000,
      kind: 'removal',
      // Event times a second apart: one caller, one chain, one burst.
      body: eventBody('removal', offset + total + i, at + i * 1000, 'burst-caller'),
    });
  }
  return entries.sort((a, b) => a.atMs - b.atMs);
}

interface Figures {
  readonly achieved: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly noiseP99: number;
  readonly removalP99: number;
  readonly failed: number;
  /** CPU seconds the server used for the run, null where /proc is missing. */
  readonly cpuS: number | null;
  /** The answers that were not 202, by status (see failures()). */
  readonly failures: string;
}

function figures(run: { samples: Sample[]; wallS: number }, cpuMs: number | null): Figures {
  const sorted = (list: readonly Sample[]) => list.map((s) => s.ms).sort((a, b) => a - b);
  const all = sorted(run.samples);
  return {
    achieved: run.samples.length / run.wallS,
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    noiseP99: percentile(sorted(run.samples.filter((s) => s.kind !== 'removal')), 99),
    removalP99: percentile(sorted(run.samples.filter((s) => s.kind === 'removal')), 99),
    failed: run.samples.filter((s) => s.status !== 202).length,
    cpuS: cpuMs === null ? null : cpuMs / 1000,
    failures: failures(run.samples),
  };
}

/** A run's figures, with the server's CPU time across it (the run, and its waiting for the answers). */
async function measured(pid: number | undefined, run: () => ReturnType<typeof drive>): Promise<Figures> {
  const before = cpuMsOf(pid);
  const result = await run();
  const after = cpuMsOf(pid);
  return figures(result, before === null || after === null ? null : after - before);
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const removals = Number(args.removals);
  const stores =
    args.store === 'both' ? (['sqlite', 'postgres'] as const) : [args.store as 'sqlite' | 'postgres'];
  console.log(
    `serve-burst: ${rate} ev/s noise for ${seconds} s, then the same with ${removals} removals by one caller; ` +
      `load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    'store     run         ev/s    p50    p95    p99  noise-p99  removal-p99  failed  cpu-s  p99/base  noise-p99/base  cpu/base',
  );
  for (const kind of stores) {
    await withStore(kind, async (storeUrl) => {
      const home = mkdtempSync(join(tmpdir(), 'mfaguard-bench-home-'));
      const { child, url } = await startServe(storeUrl, home);
      try {
        // Warm-up (JIT, pool, statement caches), then the baseline, then the burst run.
        await drive(url, schedule(200, 2, 0, 0));
        const base = await measured(child.pid, () => drive(url, schedule(rate, seconds, 0, 1_000_000)));
        const burst = await measured(child.pid, () =>
          drive(url, schedule(rate, seconds, removals, 2_000_000)),
        );
        for (const [name, f] of [
          ['no burst', base],
          ['burst', burst],
        ] as const) {
          const ratios =
            name === 'burst'
              ? `${(f.p99 / base.p99).toFixed(1).padStart(7)}x ${(f.noiseP99 / base.noiseP99).toFixed(1).padStart(14)}x ${
                  f.cpuS === null || base.cpuS === null
                    ? ''
                    : `${(f.cpuS / base.cpuS).toFixed(1).padStart(8)}x`
                }`
              : '';
          const cpu = f.cpuS === null ? '    n/a' : f.cpuS.toFixed(1).padStart(7);
          console.log(
            `${kind.padEnd(9)} ${name.padEnd(9)} ${f.achieved.toFixed(0).padStart(6)} ${fmt(f.p50)} ${fmt(f.p95)} ${fmt(f.p99)}     ${fmt(f.noiseP99)}       ${fmt(f.removalP99)} ${String(f.failed).padStart(7)} ${cpu} ${ratios}`,
          );
        }
        console.log(
          `${kind.padEnd(9)} not 202 (status or client error: count): no burst ${base.failures}; burst ${burst.failures}`,
        );
        console.log(
          `${kind.padEnd(9)} target p99 within 2x of the run without a burst: ${burst.p99 <= 2 * base.p99 ? 'met' : 'not met'}`,
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
