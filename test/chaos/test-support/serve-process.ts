// `mfaguard serve` as a child process on a loopback port, for chaos tests: its output kept, its exit observed.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/mfaguard.js', import.meta.url));

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Settles when the process has ended, with its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Null while running; the exit code or signal once it has ended. */
  ended(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export async function startServeProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  /** The script that runs the CLI: default bin/mfaguard.js (the sources); benchmarks give bench/run-dist.mjs. */
  entry: string = BIN,
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [entry, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-web', ...args],
    { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let end: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      end = { code, signal };
      resolve(end);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    // Only bounds how soon a broken start fails the test: on a loaded machine (load 39) starting the CLI through tsx
    // once took over 30 s.
    const timer = setTimeout(() => reject(new Error(`serve did not start within 120 s:\n${out}`)), 120_000);
    const check = () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited before listening:\n${out}`));
    });
  });
  return {
    child,
    url,
    exited,
    output: () => out,
    ended: () => end,
    async stop() {
      if (end !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
