// The case page in Chromium against the real API and store: human times (no epoch numbers), a timeline with the
// verification, notifications and response actions, banners that stay on their page, JSON export, printable report.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { sampleAlert, startHarness } from '../../src/api/test-support/harness.ts';
import type { Alert } from '../../src/model/index.ts';
import type { Store } from '../../src/store/index.ts';
import { targetKeyOf } from '../../src/store/index.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const HOSTILE = '<img src=x onerror=window.__pwned=1>\u202Eexe';
const MINUTE = 60_000;

/** Detected and opened a minute after the event, as the live service would. */
async function openCase(store: Store, alert: Alert, nowMs: number, kind?: string): Promise<string> {
  await store.insertAlerts([alert], nowMs);
  const opened = await store.openOrAttachCase({
    alert,
    targetKey: targetKeyOf(alert.event.account, alert.target.userName ?? ''),
    nowMs,
    actor: 'system',
    ...(kind === undefined ? {} : { kind }),
  });
  return opened.case.id;
}

const problem = chromiumProblem();
if (problem !== null) it('case page in Chromium', (t) => void missing(t, 'chromium', problem));
else
  describe('case page in Chromium (real API, SQLite)', () => {
    let h: Harness;
    let b: BrowserHandle;
    let page: Page;
    let resolvedId = '';
    let openId = '';
    let provisionedId = '';
    const now = Date.now();

    before(async () => {
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT, now: () => Date.now() }), openBrowser()]);
      page = b.page;
      const eventTime = new Date(now - 90 * MINUTE).toISOString();
      const opened = now - 89 * MINUTE;
      resolvedId = await openCase(
        h.store,
        sampleAlert({ id: 'alert-frank', user: 'frank', time: eventTime }),
        opened,
      );
      openId = await openCase(
        h.store,
        sampleAlert({ id: 'alert-gina', user: 'gina', time: eventTime }),
        opened,
      );
      provisionedId = await openCase(
        h.store,
        sampleAlert({ id: 'alert-hank', user: 'hank', time: eventTime }),
        opened,
        'provisioned-without-mfa',
      );
      const store = h.store;
      await store.createVerification({
        caseId: resolvedId,
        owner: 'frank@example.com',
        tokenHash: 'sha256:verify-frank',
        expiresAtMs: now + 23 * 60 * MINUTE,
        nowMs: now - 80 * MINUTE,
      });
      await store.transaction(async (tx) => {
        await tx.enqueueNotification({
          kind: 'case-opened',
          channel: 'soc-slack',
          payload: { caseId: resolvedId, title: `Case opened for frank ${HOSTILE}` },
          dedupeKey: `case-opened:${resolvedId}@soc-slack`,
          nowMs: now - 85 * MINUTE,
        });
      });
      const [claimed] = await store.claimNotifications({
        nowMs: now - 84 * MINUTE,
        limit: 10,
        workerId: 'w',
        leaseMs: MINUTE,
      });
      assert.ok(claimed);
      await store.markNotificationSent(claimed.id, 'w', now - 84 * MINUTE);
      await store.planResponseAction({
        caseId: resolvedId,
        kind: 'quarantine',
        targetKind: 'user',
        account: '111122223333',
        targetName: 'frank',
        state: 'planned',
        hold: 'dry-run',
        holdReason: 'respond.mode is dry-run',
        plan: { steps: [] },
        reason: 'classified unauthorized',
        notBeforeMs: now - 70 * MINUTE,
        actor: 'system',
        nowMs: now - 70 * MINUTE,
      });
      await store.transitionCase(resolvedId, 'resolved', { actor: 'system', nowMs: now - 60 * MINUTE });
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
    });

    it('shows human times: relative, the absolute one on hover, never an epoch number', async () => {
      await page.goto(`${h.base}/#/cases`); // the dashboard lands on the Overview, which has its own test
      await page.fill('#token', h.tokens.responder);
      await page.click('#login-form button[type=submit]');
      await page.locator('#cases-table').waitFor();
      await page.goto(`${h.base}/#/cases/${resolvedId}`);
      await page.locator('#audit').waitFor();
      const text = await page.locator('#view').innerText();
      assert.doesNotMatch(text, /\b1[0-9]{12}\b/, 'no epoch milliseconds anywhere on the page');
      assert.match(text, /resolvedAt: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      const resolved = page.locator('.facts time').nth(3);
      assert.equal((await resolved.innerText()).trim(), '1 h ago');
      assert.match((await resolved.getAttribute('title')) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      assert.equal(await resolved.getAttribute('datetime'), new Date(now - 60 * MINUTE).toISOString());
      assert.equal(await page.locator('#case-kind').innerText(), 'MFA removal');
    });

    it('says what a case is about: a console user provisioned without MFA is not an MFA removal', async () => {
      await page.goto(`${h.base}/#/cases/${provisionedId}`);
      await page.locator('#audit').waitFor();
      assert.equal(await page.locator('#case-kind').innerText(), 'Console user provisioned without MFA');
      await page.goto(`${h.base}/#/cases/${provisionedId}/report`);
      await page.getByText('Console user provisioned without MFA').first().waitFor();
      // The next tests read the resolved case's page, where the first test left the browser.
      await page.goto(`${h.base}/#/cases/${resolvedId}`);
      await page.locator('#audit').waitFor();
    });

    it('tells the case’s story in one timeline: event, notification, verification, response, resolution', async () => {
      const items = await page
        .locator('#case-timeline li')
        .evaluateAll((lis) =>
          lis.map(
            (li) => `${li.getAttribute('data-kind')}|${li.querySelector('.tl-text')?.textContent ?? ''}`,
          ),
        );
      const kinds = items.map((item) => item.split('|')[0]);
      assert.deepEqual(kinds.slice(0, 2), ['event', 'case'], 'the event first, then the case it opened');
      assert.ok(
        items.some((item) => item.startsWith('notification|Sent case-opened to soc-slack: Case opened')),
      );
      assert.ok(items.some((item) => item === 'verification|Owner frank@example.com asked to confirm'));
      assert.ok(items.some((item) => item === 'response|Planned quarantine on user frank'));
      assert.equal(items.at(-1), 'case|Resolved', 'the resolution last');
      // The hostile title is text, not markup.
      assert.ok(items.some((item) => item.includes('<img src=x onerror=window.__pwned=1>⟦U+202E⟧exe')));
      assert.equal(await page.locator('#case-timeline img').count(), 0);
      assert.deepEqual(await b.attempts(), []);
    });

    it('keeps a banner on the page it was raised on', async () => {
      await page.goto(`${h.base}/#/cases/${openId}`);
      await page.locator('button.transition[data-to="resolved"]').click();
      await page.locator('#banner', { hasText: 'Case moved to resolved.' }).waitFor();
      await page.locator('.case-badges .state-resolved').waitFor();
      assert.equal(await page.locator('#banner').isVisible(), true, 'still on the page it belongs to');
      await page.goto(`${h.base}/#/cases/${resolvedId}`);
      await page.locator('#case-timeline').waitFor();
      await page.locator('#case-title', { hasText: 'frank' }).waitFor();
      assert.equal(await page.locator('#banner').isVisible(), false, 'not carried to another case');
    });

    it('exports the case as JSON with its timeline, notifications and actions', async () => {
      const downloading = page.waitForEvent('download');
      await page.click('#export-json');
      const download = await downloading;
      assert.equal(download.suggestedFilename(), `mfaguard-case-${resolvedId}.json`);
      const dir = join(tmpdir(), `mfaguard-export-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      const exported = JSON.parse(readFileSync(file, 'utf8')) as {
        case: { id: string; state: string; resolvedAt: string };
        alerts: { alert: { id: string } }[];
        notifications: { kind: string; state: string }[];
        responseActions: { kind: string }[];
        timeline: { kind: string; at: string }[];
      };
      assert.equal(exported.case.id, resolvedId);
      assert.equal(exported.case.state, 'resolved');
      assert.match(exported.case.resolvedAt, /^\d{4}-\d\d-\d\dT/);
      assert.deepEqual(
        exported.alerts.map((a) => a.alert.id),
        ['alert-frank'],
      );
      assert.deepEqual(
        exported.notifications.map((n) => [n.kind, n.state]),
        [['case-opened', 'sent']],
      );
      assert.deepEqual(
        exported.responseActions.map((a) => a.kind),
        ['quarantine'],
      );
      assert.ok(exported.timeline.some((entry) => entry.kind === 'verification'));
    });

    it('fits desktop and phone widths without horizontal overflow (screenshots in reports/screenshots/)', async () => {
      const dir = fileURLToPath(new URL('../../reports/screenshots/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      for (const [label, width] of [
        ['desktop', 1400],
        ['phone', 375],
      ] as const) {
        await page.setViewportSize({ width, height: 900 });
        for (const [name, hash, ready] of [
          ['case', `#/cases/${resolvedId}`, '#case-timeline'],
          ['case-report', `#/cases/${resolvedId}/report`, '#case-report #case-timeline'],
        ] as const) {
          await page.goto(`${h.base}/${hash}`);
          await page.locator(ready).waitFor();
          const overflow = await page.evaluate<number>(
            'document.documentElement.scrollWidth - document.documentElement.clientWidth',
          );
          assert.ok(overflow <= 0, `${name} at ${width} px overflows by ${overflow} px`);
          await page.screenshot({ path: join(dir, `${name}-${label}.png`), fullPage: true });
        }
      }
      await page.setViewportSize({ width: 1400, height: 1000 });
    });

    it('prints a report for auditors: absolute times, no controls, on paper', async () => {
      await page.goto(`${h.base}/#/cases/${resolvedId}`);
      await page.click('#report-link');
      await page.locator('#case-report #case-timeline').waitFor();
      const report = await page.locator('#case-report').innerText();
      assert.match(report, /All times UTC/);
      assert.match(report, /Resolved\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      assert.doesNotMatch(report, /\b1[0-9]{12}\b/);
      assert.match(report, /Case opened for frank <img src=x onerror=window\.__pwned=1>⟦U\+202E⟧exe/);
      assert.equal(await page.locator('#case-report img, #case-report script').count(), 0);
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('.topbar').isVisible(), false);
      assert.equal(await page.locator('#print-report').isVisible(), false);
      assert.equal(await page.locator('#case-report h2').isVisible(), true);
      const pdf = await page.pdf({ format: 'A4' });
      assert.ok(pdf.length > 10_000, `a printed report (${pdf.length} bytes)`);
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      await page.emulateMedia({ media: 'screen' });
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(b.errors, []);
    });
  });
