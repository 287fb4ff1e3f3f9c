// Safe, short renderings of untrusted input for issue messages: no control characters, never more than ~80 chars.

/** The most characters of input content an issue message ever echoes. */
export const MAX_ECHO = 80;

// C0 and C1 controls, DEL, and the Unicode bidi/format characters that can reorder or hide terminal text.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Replaces control and bidi characters with `?` (line breaks and tabs with a space) and cuts to `max` characters. */
export function echo(text: string, max: number = MAX_ECHO): string {
  const cut = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const clean = cut.replace(UNSAFE, (c) => (c === '\n' || c === '\r' || c === '\t' ? ' ' : '?'));
  const collapsed = clean.replace(/ {2,}/g, ' ');
  return collapsed.length > max || cut.length < text.length ? `${collapsed.slice(0, max - 1)}…` : collapsed;
}

/** Describes a JSON value's kind in words, for "expected an object, found ..." messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string "${echo(value, 40)}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Lists an object's keys, shortened, so "unknown shape" messages show what arrived. */
export function keysOf(value: object): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return 'an empty object';
  const shown = keys.slice(0, 6).map((k) => echo(k, 30));
  return `an object with keys ${shown.join(', ')}${keys.length > 6 ? `, … (${keys.length} in all)` : ''}`;
}

export interface JsonErrorPlace {
  /** What went wrong, in our own words (V8's message echoes content, so it is never passed through). */
  readonly reason: string;
  /** 1-based line and column inside `text`, when the parser said where. */
  readonly line?: number;
  readonly column?: number;
  /** Up to ~40 characters of the text around the error, sanitised. */
  readonly near: string;
}

/** Turns a JSON.parse failure into a place and a short, safe excerpt. */
export function describeJsonError(error: unknown, text: string): JsonErrorPlace {
  const message = error instanceof Error ? error.message : '';
  if (/Unexpected end of JSON input/.test(message)) {
    return { reason: 'JSON that ends early (truncated?)', near: echo(text.slice(-40), 40) };
  }
  const match = /at position (\d+)/.exec(message);
  const position = match?.[1] === undefined ? undefined : Number(match[1]);
  if (position === undefined) {
    return { reason: 'invalid JSON', near: echo(text.trimStart().slice(0, 40), 40) };
  }
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  if (position >= text.trimEnd().length) {
    return { reason: 'JSON that ends early (truncated?)', near: echo(text.slice(-40), 40) };
  }
  const reason = /after JSON/.test(message) ? 'more content after the end of the JSON value' : 'invalid JSON';
  return {
    reason,
    line,
    column: position - lineStart + 1,
    near: echo(text.slice(Math.max(0, position - 20), position + 20), 40),
  };
}
