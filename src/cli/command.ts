// The shape every `mfaguard` sub-command has, and the I/O it is given (so tests can drive commands without a process).

import type { Readable } from 'node:stream';

export interface Output {
  write(text: string): void;
  /** True when this is an interactive terminal (colour, progress bar). */
  readonly isTTY: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

export interface CommandContext {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The wall clock; tests pass a fixed one. */
  now(): Date;
}

export interface Command {
  readonly name: string;
  /** One line for `mfaguard --help`. */
  readonly summary: string;
  /** Full help text for `mfaguard <name> --help`. */
  readonly usage: string;
  /**
   * Runs the command and returns its exit code. Throw `UsageError` for bad arguments or input (exit 2),
   * `ExternalError` when AWS or the network fails (exit 4); `main` turns them into a message without a stack trace.
   */
  run(args: readonly string[], ctx: CommandContext): Promise<number>;
}
