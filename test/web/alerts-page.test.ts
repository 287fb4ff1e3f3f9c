// The Alerts page in Chromium against the real API over a real SQLite store: filters and sorts change the rows and the
// address, incident grouping, bulk triage touches the selected cases only, the raw record viewer, hostile text inert,
// and screenshots at desktop and phone width with no horizontal overflow.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { sampleAlert, seedCase, startHarness } from '../../src/api/test-support/harness.ts';
import { normalizeRecord } from '../../src/ingest/index.ts';
import type { Alert } from '../../src/model/index.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import { missing } from '../../src/test-support/requirements.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
/** Screenshots for people to look at; the folder is ignored by git. */
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** One of each kind of text an attacker can put in CloudTrail and that must stay text on the page. */
const HOSTILE = {
  html: '<img src=x onerror=window.__pwned=1>',
  ansi: '\u001b[31mRED\u001b[0m',
  bidi: 'invoice\u202Egpj.exe',
  formula: '=HYPERLINK("http://evil.example","x")',
  slack: '<!channel> @here',
};
const HOSTILE_USER = `${HOSTILE.html}${HOSTILE.bidi}`;
const HOSTILE_AGENT = `${HOSTILE.ansi} ${HOSTILE.formula} ${HOSTILE.slack} ${HOSTILE.html}`;
const LONG_ARN = 'arn:aws:iam::444455556666:user/automation/a-rather-long-service-account-name-for-ci';

interface Seed {
  readonly id: string;
  readonly user: string;
  readonly time: string;
  readonly account?: string;
  readonly region?: string;
  readonly ip?: string;
  readonly severity?: Alert['severity'];
  /** The removal's alert id this alert belongs to. */
  readonly incidentOf?: string;
  /** As triage set it on the alert. */
  readonly classification?: Alert['classification'];
  readonly ruleId?: string;
  /** The IAM user who made the call, when not the target. */
  readonly actorUser?: string;
}

function alertOf(seed: Seed): Alert {
  const base = sampleAlert({
    id: seed.id,
    user: seed.user,
    time: seed.time,
    severity: seed.severity ?? 'high',
  });
  const account = seed.account ?? '111122223333';
  const actorUser = seed.actorUser ?? seed.user;
  return {
    ...base,
    ...(seed.classification === undefined ? {} : { classification: seed.classification }),
    rule: { ...base.rule, id: seed.ruleId ?? base.rule.id },
    event: { ...base.event, id: `event-${seed.id}`, account, region: seed.region ?? 'us-east-1' },
    actor: {
      ...base.actor,
      userName: actorUser,
      arn: seed.user === 'svc' ? LONG_ARN : `arn:aws:iam::${account}:user/${actorUser}`,
      sourceIp: seed.ip ?? '203.0.113.7',
      userAgent: HOSTILE_AGENT,
    },
    incident: {
      removalEventId: `event-${seed.incidentOf ?? seed.id}`,
      role: seed.incidentOf === undefined ? 'removal' : 'member',
    },
  };
}

const SEEDS: readonly Seed[] = [
  { id: 'a-bob', user: 'bob', time: '2026-11-23T08:00:00Z', severity: 'critical' },
  {
    id: 'a-bob-delete',
    user: 'bob',
    time: '2026-11-23T08:01:00Z',
    incidentOf: 'a-bob',
    severity: 'medium',
    actorUser: 'mallory',
  },
  {
    id: 'a-carol',
    user: 'carol',
    time: '2026-11-23T09:00:00Z',
    account: '444455556666',
    region: 'eu-west-1',
    classification: 'approved',
  },
  {
    id: 'a-svc',
    user: 'svc',
    time: '2026-11-23T10:00:00Z',
    account: '444455556666',
    ip: '2001:db8:ffff:1234:5678:9abc:def0:1234',
  },
  {
    id: 'a-hostile',
    user: HOSTILE_USER,
    time: '2026-11-23T11:00:00Z',
    severity: 'low',
    ruleId: 'custom-rule',
  },
];

