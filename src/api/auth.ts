// API tokens (random, stored hashed), roles, and the constant-time check of the ingest token.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { generateApiToken, hashApiToken } from '../app/index.ts';
import type { ApiRole, ApiToken, Store } from '../store/index.ts';
import { HttpError } from './problem.ts';

export { generateApiToken, hashApiToken };

export const API_ROLES: readonly ApiRole[] = ['viewer', 'responder', 'admin'];
const RANK: Readonly<Record<ApiRole, number>> = { viewer: 1, responder: 2, admin: 3 };

export function isApiRole(value: unknown): value is ApiRole {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

export function roleAllows(held: ApiRole, needed: ApiRole): boolean {
  return RANK[held] >= RANK[needed];
}

const digest = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** Compares secrets without leaking where they differ; hashing first makes the lengths equal too. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The configured secret's digest, kept: it is the same on every request, only the presented one needs hashing. */
let expected: { readonly secret: string; readonly digest: Buffer } | null = null;

/** constantTimeEqual against a secret that stays the same from request to request (the ingest token). */
export function matchesSecret(presented: string, secret: string): boolean {
  if (expected?.secret !== secret) expected = { secret, digest: digest(secret) };
  return timingSafeEqual(digest(presented), expected.digest);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The token from `Authorization: Bearer <token>`; undefined when absent or another scheme. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headerValue(headers, 'authorization');
  if (value === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  return match?.[1];
}

/**
 * The ingest secret as presented. With the default `authorization` header it must be `Bearer <token>`;
 * with another header (an EventBridge API-key connection sends `<name>: <value>`) the value is the token,
 * with an optional `Bearer ` prefix.
 */
export function presentedIngestToken(headers: IncomingHttpHeaders, headerName: string): string | undefined {
  if (headerName.toLowerCase() === 'authorization') return bearerToken(headers);
  const value = headerValue(headers, headerName)?.trim();
  if (value === undefined || value === '') return undefined;
  return value.replace(/^Bearer[ \t]+/i, '');
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="mfaguard"' };

/** Looks up the request's bearer token and checks its role: 401 without a valid token, 403 when too low. */
export async function authenticate(
  store: Store,
  headers: IncomingHttpHeaders,
  needed: ApiRole,
  nowMs: number,
): Promise<ApiToken> {
  const token = bearerToken(headers);
  if (token === undefined) {
    throw new HttpError(
      401,
      'Unauthorized',
      'send an API token as `Authorization: Bearer <token>`',
      CHALLENGE,
    );
  }
  const found = await store.findApiToken(hashApiToken(token));
  // A session's secret lives in an HttpOnly cookie and is checked with its CSRF token there, never as a bearer.
  if (found === null || found.kind === 'session' || (found.expiresAt !== null && found.expiresAt <= nowMs)) {
    throw new HttpError(401, 'Unauthorized', 'the API token is unknown or revoked', CHALLENGE);
  }
  requireRole(found, needed);
  return found;
}

export function requireRole(caller: ApiToken, needed: ApiRole): void {
  if (!roleAllows(caller.role, needed)) {
    const whose = caller.kind === 'session' ? 'you have' : 'the token has';
    throw new HttpError(403, 'Forbidden', `this needs the ${needed} role; ${whose} ${caller.role}`);
  }
}
