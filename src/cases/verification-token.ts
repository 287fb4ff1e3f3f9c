// Signed, expiring owner-verification links: what the token holds, how it is signed and checked, and what the store keeps of it.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { VerificationAnswer } from '../store/index.ts';

/**
 * What a link carries. Both links of one request share the nonce `v` (so they are one verification in the
 * store) and differ in the answer, which is inside the signature: flipping "yes" into "no" breaks the MAC.
 */
export interface VerificationClaims {
  /** Random per request; the store keeps only a hash of it. */
  readonly v: string;
  readonly answer: VerificationAnswer;
  /** Expiry, epoch ms. */
  readonly exp: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: VerificationClaims }
  | { readonly ok: false; readonly reason: 'forged' | 'expired' };

/** The secret should be at least this long: a short HMAC key can be brute-forced from one leaked link. */
export const MIN_SECRET_BYTES = 32;
/** Domain separation: the same secret signing something else can never produce a valid link. */
const CONTEXT = 'mfaguard/verification-link/v1\n';
/** Far longer than any link we mint; a huge token is rejected before any work. */
const MAX_TOKEN_LENGTH = 1024;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function mac(secret: Uint8Array, encodedPayload: string): Buffer {
  return createHmac('sha256', secret)
    .update(CONTEXT + encodedPayload)
    .digest();
}

/** A fresh nonce for one verification request (128 random bits). */
export function newVerificationNonce(random: (size: number) => Buffer = randomBytes): string {
  return base64url(random(16));
}

/** What the store keeps: a stolen database does not yield working links, and both links map to this one value. */
export function verificationTokenHash(nonce: string): string {
  return createHash('sha256').update(`mfaguard-verification:${nonce}`).digest('hex');
}

/** `base64url(payload).base64url(HMAC-SHA256(secret, payload))`. */
export function signVerificationToken(secret: Uint8Array, claims: VerificationClaims): string {
  const payload = base64url(JSON.stringify({ v: claims.v, answer: claims.answer, exp: claims.exp }));
  return `${payload}.${base64url(mac(secret, payload))}`;
}

/**
 * Checks the signature in constant time, then the shape, then the expiry. Anything malformed is `forged`:
 * only we mint tokens, so a token we cannot read was not ours (or was cut or edited on the way).
 */
export function checkVerificationToken(secret: Uint8Array, token: unknown, nowMs: number): TokenCheck {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
    return { ok: false, reason: 'forged' };
  const parts = token.trim().split('.');
  if (parts.length !== 2) return { ok: false, reason: 'forged' };
  const [payload, signature] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(signature))
    return { ok: false, reason: 'forged' };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, payload);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the work the same either way.
  const sameLength = given.length === expected.length;
  const equal = timingSafeEqual(sameLength ? given : expected, expected) && sameLength;
  if (!equal) return { ok: false, reason: 'forged' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'forged' };
  }
  if (
    typeof claims !== 'object' ||
    claims === null ||
    typeof (claims as Record<string, unknown>)['v'] !== 'string' ||
    !['confirmed', 'denied'].includes((claims as Record<string, unknown>)['answer'] as string) ||
    typeof (claims as Record<string, unknown>)['exp'] !== 'number'
  ) {
    return { ok: false, reason: 'forged' };
  }
  const checked = claims as VerificationClaims;
  if (checked.exp <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { v: checked.v, answer: checked.answer, exp: checked.exp } };
}

/** Where a link points: `<publicUrl>/verify/<token>` (the HTTP API serves this path). */
export function verificationLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/verify/${token}`;
}

/** The dashboard's page for a case. */
export function caseLink(publicUrl: string, caseId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/cases/${encodeURIComponent(caseId)}`;
}
