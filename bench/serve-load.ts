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

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(repoRoot, 'dist', 'cli', 'main.js');
const INGEST_TOKEN = 'bench-ingest-token-0123456789';
const PG_ADMIN_URL = process.env['MFAGUARD_BENCH_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const FIXTURE = JSON.parse(
  readFileSync(
    join(repoRoot, 'rules/fixtures/iam-mfa-device-deactivated/must-fire/assumed-role-cli-other-user.json'),
    'utf8',
  ),
) as Record<string, unknown>;

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    'baseline-rate': { type: 'string', default: '100' },
    'removal-share': { type: 'string', default: '0.01' },
    store: { type: 'string', default: 'both' },
  },
});

interface Sample {
  readonly ms: number;
  readonly status: number;
  readonly alerting: boolean;
}

/** One EventBridge event: a removal by its own actor on its own user, an IAM list call (kept) or EC2 noise (ignored). */
function eventBody(kind: 'removal' | 'kept' | 'noise', n: number, at: number): string {
  const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const identity = FIXTURE['userIdentity'] as Record<string, unknown>;
  const detail: Record<string, unknown> = {
    ...FIXTURE,
    eventID: randomUUID(),
    eventTime: time,
    userIdentity: { ...identity, arn: `arn:aws:sts::111122223333:assumed-role/Admin/actor-${n}` },
  };
  if (kind === 'removal') {
    detail['requestParameters'] = {
      userName: `user-${n}`,
      serialNumber: `arn:aws:iam::111122223333:mfa/user-${n}`,
    };
  } else if (kind === 'kept') {
    detail['eventName'] = 'ListMFADevices';
    detail['requestParameters'] = { userName: `user-${n}` };
    detail['readOnly'] = true;
  } else {
    detail['eventName'] = 'DescribeInstances';
    detail['eventSource'] = 'ec2.amazonaws.com';
    detail['requestParameters'] = { instancesSet: {} };
    detail['readOnly'] = true;
  }
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: kind === 'noise' ? 'aws.ec2' : 'aws.iam',
    account: '111122223333',
    time,
    region: 'us-east-1',
    resources: [],
    detail,
  });
}

function kindOf(i: number, removalShare: number): 'removal' | 'kept' | 'noise' {
  const every = Math.max(1, Math.round(1 / removalShare));
  if (i % every === 0) return 'removal';
  return i % 2 === 0 ? 'kept' : 'noise';
}

/** Posts `rate` events a second for `seconds`, each on its schedule; resolves with every sample. */
async function drive(url: string, rate: number, seconds: number, removalShare: number, offset: number) {
  const total = Math.round(rate * seconds);
  const bodies = Array.from({ length: total }, (_, i) => {
    const kind = kindOf(i, removalShare);
    return { kind, body: eventBody(kind, offset + i, Date.now() - 60_000) };
  });
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const tickMs = 5;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const dueNow = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < dueNow; sent++) {
        const due = start + (sent / rate) * 1000;
        const { kind, body } = bodies[sent]!;
        pending.push(
          fetch(`${url}/ingest/eventbridge`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
            body,
          })
            .then(async (response) => {
              const answer = (await response.json()) as { alerts?: number };
              samples.push({
                ms: performance.now() - due,
                status: response.status,
                alerting: kind === 'removal' && (answer.alerts ?? 0) > 0,
              });
            })
            .catch(() => {
              samples.push({ ms: performance.now() - due, status: 0, alerting: false });
            }),
        );
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  await Promise.all(pending);
  const wallS = (performance.now() - start) / 1000;
  return { samples, wallS, removals: bodies.filter((b) => b.kind === 'removal').length };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
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
}

function figures(run: Awaited<ReturnType<typeof drive>>): Figures {
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
  };
}

async function startServe(storeUrl: string, home: string): Promise<{ child: ChildProcess; url: string }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main(process.argv.slice(1));`;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--no-web',
      '--store',
      storeUrl,
      '--tick-interval',
      '1h',
    ],
    {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, MFAGUARD_INGEST_TOKEN: INGEST_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk.slice(0, 10_000)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out = (out + chunk).slice(-20_000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  return { child, url };
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function withStore<T>(kind: 'sqlite' | 'postgres', fn: (url: string) => Promise<T>): Promise<T> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-bench-'));
    try {
      return await fn(`sqlite:${join(dir, 'bench.db')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const name = `mfaguard_bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const fmt = (ms: number) => (Number.isNaN(ms) ? '   n/a' : ms.toFixed(1).padStart(6));

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
        await drive(url, baselineRate, 2, removalShare, 0);
        const base = figures(
          await drive(url, baselineRate, Math.max(3, seconds / 2), removalShare, 1_000_000),
        );
        const load = figures(await drive(url, rate, seconds, removalShare, 2_000_000));
        for (const [name, f] of [
          ['baseline', base],
          ['load', load],
        ] as const) {
          console.log(
            `${kind.padEnd(9)} ${name.padEnd(8)} ${f.achieved.toFixed(0).padStart(6)} ${fmt(f.p50)} ${fmt(f.p95)} ${fmt(f.p99)} ${fmt(f.alertP99)}     ${String(f.ok).padStart(6)} ${String(f.failed).padStart(7)} ${String(f.alerts).padStart(7)}  ${name === 'load' ? (f.p99 / base.p99).toFixed(1) + 'x' : ''}`,
          );
        }
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
