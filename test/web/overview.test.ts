// The Overview in a real headless Chromium against the real HTTP API over SQLite: charts drawn (pixels read back from
// their canvases), the time range drives the data and the URL, hostile labels stay text, screenshots at desktop and
// phone width with no horizontal overflow, light and dark, under the dashboard's CSP.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { PostureSnapshotInput } from '../../src/store/index.ts';
import type { Alert, Classification } from '../../src/model/index.ts';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { NOW, sampleAlert, startHarness } from '../../src/api/test-support/harness.ts';
import { targetKeyOf } from '../../src/store/index.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import { seedDenials } from './test-support/every-page-data.ts';
import { drawnPixels } from './test-support/page-checks.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
/** Gitignored (reports/): the run's screenshots, for a person to look at. */
const SHOTS = fileURLToPath(new URL('../../reports/screenshots/', import.meta.url));
const DAY = 86_400_000;
const MINUTE = 60_000;

/** What an attacker could put in any text: markup, ANSI, bidi, a spreadsheet formula, a Slack mention. */
const HOSTILE = [
  '<img src=x onerror=window.__pwned=1>',
  '\u001b[31mred\u001b[0m',
  'gnp\u202Eexe.txt',
  '=HYPERLINK("http://x","y")',
  '<!channel> @here',
  '<script>window.__pwned=2</script>',
];

const CLASSES: Classification[] = ['rotation', 'unauthorized', 'unresolved', 'verified', 'suspicious'];

async function seed(h: Harness): Promise<void> {
  for (let i = 0; i < 15; i++) {
    const user = `user${i}`;
    const eventMs = NOW - (i * 5 + 1) * DAY;
    const alert: Alert = {
      ...sampleAlert({ user, time: new Date(eventMs).toISOString() }),
      classification: CLASSES[i % CLASSES.length]!,
    };
    const detectedMs = eventMs + (i + 1) * 20_000;
    await h.store.insertAlerts([alert], detectedMs);
    const { case: opened } = await h.store.openOrAttachCase({
      alert,
      targetKey: targetKeyOf(alert.event.account, user),
      nowMs: detectedMs,
      actor: 'system',
    });
    if (i % 3 !== 2) {
      await h.store.updateCase(
        opened.id,
        { vulnerabilityWindowSeconds: 120 * (i + 1) ** 2 },
        { actor: 'system', nowMs: detectedMs + MINUTE },
      );
      await h.store.transitionCase(opened.id, 'resolved', {
        actor: 'api:ann',
        nowMs: detectedMs + (i + 1) * 15 * MINUTE,
      });
    }
  }
}

const snapshot = (i: number): PostureSnapshotInput => ({
  accountId: HOSTILE[0]!,
  takenAt: NOW - (60 - i * 14) * DAY,
  source: i % 2 === 0 ? 'audit' : 'events',
  consoleUsers: 20,
  consoleUsersWithMfa: 12 + i * 2,
  mfaEnforcedByPolicy: 5 + i * 3,
  cisScore: 60 + i * 8,
  state: {},
  findings: [],
  eventFacts: [],
  basedOn: null,
});

/** WCAG contrast ratio of two computed `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string): number => {
    const [r, g, bl] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * The histogram's x labels as drawn: each a box of its measured text ending at its bin's tick and slanted by the
 * chart's slant. Returns the smallest clear space between neighbours (across their length, where they overlap along
 * it) and how far the lowest label reaches below the plot against the room the axis has.
 */
