// Builds the `record-shape` issue for a record that cannot become a typed event: where, which field, expected vs got.

import type { InputIssue, Origin } from '../../model/index.ts';

/** Most characters of a record's own text an issue repeats. */
const MAX_ECHO = 60;

// Control, bidi and format characters that could rewrite a terminal line if echoed raw.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function recordShapeIssue(
  origin: Origin,
  path: string,
  expected: string,
  got: unknown,
  hint?: string,
): InputIssue {
  const where = path === '' ? 'the record' : path;
  const message = `${where}: expected ${expected}, got ${describeValue(got)}`;
  const base = {
    level: 'error',
    code: 'record-shape',
    location: origin.location,
    index: origin.index,
    message,
  } as const;
  const withPath = path === '' ? base : { ...base, path };
  return hint === undefined ? withPath : { ...withPath, hint };
}

/** A short, terminal-safe description of what arrived. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string')
    return value.length === 0 ? 'an empty string' : `the string "${shorten(value)}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, 5).map((key) => shorten(key, 24));
    return `an object with keys ${shown.join(', ')}${keys.length > 5 ? ', …' : ''}`;
  }
  return typeof value;
}

export function shorten(value: string, max: number = MAX_ECHO): string {
  const cut = value.length > max ? value.slice(0, max) : value;
  const clean = cut.replace(UNSAFE, '?');
  return cut.length < value.length ? `${clean}…` : clean;
}