const problem = chromiumProblem();
if (problem !== null) it('alerts page in Chromium', (t) => void missing(t, 'chromium', problem));
else
  describe('alerts page in Chromium (real API, SQLite)', () => {
    let h: Harness;
    let b: BrowserHandle;
    let page: Page;
    const caseOf: Record<string, string> = {};

    /** The ids of the rows shown, in order. */
    const rowIds = async (): Promise<string[]> =>
      page.evaluate<string[]>(
        "[...document.querySelectorAll('#alerts-table tbody tr.row')].map((row) => row.dataset.alertId)",
      );
    /**
     * Waits until the list shows exactly these alerts (in this order unless `anyOrder`): a navigation re-renders
     * the view after the address changes, so the old rows must not be mistaken for the new ones.
     */
    const listed = async (expected: readonly string[], anyOrder = false): Promise<void> => {
      const want = JSON.stringify(anyOrder ? [...expected].sort() : expected);
      // Polled from the test's side: a predicate string run in the page would need eval, which the CSP forbids.
      let ids: string[] = [];
      for (let attempt = 0; attempt < 100; attempt++) {
        const count = await page.evaluate<string>(
          "document.querySelector('#alerts-count')?.textContent ?? ''",
        );
        ids = await rowIds();
        const got = JSON.stringify(anyOrder ? [...ids].sort() : ids);
        if (count.startsWith(`${expected.length} shown`) && got === want) return;
        await page.waitForTimeout(50);
      }
      assert.deepEqual(
        anyOrder ? ids.sort() : ids,
        anyOrder ? [...expected].sort() : expected,
        `at ${page.url()}`,
      );
    };
    const hashParams = (): URLSearchParams =>
      new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');

    /** Full-page screenshot, and the page must not scroll sideways. */
    async function shoot(name: string): Promise<void> {
      await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
      const overflow = await page.evaluate<{ scroll: number; client: number }>(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      );
      // On failure, name the elements whose content is wider than they are (what pushes the page sideways).
      const culprits =
        overflow.scroll <= overflow.client
          ? []
          : await page.evaluate<string[]>(
              "[...document.querySelectorAll('body *')].filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible').slice(0, 8).map((e) => e.tagName + '#' + e.id + '.' + e.className + ' ' + e.scrollWidth + '/' + e.clientWidth)",
            );
      assert.ok(
        overflow.scroll <= overflow.client,
        `${name}: ${overflow.scroll} px wide in ${overflow.client} px: ${culprits.join(', ')}`,
      );
    }

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT }), openBrowser()]);
      page = b.page;
      for (const seed of SEEDS) {
        const alert = alertOf(seed);
        if (seed.incidentOf === undefined) caseOf[seed.id] = await seedCase(h.store, alert);
        else await h.store.insertAlerts([alert], Date.parse('2026-11-23T12:00:00Z'));
      }
      const record = normalizeRecord(
        {
          eventVersion: '1.08',
          eventID: 'event-a-hostile',
          eventName: 'DeactivateMFADevice',
          eventSource: 'iam.amazonaws.com',
          eventTime: '2026-11-23T11:00:00Z',
          awsRegion: 'us-east-1',
          recipientAccountId: '111122223333',
          sourceIPAddress: '203.0.113.7',
          userAgent: HOSTILE_AGENT,
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/x', userName: HOSTILE_USER },
          requestParameters: { userName: HOSTILE_USER, [HOSTILE.html]: HOSTILE.slack },
          responseElements: null,
        },
        { location: 'test', index: 0 },
      );
      assert.ok(record.ok);
      await h.store.insertEvents([record.event]);

      await page.goto(`${h.base}/`);
      await page.fill('#token', h.tokens.responder);
      await page.click('#login-form button[type=submit]');
      await page.locator('#kpis').waitFor();
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
    });

    it('shows event and detection times; filters change the rows and the address, and the address restores them', async () => {
      await page.goto(`${h.base}/#/alerts`);
      // All detected at once: newest detection first, ties by id (descending).
      await listed(['a-svc', 'a-hostile', 'a-carol', 'a-bob-delete', 'a-bob']);
      const bob = page.locator('tr[data-alert-id="a-bob"]');
      assert.match(await bob.locator('td[data-label="Event time"]').innerText(), /2026-11-23 08:00:00Z/);
      assert.match(await bob.locator('td[data-label="Detected"]').innerText(), /2026-11-23 12:00:00Z/);

      await page.fill('#f-account', '444455556666');
      await page.click('#alert-filters button[type=submit]');
      await listed(['a-carol', 'a-svc'], true);
      assert.equal(hashParams().get('account'), '444455556666');

      await page.fill('#f-sourceIp', '2001:db8:ffff:1234:5678:9abc:def0:1234');
      await page.click('#alert-filters button[type=submit]');
      await listed(['a-svc']);

      // The shared link: a fresh load of the address gives the same rows and the same form.
      const shared = page.url();
      await page.goto(`${h.base}/#/cases`);
      await page.goto(shared);
      await listed(['a-svc']);
      assert.equal(await page.inputValue('#f-account'), '444455556666');

      await page.goto(`${h.base}/#/alerts?caseState=none`);
      await listed(['a-bob-delete']);
      await page.goto(`${h.base}/#/alerts?account=12`);
      await page.locator('#banner', { hasText: '12-digit' }).waitFor();
    });

    it('every filter of the form changes the rows and the address, and the address alone restores it', async () => {
      const ALL = ['a-svc', 'a-hostile', 'a-carol', 'a-bob-delete', 'a-bob'];
      /** A UTC instant as the browser's `datetime-local` value (the control takes the viewer's local time). */
      const local = (iso: string): Promise<string> =>
        // A string, not a function: tsx would wrap a function's inner helpers in a `__name` the page lacks.
        page.evaluate<string>(
          `(() => { const d = new Date(${JSON.stringify(iso)}); const two = (n) => String(n).padStart(2, '0'); return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + 'T' + two(d.getHours()) + ':' + two(d.getMinutes()); })()`,
        );
      const [from, to, since, until] = [
        await local('2026-11-23T09:30:00Z'),
        await local('2026-11-23T08:30:00Z'),
        await local('2026-11-23T11:59:00Z'),
        await local('2026-11-23T12:00:00Z'),
      ];
      // Each filter the issue names, with a value that keeps a known part of the seeded alerts.
      const cases: Record<string, { value: string; rows: string[] }> = {
        from: { value: from, rows: ['a-svc', 'a-hostile'] },
        to: { value: to, rows: ['a-bob', 'a-bob-delete'] },
        severity: { value: 'critical', rows: ['a-bob'] },
        classification: { value: 'approved', rows: ['a-carol'] },
        caseState: { value: 'none', rows: ['a-bob-delete'] },
        account: { value: '444455556666', rows: ['a-carol', 'a-svc'] },
        region: { value: 'eu-west-1', rows: ['a-carol'] },
        actor: { value: 'mallory', rows: ['a-bob-delete'] },
        targetUser: { value: 'svc', rows: ['a-svc'] },
        sourceIp: { value: '2001:db8:ffff:1234:5678:9abc:def0:1234', rows: ['a-svc'] },
        ruleId: { value: 'custom-rule', rows: ['a-hostile'] },
        since: { value: since, rows: ALL },
        until: { value: until, rows: [] },
      };
      await page.goto(`${h.base}/#/alerts`);
      await listed(ALL);
      // A filter added to the form without a case here fails this test.
      const named = await page.evaluate<string[]>(
        "[...document.querySelectorAll('#alert-filters [name]')].map((c) => c.name).filter((n) => !['sort', 'order', 'group'].includes(n))",
      );
      assert.deepEqual(named.sort(), Object.keys(cases).sort());
      const problems: string[] = [];
      for (const [name, { value, rows }] of Object.entries(cases)) {
        await page.goto(`${h.base}/#/alerts`);
        await listed(ALL);
        const control = page.locator(`#alert-filters [name="${name}"]`);
        if ((await page.locator(`#alert-filters select[name="${name}"]`).count()) === 1)
          await control.selectOption(value);
        else await control.fill(value);
        await page.click('#alert-filters button[type=submit]');
        await page.waitForURL(new RegExp(`[?&]${name}=`));
        await listed(rows, true);
        if (hashParams().get(name) !== value) problems.push(`${name}: address has ${hashParams().get(name)}`);
        // The shared address, opened afresh, gives the same rows and shows the filter in the form.
        const shared = page.url();
        await page.goto(`${h.base}/#/cases`);
        await page.locator('#cases-table').waitFor();
        await page.goto(shared);
        await listed(rows, true);
        const shown = await page.locator(`#alert-filters [name="${name}"]`).inputValue();
        if (shown !== value) problems.push(`${name}: the form shows ${shown} after a fresh load`);
      }
      assert.deepEqual(problems, []);
    });

    it('sorts from the column headers, keeping the filters', async () => {
      await page.goto(`${h.base}/#/alerts?account=111122223333`);
      await listed(['a-hostile', 'a-bob-delete', 'a-bob']);
      await page.click('th button.sort[data-sort="eventTime"]');
      await page.waitForURL(/sort=eventTime/);
      await listed(['a-hostile', 'a-bob-delete', 'a-bob']);
      const params = hashParams();
      assert.equal(params.get('order'), 'desc');
      assert.equal(params.get('account'), '111122223333');
      await page.locator('th[aria-sort="descending"] button[data-sort="eventTime"]').waitFor();
      await page.click('th button.sort[data-sort="eventTime"]');
      await page.waitForURL(/order=asc/);
      await listed(['a-bob', 'a-bob-delete', 'a-hostile']);
      await page.click('th button.sort[data-sort="severity"]');
      await page.waitForURL(/sort=severity/);
      await listed(['a-bob', 'a-bob-delete', 'a-hostile']);

      // Keyboard: arrows move between the rows' links.
      await page.locator('tr[data-alert-id="a-bob"] a.alert-link').focus();
      await page.keyboard.press('ArrowDown');
      assert.equal(
        await page.evaluate('document.activeElement.closest("tr").dataset.alertId'),
        'a-bob-delete',
      );
    });

    it('groups by incident as correlation tied the alerts, and opens one incident', async () => {
      await page.goto(`${h.base}/#/alerts?sort=eventTime&order=asc`);
      await listed(['a-bob', 'a-bob-delete', 'a-carol', 'a-svc', 'a-hostile']);
      await page.check('#f-group');
      await page.click('#alert-filters button[type=submit]');
      await page.waitForURL(/group=incident/);
      await page.locator('#alerts-table tr.incident').first().waitFor();
      await listed(['a-bob', 'a-bob-delete', 'a-carol', 'a-svc', 'a-hostile']);
      const order = await page.evaluate<string[]>(
        "[...document.querySelectorAll('#alerts-table tbody tr')].map((row) => row.classList.contains('incident') ? '#' + row.dataset.incident : row.dataset.alertId)",
      );
      assert.deepEqual(order, [
        '#event-a-bob',
        'a-bob',
        'a-bob-delete',
        '#event-a-carol',
        'a-carol',
        '#event-a-svc',
        'a-svc',
        '#event-a-hostile',
        'a-hostile',
      ]);
      await page.locator('tr.incident[data-incident="event-a-bob"] a').click();
      await page.waitForURL(/incident=event-a-bob/);
      await listed(['a-bob', 'a-bob-delete']);
    });

    it('bulk actions change the selected cases and only those, audited per case', async () => {
      await page.goto(`${h.base}/#/alerts`);
      await listed(['a-svc', 'a-hostile', 'a-carol', 'a-bob-delete', 'a-bob']);
      await page.check('tr[data-alert-id="a-bob"] input.pick');
      await page.check('tr[data-alert-id="a-carol"] input.pick');
      assert.equal(await page.locator('tr[data-alert-id="a-bob-delete"] input.pick').isDisabled(), true);
      await page.locator('#bulk-count', { hasText: '2 cases selected' }).waitFor();

      await page.fill('#bulk-assignee', 'grace');
      await page.click('#bulk-form button[type=submit]');
      await page.locator('#banner', { hasText: '2 cases changed (assign)' }).waitFor();
      await page.locator('#bulk-count', { hasText: '0 cases selected' }).waitFor();
      await listed(['a-svc', 'a-hostile', 'a-carol', 'a-bob-delete', 'a-bob']);

      /** What the list shows of each alert's case now: classification and case state. */
      const shown = async (): Promise<Record<string, string>> =>
        Object.fromEntries(
          await page
            .locator('#alerts-table tbody tr.row')
            .evaluateAll((rows) =>
              rows.map((row) => [
                row.getAttribute('data-alert-id'),
                `${row.querySelector('td[data-label="Classification"]')?.textContent ?? ''}|${row.querySelector('td[data-label="Case"]')?.textContent ?? ''}`,
              ]),
            ),
        ) as Record<string, string>;
      await page.check('tr[data-alert-id="a-bob"] input.pick');
      await page.check('tr[data-alert-id="a-carol"] input.pick');
      await page.selectOption('#f-action', 'classify');
      await page.selectOption('#bulk-classification', 'rotation');
      await page.click('#bulk-form button[type=submit]');
      await page.locator('#banner', { hasText: '2 cases changed (classify)' }).waitFor();
      await page
        .locator('tr[data-alert-id="a-carol"] td[data-label="Classification"]', { hasText: 'rotation' })
        .waitFor();
      // The rows show the cases as they now stand: the selected ones classified, the others as triage left them.
      assert.deepEqual(await shown(), {
        'a-bob': 'rotation|open',
        'a-bob-delete': 'suspicious|—',
        'a-carol': 'rotation|open',
        'a-svc': 'suspicious|open',
        'a-hostile': 'suspicious|open',
      });

      await page.check('tr[data-alert-id="a-bob"] input.pick');
      await page.check('tr[data-alert-id="a-carol"] input.pick');
      await page.selectOption('#f-action', 'resolve');
      await page.click('#bulk-form button[type=submit]');
      await page.locator('#bulk-message', { hasText: 'Say why' }).waitFor();
      await page.fill('#bulk-note', 'confirmed with both owners by phone');
      await page.click('#bulk-form button[type=submit]');
      await page.locator('#banner', { hasText: '2 cases changed (resolve)' }).waitFor();
      await page
        .locator('tr[data-alert-id="a-carol"] td[data-label="Case"]', { hasText: 'resolved' })
        .waitFor();
      assert.deepEqual(await shown(), {
        'a-bob': 'rotation|resolved',
        'a-bob-delete': 'suspicious|—',
        'a-carol': 'rotation|resolved',
        'a-svc': 'suspicious|open',
        'a-hostile': 'suspicious|open',
      });

      for (const id of ['a-bob', 'a-carol']) {
        const detail = await h.store.getCase(caseOf[id]!);
        assert.equal(detail?.state, 'resolved', id);
        assert.equal(detail?.assignee, 'grace', id);
        assert.equal(detail?.classification, 'rotation', id);
        const mine = detail?.audit.filter((entry) => entry.actor === 'api:responder-token') ?? [];
        assert.deepEqual(
          mine.map((entry) => entry.action),
          ['updated', 'updated', 'transition'],
        );
      }
      for (const id of ['a-svc', 'a-hostile']) {
        const detail = await h.store.getCase(caseOf[id]!);
        assert.equal(detail?.state, 'open', id);
        assert.equal(detail?.assignee, null, id);
        assert.equal(detail?.classification, 'suspicious', `${id}: as it was opened`);
      }
      await page.goto(`${h.base}/#/alerts?caseState=resolved`);
      await listed(['a-bob', 'a-carol'], true);

      // One alert's page says its case as it stands now, as the list row does (GET /api/alerts/{id}).
      await page.goto(`${h.base}/#/alerts/a-bob`);
      const line = page.locator('#alert-case');
      await line.waitFor();
      assert.equal(await line.innerText(), 'Its case: resolved, classified rotation');
      await page.goto(`${h.base}/#/alerts/a-svc`);
      await page.locator('#alert-case', { hasText: 'open' }).waitFor();
      assert.equal(await line.innerText(), 'Its case: open, classified suspicious');
      await page.goto(`${h.base}/#/alerts/a-bob-delete`);
      await page.locator('.alert-card').waitFor();
      assert.equal(await line.count(), 0, 'an alert in no case has no case line');
    });

    it('opens the raw CloudTrail record as an inert tree; hostile text stays text everywhere', async () => {
      await page.goto(`${h.base}/#/alerts`);
      await listed(['a-svc', 'a-hostile', 'a-carol', 'a-bob-delete', 'a-bob']);
      const row = page.locator('tr[data-alert-id="a-hostile"]');
      assert.ok((await row.innerText()).includes(`${HOSTILE.html}invoice⟦U+202E⟧gpj.exe`));
      await row.locator('a.record-link').click();
      const viewer = page.locator('#alert-record .json-viewer');
      await viewer.waitFor();
      const text = await viewer.innerText();
      assert.ok(text.includes(JSON.stringify(HOSTILE_AGENT).replace(/\u202E/g, '⟦U+202E⟧')), text);
      assert.ok(text.includes('\\u001b[31mRED'), 'the escape character is shown as an escape');
      assert.ok(text.includes(`"${HOSTILE.html}": "${HOSTILE.slack}"`));
      assert.ok(text.includes('invoice⟦U+202E⟧gpj.exe'));
      await shoot('alert-record-desktop');

      // The alert card and the list carry the same strings as text too.
      assert.ok((await page.locator('.alert-card').innerText()).includes(HOSTILE.formula));
      assert.equal(await page.locator('#view img, #view script, #view iframe, #view [onerror]').count(), 0);
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(
        b.errors.filter((e) => !e.includes('12-digit')),
        [],
      );
    });

    it('is usable at 375 px: no sideways scrolling, identifiers whole, controls labelled', async () => {
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.goto(`${h.base}/#/alerts?sort=eventTime`);
      await listed(['a-hostile', 'a-svc', 'a-carol', 'a-bob-delete', 'a-bob']);
      await shoot('alerts-desktop');
      // At desktop width every column is in view, even with an IPv6 address: the table does not scroll sideways.
      const hidden = await page.evaluate<number>(
        "(() => { const wrap = document.querySelector('#alerts-table').closest('.table-wrap'); return wrap.scrollWidth - wrap.clientWidth; })()",
      );
      assert.ok(hidden <= 0, `the alerts table hides ${hidden} px to the right at 1400 px`);
      await page.goto(`${h.base}/#/alerts?sort=eventTime&group=incident`);
      await listed(['a-hostile', 'a-svc', 'a-carol', 'a-bob-delete', 'a-bob']);
      await shoot('alerts-grouped-desktop');

      await page.setViewportSize({ width: 375, height: 812 });
      await page.goto(`${h.base}/#/alerts?sort=eventTime`);
      await listed(['a-hostile', 'a-svc', 'a-carol', 'a-bob-delete', 'a-bob']);
      await shoot('alerts-phone');
      await page.goto(`${h.base}/#/alerts/a-hostile?view=record`);
      await page.locator('#alert-record .json-viewer').waitFor();
      await shoot('alert-record-phone');
      await page.goto(`${h.base}/#/alerts?sort=eventTime`);
      await listed(['a-hostile', 'a-svc', 'a-carol', 'a-bob-delete', 'a-bob']);

      // Each IP address and ARN sits on one line (its box is one line high), whatever the width.
      const heights = await page.evaluate<[string, number][]>(
        "[...document.querySelectorAll('#alerts-table .token')].map((s) => [s.textContent, s.getClientRects().length])",
      );
      assert.ok(heights.length >= 10);
      for (const [value, lines] of heights) assert.equal(lines, 1, `${value} wraps`);
      // Every control has a name a screen reader can say.
      const unnamed = await page.evaluate<string[]>(
        "[...document.querySelectorAll('#view input, #view select, #view button')].filter((c) => !c.closest('label') && !c.getAttribute('aria-label') && !c.textContent.trim()).map((c) => c.outerHTML)",
      );
      assert.deepEqual(unnamed, []);
      await page.setViewportSize({ width: 1400, height: 1000 });
    });
  });
