// KPIs over triaged alerts: counting once per removal, months, percentiles and the auto-explained share.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert, Classification } from '../model/index.ts';
import { makeEvent, removalAlert } from '../enrich/test-support/events.ts';
import { computeRemovalKpis, percentile } from './kpi.ts';

function triaged(at: string, classification: Classification, windowSeconds?: number, ruleId?: string): Alert {
  const alert = removalAlert(makeEvent({ name: 'DeactivateMFADevice', at, target: 'alice' }));
  return {
    ...alert,
    classification,
    ...(windowSeconds === undefined ? {} : { vulnerabilityWindowSeconds: windowSeconds }),
    ...(ruleId === undefined ? {} : { id: `${alert.id}-${ruleId}`, rule: { ...alert.rule, id: ruleId } }),
  };
}

describe('removal KPIs', () => {
  it('counts removals per month by classification, once per event', () => {
    const a = triaged('2026-10-03T10:00:00Z', 'rotation', 120);
    const sameEventOtherRule = {
      ...a,
      id: 'other',
      rule: { ...a.rule, id: 'd8fc1cca-93ed-43c1-bbb6-c0dd3eff2958', format: 'elastic' as const },
    };
    const alerts = [
      a,
      sameEventOtherRule,
      triaged('2026-10-20T10:00:00Z', 'approved'),
      triaged('2026-11-02T02:00:00Z', 'suspicious', 60),
      triaged('2026-11-05T10:00:00Z', 'unresolved'),
      triaged('2026-11-06T10:00:00Z', 'rotation', 600),
    ];
    const kpis = computeRemovalKpis(alerts);
    assert.equal(kpis.removals, 5);
    assert.deepEqual(
      kpis.months.map((month) => [month.month, month.removals, month.legitimate, month.unexplained]),
      [
        ['2026-10', 2, 2, 0],
        ['2026-11', 3, 1, 2],
      ],
    );
    assert.equal(kpis.byClassification.rotation, 2);
    assert.equal(kpis.autoExplainedPercent, 60);
    assert.deepEqual(kpis.vulnerabilityWindow, {
      count: 3,
      medianSeconds: 120,
      p90Seconds: 600,
      maxSeconds: 600,
    });
  });

  it('ignores alerts that are not triaged removals and handles none', () => {
    const refused = removalAlert(
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-01T00:00:00Z', outcome: 'failure' }),
    );
    const kpis = computeRemovalKpis([refused]);
    assert.equal(kpis.removals, 0);
    assert.equal(kpis.autoExplainedPercent, null);
    assert.equal(kpis.vulnerabilityWindow.medianSeconds, null);
  });

  it('uses nearest-rank percentiles', () => {
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
    assert.equal(percentile([42], 90), 42);
    assert.equal(percentile([], 50), null);
  });
});

describe('removal KPIs: what counts as a removal', () => {
  it('leaves out untriaged alerts, other events, refused attempts and burst summaries; the first alert of an event wins', () => {
    const kept = triaged('2026-12-01T10:00:00Z', 'verified', 300);
    const { classification: _, ...untriaged } = triaged('2026-12-02T10:00:00Z', 'rotation');
    const enable = {
      ...triaged('2026-12-03T10:00:00Z', 'rotation'),
      event: { ...kept.event, id: 'enable-1', name: 'EnableMFADevice' },
    };
    const refused = {
      ...triaged('2026-12-04T10:00:00Z', 'suspicious'),
      event: { ...kept.event, id: 'refused-1', outcome: 'failure' as const },
    };
    const burst = {
      ...triaged('2026-12-05T10:00:00Z', 'suspicious', undefined, 'mfaguard-mfa-removal-burst'),
      correlation: { kind: 'burst' } as unknown as NonNullable<Alert['correlation']>,
    };
    // A burst-correlated alert of the removal rule itself is still a removal.
    const inBurst = {
      ...triaged('2026-12-06T10:00:00Z', 'unauthorized'),
      correlation: { kind: 'burst' } as unknown as NonNullable<Alert['correlation']>,
    };
    const secondOfSameEvent = { ...kept, id: 'elastic-copy', classification: 'unauthorized' as const };
    const root = {
      ...triaged('2026-11-30T10:00:00Z', 'unresolved'),
      reasons: [
        { code: 'other', message: 'x', points: 0 },
        { code: 'root-target', message: 'root', points: 50 },
      ] as unknown as NonNullable<Alert['reasons']>,
    };
    const kpis = computeRemovalKpis([
      kept,
      untriaged,
      enable,
      refused,
      burst,
      inBurst,
      secondOfSameEvent,
      root,
    ]);
    assert.equal(kpis.removals, 3);
    assert.equal(kpis.byClassification.verified, 1);
    assert.equal(kpis.byClassification.unauthorized, 1);
    assert.equal(kpis.byClassification.unresolved, 1);
    assert.equal(kpis.rootRemovals, 1);
    // Months sorted though the input is not; verified is legitimate.
    assert.deepEqual(
      kpis.months.map((m) => [m.month, m.removals, m.legitimate, m.unexplained]),
      [
        ['2026-11', 1, 0, 1],
        ['2026-12', 2, 1, 1],
      ],
    );
    assert.deepEqual(kpis.vulnerabilityWindow, {
      count: 1,
      medianSeconds: 300,
      p90Seconds: 300,
      maxSeconds: 300,
    });
  });

  it('has no figures without removals', () => {
    const kpis = computeRemovalKpis([]);
    assert.deepEqual(kpis.vulnerabilityWindow, {
      count: 0,
      medianSeconds: null,
      p90Seconds: null,
      maxSeconds: null,
    });
    assert.equal(kpis.autoExplainedPercent, null);
    assert.deepEqual(kpis.months, []);
    assert.equal(percentile([], 50), null);
  });
});

