// The `mfaguard` command line: picks the sub-command, runs it, and maps every error to an exit code in one place.

import { readFileSync } from 'node:fs';
import type { Command, CommandContext, Output } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { describeError, EXIT } from './exit-codes.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function globalHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'mfaguard — protects AWS accounts at the moment MFA is taken away',
    '',
    'Usage: mfaguard <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run `mfaguard <command> --help` for a command's options. Exit codes: 0 done, 1 alert/finding at or above",
    '--fail-on, 2 usage or configuration error, 3 finished but some inputs unreadable, 4 AWS/network failure.',
  ].join('\n');
}

function processOutput(stream: NodeJS.WriteStream): Output {
  return {
    write: (text: string) => {
      stream.write(text);
    },
    isTTY: stream.isTTY,
    ...(stream.columns === undefined ? {} : { columns: stream.columns }),
  };
}

export function processContext(): CommandContext {
  return {
    stdout: processOutput(process.stdout),
    stderr: processOutput(process.stderr),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}

/** Runs one command line and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write((await globalHelp()) + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write(version() + '\n');
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    ctx.stderr.write(`error: unknown command '${name.replace(/[^\w.-]/g, '?')}'\n\n${await globalHelp()}\n`);
    return EXIT.usage;
  }
  const command: Command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(command.usage.trimEnd() + '\n');
    return EXIT.ok;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    const { code, message } = describeError(error, ctx.env['MFAGUARD_DEBUG'] !== undefined);
    ctx.stderr.write(message + '\n');
    return code;
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const code = await runCli(argv, processContext());
  // Let pending writes to a pipe finish before the process ends.
  process.exitCode = code;
}
