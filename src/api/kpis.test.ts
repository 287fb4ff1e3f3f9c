// GET /api/kpis over a known data set: every figure checked by value, for the window asked and for the default one.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../model/index.ts';
import { targetKeyOf } from '../store/index.ts';
import type { Harness } from './test-support/harness.ts';
import { auth, NOW, sampleAlert, startHarness } from './test-support/harness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ZERO = {
  rotation: 0,
  approved: 0,
  'admin-reset': 0,
  verified: 0,
  suspicious: 0,
  unauthorized: 0,
  unresolved: 0,
  unclassified: 0,
};

/**
 * ann: a removal on 10 Nov detected after 30 s, the owner answered "not me" 5 min after being asked, resolved by
 *      a responder 2 h after detection, re-enrolled 10 min after the removal;
 * ben: a removal on 20 Nov detected after 90 s, still open (critical);
 * cy:  a rotation on 31 Oct detected after 20 s, still open (low): outside November, but open now.
 */
const ANN = Date.parse('2026-11-10T10:00:00Z');
const BEN = Date.parse('2026-11-20T08:00:00Z');
const CY = Date.parse('2026-10-31T23:59:00Z');

function removal(user: string, eventMs: number, fields: Partial<Alert>): Alert {
  const base = sampleAlert({ user, time: new Date(eventMs).toISOString() });
  return { ...base, ...fields };
}

async function seed(h: Harness): Promise<void> {
  const open = async (alert: Alert, detectedMs: number): Promise<string> => {
    await h.store.insertAlerts([alert], detectedMs);
    const opened = await h.store.openOrAttachCase({
      alert,
      targetKey: targetKeyOf(alert.event.account, alert.target.userName ?? ''),
      nowMs: detectedMs,
      actor: 'system',
    });
    return opened.case.id;
  };
  const ann = await open(
    removal('ann', ANN, { classification: 'unauthorized', vulnerabilityWindowSeconds: 600 }),
    ANN + 30_000,
  );
  await h.store.createVerification({
    caseId: ann,
    owner: 'ann@example.com',
    tokenHash: 'ann-token',
    expiresAtMs: ANN + HOUR,
    nowMs: ANN + MINUTE,
  });
  await h.store.consumeVerification({ tokenHash: 'ann-token', answer: 'denied', nowMs: ANN + 6 * MINUTE });
  await h.store.transitionCase(ann, 'resolved', { actor: 'api:responder', nowMs: ANN + 30_000 + 2 * HOUR });
  await open(removal('ben', BEN, { classification: 'suspicious', severity: 'critical' }), BEN + 90_000);
  await open(removal('cy', CY, { classification: 'rotation', severity: 'low' }), CY + 20_000);
}

interface Kpis {
  from: string;
  to: string;
  [figure: string]: unknown;
}

void describe('GET /api/kpis', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await seed(h);
  });
  after(() => h.close());

  const kpis = async (query: string): Promise<{ status: number; body: Kpis }> => {
    const response = await fetch(`${h.base}/api/kpis${query}`, { headers: auth(h.tokens.viewer) });
    return { status: response.status, body: (await response.json()) as Kpis };
  };

  void it('gives the known figures for November', async () => {
    const { status, body } = await kpis('?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z');
    assert.equal(status, 200);
    assert.equal(body.from, '2026-11-01T00:00:00.000Z');
    assert.equal(body.to, '2026-12-01T00:00:00.000Z');
    // Detection delays 30 s and 90 s; nearest-rank percentiles.
    assert.deepEqual(body['mttd'], { count: 2, avgMs: 60_000, p50Ms: 30_000, p90Ms: 90_000 });
    // ann: resolved 2 h after detection, by a person (not closed by itself).
    assert.deepEqual(body['mttr'], { count: 1, avgMs: 2 * HOUR, p50Ms: 2 * HOUR, p90Ms: 2 * HOUR });
    assert.equal(body['autoResolved'], 0);
    assert.deepEqual(body['removalsByMonth'], [
      { month: '2026-11', total: 2, byClassification: { ...ZERO, unauthorized: 1, suspicious: 1 } },
    ]);
    // Not windowed: ben (critical) and cy (low) are open now.
    assert.deepEqual(body['openCasesBySeverity'], { info: 0, low: 1, medium: 0, high: 0, critical: 1 });
    assert.deepEqual(body['vulnerabilityWindow'], { count: 1, medianSeconds: 600, p90Seconds: 600 });
    // Asked 1 min after the removal, answered at 6 min: 5 min.
    assert.deepEqual(body['verificationAnswerTime'], {
      count: 1,
      avgMs: 5 * MINUTE,
      p50Ms: 5 * MINUTE,
      p90Ms: 5 * MINUTE,
    });
  });

  void it('counts only what falls in the window asked for', async () => {
    const { body } = await kpis('?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z');
    assert.deepEqual(body['mttd'], { count: 1, avgMs: 20_000, p50Ms: 20_000, p90Ms: 20_000 });
    assert.deepEqual(body['mttr'], { count: 0, avgMs: null, p50Ms: null, p90Ms: null });
    assert.deepEqual(body['removalsByMonth'], [
      { month: '2026-10', total: 1, byClassification: { ...ZERO, rotation: 1 } },
    ]);
    assert.deepEqual(body['verificationAnswerTime'], { count: 0, avgMs: null, p50Ms: null, p90Ms: null });
    assert.deepEqual(body['openCasesBySeverity'], { info: 0, low: 1, medium: 0, high: 0, critical: 1 });
  });

  void it('defaults to the 30 days before now, and epoch milliseconds work as times', async () => {
    const { body } = await kpis('');
    assert.equal(body.to, new Date(NOW).toISOString());
    assert.equal(body.from, new Date(NOW - 30 * 24 * HOUR).toISOString());
    // 24 Oct to 23 Nov: all three removals.
    assert.equal((body['mttd'] as { count: number }).count, 3);
    const byMs = await kpis(`?from=${Date.parse('2026-11-15T00:00:00Z')}&to=${NOW}`);
    assert.equal(byMs.body.from, '2026-11-15T00:00:00.000Z');
    assert.deepEqual(byMs.body['mttd'], { count: 1, avgMs: 90_000, p50Ms: 90_000, p90Ms: 90_000 });
  });

  void it('refuses a window that ends before it starts', async () => {
    const { status } = await kpis('?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z');
    assert.equal(status, 400);
  });
});
