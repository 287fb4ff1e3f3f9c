// A refused deactivation that no loaded rule alerts on is a keep-only request when posted alone (kept-writes.ts); it
// still reaches the next removal of its caller as a failed attempt, as when the whole burst comes in one request.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import type { Alert } from '../../model/index.ts';
import { loadRuleSet } from '../rule-set.ts';
import { ORIGIN, fakeClock, makeService, rawRecord, tempSqlite } from './test-support/live.ts';

const attacker = { actor: 'mallory', ip: '192.0.2.66', userAgent: 'Boto3/1.34.0 Python/3.12' } as const;
const at = (seconds: number) => new Date(Date.parse('2026-11-18T02:10:00Z') + seconds * 1000).toISOString();
const removal = (i: number, seconds: number) =>
  rawRecord({ name: 'DeactivateMFADevice', at: at(seconds), ...attacker, target: `u${i}`, id: `r-${i}` });
// Five users make a burst; the sixth removal joins it, which live triage answers from the caller's chain summary.
const records = [
  ...[0, 1, 2, 3, 4].map((i) => removal(i, i * 20)),
  rawRecord({
    name: 'DeactivateMFADevice',
    at: at(110),
    ...attacker,
    // Another user than the next removal's: read with the caller's precursors, not with that user's events.
    target: 'cat',
    outcome: 'failure',
    id: 'refused',
  }),
  removal(5, 120),
];

/** Only the removal rule: the refused attempt raises no alert, so alone it is a keep-only request. */
const removalRuleOnly = () =>
  loadRuleSet({
    builtin: false,
    paths: [join(import.meta.dirname, '../../../rules/iam-mfa-device-deactivated.yml')],
  });

async function secondRemoval(split: 'batch' | 'one per request'): Promise<Alert> {
  const temp = tempSqlite();
  const store = await temp.open();
  try {
    const live = makeService(store, fakeClock('2026-11-18T03:00:00Z'), { rules: removalRuleOnly() });
    if (split === 'batch') await live.ingestRecords(records, ORIGIN);
    else for (const record of records) await live.ingestRecords([record], ORIGIN);
    const alerts = (await store.listAlerts({ limit: 100 })).items.map((stored) => stored.alert);
    assert.equal(
      alerts.filter((a) => a.rule.id !== 'mfaguard-mfa-removal-burst').length,
      6,
      'one alert per removal, none on the refused attempt',
    );
    const alert = alerts.find((candidate) => candidate.event.id === 'r-5');
    assert.ok(alert, 'the sixth removal alerts');
    return alert;
  } finally {
    await store.close();
    temp.cleanup();
  }
}

describe('a refused attempt posted alone inside a burst', () => {
  it('is a precursor of the next removal, as when the burst comes in one request', async () => {
    const batch = await secondRemoval('batch');
    const single = await secondRemoval('one per request');
    assert.match(JSON.stringify(batch.related), /refused/, 'the batch relates the refused attempt');
    assert.deepEqual(
      { classification: single.classification, reasons: single.reasons, related: single.related },
      { classification: batch.classification, reasons: batch.reasons, related: batch.related },
    );
  });
});
