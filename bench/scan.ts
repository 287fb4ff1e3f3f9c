// Benchmark of `mfaguard scan` on a generated archive, beside the floor of a plain gunzip of the same files.
//
//   npm run bench -- [--events 3m] [--seed 1] [--days 7] [--regenerate] [--skip-scan] [--scan-arg ARG]...
//
// Not a test: it prints figures. The archive is cached in .bench/ (git-ignored) and reused when the options match.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
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
  stdout: string;
  stderr: string;
}> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { code, wallMs, peakRssKb: watcher.stop(), stdout, stderr };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(rows: readonly Row[], floorMbps: number): void {
  const header = ['step', 'wall', 'events/s', 'MB/s (JSON)', 'peak RSS', 'vs gunzip'];
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
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`\n${render(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const line of lines) process.stdout.write(render(line) + '\n');
  for (const r of rows) if (r.note !== undefined) process.stdout.write(`  ${r.step}: ${r.note}\n`);
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
  const dir = resolve(repoRoot, '.bench', `archive-${events}-s${seed}-d${days}`);
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
  if (generated !== null) rows.push(generated);
  rows.push({
    step: 'gunzip (floor)',
    wallMs: floor.gunzipMs,
    events: floor.records,
    bytes: floor.bytes,
    peakRssKb: floor.maxRssKb,
  });
  rows.push({
    step: 'gunzip + JSON.parse',
    wallMs: floor.parseMs,
    events: floor.records,
    bytes: floor.bytes,
    peakRssKb: floor.maxRssKb,
  });
  const floorMbps = floor.bytes / 1e6 / (floor.gunzipMs / 1000);

  // 3. The scan itself, as a user runs it.
  if (!values['skip-scan']) {
    // The AWSLogs/ tree only: ground-truth.json beside it is not CloudTrail.
    const scanArgs = [
      'bin/mfaguard.js',
      'scan',
      join(dir, 'AWSLogs'),
      '--format',
      'json',
      '--out',
      '/dev/null',
      ...values['scan-arg'],
    ];
    process.stdout.write(`scan: node ${scanArgs.join(' ')}\n`);
    const scan = await runChild(scanArgs);
    if (scan.code === 0 || scan.code === 1 || scan.code === 3) {
      rows.push({
        step: 'mfaguard scan',
        wallMs: scan.wallMs,
        events: truth.records.written,
        bytes: truth.bytes.uncompressed,
        peakRssKb: scan.peakRssKb,
        note: `exit ${scan.code}; ${scan.stderr.trim().split('\n').pop() ?? ''}`,
      });
    } else {
      const unknown = /unknown command 'scan'/.test(scan.stderr);
      process.stdout.write(
        unknown
          ? 'scan: `mfaguard scan` is not registered yet; generation and floor figures only.\n'
          : `scan: failed with exit ${String(scan.code)}:\n${scan.stderr.trim().split('\n').slice(-15).join('\n')}\n`,
      );
      process.exitCode = 1;
    }
  }
  printTable(rows, floorMbps);
}

await main();
