// A real OpenID Connect provider on loopback (oidc-provider from npm, with its development login and consent pages)
// for the dashboard's sign-in round trip: any login name signs in, claims come from PEOPLE.

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Page } from 'playwright-core';

export const CLIENT_ID = 'mfaguard-test';

/**
 * Who can sign in, by login name; `groups` is the claim mfaguard maps to roles. Read at every userinfo request, so a
 * test can change someone's groups mid-session, as an administrator at the provider would.
 */
export const PEOPLE: Record<string, { name: string; groups: string[] }> = {
  ada: { name: 'Ada Lovelace', groups: ['secops'] },
  lin: { name: 'Lin Viewer', groups: ['staff'] },
  max: { name: 'Max Lead', groups: ['secops-leads'] },
};

export interface ProviderOptions {
  /** Lifetime of an access token, in seconds (default oidc-provider's hour). */
  readonly accessTokenTtl?: number;
  /** Issue refresh tokens (to every sign-in: no offline_access scope asked). */
  readonly refreshTokens?: boolean;
}

export interface TestProvider {
  readonly issuer: string;
  /** The grant type of each token issued, in order: `authorization_code`, `refresh_token`. */
  readonly grants: string[];
  /** Registers mfaguard's callback (known once mfaguard listens) and starts answering. */
  start(redirectUri: string): void;
  close(): Promise<void>;
}

/**
 * Listens on `localhost` (mfaguard runs on 127.0.0.1): two origins, so the provider's cookies and the dashboard's
 * never mix.
 */
export async function listenProvider(options: ProviderOptions = {}): Promise<TestProvider> {
  const grants: string[] = [];
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handle === null) res.writeHead(503).end();
    else handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    grants,
    start(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            token_endpoint_auth_method: 'none',
            redirect_uris: [redirectUri],
            // Where the provider's logout page sends the browser back: the dashboard's root.
            post_logout_redirect_uris: [`${new URL(redirectUri).origin}/`],
            grant_types:
              options.refreshTokens === true
                ? ['authorization_code', 'refresh_token']
                : ['authorization_code'],
            response_types: ['code'],
          },
        ],
        pkce: { required: () => true },
        ...(options.accessTokenTtl === undefined ? {} : { ttl: { AccessToken: options.accessTokenTtl } }),
        issueRefreshToken: () => Promise.resolve(options.refreshTokens === true),
        scopes: ['openid', 'profile', 'groups'],
        claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
        cookies: { keys: ['mfaguard-test-cookie-key'] },
        findAccount: (_ctx: unknown, id: string) => {
          const person = PEOPLE[id];
          if (person === undefined) return undefined;
          return { accountId: id, claims: () => ({ sub: id, name: person.name, groups: person.groups }) };
        },
      });
      provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: unknown } } }) =>
        grants.push(String(ctx.oidc.params?.grant_type)),
      );
      handle = provider.callback();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** On the provider's development pages (after the dashboard sent the browser there): log in as `login`, consent. */
export async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.waitForURL(/localhost.*\/interaction\//);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'anything');
  await page.click('button[type=submit]');
  await page.locator('button[type=submit]', { hasText: 'Continue' }).click();
}
