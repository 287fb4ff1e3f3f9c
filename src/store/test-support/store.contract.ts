// The one contract every store implementation must pass; run against real SQLite and real PostgreSQL.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { StoreError } from '../errors.ts';
import type { Store } from '../store.ts';
import { makeEvent, makeAlert, T0, openCase, rejectsWith } from './store-support.ts';
import type { OpenOnDatabase } from './store-support.ts';
import { defineAlertSearchContract } from './alert-search.contract.ts';
import { defineAlertsContract } from './alerts.contract.ts';
import { defineApiTokensContract } from './api-tokens.contract.ts';
import { defineApprovalsContract } from './approvals.contract.ts';
import { defineSightingsContract } from './baseline-sightings.contract.ts';
import { defineCasesContract } from './cases.contract.ts';
import { defineDeadLettersContract } from './dead-letters.contract.ts';
import { defineEventsContract } from './events.contract.ts';
import { defineJobLeasesContract } from './job-leases.contract.ts';
import { defineKpiFactsContract } from './kpi-facts.contract.ts';
import { defineKpisContract } from './kpis.contract.ts';
import { defineOutboxContract } from './outbox.contract.ts';
import { definePostureSnapshotsContract } from './posture-snapshots.contract.ts';
import { defineRemovalChainsContract } from './removal-chains.contract.ts';
import { defineResponseActionsContract } from './response-actions.contract.ts';
import { defineSessionLinksContract } from './session-links.contract.ts';
import { defineTransactionsContract } from './transactions.contract.ts';
import { defineVerificationsContract } from './verifications.contract.ts';
import { defineWorkContract } from './work.contract.ts';

export { makeAlert, makeEvent } from './store-support.ts';
export type { OpenOnDatabase } from './store-support.ts';

/**
 * Defines the contract tests for one implementation. `freshDatabase` prepares an empty database (a file,
 * a schema) and returns how to open stores on it; `cleanup` runs once after all tests.
 */
export function defineStoreContract(
  name: string,
  freshDatabase: () => Promise<OpenOnDatabase>,
  cleanup: () => Promise<void>,
): void {
  describe(`store contract: ${name}`, () => {
    after(cleanup);

    /** Runs a test with a fresh database; every store it opens is closed afterwards, pass or fail. */
    function test(title: string, body: (open: OpenOnDatabase) => Promise<void>): void {
      it(title, async () => {
        const openOnDatabase = await freshDatabase();
        const opened: Store[] = [];
        try {
          await body(async () => {
            const store = await openOnDatabase();
            opened.push(store);
            return store;
          });
        } finally {
          for (const store of opened) await store.close();
        }
      });
    }

    defineSightingsContract(test, { makeEvent });
    defineJobLeasesContract(test);
    defineKpiFactsContract(test, { makeAlert, makeEvent });
    definePostureSnapshotsContract(test);
    defineRemovalChainsContract(test);
    defineSessionLinksContract(test);
    defineResponseActionsContract(test, (store) => openCase(store));
    defineAlertSearchContract(test, makeAlert);

    // Opening and migrations ---------------------------------------------------------------------

    test('two instances opening the same empty database at once both migrate and share data', async (open) => {
      const [first, second] = await Promise.all([open(), open()]);
      await first.setCheckpoint('k', 'v', T0);
      assert.equal(await second.getCheckpoint('k'), 'v');
      const third = await open(); // a restart: migrations already applied, nothing happens
      assert.equal(await third.getCheckpoint('k'), 'v');
      assert.ok(first.kind === 'sqlite' || first.kind === 'postgres');
    });

    test('close: later calls fail with a closed StoreError', async (open) => {
      const store = await open();
      await store.close();
      const error = await rejectsWith(store.getCheckpoint('k'), StoreError, /closed/);
      assert.equal((error as StoreError).code, 'closed');
      await store.close(); // idempotent
    });

    defineEventsContract(test);
    defineAlertsContract(test);
    defineCasesContract(test);
    defineTransactionsContract(test);
    defineVerificationsContract(test);
    defineApprovalsContract(test);
    defineOutboxContract(test);
    defineApiTokensContract(test);
    defineWorkContract(test);
    defineDeadLettersContract(test);
    defineKpisContract(test);
  });
}
