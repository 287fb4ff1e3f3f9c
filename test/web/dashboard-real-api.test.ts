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
import { createResponder } from '../../src/respond/index.ts';
import type { Responder } from '../../src/respond/index.ts';
import { enforcing } from '../../src/respond/test-support/cases.ts';
import { fakeIam } from '../../src/respond/test-support/fake-iam.ts';
import type { FakeIam } from '../../src/respond/test-support/fake-iam.ts';

const QUARANTINE = 'arn:aws:iam::111122223333:policy/mfaguard-quarantine';

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
    let iam: FakeIam;
    let responder: Responder | undefined;
    // The harness opens the store the responder needs, so the API is given one that forwards to it.
    const late: Responder = {
      plan: (id) => responder!.plan(id),
      caseChanged: (ids) => responder!.caseChanged(ids),
      eventsIngested: (events) => responder!.eventsIngested(events),
      approve: (id, actor, role) => responder!.approve(id, actor, role),
      retry: (id, actor, role, caseId) => responder!.retry(id, actor, role, caseId),
      retryCase: (id, actor, role) => responder!.retryCase(id, actor, role),
      undo: (id, actor, note) => responder!.undo(id, actor, note),
      undoCase: (id, actor) => responder!.undoCase(id, actor),
      tick: () => responder!.tick(),
    };

    before(async () => {
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT, responder: late }), openBrowser()]);
      iam = fakeIam({ loginProfiles: new Set(['grace']) });
      responder = createResponder({
        store: h.store,
        config: enforcing({
          rules: [
            { classifications: ['unauthorized'], actions: ['quarantine'], delayMs: 0, approval: 'none' },
            {
              classifications: ['unauthorized'],
              actions: ['disable-console'],
              delayMs: 0,
              approval: 'responder',
            },
          ],
        }),
        breakGlassUsers: new Set(),
        knownAdmins: new Set(),
        iam: () => iam.client,
        clock: () => Date.now(),
      });
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
      iam?.mock.restore();
      await b?.browser.close();
      await h?.close();
    });

    it('signs in, shows KPIs and cases, opens a case, comments, and stays inert', async () => {
      const response = await page.goto(`${h.base}/#/cases`); // the Overview has its own test
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
    it('the case page shows the response: an applied quarantine with Undo, a held action with Approve', async () => {
      const graceCase = await seedCase(h.store, {
        ...sampleAlert({ id: 'alert-grace', user: 'grace', severity: 'high' }),
        classification: 'unauthorized',
      });
      await h.store.updateCase(
        graceCase,
        { classification: 'unauthorized' },
        { actor: 'owner:grace', nowMs: Date.now() },
      );
      await responder!.caseChanged([graceCase]);
      assert.ok(iam.state.attached.get('grace')?.has(QUARANTINE));

      // The test before signed out (its token was revoked).
      await page.fill('#token', h.tokens.responder);
      await page.click('#login-form button[type=submit]');
      await page.locator('#kpi-open .kpi-value').waitFor();
      await page.goto(`${h.base}/#/cases/${encodeURIComponent(graceCase)}`);
      const applied = page.locator('#response-actions tr[data-state="applied"]');
      await applied.waitFor();
      assert.match(await applied.innerText(), /quarantine user grace[\s\S]*AttachUserPolicy/);
      const held = page.locator('#response-actions tr[data-state="planned"]');
      assert.match(
        await held.innerText(),
        /disable-console[\s\S]*cannot be undone[\s\S]*the rule asks a responder to approve/,
      );

      await applied.locator('button.action-undo').click();
      await page.locator('#response-actions tr[data-state="undone"]').waitFor();
      assert.match(
        await page.locator('#response-actions tr[data-state="undone"]').innerText(),
        /undone by api:responder-token/,
      );
      assert.equal(iam.state.attached.get('grace')?.has(QUARANTINE), false);

      await page.locator('#response-actions tr[data-state="planned"] button.action-approve').click();
      await page.locator('#response-actions tr[data-state="applied"]').waitFor();
      assert.match(
        await page.locator('#response-actions tr[data-state="applied"]').innerText(),
        /approved by api:responder-token/,
      );
      assert.equal(iam.state.loginProfiles.has('grace'), false);
      // Not undoable: no Undo button for the deleted console password.
      assert.equal(
        await page.locator('#response-actions tr[data-state="applied"] button.action-undo').count(),
        0,
      );
      assert.deepEqual(b.errors, []);
    });
  });
