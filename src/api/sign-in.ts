// Dashboard sign-in with OpenID Connect (authorization code + PKCE, through openid-client): the login redirect, the
// callback that turns the provider's claims into a role and a server-side session, and sign-out.

import * as oidc from 'openid-client';
import { z } from 'zod';
import { generateApiToken, hashApiToken } from '../app/index.ts';
import type { RequestContext, Route, SignInOptions } from './context.ts';
import {
  configurationOf,
  displayNameFrom,
  providerLogoutUrl,
  providerTokensOf,
  roleFromClaims,
} from './provider-session.ts';
import type { ProviderTokens } from './sessions.ts';
import { HttpError } from './problem.ts';
import type { Reply } from './reply.ts';
import { json, text } from './reply.ts';
import type { SessionSite } from './sessions.ts';
import { querySchema } from './validate.ts';
import {
  checkCsrf,
  clearCookie,
  findSession,
  loginCookieName,
  readCookie,
  sealProviderTokens,
  sessionCookieName,
  sessionSite,
  setCookie,
} from './sessions.ts';

export { displayNameFrom, roleFromClaims } from './provider-session.ts';

/** The provider has this long to send the person back before the sign-in attempt is forgotten. */
const LOGIN_TTL_SECONDS = 600;

/** Only a path inside the dashboard is a place to come back to: never another site. */
export function safeReturn(value: string | null): string {
  return value !== null && /^\/#\/[\w\-/%?=&.]*$/.test(value) && value.length <= 500 ? value : '/';
}

function signInOf(ctx: RequestContext): { options: SignInOptions; site: SessionSite } {
  const options = ctx.options.signIn;
  if (options === undefined)
    throw new HttpError(404, 'Not found', 'sign-in is not configured (serve.signIn); use an API token');
  return { options, site: sessionSite(options.publicUrl) };
}

interface LoginState {
  readonly state: string;
  readonly verifier: string;
  readonly nonce: string;
  readonly returnTo: string;
}

function readLoginState(ctx: RequestContext, site: SessionSite): LoginState | null {
  const raw = readCookie(ctx.req.headers, loginCookieName(site));
  if (raw === undefined) return null;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<LoginState>;
    const { state, verifier, nonce, returnTo } = value;
    if (typeof state !== 'string' || typeof verifier !== 'string' || typeof nonce !== 'string') return null;
    return { state, verifier, nonce, returnTo: safeReturn(typeof returnTo === 'string' ? returnTo : null) };
  } catch {
    return null;
  }
}

/** Any text: a `return` that is not a dashboard path is dropped (safeReturn), not refused. */
const LOGIN_QUERY = querySchema({
  return: z.string().optional().describe('a dashboard path such as /#/cases/12'),
});

