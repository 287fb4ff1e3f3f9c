// Sessions that follow the person, in real Chromium against the real API and a real OpenID provider (oidc-provider on
// loopback): an administrator demoted at the provider loses admin actions on the next request, and a person left
// with no mfaguard role is signed out; the roles come from the provider's userinfo, not from what the session held.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { startHarness } from '../../src/api/test-support/harness.ts';
import { testSignIn } from '../../src/api/test-support/sign-in.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import type { TestProvider } from './test-support/oidc-provider.ts';
import { CLIENT_ID, listenProvider, PEOPLE, signInAtProvider } from './test-support/oidc-provider.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** Creates a token with `role` from the page, as the dashboard's own scripts would (cookie + CSRF token). */
const CREATE_TOKEN = (role: string) => `(async () => {
  const me = await (await fetch('/api/whoami')).json();
  const answer = await fetch('/api/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
    body: JSON.stringify({ name: 'script', role: ${JSON.stringify(role)} }),
  });
  return { status: answer.status, role: me.role };
})()`;

/** With a long-lived access token, roles come from userinfo; with one that lasts a second, a refresh grant first. */
const MODES = [
  { label: 'access token still valid', provider: {}, grant: 'authorization_code' },
  {
    label: 'access token expired: refresh grant',
    provider: { accessTokenTtl: 1, refreshTokens: true },
    grant: 'refresh_token',
  },
] as const;

const problem = chromiumProblem();
if (problem !== null) it('session roles in Chromium (OIDC)', (t) => void missing(t, 'chromium', problem));
else
  for (const mode of MODES)
    describe(`sessions follow the person at the provider (Chromium, real API, oidc-provider; ${mode.label})`, () => {
      let h: Harness;
      let idp: TestProvider;
      let b: BrowserHandle;
      let page: Page;
      const maxGroups = [...PEOPLE['max']!.groups];

      before(async () => {
        idp = await listenProvider(mode.provider);
        let base = '';
        // Roles re-read on every request (roleRefresh 0s), and no `*`: a person without a group has no role.
        const signIn = {
          ...testSignIn(() => base, idp.issuer),
          clientId: CLIENT_ID,
          roles: { admin: ['secops-leads'], responder: ['secops'], viewer: ['staff'] },
          roleRefreshMs: 0,
        };
        Object.defineProperty(signIn, 'publicUrl', { get: () => base });
        [h, b] = await Promise.all([
          startHarness({ webRoot: WEB_ROOT, signIn, now: () => Date.now() }),
          openBrowser(),
        ]);
        base = h.base;
        idp.start(`${h.base}/auth/callback`);
        page = b.page;
      });

      after(async () => {
        PEOPLE['max']!.groups = maxGroups;
        await b?.browser.close();
        await h?.close();
        await idp?.close();
      });

      it('signs in an administrator, who may make an admin token', async () => {
        await page.goto(`${h.base}/#/tokens`);
        await page.locator('#sso-row').waitFor({ state: 'visible' });
        await page.click('#sso');
        await signInAtProvider(page, 'max');
        await page.waitForURL(`${h.base}/#/tokens`);
        await page.locator('#token-form').waitFor();
        assert.equal((await page.locator('#person').innerText()).trim(), 'Max Lead · admin');
        assert.deepEqual(await page.evaluate(CREATE_TOKEN('admin')), { status: 201, role: 'admin' });
        // Each re-read either used the access token as it was or renewed it first.
        assert.equal(idp.grants[0], 'authorization_code');
        assert.equal(idp.grants.at(-1), mode.grant);
      });

      it('demoted at the provider, loses admin actions on the next request, in the API and the page', async () => {
        PEOPLE['max']!.groups = ['secops'];
        assert.deepEqual(await page.evaluate(CREATE_TOKEN('admin')), { status: 403, role: 'responder' });
        const sessions = (await h.store.listApiTokens()).filter(
          (t) => t.kind === 'session' && t.revokedAt === null,
        );
        assert.deepEqual(
          sessions.map((t) => [t.displayName, t.role]),
          [['Max Lead', 'responder']],
          'the stored session holds the new role',
        );
        await page.reload();
        await page.locator('#token-form').waitFor();
        assert.equal((await page.locator('#person').innerText()).trim(), 'Max Lead · responder');
        assert.deepEqual(
          await page.evaluate<string[]>(
            "[...document.querySelectorAll('#f-role option')].map((o) => o.value)",
          ),
          ['', 'viewer', 'responder'],
          'no admin role offered any more',
        );
        assert.deepEqual(b.errors, []);
      });

      it('with no mfaguard role left, is signed out on the next request and the session is ended', async () => {
        PEOPLE['max']!.groups = ['contractors'];
        await page.click('#nav a[href="#/cases"]');
        await page.locator('#login-message', { hasText: 'session has ended' }).waitFor();
        assert.equal(await page.locator('#app').isVisible(), false);
        const live = (await h.store.listApiTokens()).filter(
          (t) => t.kind === 'session' && t.revokedAt === null,
        );
        assert.deepEqual(live, [], 'the session was revoked');
        // Cleanup then deletes it, link and all.
        assert.equal(await h.store.deleteEndedSessions(Date.now()), 1);
        assert.equal((await h.store.listApiTokens()).filter((t) => t.kind === 'session').length, 0);
      });
    });
