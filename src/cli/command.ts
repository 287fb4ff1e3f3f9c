// The shape every `mfaguard` sub-command has, the I/O it is given (so tests can drive commands without a process), and
// `defineCommand`, which declares a command's arguments and options on commander and runs it on a parsed command line.

import type { Readable } from 'node:stream';
import { Command as CommanderCommand, CommanderError } from '@commander-js/extra-typings';
import type { OptionValues } from '@commander-js/extra-typings';
import { UsageError } from '../model/index.ts';

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
  /**
   * Parses the arguments after the command name and runs the command; returns its exit code. `--help` prints the
   * help and returns 0. Throws `UsageError` for bad arguments or input (exit 2), `ExternalError` when AWS or the
   * network fails (exit 4); `runCli` turns them into a message without a stack trace.
   */
  run(args: readonly string[], ctx: CommandContext): Promise<number>;
}

/** The commander command a spec starts declaring its arguments and options on. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- commander's own type for "no options yet"
export type Declaration = CommanderCommand<[], {}, {}>;

export interface CommandSpec<Values extends OptionValues> {
  readonly name: string;
  /** What follows `mfaguard <name>` on the help's usage line, e.g. `PATH... [options]`. */
  readonly usage: string;
  /** The paragraphs under the usage line. */
  readonly description: string;
  /** Command lines shown under "Examples:", each optionally followed by `  # what it does`. */
  readonly examples: readonly string[];
  /** Text after the examples: exit codes, environment, notes. */
  readonly footer?: string;
  /** Declares the arguments and options; commander infers the parsed values' type from it. */
  readonly declare: (command: Declaration) => CommanderCommand<unknown[], Values, OptionValues>;
  readonly action: (values: Values, positionals: string[], ctx: CommandContext) => Promise<number>;
}

const HELP_WIDTH = 110;

/** Collects a repeatable option's values (`--rules a --rules b`) in order. */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Settings every mfaguard commander command shares: errors are thrown (never `process.exit`), output goes to the
 * context, and a mistyped option or command gets a suggestion.
 */
export function configureCommander<C extends CommanderCommand<unknown[], OptionValues, OptionValues>>(
  command: C,
  ctx: CommandContext,
  commandUsage: string,
): C {
  command
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
      // Errors are rethrown as UsageError and printed once, escaped, by runCli.
      outputError: () => undefined,
    })
    .configureHelp({ helpWidth: HELP_WIDTH, commandUsage: () => commandUsage });
  return command;
}

/**
 * Commander's error text ("error: unknown option '--formt'\n(Did you mean --format?)") as one line a user reads:
 * "Unknown option '--formt'; did you mean --format?".
 */
export function describeCommanderError(error: CommanderError): string {
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = rest
    .join(' ')
    .trim()
    .replace(/^\((.*)\)$/, '$1');
  const head = first.charAt(0).toUpperCase() + first.slice(1).replace(/\.$/, '');
  return suggestion === '' ? head : `${head}; ${suggestion.charAt(0).toLowerCase()}${suggestion.slice(1)}`;
}

function helpFooter(spec: { examples: readonly string[]; footer?: string }): string {
  const examples = spec.examples.map((line) => `  $ ${line}`).join('\n');
  return `\nExamples:\n${examples}\n${spec.footer === undefined ? '' : `\n${spec.footer}\n`}`;
}

/** A sub-command declared on commander: `--help` with examples, suggestions on typos, errors as usage errors. */
export function defineCommand<Values extends OptionValues>(spec: CommandSpec<Values>): Command {
  return {
    name: spec.name,
    async run(args, ctx) {
      const declared = spec.declare(new CommanderCommand(spec.name));
      configureCommander(declared, ctx, `mfaguard ${spec.name} ${spec.usage}`)
        .description(spec.description)
        .helpOption('-h, --help', 'print this help')
        // Each command checks its own positionals and says what it expected, in its own words.
        .allowExcessArguments()
        .addHelpText('after', helpFooter(spec));
      try {
        declared.parse([...args], { from: 'user' });
      } catch (error) {
        if (!(error instanceof CommanderError)) throw error;
        if (error.exitCode === 0) return 0;
        throw new UsageError(
          `${spec.name}: ${describeCommanderError(error)} (see \`mfaguard ${spec.name} --help\`)`,
        );
      }
      return spec.action(declared.opts(), declared.args, ctx);
    },
  };
}
