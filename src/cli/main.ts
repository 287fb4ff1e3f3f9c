// The `mfaguard` command line: commander picks the sub-command (suggesting one on a typo), the command runs, and every
// error becomes an exit code in one place.

import { readFileSync } from 'node:fs';
import { Command as CommanderCommand, CommanderError, Option } from '@commander-js/extra-typings';
import { UsageError } from '../model/index.ts';
import type { CommandContext, Output } from './command.ts';
import { configureCommander, describeCommanderError } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { describeError, EXIT } from './exit-codes.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const GLOBAL_FOOTER = `
Examples:
  $ mfaguard demo                              # the whole scan on the bundled sample, offline
  $ mfaguard scan ./AWSLogs --fail-on high     # a retro-hunt over an archive; exit 1 on a high alert
  $ mfaguard audit --profile prod --format json
  $ mfaguard scan --help                       # one command's options and examples

Exit codes: 0 done, 1 alert/finding at or above --fail-on, 2 usage or configuration error, 3 finished but some
inputs unreadable, 4 AWS/network failure, 70 a bug in mfaguard.
`;

/**
 * The top-level program. Each command is a stub that hands the rest of the line, untouched, to the command's own
 * commander declaration: that keeps every command module unloaded until it is the one being run.
 */
function buildProgram(
  argv: readonly string[],
  ctx: CommandContext,
  ran: (code: number) => void,
): CommanderCommand {
  const program = configureCommander(new CommanderCommand('mfaguard'), ctx, 'mfaguard <command> [options]')
    .description('mfaguard — protects AWS accounts at the moment MFA is taken away')
    .version(version(), '-V, --version', 'print the version')
    // `-v` printed the version before commander; kept so scripts that use it keep working.
    .addOption(new Option('-v').hideHelp())
    .helpOption('-h, --help', 'print this help')
    .helpCommand(false)
    .enablePositionalOptions()
    .addHelpText('after', GLOBAL_FOOTER);
  program.on('option:v', () => {
    ctx.stdout.write(version() + '\n');
    throw new CommanderError(EXIT.ok, 'commander.version', version());
  });
  for (const [name, entry] of Object.entries(COMMANDS)) {
    program
      .command(name)
      .description(entry.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .passThroughOptions()
      .action(async () => {
        // The raw rest of the line rather than commander's `args`: a `--` before a file named like an option
        // must reach the command's own parser.
        ran(await (await entry.load()).run(argv.slice(argv.indexOf(name) + 1), ctx));
      });
  }
  program
    .command('help')
    .description('print this help, or with a command name that command’s help')
    .argument('[command]')
    .action(async (name) => {
      if (name === undefined) {
        program.outputHelp();
        ran(EXIT.ok);
        return;
      }
      const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
      if (entry === undefined) throw unknownCommand(name, null);
      ran(await (await entry.load()).run(['--help'], ctx));
    });
  return program;
}

function unknownCommand(name: string, suggestion: string | null): UsageError {
  // Only word characters are echoed: the name is whatever was typed, and it goes to a terminal.
  const shown = name.replace(/[^\w.-]/g, '?');
  return new UsageError(
    `unknown command '${shown}'${suggestion === null ? '' : `; did you mean ${suggestion}?`} (see \`mfaguard --help\`)`,
  );
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

/** Commander's own errors (unknown command or option, missing value) as the usage errors they are. */
function fromCommander(error: CommanderError, argv: readonly string[]): UsageError {
  if (error.code === 'commander.unknownCommand') {
    const suggestion = /\(Did you mean ([\w-]+)\?\)/.exec(error.message)?.[1] ?? null;
    return unknownCommand(argv.find((arg) => !arg.startsWith('-')) ?? '', suggestion);
  }
  return new UsageError(`${describeCommanderError(error)} (see \`mfaguard --help\`)`);
}

/** Runs one command line and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], ctx: CommandContext): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(argv, ctx, (result) => {
    code = result;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (thrown) {
    if (thrown instanceof CommanderError && thrown.exitCode === 0) return EXIT.ok;
    const error = thrown instanceof CommanderError ? fromCommander(thrown, argv) : thrown;
    const { code: exit, message } = describeError(error, ctx.env['MFAGUARD_DEBUG'] !== undefined);
    ctx.stderr.write(message + '\n');
    return exit;
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const code = await runCli(argv, processContext());
  // Let pending writes to a pipe finish before the process ends.
  process.exitCode = code;
}
