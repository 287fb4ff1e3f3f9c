// The dashboard in a real headless Chromium against a fake API: sign-in, KPIs, cases, comments, paging, hostile data.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser, pixelFacts } from './test-support/browser.ts';
import type { FakeApi } from './test-support/fake-api.ts';
import { GOOD_TOKEN, HOSTILE, startFakeApi } from './test-support/fake-api.ts';
import { missing } from '../../src/test-support/requirements.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

const problem = chromiumProblem();
if (problem !== null) it('dashboard in Chromium (fake API)', (t) => void missing(t, 'chromium', problem));
else
  describe('dashboard in Chromium (fake API)', () => {
    let api: FakeApi;
    let b: BrowserHandle;
    let page: Page;

    before(async () => {
      [api, b] = await Promise.all([startFakeApi(WEB_ROOT), openBrowser()]);
      page = b.page;
    });

    after(async () => {
      await b?.browser.close();
      await api?.close();
    });

    const text = async (selector: string) => (await page.locator(selector).innerText()).trim();
    const attempts = () => b.attempts();

    it('refuses a bad token with a message and keeps nothing stored', async () => {
      await page.goto(`${api.url}/#/cases`); // the Overview, the landing page, has its own test
      await page.locator('#login').waitFor({ state: 'visible' });
      await page.fill('#token', 'wrong-token');
      await page.click('#login-form button[type=submit]');
      await page.locator('#login-message', { hasText: 'not accepted (401)' }).waitFor();
      assert.equal(await page.evaluate("sessionStorage.getItem('mfaguard.token')"), null);
      assert.equal(await page.locator('#app').isVisible(), false);
      const sent = api.requests.at(-1);
      assert.equal(sent?.authorization, 'Bearer wrong-token');
    });

    it('signs in, keeps the token in sessionStorage only, and shows the KPI figures', async () => {
      await page.fill('#token', GOOD_TOKEN);
      await page.click('#login-form button[type=submit]');
      await page.locator('#kpi-mttd .kpi-value').waitFor();
      assert.equal(await page.evaluate("sessionStorage.getItem('mfaguard.token')"), GOOD_TOKEN);
      assert.equal(await page.evaluate('localStorage.length'), 0);
      assert.equal(await text('#kpi-mttd .kpi-value'), '4 m 12 s');
      assert.equal(await text('#kpi-mttr .kpi-value'), '1 h 30 m');
      assert.match(await text('#kpi-mttr .kpi-sub'), /auto-closed 4$/);
      assert.equal(await text('#kpi-open .kpi-value'), '4');
      assert.match(await text('#kpi-open .kpi-sub'), /critical 1.*high 2.*medium 0.*low 1/s);
      // This month's entry only (the fake also sends an old month that must not be counted).
      assert.match(await text('#kpi-removals .kpi-value'), /^6 legitimate \/ 2 unauthorized$/);
      assert.match(await text('#kpi-removals .kpi-sub'), /1 other .* total 9/);
      assert.equal(await text('#kpi-window .kpi-value'), 'median 7 m 0 s');
      assert.match(await text('#kpi-window .kpi-sub'), /p90 1 h 0 m/);
      const kpiCall = api.requests.find(
        (r) => r.path === '/api/kpis' && r.authorization === `Bearer ${GOOD_TOKEN}`,
      );
      assert.ok(kpiCall && Date.parse(kpiCall.query['from'] ?? '') < Date.parse(kpiCall.query['to'] ?? ''));
    });

    it('lists the cases with severity colours and filters them', async () => {
      await page.locator('#cases-table tbody tr').nth(3).waitFor();
      assert.equal(await page.locator('#cases-table tbody tr').count(), 4);
      const firstRow = page.locator('#cases-table tbody tr').first();
      assert.equal(await firstRow.locator('.badge.sev-critical').innerText(), 'critical');
      const colour = await page.evaluate(
        "getComputedStyle(document.querySelector('#cases-table tbody tr .badge.sev-critical')).backgroundColor",
      );
      assert.equal(colour, 'rgb(179, 18, 31)');
      // Hostile names are shown as text, the RTL override made visible.
      assert.ok((await text('#cases-table')).includes(HOSTILE.img));
      assert.ok((await text('#cases-table')).includes('bob⟦U+202E⟧gnp.exe'));

      await page.selectOption('#f-severity', 'high');
      await page.locator('#cases-table tbody tr').first().getByText('alice').waitFor();
      assert.equal(await page.locator('#cases-table tbody tr').count(), 1);
      assert.match(page.url(), /#\/cases\?severity=high$/);
      assert.equal(api.requests.at(-1)?.query['severity'], 'high');
      await page.selectOption('#f-severity', '');
      await page.locator('#cases-table tbody tr').nth(3).waitFor();
    });

    it('opens a case with its alerts, reasons, timeline, verification and audit log', async () => {
      await page.locator('#cases-table a', { hasText: HOSTILE.img }).click();
      await page.locator('#case-alerts .alert-card').nth(1).waitFor();
      assert.match(page.url(), /#\/cases\/c1$/);
      assert.equal(await text('#case-title .who'), HOSTILE.img);
      const card = page.locator('.alert-card[data-alert-id="a1"]');
      assert.match(await card.locator('header').innerText(), /critical[\s\S]*unauthorized[\s\S]*risk 95/);
      const reasons = await card.locator('.reasons').innerText();
      assert.match(reasons, /no-mfa-session the session that removed the device had no MFA \+20/);
      assert.ok(reasons.includes(`new device enrolled by ${HOSTILE.anchor}`));
      assert.ok(reasons.includes('suspicious name bob⟦U+202E⟧gnp.exe'));
      // Timeline oldest first: the sign-in, the removal (this alert), the new device.
      const timeline = await card.locator('table tbody tr').allInnerTexts();
      assert.equal(timeline.length, 3);
      assert.match(timeline[0]!, /ConsoleLogin/);
      assert.match(timeline[1]!, /DeactivateMFADevice[\s\S]*this alert/);
      assert.match(timeline[2]!, /EnableMFADevice/);
      assert.ok(timeline[2]!.includes(HOSTILE.svg));
      assert.ok((await card.innerText()).includes(HOSTILE.script), 'userAgent shown as text');
      assert.match(await text('#verifications'), /victim@example\.com[\s\S]*denied/);
      assert.match(await text('#audit'), /state: open → escalated/);
      // escalated → resolved is the only move.
      assert.deepEqual(await page.locator('button.transition').allInnerTexts(), ['Resolve']);
    });

    it('posts a comment with the bearer token and shows it', async () => {
      const comment = `Called the owner: "not me" ${HOSTILE.img}`;
      await page.fill('#comment-text', comment);
      await page.click('#comment-form button[type=submit]');
      await page.locator('#comments .comment').nth(1).waitFor();
      const posted = api.requests.find((r) => r.method === 'POST' && r.path === '/api/cases/c1/comments');
      assert.ok(posted, 'the comment was posted');
      assert.deepEqual(posted.body, { text: comment });
      assert.equal(posted.authorization, `Bearer ${GOOD_TOKEN}`);
      assert.match(posted.contentType ?? '', /^application\/json/);
      assert.equal(await page.locator('#comments .comment-text').nth(1).innerText(), comment);
    });

    it('moves a case along with a note', async () => {
      await page.fill('#transition-note', 'owner denied; contained');
      await page.click('button.transition[data-to="resolved"]');
      await page.locator('.case-badges .state-resolved').waitFor();
      const posted = api.requests.find((r) => r.method === 'POST' && r.path === '/api/cases/c1/transition');
      assert.deepEqual(posted?.body, { to: 'resolved', note: 'owner denied; contained' });
      assert.equal(await page.locator('button.transition').count(), 0);
    });

    it('stays inert with hostile data: no markup, no script, no foreign links', async () => {
      type DomFacts = {
        injected: number;
        scripts: string[];
        handlers: string[];
        links: string[];
        rawRtl: boolean;
      };
      const dom = await page.evaluate<DomFacts>(`(() => ({
      injected: document.querySelectorAll('img, svg, iframe, object, embed, script:not([src])').length,
      scripts: [...document.scripts].map((s) => s.getAttribute('src')),
      handlers: [...document.querySelectorAll('*')].flatMap((e) =>
        [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => e.tagName + ' ' + a.name)),
      links: [...document.querySelectorAll('[href]')].map((e) => e.getAttribute('href')),
      rawRtl: document.body.innerText.includes('\\u202E'),
    }))()`);
      assert.equal(dom.injected, 0);
      assert.deepEqual(dom.scripts, ['app.js']);
      assert.deepEqual(dom.handlers, []);
      for (const link of dom.links)
        assert.match(
          link,
          /^(#|style\.css$|overview\.css$|favicon\.svg$|\/auth\/login\?return=%2F%23%2F)/,
          `unexpected link ${link}`,
        );
      assert.equal(dom.rawRtl, false);
      assert.deepEqual(await attempts(), []);
      assert.equal(await page.evaluate('window.__pwned'), undefined);
    });

    it('pages through alerts by cursor and filters them', async () => {
      await page.click('#nav a[href="#/alerts"]');
      await page.locator('#alerts-table tbody tr').nth(1).waitFor();
      assert.equal(await page.locator('#alerts-table tbody tr').count(), 2);
      await page.click('#alerts-more');
      await page.locator('#alerts-table tbody tr').nth(3).waitFor();
      await page.click('#alerts-more');
      await page.locator('#alerts-table tbody tr').nth(4).waitFor();
      assert.equal(await page.locator('#alerts-table tbody tr').count(), 5);
      assert.equal(await page.locator('#alerts-more').isVisible(), false);
      assert.equal(await text('#alerts-count'), '5 shown');
      const cursors = api.requests
        .filter((r) => r.path === '/api/alerts')
        .map((r) => r.query['cursor'] ?? '-');
      assert.deepEqual(cursors.slice(-3), ['-', '2', '4']);

      await page.selectOption('#alert-filters select[name=severity]', 'critical');
      await page.click('#alert-filters button[type=submit]');
      await page.waitForURL(/#\/alerts\?severity=critical$/);
      await page.locator('#alerts-count', { hasText: '1 shown' }).waitFor();
      assert.equal(api.requests.at(-1)?.query['severity'], 'critical');
      assert.equal(api.requests.at(-1)?.query['limit'], '50');
    });

    it('records an approval', async () => {
      await page.click('#nav a[href="#/approvals"]');
      await page.locator('#approvals-table tbody tr').first().waitFor();
      assert.ok((await text('#approvals-table')).includes(HOSTILE.anchor));
      await page.fill('#approval-form input[name=ticket]', 'CHG-123');
      await page.fill('#approval-form input[name=user]', 'alice');
      await page.fill('#approval-form input[name=account]', '12345');
      await page.fill('#approval-form input[name=approver]', 'boss');
      await page.click('#approval-form button[type=submit]');
      assert.equal(await text('#approval-message'), 'An AWS account id has 12 digits.');
      await page.fill('#approval-form input[name=account]', '111122223333');
      await page.click('#approval-form button[type=submit]');
      await page.locator('#approvals-table tbody tr').nth(1).waitFor();
      const posted = api.requests.find((r) => r.method === 'POST' && r.path === '/api/approvals');
      const body = posted?.body as Record<string, string>;
      assert.equal(body['ticket'], 'CHG-123');
      assert.equal(body['window'], '2h');
      assert.equal(body['account'], '111122223333');
      assert.ok(!Number.isNaN(Date.parse(body['from'] ?? '')));
    });

    it('renders the cases list as pixels: full width, styled, with text in the table', async () => {
      await page.click('#nav a[href="#/cases"]');
      await page.locator('#cases-table tbody tr').nth(3).waitFor();
      const whole = await pixelFacts(b, await page.screenshot({ fullPage: true }));
      assert.equal(whole.width, 1400, 'the viewport width');
      assert.ok(whole.height >= 1000, `full page, at least the viewport high: ${whole.height}`);
      // A blank or unstyled page has a handful of colours; the styled view has its palette, badges and text.
      assert.ok(whole.colours >= 20, `colours: ${whole.colours}`);
      // Each severity badge in the table is painted in its colour from style.css (a stylesheet that failed to
      // load, or a class the data could spoof, would paint none).
      const SEVERITY_COLOURS: Record<string, string> = {
        critical: '#b3121f',
        high: '#c2410c',
        medium: '#975a16',
        low: '#1f6feb',
      };
      const shown = await page.evaluate<string[]>(
        `[...new Set([...document.querySelectorAll('#cases-table .badge')].flatMap((e) => [...e.classList]))]`,
      );
      const severities = Object.keys(SEVERITY_COLOURS).filter((s) => shown.includes(`sev-${s}`));
      assert.ok(severities.length >= 2, `severity badges in the table: ${shown.join(' ')}`);
      const table = await pixelFacts(
        b,
        await page.locator('#cases-table').screenshot(),
        severities.map((s) => SEVERITY_COLOURS[s]!),
      );
      for (const severity of severities) {
        const pixels = table.watched[SEVERITY_COLOURS[severity]!] ?? 0;
        assert.ok(pixels >= 50, `${severity} badge: ${pixels} pixels of ${SEVERITY_COLOURS[severity]}`);
      }
      const box = await page.locator('#cases-table').boundingBox();
      assert.ok(
        box !== null && Math.abs(table.width - box.width) <= 1,
        `table ${table.width} px vs ${box?.width}`,
      );
      // Rows of text: some ink, but far from a solid block (which is what a rendering failure paints).
      assert.ok(table.ink > 0.01 && table.ink < 0.5, `table ink: ${table.ink}`);
    });

    it('goes back to the login box when the token stops working', async () => {
      api.revoked = true;
      await page.click('#nav a[href="#/alerts"]');
      await page.locator('#login-message', { hasText: 'Signed out' }).waitFor();
      assert.equal(await page.locator('#app').isVisible(), false);
      assert.equal(await page.evaluate("sessionStorage.getItem('mfaguard.token')"), null);
      assert.deepEqual(await attempts(), []);
      assert.deepEqual(b.errors, []);
    });
  });
