// Sessions that follow the person at the OpenID provider: the provider's metadata, roles from claims, roles re-read
// while a session lasts (a demoted person loses the role on their next request), and the provider's logout URL.

import * as oidc from 'openid-client';
import type { SignInConfig } from '../app/index.ts';
import { ExternalError } from '../model/index.ts';
import type { ApiRole, ApiToken, Store } from '../store/index.ts';
import type { SignInOptions } from './context.ts';
import { HttpError } from './problem.ts';
import type { ProviderTokens } from './sessions.ts';
import { sealProviderTokens, unsealProviderTokens } from './sessions.ts';

/** The provider's metadata is fetched on the first sign-in and kept; a failed fetch is tried again next time. */
const discovered = new WeakMap<SignInOptions, Promise<oidc.Configuration>>();

export function configurationOf(options: SignInOptions): Promise<oidc.Configuration> {
  let found = discovered.get(options);
  if (found === undefined) {
    const issuer = new URL(options.issuer);
    found = oidc
      .discovery(
        issuer,
        options.clientId,
        options.clientSecret ?? undefined,
        options.clientSecret === null ? oidc.None() : oidc.ClientSecretBasic(options.clientSecret),
        // Plain http is accepted by the configuration only for loopback (a provider on the developer's machine).
        issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {},
      )
      .catch((error: unknown) => {
        discovered.delete(options);
        throw new ExternalError(
          'OpenID provider',
          `cannot read its metadata at ${options.issuer}: ${error instanceof Error ? error.message : String(error)}`,
          { retryable: true, cause: error },
        );
      });
    discovered.set(options, found);
  }
  return found;
}

function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** The highest role whose configured values meet the person's claim values; `*` matches everyone; null: none. */
export function roleFromClaims(
  claims: Readonly<Record<string, unknown>>,
  config: SignInConfig,
): ApiRole | null {
  const held = new Set(claimValues(claims[config.roleClaim]));
  const order: readonly ApiRole[] = ['admin', 'responder', 'viewer'];
  for (const role of order) {
    if (config.roles[role].some((value) => value === '*' || held.has(value))) return role;
  }
  return null;
}

/** The name people see in the audit log: the configured claim, else e-mail, user name, subject. */
export function displayNameFrom(claims: Readonly<Record<string, unknown>>, config: SignInConfig): string {
  for (const key of [config.nameClaim, 'name', 'email', 'preferred_username', 'sub']) {
    const value = claims[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 200);
  }
  return 'unknown';
}

/** The tokens of a finished sign-in or refresh, as a session keeps them. */
export function providerTokensOf(
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  subject: string,
  nowMs: number,
  previous: ProviderTokens | null = null,
): ProviderTokens {
  const expiresIn = tokens.expiresIn();
  return {
    subject,
    // A refresh may come without a new ID token or refresh token: the ones before stay good.
    idToken: tokens.id_token ?? previous?.idToken ?? null,
    accessToken: tokens.access_token,
    accessExpiresAt: expiresIn === undefined ? null : nowMs + expiresIn * 1000,
    refreshToken: tokens.refresh_token ?? previous?.refreshToken ?? null,
  };
}

/** A refresh this close to the access token's end uses the refresh token rather than risk a 401 in between. */
const EXPIRY_MARGIN_MS = 30_000;

/** The provider refused (the grant or the token is no longer good), as opposed to could not be reached. */
function refusedByProvider(error: unknown): boolean {
  return error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError;
}

async function endSession(store: Store, token: ApiToken, nowMs: number, why: string): Promise<never> {
  await store.revokeApiToken(token.id, nowMs);
  throw new HttpError(401, 'Unauthorized', `your session has ended: ${why}; sign in again`);
}

/** The person's claims now, from the userinfo endpoint, refreshing the access token first when it ran out. */
async function currentClaims(
  options: SignInOptions,
  held: ProviderTokens,
  nowMs: number,
): Promise<{ claims: Record<string, unknown>; tokens: ProviderTokens } | { refused: string }> {
  const config = await configurationOf(options);
  let tokens = held;
  try {
    if (held.accessExpiresAt !== null && held.accessExpiresAt - EXPIRY_MARGIN_MS <= nowMs) {
      if (held.refreshToken === null) return { refused: 'your sign-in at the provider expired' };
      const fresh = await oidc.refreshTokenGrant(config, held.refreshToken);
      tokens = providerTokensOf(fresh, held.subject, nowMs, held);
    }
    const info = await oidc.fetchUserInfo(config, tokens.accessToken, held.subject);
    return { claims: { ...info }, tokens };
  } catch (error) {
    if (refusedByProvider(error)) return { refused: 'the provider no longer accepts your sign-in' };
    throw new ExternalError(
      'OpenID provider',
      `cannot re-read your roles: ${error instanceof Error ? error.message : String(error)}`,
      { retryable: true, cause: error },
    );
  }
}

/** One re-check per session at a time in this process: parallel requests of one page share it. */
const inFlight = new Map<string, Promise<ApiToken>>();

/**
 * The session's caller with its role as the provider's claims say now: re-read when the last reading is older than
 * `roleRefreshMs`. A person with no mfaguard role left, or whose sign-in the provider refuses, is signed out (401).
 * Sessions without a link (made before links existed) keep their role until they expire.
 */
export function recheckSessionRole(
  options: SignInOptions,
  store: Store,
  session: { readonly token: ApiToken; readonly secret: string },
  nowMs: number,
): Promise<ApiToken> {
  const running = inFlight.get(session.token.id);
  if (running !== undefined) return running;
  const check = (async () => {
    const link = await store.getSessionLink(session.token.id);
    if (link === null || nowMs - link.checkedAt < options.roleRefreshMs) return session.token;
    const held = unsealProviderTokens(session.secret, link.sealed);
    if (held === null) return endSession(store, session.token, nowMs, 'its provider link is unreadable');
    const now = await currentClaims(options, held, nowMs);
    if ('refused' in now) return endSession(store, session.token, nowMs, now.refused);
    const role = roleFromClaims(now.claims, options);
    if (role === null) return endSession(store, session.token, nowMs, 'you no longer have an mfaguard role');
    await store.refreshSession({
      tokenId: session.token.id,
      sealed: sealProviderTokens(session.secret, now.tokens),
      checkedAt: nowMs,
      role,
    });
    return { ...session.token, role };
  })().finally(() => inFlight.delete(session.token.id));
  inFlight.set(session.token.id, check);
  return check;
}

/**
 * Where to send the browser so the person is signed out at the provider too (RP-initiated logout), or null when the
 * provider has no end_session_endpoint or cannot be reached: the local session is ended either way.
 */
export async function providerLogoutUrl(
  options: SignInOptions,
  store: Store,
  session: { readonly token: ApiToken; readonly secret: string },
): Promise<string | null> {
  try {
    const config = await configurationOf(options);
    if (config.serverMetadata().end_session_endpoint === undefined) return null;
    const link = await store.getSessionLink(session.token.id);
    const held = link === null ? null : unsealProviderTokens(session.secret, link.sealed);
    const parameters: Record<string, string> = {
      client_id: options.clientId,
      post_logout_redirect_uri: `${options.publicUrl}/`,
    };
    if (held?.idToken) parameters['id_token_hint'] = held.idToken;
    return oidc.buildEndSessionUrl(config, parameters).href;
  } catch {
    return null;
  }
}
