// Dashboard sessions: the cookie a signed-in person's browser presents, the CSRF token bound to it, and the checks a
// state-changing request from a browser must pass (same origin, matching CSRF token).

import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { hashApiToken } from '../app/index.ts';
import type { ApiToken, Store } from '../store/index.ts';
import { constantTimeEqual } from './auth.ts';
import { HttpError } from './problem.ts';

/** What the server knows about where the dashboard is served: its origin fixes the cookie flags and the CSRF check. */
export interface SessionSite {
  /** The dashboard's origin as people reach it, e.g. `https://mfaguard.example.com`. */
  readonly origin: string;
  /** False only for plain http on loopback (development): then no `Secure` flag and no `__Host-` prefix. */
  readonly secure: boolean;
}

export function sessionSite(publicUrl: string): SessionSite {
  const url = new URL(publicUrl);
  return { origin: url.origin, secure: url.protocol === 'https:' };
}

/**
 * `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and for path `/`, so a sibling
 * subdomain cannot plant or shadow it. Plain http (loopback development) cannot carry the prefix.
 */
export function sessionCookieName(site: SessionSite): string {
  return site.secure ? '__Host-mfaguard-session' : 'mfaguard-session';
}

export function loginCookieName(site: SessionSite): string {
  return site.secure ? '__Host-mfaguard-login' : 'mfaguard-login';
}

/** `Set-Cookie` for a cookie the page's scripts never see; Lax so the provider's redirect back carries it. */
export function setCookie(site: SessionSite, name: string, value: string, maxAgeSeconds: number): string {
  return stringifySetCookie(name, value, {
    httpOnly: true,
    secure: site.secure,
    sameSite: 'lax',
    path: '/',
    maxAge: maxAgeSeconds,
  });
}

export function clearCookie(site: SessionSite, name: string): string {
  return setCookie(site, name, '', 0);
}

export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers.cookie;
  if (raw === undefined || raw === '') return undefined;
  const value = parseCookie(raw)[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The CSRF token of a session: derived from the session's secret (an HMAC), so it needs no storage and dies with the
 * session; a page on another origin can neither read it nor compute it.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHmac('sha256', createHash('sha256').update(sessionSecret).digest())
    .update('mfaguard csrf v1')
    .digest('base64url');
}

/** The live session a request's cookie names, or null when there is none; 401 when it names one that ended. */
export async function findSession(
  store: Store,
  headers: IncomingHttpHeaders,
  site: SessionSite,
  nowMs: number,
): Promise<{ token: ApiToken; secret: string } | null> {
  const secret = readCookie(headers, sessionCookieName(site));
  if (secret === undefined) return null;
  const found = await store.findApiToken(hashApiToken(secret));
  if (found === null || found.kind !== 'session' || (found.expiresAt !== null && found.expiresAt <= nowMs)) {
    throw new HttpError(401, 'Unauthorized', 'your session has ended: sign in again');
  }
  return { token: found, secret };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie is sent by the browser whoever built the request, so a state-changing request that relies on it must
 * prove it came from the dashboard: its Origin (or, without one, its Fetch Metadata) is the dashboard's own, and it
 * carries the session's CSRF token in `X-CSRF-Token`, which only the dashboard's own scripts can read.
 */
export function checkCsrf(
  method: string,
  headers: IncomingHttpHeaders,
  site: SessionSite,
  secret: string,
): void {
  if (SAFE_METHODS.has(method)) return;
  const origin = headers.origin;
  if (origin !== undefined && origin !== site.origin) {
    throw new HttpError(403, 'Forbidden', `cross-origin request refused (Origin ${origin.slice(0, 100)})`);
  }
  const fetchSite = headers['sec-fetch-site'];
  if (origin === undefined && fetchSite !== undefined && fetchSite !== 'same-origin') {
    throw new HttpError(403, 'Forbidden', 'cross-site request refused');
  }
  const presented = headers['x-csrf-token'];
  if (typeof presented !== 'string' || !constantTimeEqual(presented, csrfTokenFor(secret))) {
    throw new HttpError(403, 'Forbidden', 'a valid X-CSRF-Token header is required with a session cookie');
  }
}

/** What a session keeps of the person's sign-in at the provider, to re-read their roles and to end it there. */
export interface ProviderTokens {
  readonly subject: string;
  readonly idToken: string | null;
  readonly accessToken: string;
  /** Epoch ms; null when the provider did not say. */
  readonly accessExpiresAt: number | null;
  readonly refreshToken: string | null;
}

/**
 * The provider's tokens are sealed (AES-256-GCM) with a key derived from the session's secret, which the server never
 * stores (only its hash): a copy of the database alone cannot use a person's refresh token.
 */
function sealKey(sessionSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionSecret, 'mfaguard', 'session link v1', 32));
}

export function sealProviderTokens(sessionSecret: string, tokens: ProviderTokens): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(sessionSecret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Null when the seal does not open with this secret or holds something else. */
export function unsealProviderTokens(sessionSecret: string, sealed: string): ProviderTokens | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', sealKey(sessionSecret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const value = JSON.parse(text) as Partial<ProviderTokens>;
    if (typeof value.subject !== 'string' || typeof value.accessToken !== 'string') return null;
    return {
      subject: value.subject,
      idToken: typeof value.idToken === 'string' ? value.idToken : null,
      accessToken: value.accessToken,
      accessExpiresAt: typeof value.accessExpiresAt === 'number' ? value.accessExpiresAt : null,
      refreshToken: typeof value.refreshToken === 'string' ? value.refreshToken : null,
    };
  } catch {
    return null;
  }
}
