// Signing in as a person in real Chromium: the dashboard against the real API, a real OpenID provider on loopback
// (oidc-provider), the authorization code + PKCE round trip, the person in the audit log, a CSRF attempt from a
// second loopback origin refused, and sign-out ending the session on the server.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { sampleAlert, seedCase, startHarness } from '../../src/api/test-support/harness.ts';
import { testSignIn } from '../../src/api/test-support/sign-in.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import type { TestProvider } from './test-support/oidc-provider.ts';
import { CLIENT_ID, listenProvider, signInAtProvider } from './test-support/oidc-provider.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** A page on another loopback port: same site as the dashboard (so a Lax cookie goes along), another origin. */
function attackerPage(target: string): string {
  const body = JSON.stringify({ text: 'pwned by a forged form', x: '' }).slice(0, -3);
  return `<!doctype html><html><body>
<form id="f" method="POST" action="${target}" enctype="text/plain">
  <input type="hidden" name='${body}' value='"}'>
</form>
<script>
  fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' }, body: '{"text":"pwned by fetch"}' })
    .finally(() => document.getElementById('f').submit());
</script></body></html>`;
}

const problem = chromiumProblem();
if (problem !== null) it('sign-in in Chromium (OIDC)', (t) => void missing(t, 'chromium', problem));
else
  describe('sign-in in Chromium (real API, real OpenID provider)', () => {
    let h: Harness;
    let idp: TestProvider;
    let b: BrowserHandle;
    let page: Page;
    let caseId = '';
    let attacker: Server;
    let attackerUrl = '';

    before(async () => {
      idp = await listenProvider();
      let base = '';
      const signIn = { ...testSignIn(() => base, idp.issuer), clientId: CLIENT_ID };
      Object.defineProperty(signIn, 'publicUrl', { get: () => base });
      [h, b] = await Promise.all([
        startHarness({ webRoot: WEB_ROOT, signIn, now: () => Date.now() }),
        openBrowser(),
      ]);
      base = h.base;
      idp.start(`${h.base}/auth/callback`);
      page = b.page;
      caseId = await seedCase(h.store, sampleAlert({ user: 'grace', severity: 'high' }));
      const target = `${h.base}/api/cases/${caseId}/comments`;
      attacker = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackerPage(target));
      });
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
      await idp?.close();
      attacker?.close();
    });

    it('signs in through the provider with code + PKCE and lands on the page asked for, as the person', async () => {
      await page.goto(`${h.base}/#/cases/${caseId}`);
      await page.locator('#sso-row').waitFor({ state: 'visible' });
      await page.click('#sso');
      // oidc-provider's development pages: any login name, then consent.
      await signInAtProvider(page, 'ada');
      await page.waitForURL(`${h.base}/#/cases/${caseId}`);
      await page.locator('#person').waitFor({ state: 'visible' });
      assert.equal((await page.locator('#person').innerText()).trim(), 'Ada Lovelace · responder');
      const cookies = await page.context().cookies(h.base);
      const session = cookies.find((cookie) => cookie.name === 'mfaguard-session');
      assert.ok(session, 'the session cookie is set');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');
      assert.equal(await page.evaluate('document.cookie'), '', 'no cookie is readable by the page');
      assert.equal(await page.evaluate('sessionStorage.length'), 0, 'no token is kept in the page');
    });

    it('records the person, not a token, when they comment and move the case', async () => {
      await page.fill('#comment-text', 'called the owner');
      await page.click('#comment-form button[type=submit]');
      await page.locator('#comments .comment').first().waitFor();
      assert.match(await page.locator('#comments').innerText(), /Ada Lovelace <sub:ada>/);
      await page.click('button.transition[data-to="escalated"]');
      await page.locator('.case-badges .state-escalated').waitFor();
      const detail = await h.store.getCase(caseId);
      assert.equal(detail?.comments[0]?.author, 'Ada Lovelace <sub:ada>');
      assert.ok(
        detail?.audit.some(
          (entry) => entry.actor === 'Ada Lovelace <sub:ada>' && entry.action === 'transition',
        ),
      );
      assert.deepEqual(await b.attempts(), []);
    });

    it('records the person on an approval made from the Approvals page', async () => {
      await page.goto(`${h.base}/#/approvals`);
      await page.fill('#approval-form [name="ticket"]', 'CHG-4711');
      await page.fill('#approval-form [name="user"]', 'grace');
      await page.fill('#approval-form [name="approver"]', 'the change board');
      await page.click('#approval-form button[type=submit]');
      await page.locator('#banner', { hasText: 'Approval CHG-4711 recorded.' }).waitFor();
      const row = page.locator('tr', { hasText: 'CHG-4711' });
      await row.waitFor();
      assert.match(await row.innerText(), /Ada Lovelace <sub:ada>/, 'the list says who recorded it');
      const [stored] = (await h.store.listApprovals()).filter((a) => a.ticket === 'CHG-4711');
      assert.equal(stored?.createdBy, 'Ada Lovelace <sub:ada>');
      assert.equal(stored?.approver, 'the change board');
      assert.deepEqual(await b.attempts(), []);
    });

    it('refuses a forged request from another loopback origin, even with the cookie sent along', async () => {
      const before = (await h.store.getCase(caseId))?.comments.length;
      const forged = await b.browser.contexts()[0]!.newPage();
      const answered = forged.waitForResponse(
        (response) =>
          response.url().endsWith('/comments') &&
          response.request().method() === 'POST' &&
          response.request().resourceType() === 'document',
      );
      await forged.goto(attackerUrl);
      const response = await answered;
      assert.equal(response.status(), 403);
      assert.equal(response.request().headers()['origin'], attackerUrl.replace(/\/$/, ''));
      assert.match(await response.text(), /cross-origin request refused/);
      // Same site (127.0.0.1), so SameSite=Lax let the cookie through: the Origin check is what refused it.
      assert.match((await response.request().allHeaders())['cookie'] ?? '', /mfaguard-session=/);
      await forged.close();
      const comments = (await h.store.getCase(caseId))?.comments ?? [];
      assert.equal(comments.length, before);
      assert.ok(!comments.some((comment) => comment.text.includes('pwned')));
    });

    it('lets the person make a token for a script, which acts as them, and revoke it', async () => {
      await page.goto(`${h.base}/#/tokens`);
      await page.locator('#token-form').waitFor();
      assert.deepEqual(
        await page.evaluate<string[]>("[...document.querySelectorAll('#f-role option')].map((o) => o.value)"),
        ['', 'viewer', 'responder'],
        'a responder cannot make an admin token',
      );
      await page.fill('#token-name', 'ci script');
      await page.click('#token-form button[type=submit]');
      const secret = (await page.locator('#token-secret code').innerText()).trim();
      assert.match(secret, /^mfg_/);
      const scripted = await fetch(`${h.base}/api/cases/${caseId}/comments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'from CI' }),
      });
      assert.equal(scripted.status, 201);
      assert.equal(
        ((await scripted.json()) as { author: string }).author,
        'Ada Lovelace <sub:ada> via token "ci script"',
      );
      await page.locator('#tokens-list tr[data-kind="token"] button.revoke-token').click();
      await page.locator('#banner', { hasText: 'revoked' }).waitFor();
      const after = await fetch(`${h.base}/api/whoami`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(after.status, 401);
      assert.deepEqual(await b.attempts(), []);
    });

    it('signs out here and at the provider: the session ends on the server, the provider asks again', async () => {
      const cookie = (await page.context().cookies(h.base)).find((c) => c.name === 'mfaguard-session');
      await page.click('#signout');
      // RP-initiated logout: the provider's own page, with the ID token as hint, then back to the dashboard.
      await page.waitForURL(/localhost.*\/session\/end/);
      const asked = new URL(page.url()).searchParams;
      assert.equal(asked.get('post_logout_redirect_uri'), `${h.base}/`);
      assert.match(asked.get('id_token_hint') ?? '', /^ey[\w-]+\.[\w-]+\.[\w-]*$/);
      const replay = await fetch(`${h.base}/api/whoami`, {
        headers: { cookie: `mfaguard-session=${cookie?.value}` },
      });
      assert.equal(replay.status, 401, 'the local session ended before the provider was asked');
      await page.click('button[name=logout][value=yes]');
      await page.waitForURL(`${h.base}/`);
      await page.locator('#login').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#app').isVisible(), false);
      // Signed out at the provider too: signing in again asks for the login, not only for consent.
      await page.click('#sso');
      await page.waitForURL(/localhost.*\/interaction\//);
      await page.locator('input[name=login]').waitFor();
    });
  });
