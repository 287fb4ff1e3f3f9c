// A burst ingested request by request, concurrently (coalesced re-triage flushes, cached decoded rows), must end
// exactly as the same records triaged from scratch in one batch.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../store/index.ts';
import { triageFields } from './live-triage.ts';
import { ORIGIN, fakeClock, makeService, rawRecord, tempSqlite } from './test-support/live.ts';

const START = Date.parse('2026-11-18T13:00:00Z');

/** 40 removals by one caller 20 s apart, on 40 users, with the caller's own list calls in between. */
function burstRecords(): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    const at = (offsetMs: number) => new Date(START + i * 20_000 + offsetMs).toISOString();
    if (i % 5 === 0)
      records.push(rawRecord({ name: 'ListMFADevices', at: at(0), actor: 'mallory', target: `u${i}` }));
    records.push(
      rawRecord({ name: 'DeactivateMFADevice', at: at(1_000), actor: 'mallory', target: `u${i}` }),
    );
  }
  return records;
}

/** What triage and case sync decided, comparable across stores (ids of cases differ, so cases go by user). */
async function outcome(store: Store): Promise<unknown> {
  const alerts = (await store.listAlerts({ limit: 1000 })).items.map(({ alert }) => [
    alert.id,
    triageFields(alert),
  ]);
  const cases = (await store.listCases({ limit: 1000 })).items.map((kase) => [
    kase.userName,
    kase.state,
    kase.classification,
    kase.severity,
    kase.riskScore,
  ]);
  const byFirst = (a: unknown[], b: unknown[]) => (String(a[0]) < String(b[0]) ? -1 : 1);
  return { alerts: alerts.sort(byFirst), cases: cases.sort(byFirst) };
}

describe('re-triage of a burst', () => {
  it('request by request, concurrently, ends as one batch triaged from scratch', async () => {
    const records = burstRecords();
    const results: unknown[] = [];
    for (const split of ['batch', 'concurrent requests'] as const) {
      const temp = tempSqlite();
      const store = await temp.open();
      try {
        const live = makeService(store, fakeClock('2026-11-18T13:30:00Z'));
        if (split === 'batch') await live.ingestRecords(records, ORIGIN);
        else await Promise.all(records.map((record) => live.ingestRecords([record], ORIGIN)));
        results.push(await outcome(store));
      } finally {
        await store.close();
        temp.cleanup();
      }
    }
    const [batch, concurrent] = results as [{ alerts: unknown[] }, unknown];
    assert.equal(batch.alerts.length, 41, 'an alert per removal and one for the burst');
    // Every member names the burst, as does its own alert: what each later removal changes on every earlier one.
    assert.equal(JSON.stringify(batch.alerts).match(/\\"kind\\":\\"burst\\"/g)?.length ?? 0, 41);
    assert.deepEqual(concurrent, batch);
  });
});