async function startLogin(ctx: RequestContext): Promise<Reply> {
  const { options, site } = signInOf(ctx);
  const config = await configurationOf(options);
  const verifier = oidc.randomPKCECodeVerifier();
  const login: LoginState = {
    state: oidc.randomState(),
    verifier,
    nonce: oidc.randomNonce(),
    returnTo: safeReturn(LOGIN_QUERY.of(ctx).return ?? null),
  };
  const target = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${options.publicUrl}/auth/callback`,
    scope: options.scopes.join(' '),
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: login.state,
    nonce: login.nonce,
  });
  // The attempt's secrets wait in an HttpOnly cookie rather than in this process: the provider may send the
  // person back to another worker. The verifier is useless without the code, which only the provider hands out.
  const cookie = Buffer.from(JSON.stringify(login), 'utf8').toString('base64url');
  return {
    status: 302,
    headers: { location: target.href, 'cache-control': 'no-store' },
    body: '',
    cookies: [setCookie(site, loginCookieName(site), cookie, LOGIN_TTL_SECONDS)],
  };
}

function refused(site: SessionSite, status: number, message: string): Reply {
  return {
    ...text(
      status,
      `Sign-in failed: ${message}\n\nTry again from the dashboard: /\n`,
      'text/plain; charset=utf-8',
    ),
    cookies: [clearCookie(site, loginCookieName(site))],
  };
}

async function finishLogin(ctx: RequestContext): Promise<Reply> {
  const { options, site } = signInOf(ctx);
  const login = readLoginState(ctx, site);
  if (login === null) return refused(site, 400, 'the sign-in attempt expired or was started elsewhere');
  const config = await configurationOf(options);
  const current = new URL(`${options.publicUrl}/auth/callback${ctx.url.search}`);
  let claims: Record<string, unknown>;
  let provider: ProviderTokens;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (idClaims === undefined) return refused(site, 400, 'the provider sent no ID token');
    // Groups are often only in the userinfo answer: both are read, the ID token's subject binding them.
    const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    claims = { ...info, ...idClaims };
    // Kept (sealed) with the session: to re-read the roles while it lasts and to end it at the provider.
    provider = providerTokensOf(tokens, idClaims.sub, ctx.options.now());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return refused(site, 400, `the provider's answer was not accepted (${reason.slice(0, 200)})`);
  }
  const role = roleFromClaims(claims, options);
  const name = displayNameFrom(claims, options);
  if (role === null)
    return refused(
      site,
      403,
      `${name} has no mfaguard role (claim ${options.roleClaim} matches no configured role)`,
    );
  const secret = generateApiToken();
  const nowMs = ctx.options.now();
  const { token } = await ctx.options.store.createApiToken({
    name: `dashboard session of ${name}`,
    role,
    tokenHash: hashApiToken(secret),
    createdBy: `oidc:${options.issuer}`,
    nowMs,
    kind: 'session',
    subject: String(claims['sub']),
    displayName: name,
    expiresAt: nowMs + options.sessionTtlMs,
  });
  await ctx.options.store.linkSession({
    tokenId: token.id,
    sealed: sealProviderTokens(secret, provider),
    checkedAt: nowMs,
  });
  return {
    status: 302,
    headers: { location: login.returnTo, 'cache-control': 'no-store' },
    body: '',
    cookies: [
      setCookie(site, sessionCookieName(site), secret, Math.floor(options.sessionTtlMs / 1000)),
      clearCookie(site, loginCookieName(site)),
    ],
  };
}

async function signOut(ctx: RequestContext): Promise<Reply> {
  const { options, site } = signInOf(ctx);
  const session = await findSession(ctx.options.store, ctx.req.headers, site, ctx.options.now()).catch(
    () => null,
  );
  const cookies = [clearCookie(site, sessionCookieName(site))];
  if (session === null) return { ...json(200, { signedOut: true, providerLogout: null }), cookies };
  checkCsrf(ctx.req.method ?? 'POST', ctx.req.headers, site, session.secret);
  // Read before the session ends: the ID token hint is sealed with it.
  const providerLogout = await providerLogoutUrl(options, ctx.options.store, session);
  await ctx.options.store.revokeApiToken(session.token.id, ctx.options.now());
  return { ...json(200, { signedOut: true, providerLogout }), cookies };
}

export const SIGN_IN_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/auth/status',
    access: 'public',
    tag: 'sign-in',
    summary: 'Whether dashboard sign-in with OpenID Connect is configured: {signIn: true | false}.',
    responses: { '200': '{signIn}' },
    handle: (ctx) => Promise.resolve(json(200, { signIn: ctx.options.signIn !== undefined })),
  },
  {
    method: 'GET',
    path: '/auth/login',
    access: 'public',
    tag: 'sign-in',
    summary:
      'Starts sign-in: redirects to the OpenID provider (authorization code + PKCE). `return` is a dashboard path (/#/...) to come back to.',
    querySchema: LOGIN_QUERY,
    produces: 'text/plain',
    responses: { '302': 'to the provider', '404': 'sign-in is not configured' },
    handle: startLogin,
  },
  {
    method: 'GET',
    path: '/auth/callback',
    access: 'public',
    tag: 'sign-in',
    summary:
      "The provider's redirect back: checks state, nonce and PKCE, maps the claims to a role, sets the session cookie.",
    produces: 'text/plain',
    responses: {
      '302': 'signed in: to the dashboard',
      '400': 'the attempt expired or the answer was not accepted',
      '403': 'the person has no mfaguard role',
    },
    handle: finishLogin,
  },
  {
    method: 'POST',
    path: '/auth/logout',
    access: 'public',
    tag: 'sign-in',
    summary:
      'Ends the dashboard session (needs its X-CSRF-Token) and clears the cookie; `providerLogout` is the URL that ends the sign-in at the provider too (RP-initiated logout), or null.',
    responses: { '200': '{signedOut: true, providerLogout}', '403': 'cross-origin, or no valid CSRF token' },
    handle: signOut,
  },
];
