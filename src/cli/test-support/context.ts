// A CommandContext that captures what a command writes, for driving commands in tests without a process.

import { PassThrough } from 'node:stream';
import type { CommandContext } from '../command.ts';

export interface CapturedContext {
  readonly ctx: CommandContext;
  readonly out: () => string;
  readonly err: () => string;
}

export function captureContext(
  options: {
    stdin?: string | Buffer;
    env?: Record<string, string>;
    tty?: boolean;
    cwd?: string;
    now?: string;
  } = {},
): CapturedContext {
  let out = '';
  let err = '';
  const stdin = new PassThrough();
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else stdin.end();
  const tty = options.tty ?? false;
  return {
    ctx: {
      stdout: { write: (text: string) => void (out += text), isTTY: tty, columns: 200 },
      stderr: { write: (text: string) => void (err += text), isTTY: tty, columns: 200 },
      stdin,
      env: options.env ?? {},
      cwd: options.cwd ?? process.cwd(),
      now: () => new Date(options.now ?? '2026-11-23T12:00:00Z'),
    },
    out: () => out,
    err: () => err,
  };
}