const WINDOW_LABELS = `(() => {
  const figure = document.querySelector('#chart-window');
  const over = figure.querySelector('.u-over').getBoundingClientRect();
  const canvas = figure.querySelector('canvas').getBoundingClientRect();
  const labels = [...figure.querySelectorAll('details tbody tr')].map((row) => row.cells[0].textContent);
  const slantAt = figure.querySelector('[data-x-slant]');
  const slant = (slantAt ? Number(slantAt.dataset.xSlant) : 35) * Math.PI / 180;
  const c = document.createElement('canvas').getContext('2d');
  c.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
  const boxes = labels.map((text) => {
    const m = c.measureText(text);
    return { width: m.width, height: m.fontBoundingBoxAscent + m.fontBoundingBoxDescent };
  });
  const step = over.width / labels.length;
  let clear = Infinity;
  for (let i = 1; i < boxes.length; i++) {
    const along = step * Math.cos(slant);
    if (boxes[i].width <= along) continue;
    clear = Math.min(clear, step * Math.sin(slant) - Math.max(boxes[i].height, boxes[i - 1].height));
  }
  const reach = Math.max(...boxes.map((b) => b.width * Math.sin(slant) + b.height * Math.cos(slant)));
  return { clear, reach, room: canvas.bottom - over.bottom, step, slant: slant * 180 / Math.PI };
})()`;

const problem = chromiumProblem();
if (problem !== null)
  it('Overview in Chromium (real API, SQLite)', (t) => void missing(t, 'chromium', problem));
