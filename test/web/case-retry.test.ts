// The case page's Retry button in Chromium against the real API, store and responder (IAM mocked at the SDK): a failed
// response action shows Retry; clicking it sends POST /api/actions/{id}/retry and the row becomes the applied action.
// The failure is made by IAM refusing the first call (a permanent error fails at once), not by waiting on a clock.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AttachUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import type { Harness } from '../../src/api/test-support/harness.ts';
import { startHarness } from '../../src/api/test-support/harness.ts';
import type { Responder } from '../../src/respond/index.ts';
import { createResponder } from '../../src/respond/index.ts';
import { classifiedCase, enforcing, T0 } from '../../src/respond/test-support/cases.ts';
import type { FakeIam } from '../../src/respond/test-support/fake-iam.ts';
import { accessDenied, fakeIam } from '../../src/respond/test-support/fake-iam.ts';
import type { Store } from '../../src/store/index.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { BrowserHandle } from './test-support/browser.ts';
import { chromiumProblem, openBrowser } from './test-support/browser.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** The responder as `serve` builds it, enforcing a quarantine for unauthorized cases; IAM is read at each call. */
const responderFor = (store: Store, iamOf: () => FakeIam): Responder =>
  createResponder({
    store,
    config: enforcing(),
    breakGlassUsers: new Set(),
    knownAdmins: new Set(),
    iam: () => iamOf().client,
    clock: () => T0 + 120_000,
  });

const problem = chromiumProblem();
if (problem !== null) it('case page Retry in Chromium', (t) => void missing(t, 'chromium', problem));
else
  describe('case page Retry of a failed response action in Chromium (real API, responder, SQLite)', () => {
    let h: Harness;
    let b: BrowserHandle;
    let page: Page;
    let iam: FakeIam;
    let caseId = '';
    let actionId = '';

    before(async () => {
      iam = fakeIam();
      iam.mock.on(AttachUserPolicyCommand).rejects(accessDenied());
      [h, b] = await Promise.all([
        // IAM is read at each call, so the fixed IAM below answers the retry.
        startHarness((store) => ({ webRoot: WEB_ROOT, responder: responderFor(store, () => iam) })),
        openBrowser(),
      ]);
      page = b.page;
      caseId = await classifiedCase(h.store, 'carol');
      // The same responder the API uses plans and applies the quarantine; IAM refuses it, so it fails.
      await responderFor(h.store, () => iam).caseChanged([caseId]);
      const actions = await h.store.listResponseActions({ caseId });
      assert.deepEqual(
        actions.map((a) => a.state),
        ['failed'],
      );
      actionId = actions[0]!.id;
      // Someone grants the permission: IAM now accepts the call.
      iam.mock.restore();
      iam = fakeIam();
    });

    after(async () => {
      iam?.mock.restore();
      await b?.browser.close();
      await h?.close();
    });

    it('shows Retry on the failed row; clicking it posts the retry and the row becomes applied', async () => {
      await page.goto(`${h.base}/#/cases`);
      await page.fill('#token', h.tokens.responder);
      await page.click('#login-form button[type=submit]');
      await page.locator('#cases-table').waitFor();
      await page.goto(`${h.base}/#/cases/${caseId}`);
      const row = page.locator(`#response-actions tr[data-action-id="${actionId}"]`);
      await row.and(page.locator('[data-state="failed"]')).waitFor();
      assert.match(await row.innerText(), /AccessDenied/, 'the reason it failed is on the row');
      const retry = row.getByRole('button', { name: 'Retry' });
      assert.equal(await retry.count(), 1);

      const posted = page.waitForRequest(
        (request) => request.method() === 'POST' && request.url().endsWith(`/api/actions/${actionId}/retry`),
      );
      await retry.click();
      await posted;
      await page.locator('#banner', { hasText: 'Action retried.' }).waitFor();
      await row.and(page.locator('[data-state="applied"]')).waitFor();
      assert.equal(
        await row.getByRole('button', { name: 'Retry' }).count(),
        0,
        'no Retry on an applied action',
      );
      assert.match(await row.innerText(), /approved by api:responder-token/, 'the person who retried it');

      const stored = (await h.store.listResponseActions({ caseId }))[0];
      assert.deepEqual([stored?.state, stored?.approvedBy], ['applied', 'api:responder-token']);
      assert.deepEqual(iam.writes, ['AttachUserPolicy'], 'applied once');
      assert.deepEqual(await b.attempts(), []);
      assert.deepEqual(b.errors, []);
    });
  });
