// Benchmark of `mfaguard hunt --engine duckdb` beside `mfaguard scan` on the same generated archive, both from the compiled dist/.
//
//   npm run build && node --import tsx bench/hunt.ts [--events 500k] [--seed 7] [--days 3] [--runs 3]
//
// Not a test: it prints figures, with scan as the baseline measured in the same run. The archive is cached in
// .bench/ (git-ignored) and reused when the options match.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateArchive } from '../src/generate/index.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '500k' },
    seed: { type: 'string', default: '7' },
    days: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
  },
});
const events = Number(values.events.replace(/k$/i, '000').replace(/m$/i, '000000'));
const runs = Math.max(1, Number(values.runs));
const archive = join(repoRoot, '.bench', `hunt-${events}-s${values.seed}-d${values.days}`);
const main = join(repoRoot, 'dist', 'cli', 'main.js');
if (!existsSync(main)) throw new Error('run `npm run build` first: the benchmark times the compiled dist/');

if (!existsSync(join(archive, 'ground-truth.json'))) {
  console.log(`generating ${events} events into ${archive} …`);
  await generateArchive({
    outDir: archive,
    seed: Number(values.seed),
    events,
    start: '2024-03-04',
    days: Number(values.days),
    deliveryMinutes: 60,
    recordsPerFile: 5000,
  });
}

/** One command in a child process, as a user runs it; the alerts' count is read back to check both agree. */
async function time(args: readonly string[]): Promise<{ ms: number; alerts: number }> {
  const script = `import(${JSON.stringify(main)}).then((m) => m.main(${JSON.stringify(args)}))`;
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  await new Promise((resolve) => child.on('close', resolve));
  return { ms: performance.now() - started, alerts: out.split('\n').filter((line) => line !== '').length };
}

const logs = join(archive, 'AWSLogs');
const scanMs: number[] = [];
const huntMs: number[] = [];
let alerts = { scan: 0, hunt: 0 };
for (let i = 0; i < runs; i++) {
  const scan = await time(['scan', logs, '--format', 'ndjson', '--quiet', '--workers', '0']);
  const hunt = await time(['hunt', logs, '--format', 'ndjson', '--quiet']);
  scanMs.push(scan.ms);
  huntMs.push(hunt.ms);
  alerts = { scan: scan.alerts, hunt: hunt.alerts };
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${events} events; ${runs} runs each`,
);
console.log(`scan (baseline, main thread)  ${median(scanMs).toFixed(0)} ms   ${alerts.scan} alerts`);
console.log(`hunt --engine duckdb          ${median(huntMs).toFixed(0)} ms   ${alerts.hunt} alerts`);
console.log(`ratio hunt / scan             ${(median(huntMs) / median(scanMs)).toFixed(2)}`);
