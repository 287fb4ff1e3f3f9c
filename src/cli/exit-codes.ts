// The exit codes of every command, and the one place errors become exit codes and messages.

import { ExternalError, UsageError } from '../model/index.ts';
import { forTerminal } from '../report/index.ts';

export const EXIT = {
  ok: 0,
  /** An alert or finding at or above `--fail-on`. */
  failOn: 1,
  /** Bad arguments, configuration or input that stops the command. */
  usage: 2,
  /** The command finished, but some inputs could not be read. */
  partial: 3,
  /** AWS or the network failed and the command could not do its job. */
  external: 4,
  /** A bug in mfaguard. */
  internal: 70,
} as const;

/** Turns anything thrown into a message for the user (no stack trace unless MFAGUARD_DEBUG is set) and an exit code. */
export function describeError(error: unknown, debug: boolean): { code: number; message: string } {
  if (error instanceof UsageError) {
    const details = error.issues.map((issue) => {
      const where = [issue.location, issue.line, issue.line === undefined ? undefined : issue.column]
        .filter((part) => part !== undefined && part !== '')
        .join(':');
      const path = issue.path === undefined || issue.message.startsWith(issue.path) ? '' : `${issue.path}: `;
      const hint = issue.hint === undefined ? '' : ` (${forTerminal(issue.hint)})`;
      return `  ${forTerminal(where)}: ${forTerminal(path + issue.message)}${hint}`;
    });
    return { code: EXIT.usage, message: [`error: ${forTerminal(error.message)}`, ...details].join('\n') };
  }
  if (error instanceof ExternalError) {
    const retry = error.retryable ? ' (temporary: trying again later may work)' : '';
    return {
      code: EXIT.external,
      message: `error: ${forTerminal(error.service)}: ${forTerminal(error.message)}${retry}`,
    };
  }
  const text =
    error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
  // A debug stack trace is escaped line by line so it stays one frame a line; otherwise a newline in the message
  // (which may quote input) is escaped too, so it cannot forge lines of output.
  const shown = debug ? text.split('\n').map(forTerminal).join('\n') : forTerminal(text);
  return {
    code: EXIT.internal,
    message:
      `internal error: ${shown}\n` +
      'This is a bug in mfaguard. Please report it with the command you ran' +
      (debug ? '.' : ' (set MFAGUARD_DEBUG=1 to see the stack trace).'),
  };
}
