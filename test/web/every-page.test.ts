// Every dashboard page in real Chromium against the real API over SQLite, at desktop and phone width, light and dark,
// with hostile strings in the data: a screenshot of each, and checks that each fits, draws, stays inert and is usable
// from the keyboard and by a screen reader (axe-core, evaluated over CDP so the app's CSP is not relaxed).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { NOW, startHarness } from '../../src/api/test-support/harness.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import { HOSTILE_TEXT, seedEveryPage } from './test-support/every-page-data.ts';
import type { PageFacts } from './test-support/page-checks.ts';
import { collectPageFacts, tabThrough } from './test-support/page-checks.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
/** Gitignored (reports/): one PNG per page, width and scheme, for a person to look at (docs/testing.md). */
const SHOTS = fileURLToPath(new URL('../../reports/screenshots/pages/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface PageSpec {
  readonly name: string;
  readonly hash: (ids: SeededIds) => string;
  /** Appears once the page has its data. */
  readonly ready: string;
  /** Hostile text the page must show, as text. */
  readonly shows: string;
  /** Chart canvases that must have ink (the Overview's). */
  readonly charts?: boolean;
  /** False for a page with nothing to operate (Posture: tables only). */
  readonly controls?: false;
}

interface SeededIds {
  readonly caseId: string;
  readonly alertId: string;
}

const PAGES: readonly PageSpec[] = [
  {
    name: 'overview',
    hash: () => '#/overview?range=90d',
    ready: '#chart-posture canvas',
    shows: '',
    charts: true,
  },
  { name: 'cases', hash: () => '#/cases', ready: '#cases-table tbody tr', shows: HOSTILE_TEXT.img },
  {
    name: 'case',
    hash: (ids) => `#/cases/${encodeURIComponent(ids.caseId)}`,
    ready: '#timeline',
    shows: HOSTILE_TEXT.img,
  },
  {
    name: 'case-report',
    hash: (ids) => `#/cases/${encodeURIComponent(ids.caseId)}/report`,
    ready: '#case-report',
    shows: HOSTILE_TEXT.img,
  },
  { name: 'alerts', hash: () => '#/alerts', ready: '#alerts-table tbody tr', shows: HOSTILE_TEXT.img },
  {
    name: 'alert',
    hash: (ids) => `#/alerts/${encodeURIComponent(ids.alertId)}?view=record`,
    ready: '#alert-record .json-viewer',
    shows: HOSTILE_TEXT.img,
  },
  {
    name: 'approvals',
    hash: () => '#/approvals',
    ready: '#approvals-table tbody tr',
    shows: HOSTILE_TEXT.formula,
  },
  { name: 'tokens', hash: () => '#/tokens', ready: '#tokens-list table tbody tr', shows: HOSTILE_TEXT.slack },
  {
    name: 'posture',
    hash: () => '#/posture',
    ready: '.posture-account',
    shows: HOSTILE_TEXT.img,
    controls: false,
  },
];

const VARIANTS = [
  { label: 'desktop', width: 1400, scheme: 'light' },
  { label: 'phone', width: 375, scheme: 'light' },
  { label: 'desktop-dark', width: 1400, scheme: 'dark' },
  { label: 'phone-dark', width: 375, scheme: 'dark' },
] as const;

/** Every failed check of one page, so a run reports all offenders at once. */
function problemsOf(spec: PageSpec, facts: PageFacts, width: number): string[] {
  const problems: string[] = [];
  if (facts.scrollWidth > width) problems.push(`page ${facts.scrollWidth} px wide in a ${width} px viewport`);
  if (facts.unsafeElements > 0)
    problems.push(`${facts.unsafeElements} img/script/svg/iframe elements in #app`);
  if (spec.shows !== '' && !facts.text.includes(spec.shows))
    problems.push(`hostile text not shown: ${spec.shows}`);
  if (spec.charts === true) {
    if (facts.charts.length === 0) problems.push('no chart');
    for (const [id, ink] of facts.charts)
      if (ink < 150) problems.push(`chart ${id} empty (${ink} pixels of ink)`);
  }
  for (const v of facts.axe) problems.push(`axe ${v.id} (${v.impact}): ${v.help} — ${v.targets.join(' | ')}`);
  for (const c of facts.lowContrast) problems.push(`contrast ${c}`);
  return problems;
}

const problem = chromiumProblem();
if (problem !== null) it('every page in Chromium', (t) => void missing(t, 'chromium', problem));
else
  describe('every page in Chromium (real API, SQLite): fits, draws, inert, accessible', () => {
    let h: Harness;
    let b: BrowserHandle;
    let page: Page;
    let ids: SeededIds;

    before(async () => {
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT }), openBrowser()]);
      page = b.page;
      page.setDefaultTimeout(10_000);
      await page.clock.setFixedTime(NOW);
      ids = await seedEveryPage(h);
      mkdirSync(SHOTS, { recursive: true });
      await page.goto(`${h.base}/#/cases`);
      await page.fill('#token', h.tokens.admin);
      await page.click('#login-form button[type=submit]');
      await page.locator('#cases-table tbody tr').first().waitFor();
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
    });

    const open = async (spec: PageSpec, width: number, scheme: 'light' | 'dark') => {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      // A fresh document each time: nothing of the page before leaks into this one's checks.
      await page.goto('about:blank');
      await page.goto(`${h.base}/${spec.hash(ids)}`);
      await page.locator(spec.ready).first().waitFor();
      // Fonts and the charts' second frame settle before the screenshot.
      await page.evaluate('document.fonts.ready');
    };

    for (const spec of PAGES) {
      for (const { label, width, scheme } of VARIANTS) {
        it(`${spec.name} at ${width} px, ${scheme}: no overflow, inert, accessible (${spec.name}-${label}.png)`, async () => {
          await open(spec, width, scheme);
          writeFileSync(`${SHOTS}${spec.name}-${label}.png`, await page.screenshot({ fullPage: true }));
          const facts = await collectPageFacts(page, AXE);
          assert.deepEqual(problemsOf(spec, facts, width), []);
          assert.deepEqual(await b.attempts(), []);
          assert.deepEqual(b.errors, []);
        });
      }
      it(`${spec.name}: Tab walks the header then the page's first controls, each with a visible focus`, async () => {
        await open(spec, 1400, 'light');
        const walk = await tabThrough(page, 12, AXE);
        const names = walk.map((s) => s.name);
        assert.deepEqual(names.slice(0, 9), [
          'mfaguard',
          'Overview',
          'Cases',
          'Alerts',
          'Approvals',
          'Tokens',
          'Posture',
          'Sign out',
          names[8],
        ]);
        const invisible = walk.filter((s) => !s.focusVisible).map((s) => s.name);
        assert.deepEqual(invisible, [], 'every focused control shows a focus ring');
        const unnamed = walk.filter((s) => s.name.trim() === '').map((s) => s.tag);
        assert.deepEqual(unnamed, [], 'every focused control has an accessible name');
        // Past the header the walk stays in the page's own content, top to bottom.
        const inView = walk.slice(8).filter((s) => s.inView);
        if (spec.controls === false) {
          // A page of tables only: Tab leaves the page for the browser and comes back to the header, no trap.
          assert.deepEqual(inView, []);
          assert.ok(names.slice(8).includes('mfaguard'), `after the header: ${names.slice(8).join(', ')}`);
          return;
        }
        assert.ok(inView.length >= 2, `page controls reached: ${JSON.stringify(walk.slice(8))}`);
        for (let i = 1; i < inView.length; i++)
          assert.ok(
            inView[i]!.top >= inView[i - 1]!.top - 40,
            `tab order goes back up at ${inView[i]!.name}`,
          );
      });
    }

    it('the overflow check fails when a page is wider than the phone (the check can fail)', async () => {
      const spec = PAGES.find((p) => p.name === 'cases')!;
      await open(spec, 375, 'light');
      await page.evaluate(`(() => { const wide = document.createElement('div');
        wide.style.width = '900px'; wide.style.height = '4px'; document.querySelector('#view').append(wide); })()`);
      const facts = await collectPageFacts(page, AXE);
      assert.match(problemsOf(spec, facts, 375).join('\n'), /page \d+ px wide in a 375 px viewport/);
    });
  });