else
  describe('Overview in Chromium (real API, SQLite)', () => {
    let h: Harness;
    let b: BrowserHandle;
    let page: Page;

    before(async () => {
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT }), openBrowser()]);
      page = b.page;
      // The page's own clock is the real one; the API's is NOW: pin the page to NOW so presets match the data.
      await page.clock.setFixedTime(NOW);
      await seed(h);
      await seedDenials(h);
      for (const i of [0, 1, 2, 3]) await h.store.recordPostureSnapshot(snapshot(i));
      mkdirSync(SHOTS, { recursive: true });
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
    });

    const status = async () => (await page.locator('#ov-status').innerText()).trim();

    it('lands on the Overview after sign-in and draws every chart from the data', async () => {
      const response = await page.goto(`${h.base}/`);
      assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      await page.fill('#token', h.tokens.viewer);
      await page.click('#login-form button[type=submit]');
      await page.locator('#chart-removals canvas').waitFor();
      await page.locator('#ov-status', { hasText: 'removals' }).waitFor();
      assert.equal(await page.locator('#nav a[aria-current="page"]').innerText(), 'Overview');
      // 90 days by default, by week: all 15 removals (the oldest is 71 days back).
      assert.match(await status(), /by week \(UTC\) · 15 removals .* 6 MFA-related denials$/);
      const ids = await page.evaluate<string[]>(
        `[...document.querySelectorAll('.ov-chart')].map((f) => f.id)`,
      );
      assert.deepEqual(ids, [
        'chart-removals',
        'chart-times',
        'chart-window',
        'chart-denials',
        'chart-posture',
      ]);
      assert.match(
        await page.locator('#chart-denials figcaption').innerText(),
        /6 denials: 4 from sessions without MFA, 2 by an MFA policy/,
      );
      const pixels = await drawnPixels(page);
      for (const id of ids)
        assert.ok((pixels[id] ?? 0) > 150, `${id}: ${pixels[id]} pixels in series colours`);
      // The data behind the stacked chart, as a table: the totals per week add up to every removal.
      // The table sits in a closed <details>: read its cells' text, not what is rendered.
      const totals = await page
        .locator('#chart-removals details tbody tr td:last-child')
        .evaluateAll((cells) => cells.map((cell) => Number(cell.textContent)));
      assert.equal(
        totals.reduce((sum, n) => sum + n, 0),
        15,
      );
      assert.match(await page.locator('#ov-open-cases').innerText(), /high\s+5/i);
      // Accessible: a name on each plot, a label on each control of the range picker.
      for (const id of ids)
        assert.match((await page.locator(`#${id} .ov-plot`).getAttribute('aria-label')) ?? '', /\S\. \S/);
      const unlabelled = await page.evaluate<number>(
        `[...document.querySelectorAll('#ov-range-form select, #ov-range-form input')].filter((c) => c.labels.length === 0).length`,
      );
      assert.equal(unlabelled, 0);
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(b.errors, []);
    });

    it('changes the data and the URL with the time range, from the keyboard', async () => {
      const asked = page.waitForRequest(
        (r) => r.url().includes('/api/kpis/trends') && r.url().includes('bucket=day'),
      );
      await page.locator('#ov-range').focus();
      await page.selectOption('#ov-range', 'custom');
      await page.fill('#ov-from', new Date(NOW - 20 * DAY).toISOString().slice(0, 10));
      await page.fill('#ov-to', new Date(NOW - 1 * DAY).toISOString().slice(0, 10));
      await page.selectOption('#ov-bucket', 'day');
      // Keyboard only from here: Tab to Apply, Enter.
      await page.locator('#ov-bucket').focus();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Apply');
      await page.keyboard.press('Enter');
      const request = await asked;
      const query = new URL(request.url()).searchParams;
      assert.equal(query.get('from'), new Date(NOW - 20 * DAY).toISOString().slice(0, 10) + 'T00:00:00.000Z');
      await page.locator('#ov-status', { hasText: 'by day' }).waitFor();
      const hash = new URL(page.url()).hash;
      assert.match(hash, /^#\/overview\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&bucket=day$/);
      // 20 days (the last one inclusive), removals at 1, 6, 11 and 16 days back: 4.
      assert.equal(await page.locator('#chart-removals details tbody tr').count(), 20);
      assert.match(await status(), /· 4 removals/);
      // The tiles above answer for the same range (they asked /api/kpis for it): the same 4 removals.
      await page.locator('#kpis .kpi-range', { hasText: "the Overview's range" }).waitFor();
      await page.locator('#kpi-removals .kpi-sub', { hasText: /total 4$/ }).waitFor();
      // The URL alone brings the same view back (a shared link).
      await page.goto(`${h.base}/${hash}`);
      await page.locator('#ov-status', { hasText: 'by day' }).waitFor();
      assert.equal(await page.inputValue('#ov-range'), 'custom');
      assert.equal(await page.inputValue('#ov-bucket'), 'day');
      await page.selectOption('#ov-range', '7d');
      await page.click('#ov-range-form button[type=submit]');
      await page.waitForURL(/range=7d/);
      await page.locator('#ov-status', { hasText: 'by day' }).waitFor();
      assert.match(await status(), /· 2 removals/, '1 and 6 days back');
      await page.locator('#kpi-removals .kpi-sub', { hasText: /total 2$/ }).waitFor();
      assert.match(new URL(page.url()).hash, /^#\/overview\?range=7d&bucket=day$/);
      assert.deepEqual(b.errors, []);
    });

    it('keeps hostile labels inert in the charts, their legends and tables', async () => {
      await page.route('**/api/kpis/trends**', async (route) => {
        const answer = await route.fetch();
        const trends = (await answer.json()) as {
          points: { label: string }[];
          vulnerabilityWindow: { histogram: { label: string }[] };
        };
        trends.points.forEach((point, i) => (point.label = HOSTILE[i % HOSTILE.length]!));
        trends.vulnerabilityWindow.histogram.forEach((bin, i) => (bin.label = HOSTILE[i % HOSTILE.length]!));
        await route.fulfill({ response: answer, json: trends });
      });
      await page.goto(`${h.base}/#/overview?range=90d`);
      await page.locator('#chart-window canvas').waitFor();
      await page.locator('#ov-status', { hasText: 'removals' }).waitFor();
      const plot = page.locator('#chart-removals .u-over');
      const box = await plot.boundingBox();
      assert.ok(box !== null);
      // Hover the first bucket: uPlot's live legend (its tooltip) shows the label, as text.
      await page.mouse.move(box.x + 5, box.y + box.height / 2);
      const legend = await page.locator('#chart-removals .u-legend').innerText();
      assert.ok(legend.includes('<img src=x onerror=window.__pwned=1>'), legend);
      const window = (await page.locator('#chart-window').textContent()) ?? '';
      assert.ok(window.includes('⟦U+001B⟧[31mred'), 'ANSI shown, not obeyed');
      assert.ok(window.includes('gnp⟦U+202E⟧exe.txt'), 'bidi override shown, not obeyed');
      assert.ok(window.includes('=HYPERLINK("http://x","y")'));
      assert.ok(window.includes('<!channel> @here'));
      assert.equal(await page.locator('#overview img, #overview script, #overview svg').count(), 0);
      assert.ok(((await drawnPixels(page))['chart-window'] ?? 0) > 150, 'still drawn');
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(b.errors, []);
      await page.unroute('**/api/kpis/trends**');
    });

    for (const [name, width, scheme] of [
      ['desktop', 1400, 'light'],
      ['phone', 375, 'light'],
      ['desktop-dark', 1400, 'dark'],
      ['phone-dark', 375, 'dark'],
    ] as const) {
      it(`fits ${width} px in ${scheme} mode: no horizontal overflow, charts drawn, readable (screenshot ${name})`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${h.base}/#/overview?range=90d&x=${name}`);
        await page.locator('#chart-posture canvas').waitFor();
        await page.locator('#ov-status', { hasText: 'removals' }).waitFor();
        writeFileSync(`${SHOTS}overview-${name}.png`, await page.screenshot({ fullPage: true }));
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        assert.ok(overflow <= 0, `${overflow} px of horizontal overflow`);
        const canvasWidth = await page.evaluate<number>(
          `document.querySelector('#chart-removals canvas').getBoundingClientRect().width`,
        );
        assert.ok(canvasWidth <= width - 20, `chart ${canvasWidth} px wide in ${width} px`);
        for (const [id, n] of Object.entries(await drawnPixels(page)))
          assert.ok(n > 150, `${id}: ${n} pixels`);
        // The histogram's slanted labels keep clear of each other and stay within the chart, at any width.
        const labels = await page.evaluate<Record<string, number>>(WINDOW_LABELS);
        assert.ok(labels['clear']! >= 6, `window labels ${JSON.stringify(labels)}`);
        assert.ok(labels['reach']! <= labels['room']!, `window labels ${JSON.stringify(labels)}`);
        // Nothing hovered: every legend entry shown names a series (no "bucket: —" entry).
        const entries = await page.evaluate<string[]>(
          "[...document.querySelectorAll('.ov-chart .u-legend .u-series')].filter((e) => e.checkVisibility()).map((e) => e.querySelector('th').textContent.trim())",
        );
        assert.ok(entries.length >= 8, entries.join(' | '));
        assert.deepEqual(
          entries.filter((name) => name === '' || name === 'bucket'),
          [],
        );
        const [ink, panel] = await page.evaluate<string[]>(
          `(() => { const s = getComputedStyle(document.getElementById('chart-removals')); return [s.color, s.backgroundColor]; })()`,
        );
        assert.ok(contrast(ink!, panel!) >= 7, `text ${ink} on ${panel}`);
        if (scheme === 'dark') assert.match(panel!, /^rgb\((1\d|2\d), /, `a dark panel: ${panel}`);
        // Text in the panels' tables and legends, on its own background or the panel's when it has none.
        const cells = await page.evaluate<[string, string, string][]>(`[...document.querySelectorAll(
          '#ov-open-cases th, #ov-open-cases td, .ov-chart .u-legend th, .ov-chart details td')].map((e) => {
            const s = getComputedStyle(e);
            return [e.textContent, s.color, s.backgroundColor];
          })`);
        assert.ok(cells.length > 20);
        for (const [what, colour, background] of cells) {
          const under = background === 'rgba(0, 0, 0, 0)' ? panel! : background;
          assert.ok(contrast(colour, under) >= 4.5, `'${what}': ${colour} on ${under}`);
        }
        assert.deepEqual(b.errors, []);
      });
    }
  });
