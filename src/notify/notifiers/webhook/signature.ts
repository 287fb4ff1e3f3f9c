// HMAC signatures of webhook bodies: how mfaguard signs, and the helper a receiver uses to verify.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Mfaguard-Signature';
export const TIMESTAMP_HEADER = 'X-Mfaguard-Timestamp';
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/**
 * `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>`, the timestamp being Unix seconds as sent in
 * X-Mfaguard-Timestamp. Signing the timestamp with the body means a captured request cannot be replayed
 * later with a fresh timestamp; the receiver rejects timestamps outside its tolerance.
 */
export function signWebhookBody(body: string, timestampSeconds: number, secret: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body, 'utf8').digest('hex');
  return `sha256=${mac}`;
}

export type HeaderBag =
  { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : record[key];
  return typeof value === 'string' ? value : value?.[0];
}

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * For receivers. Verify before parsing:
 *  1. take the raw body bytes exactly as received (not re-serialised JSON);
 *  2. read X-Mfaguard-Timestamp (Unix seconds) and refuse it when further than `toleranceMs` from now;
 *  3. compute HMAC-SHA256(secret, `${timestamp}.${body}`) as hex and compare, in constant time, with each
 *     `sha256=<hex>` in X-Mfaguard-Signature (comma-separated; several appear during secret rotation);
 *  4. then drop repeats by X-Mfaguard-Delivery (delivery is at-least-once).
 * `secret` may list several secrets, old and new, while rotating.
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  headers: HeaderBag,
  secret: string | readonly string[],
  nowMs: number,
  toleranceMs: number = DEFAULT_SIGNATURE_TOLERANCE_MS,
): VerifyResult {
  const timestamp = header(headers, TIMESTAMP_HEADER)?.trim();
  if (timestamp === undefined || timestamp === '')
    return { ok: false, reason: `missing ${TIMESTAMP_HEADER} header` };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} is not Unix seconds` };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > toleranceMs) {
    return { ok: false, reason: `${TIMESTAMP_HEADER} is outside the tolerance (replayed or clock skew)` };
  }
  const signatures = (header(headers, SIGNATURE_HEADER) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('sha256='))
    .map((part) => Buffer.from(part.slice('sha256='.length), 'hex'));
  if (signatures.length === 0)
    return { ok: false, reason: `missing or malformed ${SIGNATURE_HEADER} header` };
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  for (const candidate of secrets) {
    if (candidate === '') continue;
    const expected = createHmac('sha256', candidate).update(`${timestamp}.`).update(bytes).digest();
    if (signatures.some((given) => given.length === expected.length && timingSafeEqual(given, expected))) {
      return { ok: true };
    }
  }
  return { ok: false, reason: 'signature does not match the body' };
}
