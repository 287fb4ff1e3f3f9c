// The dashboard's posture page in Chromium against the real API and a real SQLite store: age, event facts, escaping.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { NOW, startHarness } from '../../src/api/test-support/harness.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';
import { failingFinding } from './test-support/every-page-data.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const HOSTILE_USER = '<img src=x onerror=window.__pwned=1>';
const ACCOUNT = '111122223333';

const problem = chromiumProblem();
if (problem !== null) it('posture page in Chromium', (t) => void missing(t, 'chromium', problem));
else
  describe('posture page in Chromium (real API, SQLite)', () => {
    let h: Harness;
    let b: BrowserHandle;

    before(async () => {
      [h, b] = await Promise.all([startHarness({ webRoot: WEB_ROOT }), openBrowser()]);
      const audit = await h.store.recordPostureSnapshot({
        accountId: ACCOUNT,
        takenAt: NOW - 2 * 3_600_000,
        source: 'audit',
        consoleUsers: 2,
        consoleUsersWithMfa: 1,
        mfaEnforcedByPolicy: 1,
        cisScore: 75,
        state: { collectedAt: new Date(NOW - 2 * 3_600_000).toISOString() },
        findings: [failingFinding('bob')],
        eventFacts: [],
        basedOn: null,
      });
      await h.store.recordPostureSnapshot({
        accountId: ACCOUNT,
        takenAt: NOW - 60_000,
        source: 'events',
        consoleUsers: 3,
        consoleUsersWithMfa: 1,
        mfaEnforcedByPolicy: 1,
        cisScore: 60,
        state: { collectedAt: new Date(NOW - 2 * 3_600_000).toISOString() },
        findings: [failingFinding('bob'), failingFinding(HOSTILE_USER)],
        eventFacts: [
          {
            userName: HOSTILE_USER,
            fact: 'console-password',
            change: 'created',
            eventName: 'CreateLoginProfile',
            eventId: 'e-1',
            at: NOW - 30 * 60_000,
          },
        ],
        basedOn: audit.id,
      });
    });

    after(async () => {
      await b?.browser.close();
      await h?.close();
    });

    it('shows the latest posture with its age and the facts events changed, as text', async () => {
      const page = b.page;
      await page.goto(`${h.base}/`);
      await page.fill('#token', h.tokens.viewer);
      await page.click('#login-form button[type=submit]');
      await page.locator('#kpis .kpi').first().waitFor();
      await page.click('#nav a[href="#/posture"]');
      const section = page.locator(`.posture-account[data-account="${ACCOUNT}"]`);
      await section.waitFor();
      assert.equal(await section.getAttribute('data-source'), 'events');
      const text = await section.innerText();
      assert.match(text, /Audited 2026-11-23 10:00:00Z \(2 h 0 m ago\)/);
      assert.match(text, /updated from CloudTrail events since 2026-11-23 11:30:00Z/);
      assert.match(text, /1 \/ 3/);
      assert.ok(text.includes(`${HOSTILE_USER}\tconsole-password\tcreated\tCreateLoginProfile`), text);
      assert.ok(text.includes(`IAM user ${HOSTILE_USER} can sign in to the console without MFA.`));
      assert.equal(await page.locator('img, script:not([src])').count(), 0);
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(b.errors, []);
    });
  });
