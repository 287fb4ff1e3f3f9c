// Matching primitives with Elasticsearch's meaning: wildcards, IP addresses and CIDR blocks, numbers, dates, analysed text.

/** A compiled `*` pattern: anchored, case-sensitive unless the caller lower-cases both sides. */
export type StringMatcher = (value: string) => boolean;

export function compileWildcard(parts: readonly string[]): StringMatcher {
  if (parts.every((part) => part === '')) return () => true;
  if (parts.length === 1) {
    const exact = parts[0]!;
    return (value) => value === exact;
  }
  if (parts.length === 2) {
    const [head, tail] = parts as [string, string];
    if (head === '') return (value) => value.endsWith(tail);
    if (tail === '') return (value) => value.startsWith(head);
    const min = head.length + tail.length;
    return (value) => value.length >= min && value.startsWith(head) && value.endsWith(tail);
  }
  if (parts.length === 3 && parts[0] === '' && parts[2] === '') {
    const middle = parts[1]!;
    return (value) => value.includes(middle);
  }
  const regex = new RegExp(`^${parts.map(escapeRegExp).join('.*')}$`, 's');
  return (value) => regex.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// --- IP addresses: 128-bit integers, IPv4 as IPv4-mapped IPv6, as Elasticsearch's ip type stores them.

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const V4_MAPPED = 0xffffn << 32n;

export function parseIp(text: string): bigint | null {
  const v4 = IPV4.exec(text);
  if (v4 !== null) {
    let n = 0n;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(v4[i]);
      if (octet > 255) return null;
      n = (n << 8n) | BigInt(octet);
    }
    return V4_MAPPED | n;
  }
  if (!text.includes(':')) return null;
  let head = text;
  let tailV4: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const embedded = parseIp(text.slice(lastColon + 1));
    if (embedded === null) return null;
    tailV4 = embedded & 0xffffffffn;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): string[] | null => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  let n = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    n = (n << 16n) | BigInt(parseInt(group, 16));
  }
  if (tailV4 !== null) n = (n & ~0xffffffffn) | tailV4;
  return n;
}

/** An IP literal or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`) as a test over parsed addresses. */
export function compileIpQuery(text: string): ((ip: bigint) => boolean) | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = parseIp(text);
    return ip === null ? null : (candidate) => candidate === ip;
  }
  const base = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (base === null || !/^\d{1,3}$/.test(bitsText)) return null;
  const isV4 = IPV4.test(text.slice(0, slash));
  const bits = Number(bitsText) + (isV4 ? 96 : 0);
  if (bits > 128 || (isV4 && bits > 128)) return null;
  const shift = BigInt(128 - bits);
  const network = base >> shift;
  return (candidate) => candidate >> shift === network;
}

// --- Numbers and dates.

/** A number the way Elasticsearch reads one from a query string; null when it is not one. */
export function parseNumber(text: string): number | null {
  if (text.trim() === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return null;
  return Number(text);
}

const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A date in a query as the span it names, like Elasticsearch's rounding: `2024-01-02` covers the whole day.
 * Epoch milliseconds name one instant. Null when it is not a date we can read without a clock.
 */
export function parseDateSpan(text: string): { from: number; to: number } | null {
  const trimmed = text.trim();
  if (/^-?\d{5,}$/.test(trimmed) && !/^\d{4}$/.test(trimmed)) {
    const ms = Number(trimmed);
    return { from: ms, to: ms };
  }
  const m = ISO_DATE.exec(trimmed);
  if (m === null) return null;
  const fields = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) =>
    part === undefined ? undefined : Number(part),
  );
  const given = fields.findIndex((part) => part === undefined);
  const precision = given < 0 ? 6 : given;
  const [year, month = 1, day = 1, hour = 0, minute = 0, second = 0] = fields as number[];
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  let offsetMs = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
  }
  const from = Date.UTC(year!, month - 1, day, hour, minute, second) + Math.floor(fraction) - offsetMs;
  if (Number.isNaN(from)) return null;
  let to: number;
  if (m[7] !== undefined) to = from;
  else if (precision === 1) to = Date.UTC(year! + 1, 0, 1) - offsetMs - 1;
  else if (precision === 2) to = Date.UTC(year!, month, 1) - offsetMs - 1;
  else if (precision === 3) to = from + 86_400_000 - 1;
  else if (precision === 4) to = from + 3_600_000 - 1;
  else if (precision === 5) to = from + 60_000 - 1;
  else to = from + 999;
  return { from, to };
}

/** A date held in a document (ISO string or epoch milliseconds) as epoch milliseconds. */
export function documentDate(value: string | number | boolean): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const span = parseDateSpan(value);
  if (span !== null) return span.from;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

// --- Analysed text: an approximation of the standard analyser (Unicode word segmentation, lower case).

const WORD = /[\p{L}\p{N}_]+(?:[.'’][\p{L}\p{N}_]+)*/gu;

export function analyzeText(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}
