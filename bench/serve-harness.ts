// What the serve benchmarks share: the compiled `mfaguard serve` started on a throwaway store, EventBridge bodies, an
// open-loop driver (posts leave on a schedule whatever the answers do; each latency is measured from the moment the
// post was due, so a stalled server shows in the figures instead of slowing the generator down), percentiles.

import { spawn } from 'node:child_process';
import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
// MFAGUARD_BENCH_MAIN: another build's entry script (e.g. an older commit built in a temporary clone), to compare two
// builds under the same harness and the same conditions.
export const MAIN = process.env['MFAGUARD_BENCH_MAIN'] ?? join(repoRoot, 'dist', 'cli', 'main.js');
export const INGEST_TOKEN = 'bench-ingest-token-0123456789';
const PG_ADMIN_URL = process.env['MFAGUARD_BENCH_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const FIXTURE = JSON.parse(
  readFileSync(
    join(repoRoot, 'rules/fixtures/iam-mfa-device-deactivated/must-fire/assumed-role-cli-other-user.json'),
    'utf8',
  ),
) as Record<string, unknown>;

export interface Sample {
  readonly ms: number;
  readonly status: number;
  readonly kind: 'removal' | 'kept' | 'noise';
  readonly alerting: boolean;
  /** Why there was no answer (status 0): the client's error code, e.g. ECONNRESET, ETIMEDOUT. */
  readonly error?: string;
}

/** The answers that were not 202, counted by status (and by error code for no answer): `429:12 0/ECONNRESET:3`. */
export function failures(samples: readonly Sample[]): string {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    if (sample.status === 202) continue;
    const key = sample.status === 0 ? `0/${sample.error ?? '?'}` : String(sample.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key}:${n}`).join(' ') || 'none';
}

/** One EventBridge event: a removal by its own actor on its own user, an IAM list call (kept) or EC2 noise (ignored). */
export function eventBody(
  kind: 'removal' | 'kept' | 'noise',
  n: number,
  at: number,
  actor = `actor-${n}`,
): string {
  const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const identity = FIXTURE['userIdentity'] as Record<string, unknown>;
  const detail: Record<string, unknown> = {
    ...FIXTURE,
    eventID: randomUUID(),
    eventTime: time,
    userIdentity: { ...identity, arn: `arn:aws:sts::111122223333:assumed-role/Admin/${actor}` },
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

export type EventKind = 'removal' | 'kept' | 'noise';

// A sender keeps a bounded pool of keep-alive connections, as EventBridge API destinations and log shippers do.
// Global fetch opens a new connection for every post that finds none free: past saturation that was thousands of
// connections, the listen backlog overflowed, and posts sat on connections the server never accepted until the
// client gave up (runs of one build varied 3x, and a run could hang with both processes idle). Posts past the pool
// wait in the client; their latency still counts from the moment they were due, so queueing shows in the figures.
export const CONNECTIONS = Number(process.env['MFAGUARD_BENCH_CONNECTIONS'] ?? 128);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function post(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${INGEST_TOKEN}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function parseAnswer(text: string): { alerts?: number } {
  try {
    return JSON.parse(text) as { alerts?: number };
  } catch {
    return {};
  }
}

/** Posts each body at its offset (ms from the start), open-loop; resolves with every sample. */
export async function drive(
  url: string,
  schedule: readonly { readonly atMs: number; readonly kind: EventKind; readonly body: string }[],
): Promise<{ samples: Sample[]; wallS: number }> {
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      for (; sent < schedule.length && schedule[sent]!.atMs <= elapsed; sent++) {
        const { kind, body, atMs } = schedule[sent]!;
        const due = start + atMs;
        pending.push(
          post(`${url}/ingest/eventbridge`, body)
            .then(({ status, text }) => {
              // An answer that is not JSON (a proxy's page) still counts by its status, not as no answer.
              const answer = parseAnswer(text);
              samples.push({
                ms: performance.now() - due,
                status,
                kind,
                alerting: kind === 'removal' && (answer.alerts ?? 0) > 0,
              });
            })
            .catch((error: unknown) => {
              samples.push({
                ms: performance.now() - due,
                status: 0,
                kind,
                alerting: false,
                error: (error as { code?: string }).code ?? (error as Error).name,
              });
            }),
        );
      }
      if (sent >= schedule.length) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await Promise.all(pending);
  return { samples, wallS: (performance.now() - start) / 1000 };
}

/**
 * CPU time (user + system, every thread) a process has used so far, from /proc; null where there is none. On a machine
 * other work is loading, latencies measure the neighbours as much as the server; the server's CPU per run does not.
 */
export function cpuMsOf(pid: number | undefined, only: 'process' | 'main-thread' = 'process'): number | null {
  if (pid === undefined) return null;
  try {
    // The main thread (its id is the process's) is what bounds a Node server's capacity: work moved to another thread
    // (SQLite's checkpoints, libuv's pool) shows in the process's figure but no longer queues requests.
    const stat = readFileSync(
      only === 'process' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`,
      'utf8',
    );
    // Fields after the command (which may hold spaces, hence after its closing parenthesis): utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function startServe(
  storeUrl: string,
  home: string,
): Promise<{ child: ChildProcess; url: string }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main(process.argv.slice(1));`;
  // Extra node flags for the server (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where a run spends its time).
  const nodeFlags = (process.env['MFAGUARD_BENCH_SERVE_NODE_FLAGS'] ?? '')
    .split(' ')
    .filter((flag) => flag !== '');
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
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

export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export async function withStore<T>(kind: 'sqlite' | 'postgres', fn: (url: string) => Promise<T>): Promise<T> {
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

export const fmt = (ms: number) => (Number.isNaN(ms) ? '   n/a' : ms.toFixed(1).padStart(6));
