// The store contract's part on KPIs: the snapshot over a window (removals, cases, durations, months).

import assert from 'node:assert/strict';
import type { Alert } from '../../model/index.ts';
import { targetKeyOf } from '../keys.ts';
import { makeAlert, MINUTE, ACCOUNT } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineKpisContract(test: ContractTest): void {
  test('KPIs: a case that closed itself (a rotation) is counted apart, not as an MTTR of nothing', async (open) => {
    const store = await open();
    const at = Date.UTC(2025, 3, 1);
    const cases = [];
    for (const user of ['ann', 'ben']) {
      const alert = makeAlert(`auto-${user}`, {
        eventId: `auto-ev-${user}`,
        eventTimeMs: at,
        targetUser: user,
      });
      await store.insertAlerts([alert], at + 1_000);
      cases.push(
        (
          await store.openOrAttachCase({
            alert,
            targetKey: targetKeyOf(ACCOUNT, user),
            nowMs: at + 2_000,
            actor: 'system',
          })
        ).case,
      );
    }
    const [auto, remediated] = cases;
    assert.ok(auto && remediated);
    await store.updateCase(auto.id, { resolution: 'rotation' }, { actor: 'system', nowMs: at + 3_000 });
    await store.transitionCase(auto.id, 'resolved', { actor: 'system', nowMs: at + 3_000 });
    await store.updateCase(
      remediated.id,
      { resolution: 'owner-confirmed' },
      { actor: 'api:ann', nowMs: at + 60_000 },
    );
    await store.transitionCase(remediated.id, 'resolved', { actor: 'api:ann', nowMs: at + 61_000 });
    const kpis = await store.kpiSnapshot({ fromMs: at, toMs: at + 86_400_000 });
    assert.equal(kpis.autoResolved, 1);
    assert.deepEqual(kpis.mttr, { count: 1, avgMs: 60_000, p50Ms: 60_000, p90Ms: 60_000 });
  });

  test('KPIs: MTTD, MTTR, removals per month by classification, open cases, windows, answer times', async (open) => {
    const store = await open();
    const jan = Date.UTC(2025, 0, 10);
    const feb = Date.UTC(2025, 1, 10);
    // Removals: two rules on one January event (counted once), one February event, one failed removal (not counted),
    // and a non-removal alert (counts for MTTD only).
    const alerts: [Alert, number][] = [
      [
        makeAlert('r1-x', {
          eventId: 'ev1',
          eventTimeMs: jan,
          targetUser: 'alice',
          classification: 'suspicious',
        }),
        jan + 10_000,
      ],
      [
        makeAlert('r2-x', { eventId: 'ev1', eventTimeMs: jan, targetUser: 'alice', ruleId: 'elastic' }),
        jan + 30_000,
      ],
      [
        makeAlert('r1-y', {
          eventId: 'ev2',
          eventTimeMs: feb,
          targetUser: 'bea',
          classification: 'rotation',
          vulnerabilityWindowSeconds: 120,
        }),
        feb + 20_000,
      ],
      [
        makeAlert('r1-z', {
          eventId: 'ev3',
          eventTimeMs: feb,
          targetUser: 'cid',
          eventName: 'CreateLoginProfile',
        }),
        feb + 40_000,
      ],
      [
        {
          ...makeAlert('r1-f', { eventId: 'ev4', eventTimeMs: feb, targetUser: 'dan' }),
          event: {
            ...makeAlert('q').event,
            id: 'ev4',
            outcome: 'failure',
            time: new Date(feb).toISOString(),
          },
        },
        feb + 5_000,
      ],
    ];
    for (const [alert, at] of alerts) await store.insertAlerts([alert], at);
    const alice = (
      await store.openOrAttachCase({
        alert: alerts[0]![0],
        targetKey: targetKeyOf(ACCOUNT, 'alice'),
        nowMs: jan + 40_000,
        actor: 'system',
      })
    ).case;
    await store.openOrAttachCase({
      alert: alerts[1]![0],
      targetKey: targetKeyOf(ACCOUNT, 'alice'),
      nowMs: jan + 40_000,
      actor: 'system',
    });
    const bea = (
      await store.openOrAttachCase({
        alert: alerts[2]![0],
        targetKey: targetKeyOf(ACCOUNT, 'bea'),
        nowMs: feb + 30_000,
        actor: 'system',
      })
    ).case;
    await store.openOrAttachCase({
      alert: alerts[3]![0],
      targetKey: targetKeyOf(ACCOUNT, 'cid'),
      nowMs: feb + 50_000,
      actor: 'system',
    });
    // The owner's answer lands on the case: alice said "not me".
    await store.updateCase(
      alice.id,
      { classification: 'unauthorized', severity: 'critical' },
      { actor: 'system', nowMs: jan + MINUTE },
    );
    await store.createVerification({
      caseId: alice.id,
      owner: 'alice@example.com',
      tokenHash: 'k1',
      expiresAtMs: jan + 99 * MINUTE,
      nowMs: jan + MINUTE,
    });
    await store.consumeVerification({ tokenHash: 'k1', answer: 'denied', nowMs: jan + 4 * MINUTE });
    await store.createVerification({
      caseId: bea.id,
      owner: 'bea@example.com',
      tokenHash: 'k2',
      expiresAtMs: feb + 99 * MINUTE,
      nowMs: feb,
    });
    await store.consumeVerification({ tokenHash: 'k2', answer: 'confirmed', nowMs: feb + 2 * MINUTE });
    await store.transitionCase(alice.id, 'resolved', { actor: 'api:ann', nowMs: jan + 10_000 + 3_600_000 });
    await store.transitionCase(bea.id, 'resolved', { actor: 'system', nowMs: feb + 20_000 + 60_000 });

    const kpis = await store.kpiSnapshot({ fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 2, 1) });
    // detectedAt − event time: 10s, 30s, 20s, 40s, 5s.
    assert.deepEqual(kpis.mttd, { count: 5, avgMs: 21_000, p50Ms: 20_000, p90Ms: 40_000 });
    // resolvedAt − first alert detectedAt: 1h and 1 min.
    assert.deepEqual(kpis.mttr, {
      count: 2,
      avgMs: (3_600_000 + 60_000) / 2,
      p50Ms: 60_000,
      p90Ms: 3_600_000,
    });
    assert.equal(kpis.autoResolved, 0);
    const zero = {
      rotation: 0,
      approved: 0,
      'admin-reset': 0,
      verified: 0,
      suspicious: 0,
      unauthorized: 0,
      unresolved: 0,
      unclassified: 0,
    };
    assert.deepEqual(kpis.removalsByMonth, [
      { month: '2025-01', total: 1, byClassification: { ...zero, unauthorized: 1 } },
      { month: '2025-02', total: 1, byClassification: { ...zero, rotation: 1 } },
    ]);
    assert.deepEqual(kpis.openCasesBySeverity, { info: 0, low: 0, medium: 0, high: 1, critical: 0 });
    assert.deepEqual(kpis.vulnerabilityWindow, { count: 1, medianSeconds: 120, p90Seconds: 120 });
    assert.deepEqual(kpis.verificationAnswerTime, {
      count: 2,
      avgMs: 150_000,
      p50Ms: 120_000,
      p90Ms: 180_000,
    });

    const january = await store.kpiSnapshot({ fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) });
    assert.deepEqual(
      [
        january.mttd.count,
        january.mttr.count,
        january.removalsByMonth.length,
        january.verificationAnswerTime.count,
      ],
      [2, 1, 1, 1],
    );
    const empty = await store.kpiSnapshot({ fromMs: 0, toMs: 1 });
    assert.deepEqual(empty.mttd, { count: 0, avgMs: null, p50Ms: null, p90Ms: null });
    assert.deepEqual(empty.removalsByMonth, []);
  });
}
