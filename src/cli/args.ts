// Shared argument handling for commands: parseArgs with errors turned into usage errors, and common option values.

import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { isSeverity, SEVERITIES, UsageError } from '../model/index.ts';
import type { Severity } from '../model/index.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs` in strict mode; an unknown or malformed option is the user's error (exit 2), not a crash. */
export function parseCommandArgs<T extends Options>(
  command: string,
  args: readonly string[],
  options: T,
): {
  values: ReturnType<
    typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
  >['values'];
  positionals: string[];
} {
  try {
    const parsed = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
      allowNegative: true,
    } as {
      args: string[];
      options: T;
      allowPositionals: true;
      strict: true;
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${command}: ${message} (see \`mfaguard ${command} --help\`)`);
  }
}

export function parseSeverityOption(name: string, value: string | undefined): Severity | null {
  if (value === undefined) return null;
  const lower = value.toLowerCase();
  if (!isSeverity(lower)) {
    throw new UsageError(`--${name} must be one of ${SEVERITIES.join(', ')}; got '${value.slice(0, 40)}'`);
  }
  return lower;
}

export function parseChoice<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${value.slice(0, 40)}'`);
  }
  return value as T;
}

export function parseCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value))
    throw new UsageError(`--${name} must be a whole number; got '${value.slice(0, 40)}'`);
  return Number(value);
}
