// A small seeded PRNG (xoshiro128**, seeded through splitmix32) and the random shapes CloudTrail needs: uuids, key ids, hex.

const HEX = '0123456789abcdef';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Deterministic for a given seed on every platform: only 32-bit integer arithmetic. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d >>> 0, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    return result;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** Picks by weight: `items[i]` with probability `weights[i] / sum`. */
  weighted<T>(items: readonly T[], cumulative: readonly number[]): T {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? 0) > x) hi = mid;
      else lo = mid + 1;
    }
    return items[lo] as T;
  }

  /** A version-4-shaped uuid (CloudTrail eventID, requestID). */
  uuid(): string {
    const w0 = this.nextU32();
    const w1 = this.nextU32();
    const w2 = this.nextU32();
    const w3 = this.nextU32();
    const h = (w: number): string => (w >>> 0).toString(16).padStart(8, '0');
    const s1 = h(w1);
    const s2 = h(((w2 & 0x3fffffff) | 0x80000000) >>> 0);
    return `${h(w0)}-${s1.slice(0, 4)}-4${s1.slice(5, 8)}-${s2.slice(0, 4)}-${s2.slice(4, 8)}${h(w3)}`;
  }

  fromAlphabet(alphabet: string, length: number): string {
    const codes = new Array<number>(length);
    for (let i = 0; i < length; i++) codes[i] = alphabet.charCodeAt(this.int(alphabet.length));
    return String.fromCharCode(...codes);
  }

  hex(length: number): string {
    return this.fromAlphabet(HEX, length);
  }

  upperHex(length: number): string {
    return this.fromAlphabet(HEX, length).toUpperCase();
  }

  /** An access-key-shaped id: `AKIA`/`ASIA`/`AIDA`/`AROA` + 16 base32 characters. */
  keyId(prefix: string): string {
    return prefix + this.fromAlphabet(BASE32, 16);
  }

  alnum(length: number): string {
    return this.fromAlphabet(ALNUM, length);
  }

  base64(length: number): string {
    return this.fromAlphabet(BASE64, length);
  }

  digits(length: number): string {
    return String(this.between(1, 9)) + this.fromAlphabet('0123456789', length - 1);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
