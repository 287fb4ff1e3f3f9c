// Sign-in for tests: SignInOptions whose publicUrl is the harness's address once it listens, and sessions made
// directly in the store (what a finished OIDC sign-in leaves behind) for the API-level checks.

import { generateApiToken, hashApiToken } from '../../app/index.ts';
import type { ApiRole, Store } from '../../store/index.ts';
import type { SignInOptions } from '../context.ts';
import { csrfTokenFor } from '../sessions.ts';

export const SESSION_TTL_MS = 8 * 3_600_000;

/** `base()` is read at request time: the harness knows its port only after it listens. */
export function testSignIn(base: () => string, issuer = 'http://127.0.0.1:9/unused'): SignInOptions {
  return {
    issuer,
    clientId: 'mfaguard-test',
    clientSecret: null,
    scopes: ['openid', 'profile', 'groups'],
    roleClaim: 'groups',
    nameClaim: 'name',
    roles: { admin: ['secops-leads'], responder: ['secops'], viewer: ['*'] },
    sessionTtlMs: SESSION_TTL_MS,
    roleRefreshMs: 5 * 60_000,
    get publicUrl() {
      return base();
    },
  };
}

export interface TestSession {
  readonly secret: string;
  /** The `Cookie` header a browser on loopback http sends. */
  readonly cookie: string;
  readonly csrf: string;
}

export async function seedSession(
  store: Store,
  person: { subject: string; name: string; role: ApiRole; nowMs: number; expiresAt?: number },
): Promise<TestSession> {
  const secret = generateApiToken();
  await store.createApiToken({
    name: `dashboard session of ${person.name}`,
    role: person.role,
    tokenHash: hashApiToken(secret),
    createdBy: 'oidc:test',
    nowMs: person.nowMs,
    kind: 'session',
    subject: person.subject,
    displayName: person.name,
    expiresAt: person.expiresAt ?? person.nowMs + SESSION_TTL_MS,
  });
  return { secret, cookie: `mfaguard-session=${secret}`, csrf: csrfTokenFor(secret) };
}
