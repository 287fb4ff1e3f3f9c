// Benchmark of `mfaguard scan` (the compiled dist/) on a generated archive, in one run beside: the floor of a plain
// gunzip, and the prefilter baseline of issue 11 (bench/prefilter-baseline.mjs: 2 worker threads, 1 MiB zlib chunks,
// indexOf for the event name, JSON.parse around hits). Scan runs with the built-in rules, then with all corpus rules.
//
//   npm run build && npm run bench -- [--events 1m] [--seed 1] [--days 7] [--dir /tmp/mfaguard-bench]
//                                      [--corpus ../shared/corpus] [--regenerate] [--skip-scan] [--scan-arg ARG]...
//
// Not a test: it prints figures. The archive is cached under --dir (outside the repository) and reused when the
// options match.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { checkGroundTruth } from '../src/app/index.ts';
import { GENERATOR_ID, generateArchive } from '../src/generate/index.ts';
import type { GroundTruth } from '../src/generate/index.ts';

const gunzip = promisify(gunzipCallback);
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

interface FloorResult {
  readonly files: number;
  readonly compressedBytes: number;
  readonly bytes: number;
  readonly gunzipMs: number;
  readonly parseMs: number;
  readonly records: number;
  readonly maxRssKb: number;
}

interface Row {
  readonly step: string;
  readonly wallMs: number;
  readonly events: number;
  readonly bytes: number;
  readonly peakRssKb: number | null;
  /** CPU seconds of every thread of the child (user + system), when it reported them. */
  readonly cpuMs?: number | null;
  readonly note?: string;
}

function parseCount(value: string): number {
  const m = /^(\d[\d_]*(?:\.\d+)?)(k|m)?$/i.exec(value);
  if (m === null) throw new Error(`--events must look like 200000, 200k or 3m; got '${value}'`);
  const unit = (m[2] ?? '').toLowerCase();
  return Math.round(Number((m[1] ?? '').replace(/_/g, '')) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}

function logFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (
        entry.name.includes('_CloudTrail_') &&
        (entry.name.endsWith('.json.gz') || entry.name.endsWith('.json'))
      )
        out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

/** Child mode: gunzip every log file (4 at a time on libuv's threads), then once more with JSON.parse; reports its own peak RSS. */
async function measureFloor(dir: string): Promise<void> {
  const files = logFiles(dir);
  let compressedBytes = 0;
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      if (file === undefined) return;
      const raw = await readFile(file);
      compressedBytes += raw.length;
      const data = file.endsWith('.gz') ? await gunzip(raw) : raw;
      bytes += data.length;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const gunzipMs = performance.now() - started;

  let records = 0;
  next = 0;
  const parseStarted = performance.now();
  const parser = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      if (file === undefined) return;
      const raw = await readFile(file);
      const data = file.endsWith('.gz') ? await gunzip(raw) : raw;
      const body = JSON.parse(data.toString('utf8')) as { Records?: unknown[] };
      records += body.Records?.length ?? 0;
    }
  };
  await Promise.all(Array.from({ length: 4 }, parser));
  const parseMs = performance.now() - parseStarted;
  const result: FloorResult = {
    files: files.length,
    compressedBytes,
    bytes,
    gunzipMs,
    parseMs,
    records,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Peak RSS of a running process from /proc (VmHWM), polled; null where /proc is missing. */
function watchPeakRss(pid: number): { stop: () => number | null } {
  let peak: number | null = null;
  const read = (): void => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m !== null) peak = Math.max(peak ?? 0, Number(m[1]));
    } catch {
      // The process has exited or /proc does not exist.
    }
  };
  read();
  const timer = setInterval(read, 25);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

