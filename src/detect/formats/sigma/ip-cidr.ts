// CIDR ranges for the `cidr` modifier: IPv4 and IPv6, compared as integers.

import { isIP } from 'node:net';

export interface CidrRange {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}

/** Parses `10.0.0.0/8` or `2001:db8::/32` (a bare address is a /32 or /128); null when malformed. */
export function parseCidr(text: string): CidrRange | null {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(addr);
  if (family !== 4 && family !== 6) return null;
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > bits) return null;
  }
  const value = ipToBigInt(addr, family);
  if (value === null) return null;
  return { family, network: value & mask(bits, prefix), prefix };
}

export function cidrContains(range: CidrRange, ip: string): boolean {
  let text = ip.trim();
  let family = isIP(text);
  // An IPv4-mapped IPv6 address is the IPv4 address for a v4 range.
  if (family === 6 && range.family === 4) {
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
    if (m?.[1] !== undefined) {
      text = m[1];
      family = 4;
    }
  }
  if (family !== range.family) return false;
  const value = ipToBigInt(text, family);
  if (value === null) return false;
  const bits = family === 4 ? 32 : 128;
  return (value & mask(bits, range.prefix)) === range.network;
}

function mask(bits: number, prefix: number): bigint {
  if (prefix === 0) return 0n;
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

function ipToBigInt(addr: string, family: 4 | 6): bigint | null {
  if (family === 4) return v4ToBigInt(addr);
  let text = addr;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  // A trailing dotted quad holds the last 32 bits.
  let tail: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = v4ToBigInt(text.slice(lastColon + 1));
    if (tail === null) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== null) value = (value & ~0xffffffffn) | tail;
  return value;
}

function v4ToBigInt(addr: string): bigint | null {
  const parts = addr.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}
