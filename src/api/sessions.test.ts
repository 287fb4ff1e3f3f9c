// Dashboard sessions at the HTTP edge: the cookie authenticates, state changes need the CSRF token and the
// dashboard's origin, bearer calls are untouched, the audit log names the person, per-person tokens stay theirs.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Harness } from './test-support/harness.ts';
import { auth, JSON_HEADERS, NOW, sampleAlert, seedCase, startHarness } from './test-support/harness.ts';
import type { TestSession } from './test-support/sign-in.ts';
import { seedSession, testSignIn } from './test-support/sign-in.ts';
import {
  csrfTokenFor,
  sealProviderTokens,
  sessionCookieName,
  sessionSite,
  setCookie,
  unsealProviderTokens,
} from './sessions.ts';
import { DASHBOARD_CSP } from './static-files.ts';

describe('dashboard sessions and CSRF', () => {
  let h: Harness;
  let ada: TestSession;
  let bob: TestSession;
  let caseId = '';
  before(async () => {
    let base = '';
    h = await startHarness({ signIn: testSignIn(() => base) });
    base = h.base;
    ada = await seedSession(h.store, {
      subject: 'sub-ada',
      name: 'Ada Lovelace',
      role: 'responder',
      nowMs: NOW,
    });
    bob = await seedSession(h.store, { subject: 'sub-bob', name: 'Bob Viewer', role: 'viewer', nowMs: NOW });
    caseId = await seedCase(h.store, sampleAlert({ user: 'carol' }));
  });
  after(() => h.close());

  const comment = (session: TestSession, headers: Record<string, string>) =>
    fetch(`${h.base}/api/cases/${caseId}/comments`, {
      method: 'POST',
      headers: { cookie: session.cookie, ...JSON_HEADERS, ...headers },
      body: JSON.stringify({ text: 'from a page' }),
    });

  it('reads with the cookie alone and tells the page its CSRF token and person', async () => {
    const response = await fetch(`${h.base}/api/whoami`, { headers: { cookie: ada.cookie } });
    assert.equal(response.status, 200);
    const me = (await response.json()) as Record<string, unknown>;
    assert.equal(me['kind'], 'session');
    assert.equal(me['displayName'], 'Ada Lovelace');
    assert.equal(me['subject'], 'sub-ada');
    assert.equal(me['csrfToken'], ada.csrf);
    assert.notEqual(ada.csrf, bob.csrf);
  });

  it('refuses a state change without the CSRF token, with a wrong one, or from another origin; nothing changes', async () => {
    const missing = await comment(ada, {});
    assert.equal(missing.status, 403);
    assert.match(((await missing.json()) as { detail: string }).detail, /X-CSRF-Token/);
    assert.equal((await comment(ada, { 'x-csrf-token': bob.csrf })).status, 403);
    const foreign = await comment(ada, { 'x-csrf-token': ada.csrf, origin: 'http://127.0.0.1:1' });
    assert.equal(foreign.status, 403);
    assert.match(((await foreign.json()) as { detail: string }).detail, /cross-origin/);
    assert.equal(
      (await comment(ada, { 'x-csrf-token': ada.csrf, 'sec-fetch-site': 'cross-site' })).status,
      403,
    );
    const detail = await h.store.getCase(caseId);
    assert.equal(detail?.comments.length, 0);
  });

  it('accepts the dashboard’s own request and records the person, not a token', async () => {
    const ok = await comment(ada, { 'x-csrf-token': ada.csrf, origin: h.base });
    assert.equal(ok.status, 201);
    const moved = await fetch(`${h.base}/api/cases/${caseId}`, {
      method: 'PATCH',
      headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrf, origin: h.base, ...JSON_HEADERS },
      body: JSON.stringify({ assignee: 'ada' }),
    });
    assert.equal(moved.status, 200);
    const detail = await h.store.getCase(caseId);
    assert.equal(detail?.comments[0]?.author, 'Ada Lovelace <sub:sub-ada>');
    assert.ok(detail?.audit.some((entry) => entry.actor === 'Ada Lovelace <sub:sub-ada>'));
  });

  it('keeps roles: a viewer session cannot change a case', async () => {
    const response = await comment(bob, { 'x-csrf-token': bob.csrf });
    assert.equal(response.status, 403);
    assert.match(((await response.json()) as { detail: string }).detail, /responder role; you have viewer/);
  });

  it('leaves bearer-token calls unaffected, and never takes a session secret as a bearer token', async () => {
    const bearer = await fetch(`${h.base}/api/cases/${caseId}/comments`, {
      method: 'POST',
      headers: auth(h.tokens.responder, { ...JSON_HEADERS, origin: 'http://evil.example' }),
      body: JSON.stringify({ text: 'from a script' }),
    });
    assert.equal(bearer.status, 201);
    assert.equal((await fetch(`${h.base}/api/whoami`, { headers: auth(ada.secret) })).status, 401);
  });

  it('ends an expired session and an unknown cookie with 401', async () => {
    const old = await seedSession(h.store, {
      subject: 'sub-old',
      name: 'Old',
      role: 'admin',
      nowMs: NOW - 10,
      expiresAt: NOW,
    });
    assert.equal((await fetch(`${h.base}/api/whoami`, { headers: { cookie: old.cookie } })).status, 401);
    const listed = (await (
      await fetch(`${h.base}/api/tokens`, { headers: auth(h.tokens.admin) })
    ).json()) as {
      items: { subject: string | null }[];
    };
    assert.ok(!listed.items.some((item) => item.subject === 'sub-old'), 'an ended session is not listed');
    assert.ok(
      listed.items.some((item) => item.subject === 'sub-ada'),
      'a live one is',
    );
    const unknown = await fetch(`${h.base}/api/whoami`, { headers: { cookie: 'mfaguard-session=mfg_nope' } });
    assert.equal(unknown.status, 401);
  });

  it('gives a person tokens that act as them, at most their role, listed and revoked by them or an admin', async () => {
    const headers = { cookie: ada.cookie, 'x-csrf-token': ada.csrf, ...JSON_HEADERS };
    const above = await fetch(`${h.base}/api/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'too much', role: 'admin' }),
    });
    assert.equal(above.status, 403);
    const created = await fetch(`${h.base}/api/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'triage script' }),
    });
    assert.equal(created.status, 201);
    const token = (await created.json()) as { token: string; id: string; role: string; subject: string };
    assert.equal(token.role, 'responder');
    assert.equal(token.subject, 'sub-ada');
    const scripted = await fetch(`${h.base}/api/cases/${caseId}/comments`, {
      method: 'POST',
      headers: auth(token.token, JSON_HEADERS),
      body: JSON.stringify({ text: 'scripted' }),
    });
    assert.equal(scripted.status, 201);
    assert.equal(
      ((await scripted.json()) as { author: string }).author,
      'Ada Lovelace <sub:sub-ada> via token "triage script"',
    );
    const bobs = (await (
      await fetch(`${h.base}/api/tokens`, { headers: { cookie: bob.cookie } })
    ).json()) as {
      items: { id: string }[];
    };
    assert.ok(!bobs.items.some((item) => item.id === token.id), 'another person does not see it');
    const bobRevokes = await fetch(`${h.base}/api/tokens/${token.id}`, {
      method: 'DELETE',
      headers: { cookie: bob.cookie, 'x-csrf-token': bob.csrf },
    });
    assert.equal(bobRevokes.status, 404);
    const adminList = (await (
      await fetch(`${h.base}/api/tokens`, { headers: auth(h.tokens.admin) })
    ).json()) as {
      items: { id: string }[];
    };
    assert.ok(
      adminList.items.some((item) => item.id === token.id),
      'an admin sees everyone’s',
    );
    const revoked = await fetch(`${h.base}/api/tokens/${token.id}`, {
      method: 'DELETE',
      headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrf },
    });
    assert.equal(revoked.status, 200);
    assert.equal((await fetch(`${h.base}/api/whoami`, { headers: auth(token.token) })).status, 401);
  });

  it('signs out on the server: the cookie stops working, and sign-out needs the CSRF token', async () => {
    const carl = await seedSession(h.store, {
      subject: 'sub-carl',
      name: 'Carl',
      role: 'viewer',
      nowMs: NOW,
    });
    const forged = await fetch(`${h.base}/auth/logout`, { method: 'POST', headers: { cookie: carl.cookie } });
    assert.equal(forged.status, 403);
    const out = await fetch(`${h.base}/auth/logout`, {
      method: 'POST',
      headers: { cookie: carl.cookie, 'x-csrf-token': carl.csrf },
    });
    assert.equal(out.status, 200);
    assert.match(
      out.headers.get('set-cookie') ?? '',
      /^mfaguard-session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax/,
    );
    assert.equal((await fetch(`${h.base}/api/whoami`, { headers: { cookie: carl.cookie } })).status, 401);
  });

  it('sends the strict CSP on every answer, JSON and errors included', async () => {
    for (const path of ['/api/whoami', '/healthz', '/nothing-here', '/auth/status']) {
      const response = await fetch(`${h.base}${path}`, { headers: { cookie: ada.cookie } });
      assert.equal(response.headers.get('content-security-policy'), DASHBOARD_CSP, path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
    }
    assert.match(DASHBOARD_CSP, /default-src 'self'; script-src 'self';/);
    assert.match(DASHBOARD_CSP, /frame-ancestors 'none'/);
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval/);
  });
});

