// The dashboard in Chromium against the real HTTP API (src/api) over a real SQLite store: the shapes really match.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { sampleAlert, seedCase, startHarness } from '../../src/api/test-support/harness.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import { missing } from '../../src/test-support/requirements.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const HOSTILE_USER = '<img src=x onerror=window.__pwned=1>';
const HOSTILE_AGENT = '<script>window.__pwned=2</script>\u202Eexe.txt';

const problem = chromiumProblem();
if (problem !== null)
  it('dashboard in Chromium (real API, SQLite)', (t) => void missing(t, 'chromium', problem));
else
  describe('dashboard in Chromium (real API, SQLite)', () => {
    let h: Harness;
    let b: BrowserHandle;
    let page: Page;
    let caseId: string;

    before(async () => {
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT }), openBrowser()]);
      page = b.page;
      const base = sampleAlert({ id: 'alert-hostile', user: HOSTILE_USER, severity: 'critical' });
      caseId = await seedCase(h.store, {
        ...base,
        actor: { ...base.actor, userAgent: HOSTILE_AGENT, mfaAuthenticated: false },
        classification: 'unauthorized',
        reasons: [{ code: 'no-mfa-session', message: `removed by ${HOSTILE_USER} without MFA`, weight: 25 }],
        related: [
          { eventId: 'e-enable', name: 'EnableMFADevice', time: '2026-11-23T11:03:00Z', actor: HOSTILE_USER },
        ],
      });
      await seedCase(h.store, sampleAlert({ id: 'alert-alice', user: 'alice', severity: 'medium' }));
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
    });

    it('signs in, shows KPIs and cases, opens a case, comments, and stays inert', async () => {
      const response = await page.goto(`${h.base}/`);
      assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
      await page.fill('#token', 'not-a-token');
      await page.click('#login-form button[type=submit]');
      await page.locator('#login-message', { hasText: 'not accepted (401)' }).waitFor();

      await page.fill('#token', h.tokens.responder);
      await page.click('#login-form button[type=submit]');
      await page.locator('#kpi-open .kpi-value').waitFor();
      assert.equal((await page.locator('#kpi-open .kpi-value').innerText()).trim(), '2');
      await page.locator('#cases-table tbody tr').nth(1).waitFor();
      assert.ok((await page.locator('#cases-table').innerText()).includes(HOSTILE_USER));

      await page.locator('#cases-table a', { hasText: HOSTILE_USER }).click();
      await page.locator('.alert-card[data-alert-id="alert-hostile"]').waitFor();
      const card = await page.locator('.alert-card').innerText();
      assert.ok(card.includes(`removed by ${HOSTILE_USER} without MFA`));
      assert.ok(card.includes('<script>window.__pwned=2</script>⟦U+202E⟧exe.txt'));
      assert.match(card, /EnableMFADevice/);

      await page.fill('#comment-text', `checked ${HOSTILE_USER}`);
      await page.click('#comment-form button[type=submit]');
      await page.locator('#comments .comment').first().waitFor();
      assert.match(await page.locator('#comments').innerText(), /api:responder-token[\s\S]*checked <img/);
      const stored = await h.store.getCase(caseId);
      assert.equal(stored?.comments[0]?.text, `checked ${HOSTILE_USER}`);

      await page.click('button.transition[data-to="escalated"]');
      await page.locator('.case-badges .state-escalated').waitFor();
      assert.equal((await h.store.getCase(caseId))?.state, 'escalated');

      assert.equal(await page.locator('img, svg, script:not([src])').count(), 0);
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(b.errors, []);
    });

    it('shows a 403 from a viewer token and signs out after the token is revoked', async () => {
      await page.click('#signout');
      await page.fill('#token', h.tokens.viewer);
      await page.click('#login-form button[type=submit]');
      await page.goto(`${h.base}/#/cases/${encodeURIComponent(caseId)}`);
      await page.fill('#comment-text', 'a viewer may not comment');
      await page.click('#comment-form button[type=submit]');
      await page.locator('#banner', { hasText: '403' }).waitFor();

      const tokens = await h.store.listApiTokens();
      const viewer = tokens.find((t) => t.role === 'viewer');
      assert.ok(viewer);
      await h.store.revokeApiToken(viewer.id, Date.now());
      await page.click('#nav a[href="#/alerts"]');
      await page.locator('#login-message', { hasText: 'Signed out' }).waitFor();
      assert.equal(await page.evaluate("sessionStorage.getItem('mfaguard.token')"), null);
    });
  });
