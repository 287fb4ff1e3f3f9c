// The Approvals page's Revoke in Chromium against the real API and SQLite store: the button asks first (Cancel and
// Escape send nothing), the confirmed revoke sends DELETE /api/approvals/{id} and the row shows who revoked it; the
// whole flow works from the keyboard, is named for a screen reader, and a hostile ticket or user stays text.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { startHarness } from '../../src/api/test-support/harness.ts';
import type { StoredApproval } from '../../src/store/index.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import { collectPageFacts } from './test-support/page-checks.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const HOSTILE_TICKET = '<img src=x onerror=window.__pwned=1>';
const HOSTILE_USER = '<!channel> invoice\u202Egpj.exe';
const DAY = 86_400_000;

const problem = chromiumProblem();
if (problem !== null) it('approvals revoke in Chromium', (t) => void missing(t, 'chromium', problem));
else
  describe('Approvals page: revoke with a confirm step, in Chromium (real API, SQLite)', () => {
    let h: Harness;
    let b: BrowserHandle;
    let page: Page;
    let active: StoredApproval;
    let hostile: StoredApproval;
    let expired: StoredApproval;
    /** Every DELETE the page sent, by path. */
    const deletes: string[] = [];

    before(async () => {
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT }), openBrowser()]);
      page = b.page;
      // The page judges "active" by the browser's clock: windows wide around it, so no edge is near.
      const now = Date.now();
      const approval = (ticket: string, user: string, fromMs: number, toMs: number) =>
        h.store.createApproval({
          ticket,
          user,
          fromMs,
          toMs,
          approver: 'cab',
          createdBy: 'api:responder-token',
          nowMs: fromMs,
        });
      active = await approval('CHG-100', 'alice', now - DAY, now + 30 * DAY);
      hostile = await approval(HOSTILE_TICKET, HOSTILE_USER, now - DAY, now + 30 * DAY);
      expired = await approval('CHG-050', 'bob', now - 3 * DAY, now - 2 * DAY);
      page.on('request', (request) => {
        if (request.method() === 'DELETE') deletes.push(new URL(request.url()).pathname);
      });
      await page.goto(`${h.base}/#/approvals`);
      await page.fill('#token', h.tokens.responder);
      await page.click('#login-form button[type=submit]');
      await page.locator('#approvals-table').waitFor();
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
    });

    const row = (approval: StoredApproval) =>
      page.locator(`#approvals-table tr[data-approval-id="${approval.id}"]`);
    const focused = () => page.evaluate<string>('document.activeElement?.textContent ?? ""');

    it('offers Revoke on approvals in force only, named for the approval', async () => {
      assert.equal(await row(expired).getByRole('button').count(), 0, 'nothing to revoke on an expired one');
      const revoke = row(active).getByRole('button', { name: 'Revoke approval CHG-100 for alice' });
      assert.equal(await revoke.count(), 1);
      assert.equal(await revoke.innerText(), 'Revoke…');
    });

    it('asks first: Cancel and Escape go back with the focus on Revoke, and send nothing', async () => {
      const r = row(active);
      await r.getByRole('button', { name: /^Revoke approval/ }).click();
      const group = r.getByRole('group', { name: 'Confirm revoking CHG-100 for alice' });
      await group.waitFor();
      assert.match(
        await group.innerText(),
        /Revoke CHG-100 for alice\? A matching removal will then be a case\./,
      );
      assert.equal(await focused(), 'Cancel', 'the safe choice has the focus');
      await page.keyboard.press('Enter');
      await r.getByRole('button', { name: /^Revoke approval/ }).waitFor();
      assert.equal(await focused(), 'Revoke…');
      await page.keyboard.press('Enter');
      await group.waitFor();
      await page.keyboard.press('Escape');
      await r.getByRole('button', { name: /^Revoke approval/ }).waitFor();
      assert.equal(await focused(), 'Revoke…');
      assert.deepEqual(deletes, []);
      assert.equal((await h.store.listApprovals({}))[0]?.revokedAt ?? null, null);
    });

    it('confirmed from the keyboard: DELETE is sent, and the row says revoked and by whom', async () => {
      const r = row(active);
      await r.getByRole('button', { name: /^Revoke approval/ }).focus();
      await page.keyboard.press('Enter');
      await r.getByRole('group').waitFor();
      const facts = await collectPageFacts(page, AXE);
      assert.deepEqual(facts.axe, [], 'the confirm step passes axe-core');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await focused(), 'Yes, revoke');
      await page.keyboard.press('Enter');
      await page.locator('#banner', { hasText: 'Approval CHG-100 revoked.' }).waitFor();
      await r.and(page.locator('[data-status="revoked"]')).waitFor();
      assert.deepEqual(deletes, [`/api/approvals/${active.id}`]);
      assert.match(await r.innerText(), /revoked\s+by api:responder-token/);
      assert.equal(await r.getByRole('button').count(), 0, 'no Revoke on a revoked approval');
      const stored = (await h.store.listApprovals({})).find((a) => a.id === active.id);
      assert.equal(stored?.revokedBy, 'api:responder-token');
    });

    it('a hostile ticket and user stay text, in the row and in the confirm step', async () => {
      const r = row(hostile);
      await r.getByRole('button', { name: /^Revoke approval/ }).click();
      await r.getByRole('group').waitFor();
      const text = await r.innerText();
      assert.ok(text.includes(HOSTILE_TICKET), text);
      assert.ok(text.includes('<!channel> invoice⟦U+202E⟧gpj.exe'), text);
      assert.equal(await page.locator('#app img').count(), 0);
      await r.getByRole('button', { name: 'Cancel' }).click();
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(b.errors, []);
    });
  });
