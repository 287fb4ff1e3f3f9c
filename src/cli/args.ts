// Option values the commands share, checked after commander has parsed the line (their messages name the option,
// what it accepts and what arrived).

import { isSeverity, SEVERITIES, UsageError } from '../model/index.ts';
import type { Severity } from '../model/index.ts';

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
