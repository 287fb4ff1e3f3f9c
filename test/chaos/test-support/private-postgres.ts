// A PostgreSQL cluster of the test's own, made with Debian's pg_createcluster on a free loopback port, so a chaos test
// can stop and start PostgreSQL without breaking the tests that run beside it on the shared cluster (the suite runs
// two files at a time: stopping the shared cluster once failed an unrelated PostgreSQL test and hung CI).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

const PREFIX = 'mfaguard_chaos_';

export interface PrivateCluster {
  /** Connection URL of the `postgres` database, trust authentication on loopback. */
  readonly adminUrl: string;
  /** A URL to database `name` on this cluster. */
  url(name: string): string;
  stop(): void;
  /** Starts the cluster; a cluster already running is fine. */
  start(): void;
  /** Stops and removes the cluster with its data. */
  drop(): void;
}

function run(command: string, args: readonly string[]): void {
  execFileSync(command, args, { stdio: 'pipe', timeout: 120_000 });
}

function version(): string | null {
  if (!existsSync('/etc/postgresql')) return null;
  const versions = readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a));
  return versions[0] ?? null;
}

/** Null when a private cluster can be made here; otherwise why not. */
export function privateClusterProblem(): string | null {
  if (version() === null) return 'no PostgreSQL server installed (/etc/postgresql absent)';
  if (!existsSync('/usr/bin/pg_createcluster')) return 'pg_createcluster (postgresql-common) not installed';
  if (process.getuid?.() !== 0) return 'making a private cluster needs root (pg_createcluster)';
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Clusters left by a test process that died before its clean-up (named after that process's pid). */
function dropStale(ver: string): void {
  for (const name of readdirSync(`/etc/postgresql/${ver}`)) {
    const match = new RegExp(`^${PREFIX}(\\d+)_`).exec(name);
    if (match === null || alive(Number(match[1]))) continue;
    try {
      run('pg_dropcluster', ['--stop', ver, name]);
    } catch {
      // Another run may be dropping it at the same moment.
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function createPrivateCluster(): Promise<PrivateCluster> {
  const ver = version();
  if (ver === null) throw new Error('no PostgreSQL server installed');
  dropStale(ver);
  const name = `${PREFIX}${process.pid}_${Date.now().toString(36)}`;
  const port = await freePort();
  run('pg_createcluster', [
    ver,
    name,
    '-p',
    String(port),
    '--start',
    '--',
    '--auth-host=trust',
    '--auth-local=trust',
  ]);
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const ctl = (action: 'start' | 'stop') => {
    try {
      run('pg_ctlcluster', ['--skip-systemctl-redirect', ver, name, action]);
    } catch (error) {
      // `start` on a running cluster exits 2 ("already running"): fine. Anything else is reported.
      const failed = error as { stdout?: Buffer; stderr?: Buffer };
      const text = `${String(failed.stdout ?? '')}${String(failed.stderr ?? '')}`;
      if (!(action === 'start' && /already running/i.test(text))) throw error;
    }
  };
  return {
    adminUrl: url('postgres'),
    url,
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    drop: () => run('pg_dropcluster', ['--stop', ver, name]),
  };
}
