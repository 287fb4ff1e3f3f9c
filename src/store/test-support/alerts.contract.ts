// The store contract's part on alerts: idempotent inserts, triage updates, reads and pages.

import assert from 'node:assert/strict';
import type { Alert, Severity } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import type { Store, StoredAlert } from '../store.ts';
import { makeAlert, T0, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineAlertsContract(test: ContractTest): void {
  test('alerts: idempotent by id across instances; getAlert; updateAlert', async (open) => {
    const store = await open();
    const a1 = makeAlert('a1');
    const result = await store.insertAlerts([a1, makeAlert('a2')], T0 + 5000);
    assert.deepEqual(
      result.inserted.map((alert) => alert.id),
      ['a1', 'a2'],
    );
    const restarted = await open();
    const replay = await restarted.insertAlerts([a1, makeAlert('a3')], T0 + 9000);
    assert.deepEqual(
      replay.inserted.map((alert) => alert.id),
      ['a3'],
    );
    assert.equal(replay.duplicates, 1);

    const stored = await store.getAlert('a1');
    assert.deepEqual(stored, { alert: a1, detectedAt: T0 + 5000, updatedAt: T0 + 5000, caseId: null });
    assert.equal(await store.getAlert('nope'), null);

    const triaged: Alert = {
      ...a1,
      severity: 'critical',
      classification: 'unauthorized',
      reasons: [{ code: 'owner-denied', message: 'not me' }],
    };
    await store.updateAlert(triaged, T0 + 20_000);
    const updated = await restarted.getAlert('a1');
    assert.deepEqual(updated?.alert, triaged);
    assert.equal(updated?.detectedAt, T0 + 5000);
    assert.equal(updated?.updatedAt, T0 + 20_000);
    await rejectsWith(store.updateAlert(makeAlert('missing'), T0), NotFoundError, /missing/);
    await rejectsWith(
      store.insertAlerts([{ ...makeAlert('bad'), severity: 'urgent' as Severity }], T0),
      UsageError,
      /severity/,
    );
  });

  test('alerts: keyset pagination is complete, ordered and stable while new alerts arrive; filters', async (open) => {
    const store = await open();
    // Ties on detectedAt on purpose: the id breaks them.
    for (const [id, at] of [
      ['a', 1],
      ['b', 1],
      ['c', 2],
      ['d', 3],
      ['e', 3],
      ['f', 3],
      ['g', 4],
    ] as const) {
      await store.insertAlerts(
        [
          makeAlert(id, {
            severity: id === 'c' ? 'critical' : 'high',
            ruleId: id === 'd' ? 'other' : 'mfaguard-mfa-removed',
            targetUser: id === 'e' ? 'Carol' : 'alice',
            classification: id === 'f' ? 'rotation' : 'suspicious',
          }),
        ],
        T0 + at * 1000,
      );
    }
    const expected = ['g', 'f', 'e', 'd', 'c', 'b', 'a'];
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await store.listAlerts({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.items.map((item: StoredAlert) => item.alert.id));
      pages++;
      if (pages === 1) await store.insertAlerts([makeAlert('newest')], T0 + 99_000); // must not shift later pages
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    assert.deepEqual(seen, expected);
    assert.equal(pages, 3);
    const ids = async (query: Omit<Parameters<Store['listAlerts']>[0], 'limit'>): Promise<string[]> =>
      (await store.listAlerts({ limit: 100, ...query })).items.map((item) => item.alert.id);
    assert.deepEqual(await ids({ severity: 'critical' }), ['c']);
    assert.deepEqual(await ids({ ruleId: 'other' }), ['d']);
    assert.deepEqual(await ids({ targetUser: 'CAROL' }), ['e']);
    assert.deepEqual(await ids({ classification: 'rotation' }), ['f']);
    assert.deepEqual(await ids({ since: T0 + 3000, until: T0 + 4000 }), ['f', 'e', 'd']);
    await rejectsWith(store.listAlerts({ limit: 3, cursor: 'garbage' }), UsageError, /cursor/);
    const casesCursor = (await store.listCases({ limit: 1 })).nextCursor;
    assert.equal(casesCursor, null);
    await rejectsWith(store.listAlerts({ limit: 5000 }), UsageError, /limit/);
  });
}