describe('removal KPIs: figures at their edges', () => {
  it('takes the nearest rank, rounding the rank up, and never reads past either end', () => {
    // 50% of three values is rank 1.5: up to the second value, not down to the first.
    assert.equal(percentile([1, 2, 3], 50), 2);
    assert.equal(percentile([10, 20, 30, 40], 10), 10);
    // Rank 0 (p = 0) is the first value; a rank past the end (p over 100) is the last.
    assert.equal(percentile([7, 8], 0), 7);
    assert.equal(percentile([7, 8], 150), 8);
  });

  it('sorts months whatever order the alerts come in, and counts every classification from 0', () => {
    const kpis = computeRemovalKpis([
      triaged('2026-12-01T10:00:00Z', 'unauthorized', 10),
      triaged('2026-09-01T10:00:00Z', 'approved', 9),
      triaged('2027-01-01T10:00:00Z', 'rotation', 100),
      triaged('2026-11-01T10:00:00Z', 'rotation', 20),
      triaged('2026-10-01T10:00:00Z', 'suspicious'),
    ]);
    assert.deepEqual(
      kpis.months.map((m) => m.month),
      ['2026-09', '2026-10', '2026-11', '2026-12', '2027-01'],
    );
    assert.deepEqual(kpis.byClassification, {
      rotation: 2,
      approved: 1,
      'admin-reset': 0,
      verified: 0,
      suspicious: 1,
      unauthorized: 1,
      unresolved: 0,
    });
    assert.deepEqual(kpis.months[0]?.byClassification, {
      rotation: 0,
      approved: 1,
      'admin-reset': 0,
      verified: 0,
      suspicious: 0,
      unauthorized: 0,
      unresolved: 0,
    });
    // Windows sorted as numbers (9 < 10 < 20 < 100), not as text.
    assert.deepEqual(kpis.vulnerabilityWindow, {
      count: 4,
      medianSeconds: 10,
      p90Seconds: 100,
      maxSeconds: 100,
    });
    // 3 of 5 explained automatically; a share that does not divide evenly is rounded to one decimal.
    assert.equal(kpis.autoExplainedPercent, 60);
    const third = computeRemovalKpis([
      triaged('2026-12-01T10:00:00Z', 'rotation'),
      triaged('2026-12-02T10:00:00Z', 'verified'),
      triaged('2026-12-03T10:00:00Z', 'suspicious'),
    ]);
    assert.equal(third.autoExplainedPercent, 33.3);
  });

  it('counts a root removal only by its root-target reason', () => {
    const withReasons = (at: string, codes: string[]): Alert => ({
      ...triaged(at, 'suspicious'),
      reasons: codes.map((code) => ({ code, message: code, weight: 10 })),
    });
    const kpis = computeRemovalKpis([
      withReasons('2026-12-01T10:00:00Z', ['new-ip', 'no-ticket']),
      withReasons('2026-12-02T10:00:00Z', []),
      withReasons('2026-12-03T10:00:00Z', ['new-ip', 'root-target']),
      triaged('2026-12-04T10:00:00Z', 'suspicious'),
    ]);
    assert.equal(kpis.removals, 4);
    assert.equal(kpis.rootRemovals, 1);
  });
});