async function runChild(args: readonly string[]): Promise<{
  code: number | null;
  wallMs: number;
  peakRssKb: number | null;
  cpuMs: number | null;
  stdout: string;
  stderr: string;
}> {
  const started = performance.now();
  const cpuDir = mkdtempSync(join(tmpdir(), 'mfaguard-bench-cpu-'));
  const cpuFile = join(cpuDir, 'cpu.json');
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MFAGUARD_BENCH_CPU_FILE: cpuFile },
  });
  const watcher = watchPeakRss(child.pid ?? -1);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.on('error', reject);
    child.on('close', (exit) => resolveExit(exit));
  });
  const wallMs = performance.now() - started;
  let cpuMs: number | null = null;
  try {
    cpuMs = (JSON.parse(readFileSync(cpuFile, 'utf8')) as { cpuMs: number }).cpuMs;
  } catch {
    // The child did not report (the floor, or it crashed).
  }
  rmSync(cpuDir, { recursive: true, force: true });
  return { code, wallMs, peakRssKb: watcher.stop(), cpuMs, stdout, stderr };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(
  rows: readonly Row[],
  floorMbps: number,
  baselineMbps: number | null,
  baselineCpuMs: number | null,
): void {
  const header = [
    'step',
    'wall',
    'events/s',
    'MB/s (JSON)',
    'peak RSS',
    'vs gunzip',
    'vs baseline',
    'CPU',
    'CPU vs baseline',
  ];
  const lines = rows.map((r) => {
    const seconds = r.wallMs / 1000;
    const mbps = r.bytes / 1e6 / seconds;
    return [
      r.step,
      `${fmt(seconds, 2)} s`,
      fmt(r.events / seconds),
      fmt(mbps, 1),
      r.peakRssKb === null ? '-' : `${fmt(r.peakRssKb / 1024)} MB`,
      `${fmt(mbps / floorMbps, 2)}x`,
      baselineMbps === null ? '-' : `${fmt(mbps / baselineMbps, 2)}x`,
      r.cpuMs === undefined || r.cpuMs === null ? '-' : `${fmt(r.cpuMs / 1000, 2)} s`,
      // Baseline CPU over this step's CPU: like the MB/s ratio, 1.00x is as cheap as the baseline, higher is better.
      r.cpuMs === undefined || r.cpuMs === null || baselineCpuMs === null
        ? '-'
        : `${fmt(baselineCpuMs / r.cpuMs, 2)}x`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`\n${render(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const line of lines) process.stdout.write(render(line) + '\n');
  for (const r of rows) if (r.note !== undefined) process.stdout.write(`  ${r.step}: ${r.note}\n`);
}

/** Each figure as soon as it is measured: a later step that fails must not lose it. */
function announce(row: Row): void {
  const seconds = row.wallMs / 1000;
  process.stdout.write(
    `  -> ${row.step}: ${fmt(seconds, 2)} s, ${fmt(row.bytes / 1e6 / seconds, 1)} MB/s, ` +
      `${row.peakRssKb === null ? '-' : fmt(row.peakRssKb / 1024)} MB peak RSS` +
      `${row.cpuMs === undefined || row.cpuMs === null ? '' : `, ${fmt(row.cpuMs / 1000, 2)} s CPU`}` +
      `${row.note === undefined ? '' : `; ${row.note}`}\n`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '3m' },
      seed: { type: 'string', default: '1' },
      days: { type: 'string', default: '7' },
      regenerate: { type: 'boolean', default: false },
      'skip-scan': { type: 'boolean', default: false },
      'scan-arg': { type: 'string', multiple: true, default: [] },
      dir: { type: 'string', default: join(tmpdir(), 'mfaguard-bench') },
      corpus: { type: 'string', default: resolve(repoRoot, '..', 'shared', 'corpus') },
      'skip-corpus': { type: 'boolean', default: false },
      'measure-floor': { type: 'string' },
    },
  });
  if (values['measure-floor'] !== undefined) {
    await measureFloor(values['measure-floor']);
    return;
  }
  const events = parseCount(values.events);
  const seed = Number(values.seed);
  const days = Number(values.days);
  const dir = resolve(values.dir, `archive-${events}-s${seed}-d${days}`);
  const cli = join(repoRoot, 'bench', 'run-dist.mjs');
  if (!values['skip-scan'] && !existsSync(join(repoRoot, 'dist', 'cli', 'main.js')))
    throw new Error('the benchmark times the compiled dist/: run `npm run build` first');
  const truthPath = join(dir, 'ground-truth.json');
  process.stdout.write(
    `mfaguard scan benchmark — node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );

  // 1. The archive: reused when a finished one (ground truth is written last) with the same options exists.
  let truth: GroundTruth;
  let generated: Row | null = null;
  const cached =
    !values.regenerate && existsSync(truthPath)
      ? (JSON.parse(readFileSync(truthPath, 'utf8')) as GroundTruth)
      : null;
  if (cached !== null && cached.generator === GENERATOR_ID) {
    truth = cached;
    process.stdout.write(`archive: reusing ${dir}\n`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`archive: generating ${fmt(events)} events over ${days} days into ${dir} ...\n`);
    const started = performance.now();
    let lastReport = started;
    truth = await generateArchive({
      outDir: dir,
      seed,
      events,
      start: '2024-03-04',
      days,
      onProgress: ({ records }) => {
        const now = performance.now();
        if (now - lastReport > 5000) {
          lastReport = now;
          process.stdout.write(
            `  ${fmt(records)} records, ${fmt(records / ((now - started) / 1000))} events/s\n`,
          );
        }
      },
    });
    generated = {
      step: 'generate',
      wallMs: performance.now() - started,
      events: truth.records.written,
      bytes: truth.bytes.uncompressed,
      peakRssKb: process.resourceUsage().maxRSS,
      note: 'bench process; the vs-gunzip column means little here',
    };
  }
  process.stdout.write(
    `archive: ${fmt(truth.records.written)} records (${fmt(truth.records.unique)} unique) in ${fmt(truth.files.logs)} files, ` +
      `${fmt(truth.bytes.uncompressed / 1e6, 1)} MB JSON, ${fmt(truth.bytes.written / 1e6, 1)} MB gzipped, ` +
      `${truth.expectedAlerts.total} expected alerts\n`,
  );

  // 2. The floor, in a child process so its peak RSS is its own.
  const floorRun = await runChild([
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--measure-floor',
    dir,
  ]);
  if (floorRun.code !== 0) throw new Error(`floor measurement failed:\n${floorRun.stderr}`);
  const floor = JSON.parse(floorRun.stdout.trim().split('\n').pop() ?? '{}') as FloorResult;
  if (floor.records !== truth.records.written) {
    throw new Error(`floor read ${floor.records} records, ground truth says ${truth.records.written}`);
  }
  const rows: Row[] = [];
  const record = (row: Row): void => {
    announce(row);
    rows.push(row);
  };
  if (generated !== null) rows.push(generated);
  record({
    step: 'gunzip (floor)',
    wallMs: floor.gunzipMs,
    events: floor.records,
    bytes: floor.bytes,
    peakRssKb: floor.maxRssKb,
  });
  record({
    step: 'gunzip + JSON.parse',
    wallMs: floor.parseMs,
    events: floor.records,
    bytes: floor.bytes,
    peakRssKb: floor.maxRssKb,
  });
  const floorMbps = floor.bytes / 1e6 / (floor.gunzipMs / 1000);

  // 3. The prefilter baseline: the plain script scan is held to (0.8x), in its own process for its own peak RSS.
  const baselineRun = await runChild([
    join(repoRoot, 'bench', 'prefilter-baseline.mjs'),
    join(dir, 'AWSLogs'),
  ]);
  if (baselineRun.code !== 0) throw new Error(`prefilter baseline failed:\n${baselineRun.stderr}`);
  const baseline = JSON.parse(baselineRun.stdout.trim()) as { bytes: number; hits: number; wallMs: number };
  record({
    step: 'prefilter baseline',
    wallMs: baselineRun.wallMs,
    events: floor.records,
    bytes: baseline.bytes,
    peakRssKb: baselineRun.peakRssKb,
    cpuMs: baselineRun.cpuMs,
    note: `${baseline.hits} DeactivateMFADevice records found`,
  });
  const baselineMbps = baseline.bytes / 1e6 / (baselineRun.wallMs / 1000);

  // 4. The scan itself, as a user runs it (the compiled CLI), with the built-in rules and then every corpus rule.
  if (!values['skip-scan']) {
    const out = mkdtempSync(join(tmpdir(), 'mfaguard-bench-out-'));
    const corpusRules = [
      join(values.corpus, 'elastic', 'rules', 'integrations', 'aws'),
      join(values.corpus, 'sigma', 'rules', 'cloud', 'aws', 'cloudtrail'),
    ].filter((path) => existsSync(path));
    const variants: [string, string[]][] = [
      ['scan (built-in rules)', []],
      ...(corpusRules.length === 0 || values['skip-corpus']
        ? []
        : [
            ['scan (+ all corpus rules)', corpusRules.flatMap((path) => ['--rules', path])] as [
              string,
              string[],
            ],
          ]),
    ];
    let builtinMs: number | null = null;
    for (const [step, extra] of variants) {
      // The AWSLogs/ tree only: ground-truth.json beside it is not CloudTrail.
      // Only the built-in run is checked against the ground truth: the corpus rules can raise millions of alerts.
      const checked = extra.length === 0;
      const outFile = checked ? join(out, 'builtin.json') : '/dev/null';
      const scanArgs = [
        cli,
        'scan',
        join(dir, 'AWSLogs'),
        '--format',
        'json',
        '--out',
        outFile,
        ...extra,
        ...values['scan-arg'],
      ];
      process.stdout.write(`${step}: node ${scanArgs.join(' ')}\n`);
      const scan = await runChild(scanArgs);
      if (scan.code !== 0 && scan.code !== 1 && scan.code !== 3) {
        process.stdout.write(
          `${step}: failed with exit ${String(scan.code)}:\n${scan.stderr.trim().split('\n').slice(-15).join('\n')}\n`,
        );
        process.exitCode = 1;
        continue;
      }
      const check = checked
        ? checkGroundTruth(
            (JSON.parse(readFileSync(outFile, 'utf8')) as { alerts: Parameters<typeof checkGroundTruth>[0] })
              .alerts,
            truth,
          )
        : null;
      builtinMs ??= scan.wallMs;
      record({
        step,
        wallMs: scan.wallMs,
        events: truth.records.written,
        bytes: truth.bytes.uncompressed,
        peakRssKb: scan.peakRssKb,
        cpuMs: scan.cpuMs,
        note:
          `exit ${scan.code}; ` +
          (check === null
            ? ''
            : `ground truth ${check.found}/${check.expected} found` +
              (check.missing.length === 0 ? '' : ` (missing ${check.missing.slice(0, 3).join('; ')})`) +
              '; ') +
          `${fmt(scan.wallMs / builtinMs, 2)}x the built-in time; ${scan.stderr.trim().split('\n').pop() ?? ''}`,
      });
    }
    rmSync(out, { recursive: true, force: true });
  }
  printTable(rows, floorMbps, baselineMbps, baselineRun.cpuMs);
  process.stdout.write(
    `load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}: on a loaded machine trust the CPU columns more than the wall-time ones\n`,
  );
}

await main();
