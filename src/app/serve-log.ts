// `serve`'s log: one JSON object per line on standard error, written by pino, at the level MFAGUARD_LOG_LEVEL or the
// configuration's `serve.logLevel` asks.

import { pino } from 'pino';
import type { DestinationStream } from 'pino';
import { UsageError } from '../model/index.ts';
import { jsonForTerminal } from '../report/index.ts';
import type { LiveLogEntry } from './live/index.ts';
import { LOG_LEVELS } from './config-schema.ts';
import type { LogLevel } from './config-schema.ts';

export { LOG_LEVELS };

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * MFAGUARD_LOG_LEVEL, else the configuration's `serve.logLevel`, else `info`: the environment wins so that one run can
 * be made louder without editing the file. A wrong value is the user's error, named.
 */
export function logLevelFrom(
  env: Readonly<Record<string, string | undefined>>,
  configured: LogLevel | null = null,
): LogLevel {
  const given = env['MFAGUARD_LOG_LEVEL']?.trim().toLowerCase();
  if (given === undefined || given === '') return configured ?? 'info';
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
  level: LogLevel,
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
