// Nesting and size limits for JSON from outside, checked over the raw bytes before anything recursive touches them.
//
// Hand-written on purpose: JSON parsers (V8's included) accept any depth, and what overflows is the recursion that
// follows (JSON.stringify in the store, walks in rules and validators). The check must therefore run over the bytes,
// before parsing, and must itself be iterative. No maintained library does that and also returns the byte span of
// each top-level array item, which is what lets one bad record be dead-lettered while the rest of a request is stored.

/** Deeper than this is no CloudTrail record (the deepest AWS documents nest about 15 levels). */
export const MAX_JSON_DEPTH = 64;
/** One record larger than this is refused: EventBridge events and SQS messages are at most 256 KiB. */
export const MAX_RECORD_BYTES = 256 * 1024;

/** The byte range of one top-level array item, and how deep it nests (a scalar is 0, `[]` is 1). */
export interface JsonItemSpan {
  readonly start: number;
  readonly end: number;
  readonly depth: number;
}

export interface JsonScan {
  /** The deepest nesting of the whole document. */
  readonly depth: number;
  /** The items of a top-level array, or null when the document is not an array (or its brackets do not balance). */
  readonly items: JsonItemSpan[] | null;
}

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * One pass over the bytes: nesting depth, and the spans of a top-level array's items. It does not validate
 * JSON (JSON.parse does that afterwards, on what passed); UTF-8 continuation bytes are never ASCII, so
 * scanning bytes is exact. Linear time, constant stack.
 */
export function scanJson(bytes: Uint8Array): JsonScan {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  let escaped = false;
  let first = -1;
  const items: JsonItemSpan[] = [];
  let itemStart = -1;
  let itemDeepest = 0;
  let balanced = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (isSpace(byte)) continue;
    if (first === -1) first = byte;
    if (depth === 1 && first === OPEN_ARRAY && itemStart === -1 && byte !== CLOSE_ARRAY && byte !== COMMA) {
      itemStart = i;
      itemDeepest = 1;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth > itemDeepest) itemDeepest = depth;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (depth === 1 && itemStart !== -1) {
        items.push({ start: itemStart, end: i, depth: itemDeepest - 1 });
        itemStart = -1;
      }
      depth--;
      if (depth < 0) balanced = false;
    } else if (byte === COMMA && depth === 1 && itemStart !== -1) {
      items.push({ start: itemStart, end: i, depth: itemDeepest - 1 });
      itemStart = -1;
    }
  }
  if (depth !== 0 || inString) balanced = false;
  return { depth: deepest, items: first === OPEN_ARRAY && balanced ? items : null };
}

/** How deep a parsed value nests, stopping as soon as it passes `limit` (iterative: safe on any input). */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (typeof top.value !== 'object' || top.value === null) continue;
    const depth = top.depth + 1;
    if (depth > limit) return true;
    const children = Array.isArray(top.value) ? top.value : Object.values(top.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth });
    }
  }
  return false;
}

/**
 * JSON text of any value without recursion, cut after `maxChars` (marked with `…`): what dead letters keep of a
 * record too deep for JSON.stringify. Same output as JSON.stringify for JSON data (no toJSON, no undefined in arrays).
 */
export function stringifyIteratively(value: unknown, maxChars = MAX_RECORD_BYTES): string {
  const out: string[] = [];
  let length = 0;
  type Frame = string | { readonly value: unknown };
  const stack: Frame[] = [{ value }];
  while (stack.length > 0 && length <= maxChars) {
    const frame = stack.pop()!;
    if (typeof frame === 'string') {
      out.push(frame);
      length += frame.length;
      continue;
    }
    const current = frame.value;
    if (typeof current !== 'object' || current === null) {
      const text = JSON.stringify(current) ?? 'null';
      out.push(text);
      length += text.length;
      continue;
    }
    const isArray = Array.isArray(current);
    const entries: [string | null, unknown][] = isArray
      ? (current as unknown[]).map((item) => [null, item])
      : Object.entries(current).filter(([, item]) => item !== undefined && typeof item !== 'function');
    const pending: Frame[] = [isArray ? '[' : '{'];
    entries.forEach(([key, item], index) => {
      if (index > 0) pending.push(',');
      if (key !== null) pending.push(`${JSON.stringify(key)}:`);
      pending.push({ value: item });
    });
    pending.push(isArray ? ']' : '}');
    for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i]!);
  }
  const text = out.join('');
  return stack.length > 0 || text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/**
 * A record refused before parsing (too deep, too large): its bytes and why. Sources hand it to the live service
 * among the parsed records, so it is dead-lettered in the same transaction that stores the others.
 */
export class UnreadableRecord {
  readonly raw: Buffer;
  readonly code: string;
  readonly reason: string;
  constructor(raw: Buffer, code: string, reason: string) {
    this.raw = raw;
    this.code = code;
    this.reason = reason;
  }
}

/** Why one item cannot be taken, or null. */
export function itemProblem(
  depth: number,
  bytes: number,
): { readonly code: string; readonly reason: string } | null {
  if (depth > MAX_JSON_DEPTH) {
    return {
      code: 'too-deep',
      reason: `nested deeper than ${MAX_JSON_DEPTH} levels (${depth}); no CloudTrail record is`,
    };
  }
  if (bytes > MAX_RECORD_BYTES) {
    return {
      code: 'too-large',
      reason: `${bytes} bytes; one record may have at most ${MAX_RECORD_BYTES} (the EventBridge limit)`,
    };
  }
  return null;
}
