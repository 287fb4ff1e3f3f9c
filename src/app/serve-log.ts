// `serve`'s log: one JSON object per line on standard error, written by pino, at the level MFAGUARD_LOG_LEVEL asks.

import { pino } from 'pino';
import type { DestinationStream, Level } from 'pino';
import { UsageError } from '../model/index.ts';
import { jsonForTerminal } from '../report/index.ts';
import type { LiveLogEntry } from './live/index.ts';

export const LOG_LEVELS: readonly (Level | 'silent')[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

function isLogLevel(value: string): value is Level | 'silent' {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** MFAGUARD_LOG_LEVEL, else `info`; anything else is the user's error, named. */
export function logLevelFrom(env: Readonly<Record<string, string | undefined>>): Level | 'silent' {
  const given = env['MFAGUARD_LOG_LEVEL']?.trim().toLowerCase();
  if (given === undefined || given === '') return 'info';
  if (!isLogLevel(given)) {
    throw new UsageError(
      `MFAGUARD_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got '${jsonForTerminal(given.slice(0, 20))}'`,
    );
  }
  return given;
}

/**
 * The live service's log function over pino. Log entries carry CloudTrail text (user names, error messages): pino
 * escapes what JSON needs (quotes, backslash, C0 controls) but leaves DEL, C1 and the bidi controls, which a
 * terminal or a log viewer obeys, so every line goes through `jsonForTerminal` on its way out.
 */
export function createServeLog(
  level: Level | 'silent',
  write: (line: string) => void = (line) => process.stderr.write(line),
): (entry: LiveLogEntry) => void {
  const destination: DestinationStream = { write: (line: string) => write(jsonForTerminal(line)) };
  const logger = pino(
    {
      level,
      // The fields the hand-written log had: `time` as ISO 8601, `level` as a word, `msg`; no pid or hostname.
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return ({ level: entryLevel, msg, ...fields }) => logger[entryLevel](fields, msg);
}