describe('session cookie flags', () => {
  it('are Secure, HttpOnly, SameSite=Lax with the __Host- prefix on https', () => {
    const site = sessionSite('https://mfaguard.example.com');
    assert.equal(sessionCookieName(site), '__Host-mfaguard-session');
    assert.equal(
      setCookie(site, sessionCookieName(site), 'v', 60),
      '__Host-mfaguard-session=v; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
  });

  it('drop Secure and the prefix only for http on loopback (development)', () => {
    const site = sessionSite('http://127.0.0.1:8080');
    assert.equal(sessionCookieName(site), 'mfaguard-session');
    assert.doesNotMatch(setCookie(site, 'mfaguard-session', 'v', 60), /Secure/);
  });

  it('derive a different CSRF token per session', () => {
    assert.notEqual(csrfTokenFor('a'), csrfTokenFor('b'));
    assert.equal(csrfTokenFor('a'), csrfTokenFor('a'));
  });
});

describe('provider tokens sealed with the session', () => {
  const tokens = {
    subject: 'ada',
    idToken: 'eyJ.id.token',
    accessToken: 'access-1',
    accessExpiresAt: NOW + 3_600_000,
    refreshToken: 'refresh-1',
  };

  it('open with the session secret only, and show nothing of the tokens', () => {
    const sealed = sealProviderTokens('secret-a', tokens);
    assert.deepEqual(unsealProviderTokens('secret-a', sealed), tokens);
    assert.equal(unsealProviderTokens('secret-b', sealed), null);
    for (const part of ['access-1', 'refresh-1', 'eyJ', 'ada'])
      assert.ok(!Buffer.from(sealed, 'base64url').toString('latin1').includes(part), part);
    // A fresh nonce each time: the same tokens never seal to the same text.
    assert.notEqual(sealProviderTokens('secret-a', tokens), sealed);
  });

  it('refuse a seal that was changed, cut or is not one', () => {
    const sealed = Buffer.from(sealProviderTokens('secret-a', tokens), 'base64url');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    for (const bad of [flipped.toString('base64url'), sealed.subarray(0, 20).toString('base64url'), '', 'x'])
      assert.equal(unsealProviderTokens('secret-a', bad), null);
  });
});
