// KPI trends from facts: buckets, outcomes, MTTD/MTTR (containment for unauthorized ones), denials, exposure, posture.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEvent } from '../detect/test-support/event.ts';
import type { UsageError } from '../model/index.ts';
import type { CaseFact, KpiFacts, RemovalFact } from '../store/index.ts';
import {
  bucketStart,
  bucketStarts,
  computeKpiTrends,
  postureFigures,
  removalOutcome,
  removalRemediatedAt,
} from './kpi-trends.ts';
import type { PostureSnapshotSummary } from './kpi-trends.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const JAN = Date.UTC(2025, 0, 6, 9); // a Monday

function removal(eventId: string, overrides: Partial<RemovalFact> = {}): RemovalFact {
  return {
    eventId,
    eventTimeMs: JAN,
    detectedAt: JAN + 30_000,
    classification: null,
    caseId: null,
    caseResolvedAt: null,
    caseResolution: null,
    vulnerabilityWindowSeconds: null,
    containedAt: null,
    ...overrides,
  };
}

function caseFact(id: string, overrides: Partial<CaseFact> = {}): CaseFact {
  return {
    id,
    kind: null,
    state: 'open',
    severity: 'high',
    classification: null,
    firstEventAt: JAN,
    detectedAt: JAN + MIN,
    resolvedAt: null,
    resolution: null,
    vulnerabilityWindowSeconds: null,
    containedAt: null,
    ...overrides,
  };
}

const facts = (overrides: Partial<KpiFacts> = {}): KpiFacts => ({
  removals: [],
  cases: [],
  denialCandidates: [],
  denials: [],
  denialsTruncated: false,
  ...overrides,
});

const denial = (id: string, timeMs: number, errorCode: string, message: string, mfa: boolean | null) =>
  makeEvent({
    id,
    name: 'ListUsers',
    timeMs,
    outcome: 'failure',
    errorCode,
    errorMessage: message,
    actor: { mfaAuthenticated: mfa },
  });

describe('KPI trend buckets', () => {
  it('starts days, ISO weeks (Monday) and months in UTC', () => {
    const wednesday = Date.UTC(2025, 0, 8, 23, 59);
    assert.equal(bucketStart(wednesday, 'day'), Date.UTC(2025, 0, 8));
    assert.equal(bucketStart(wednesday, 'week'), Date.UTC(2025, 0, 6));
    assert.equal(
      bucketStart(Date.UTC(2025, 0, 5, 12), 'week'),
      Date.UTC(2024, 11, 30),
      'Sunday: the Monday before',
    );
    assert.equal(bucketStart(wednesday, 'month'), Date.UTC(2025, 0, 1));
    assert.deepEqual(
      bucketStarts(Date.UTC(2024, 11, 15), Date.UTC(2025, 2, 1), 'month'),
      [Date.UTC(2024, 11, 1), Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1)],
      'the end is exclusive',
    );
  });

  it('refuses a window with too many buckets or backwards, naming the fix', () => {
    assert.throws(
      () => computeKpiTrends({ facts: facts() }, { fromMs: 0, toMs: 1000 * DAY, bucket: 'day' }),
      (error: UsageError) => error.name === 'UsageError' && /wider bucket/.test(error.message),
    );
    assert.throws(
      () => computeKpiTrends({ facts: facts() }, { fromMs: JAN, toMs: JAN, bucket: 'day' }),
      /start before it ends/,
    );
  });
});

describe('removal outcomes and remediation', () => {
  it('groups classifications into legitimate, unauthorized and unexplained', () => {
    assert.equal(removalOutcome('rotation', null), 'legitimate');
    assert.equal(removalOutcome('verified', null), 'legitimate');
    assert.equal(removalOutcome('admin-reset', 'admin-reset-re-enrolled'), 'legitimate');
    assert.equal(removalOutcome('suspicious', null), 'unauthorized');
    assert.equal(removalOutcome('unauthorized', 'rotation'), 'unauthorized');
    assert.equal(removalOutcome('admin-reset', null), 'unexplained');
    assert.equal(removalOutcome('unresolved', null), 'unexplained');
    assert.equal(removalOutcome(null, null), 'unexplained');
  });

  it('remediates an unauthorized removal at the first of re-enrolment, containment and resolution', () => {
    const base = removal('x', { classification: 'unauthorized', caseResolvedAt: JAN + 5 * HOUR });
    assert.equal(removalRemediatedAt(base), JAN + 5 * HOUR);
    assert.equal(removalRemediatedAt({ ...base, containedAt: JAN + HOUR }), JAN + HOUR);
    assert.equal(
      removalRemediatedAt({ ...base, vulnerabilityWindowSeconds: 600, containedAt: JAN + HOUR }),
      JAN + 10 * MIN,
    );
    assert.equal(removalRemediatedAt({ ...base, caseResolvedAt: null }), null);
    assert.equal(
      removalRemediatedAt(
        removal('r', { classification: 'rotation', caseResolvedAt: JAN + HOUR, caseResolution: 'rotation' }),
      ),
      null,
      'closed itself',
    );
    assert.equal(
      removalRemediatedAt(
        removal('v', { classification: 'verified', caseResolvedAt: JAN + HOUR, containedAt: JAN + MIN }),
      ),
      JAN + HOUR,
      'others: resolution',
    );
  });
});

describe('computeKpiTrends', () => {
  const removals = [
    // Monday: an unauthorized removal contained after 20 minutes, then resolved the next day.
    removal('a', {
      classification: 'unauthorized',
      detectedAt: JAN + 60_000,
      containedAt: JAN + 21 * MIN,
      caseResolvedAt: JAN + DAY,
    }),
    // Monday: a rotation re-enrolled after 4 minutes that closed itself.
    removal('b', {
      classification: 'rotation',
      detectedAt: JAN + 10_000,
      vulnerabilityWindowSeconds: 240,
      caseResolvedAt: JAN + 5 * MIN,
      caseResolution: 'rotation',
    }),
    // Wednesday: unresolved and still exposed.
    removal('c', {
      eventTimeMs: JAN + 2 * DAY,
      detectedAt: JAN + 2 * DAY + 90_000,
      classification: 'unresolved',
    }),
    // Wednesday: verified by its owner, resolved by a person 2 h after detection, re-enrolled after 3 h.
    removal('d', {
      eventTimeMs: JAN + 2 * DAY,
      detectedAt: JAN + 2 * DAY,
      classification: 'verified',
      caseResolvedAt: JAN + 2 * DAY + 2 * HOUR,
      vulnerabilityWindowSeconds: 3 * 3600,
    }),
    // Before the window, but resolved in it: counts for MTTR only.
    removal('e', {
      eventTimeMs: JAN - 10 * DAY,
      detectedAt: JAN - 10 * DAY,
      classification: 'suspicious',
      caseResolvedAt: JAN + HOUR,
    }),
  ];
  const query = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 9), bucket: 'day' as const };

  it('buckets removals by event time, MTTD by event, MTTR by remediation, auto-resolved apart', () => {
    const trends = computeKpiTrends({ facts: facts({ removals }) }, query);
    assert.deepEqual(
      trends.points.map((p) => p.label),
      ['2025-01-06', '2025-01-07', '2025-01-08'],
    );
    const [mon, tue, wed] = trends.points;
    assert.deepEqual(
      [mon!.removals.total, mon!.removals.legitimate, mon!.removals.unauthorized, mon!.removals.unexplained],
      [2, 1, 1, 0],
    );
    assert.equal(mon!.removals.byClassification.rotation, 1);
    assert.deepEqual(mon!.mttd, { count: 2, avgMs: 35_000, p50Ms: 10_000, p90Ms: 60_000 });
    // a: contained 20 min after detection; e: resolved 10 d + 1 h after detection.
    assert.deepEqual([mon!.mttr.count, mon!.mttr.p50Ms, mon!.mttr.p90Ms], [2, 20 * MIN, 10 * DAY + HOUR]);
    assert.equal(mon!.autoResolved, 1);
    assert.equal(tue!.removals.total, 0);
    assert.equal(tue!.mttr.count, 0, 'a counted once, at containment, not again at resolution');
    assert.deepEqual([wed!.removals.total, wed!.removals.unexplained, wed!.removals.legitimate], [2, 1, 1]);
    assert.deepEqual(wed!.mttr, { count: 1, avgMs: 2 * HOUR, p50Ms: 2 * HOUR, p90Ms: 2 * HOUR });
    assert.equal(trends.totals.removals.total, 4, 'e is outside the window');
    assert.equal(trends.totals.mttr.count, 3);
    assert.equal(trends.totals.autoResolved, 1);
  });

  it('gives the vulnerability-window distribution and what is still exposed', () => {
    const window = computeKpiTrends({ facts: facts({ removals }) }, query).vulnerabilityWindow;
    assert.equal(window.count, 2);
    assert.deepEqual([window.medianSeconds, window.maxSeconds], [240, 10_800]);
    assert.deepEqual(
      window.histogram.map((bin) => [bin.label, bin.count]),
      [
        ['< 5 min', 1],
        ['5–30 min', 0],
        ['30 min–2 h', 0],
        ['2–24 h', 1],
        ['1–7 d', 0],
        ['≥ 7 d', 0],
      ],
    );
    assert.equal(window.stillExposed, 1, 'c: MFA still off, case open (a was resolved)');
  });

  it('counts MFA-related denials per bucket, open cases by severity, and provisioned MTTR only when such cases exist', () => {
    const denialCandidates = [
      denial('1', JAN, 'AccessDenied', 'x', false),
      denial(
        '2',
        JAN + DAY,
        'AccessDenied',
        'with an explicit deny in a service control policy: p-abc/RequireMFA',
        true,
      ),
      denial('3', JAN + DAY, 'AccessDenied', 'x', true),
    ];
    const cases = [
      caseFact('1', { severity: 'critical' }),
      caseFact('2', { state: 'resolved', resolvedAt: JAN + HOUR }),
      caseFact('3', { state: 'verifying', severity: 'low' }),
    ];
    // Recorded at ingestion: '1' is also a stored event (counted once, as recorded), 'r1' only recorded.
    const recorded = (
      eventId: string,
      timeMs: number,
      policy: string | null,
      withoutMfa: boolean | null,
    ) => ({
      eventId,
      timeMs,
      account: '111122223333',
      errorCode: 'AccessDenied',
      policy,
      withoutMfa,
    });
    const denials = [
      recorded('1', JAN, null, true),
      recorded('r1', JAN + 2 * DAY, 'arn:aws:iam::111122223333:policy/SecondFactor', null),
    ];
    const trends = computeKpiTrends(
      { facts: facts({ denialCandidates, denials, cases }), mfaPolicies: ['SecondFactor'] },
      query,
    );
    assert.deepEqual(
      trends.points.map((p) => p.denials.total),
      [1, 1, 1],
    );
    assert.equal(trends.points[1]!.denials.mfaPolicy, 1);
    assert.deepEqual(trends.totals.denials, { noMfaSession: 1, mfaPolicy: 2, total: 3 });
    assert.deepEqual(trends.openCasesBySeverity, { info: 0, low: 1, medium: 0, high: 0, critical: 1 });
    assert.deepEqual(trends.provisionedMttr, [], 'no provisioned-without-MFA case: an empty series');

    const provisioned = [
      ...cases,
      caseFact('4', {
        kind: 'provisioned-without-mfa',
        firstEventAt: JAN,
        state: 'resolved',
        resolvedAt: JAN + 26 * HOUR,
      }),
      caseFact('5', { kind: 'provisioned without MFA', state: 'open' }),
    ];
    const withKind = computeKpiTrends({ facts: facts({ cases: provisioned }) }, query);
    assert.deepEqual(
      withKind.provisionedMttr.map((p) => p.count),
      [0, 1, 0],
    );
    assert.equal(withKind.provisionedMttr[1]!.avgMs, 26 * HOUR);
  });

  it('adds up the latest posture snapshot of each account per bucket', () => {
    const snap = (
      id: string,
      accountId: string,
      takenAt: number,
      users: number,
      mfa: number,
      enforced: number,
      cis: number | null,
      source: 'audit' | 'events' = 'audit',
    ): PostureSnapshotSummary => ({
      id,
      accountId,
      takenAt,
      source,
      consoleUsers: users,
      consoleUsersWithMfa: mfa,
      mfaEnforcedByPolicy: enforced,
      cisScore: cis,
    });
    const posture = [
      snap('1', 'A', JAN, 10, 5, 2, 60),
      snap('2', 'A', JAN + HOUR, 10, 8, 4, 70),
      snap('3', 'B', JAN + 2 * HOUR, 10, 10, 10, null),
      snap('4', 'A', JAN + 2 * DAY, 10, 10, 10, 90, 'events'),
      snap('5', 'A', JAN + 9 * DAY, 1, 1, 1, 1),
    ];
    const trends = computeKpiTrends({ facts: facts(), posture }, query);
    assert.deepEqual(trends.points[0]!.posture, {
      accounts: 2,
      consoleUsers: 20,
      withMfaPercent: 90,
      enforcedPercent: 70,
      cisScore: 70,
      eventUpdated: false,
    });
    assert.deepEqual(
      trends.points[1]!.posture,
      trends.points[0]!.posture,
      'a day without a snapshot carries the posture forward',
    );
    assert.equal(trends.points[2]!.posture?.withMfaPercent, 100);
    // From the event-updated state of A on, until A's next audit.
    assert.deepEqual(
      trends.points.map((p) => p.posture?.eventUpdated),
      trends.points.map((_, index) => index >= 2 && index < 9),
    );
    assert.deepEqual(
      trends.posture.map((p) => p.withMfaPercent),
      [50, 80, 100, 100],
      'per snapshot, in the window',
    );
    // A snapshot from before the window (the store's carryIn) counts from the first bucket on, but is no point.
    const carried = computeKpiTrends(
      { facts: facts(), posture: [snap('0', 'C', JAN - 5 * DAY, 10, 0, 0, 10), ...posture] },
      query,
    );
    assert.deepEqual(
      carried.points.map((p) => [p.posture?.accounts, p.posture?.withMfaPercent]),
      [
        [3, 60],
        [3, 60],
        [3, 66.7],
      ],
    );
    assert.deepEqual(
      carried.posture.map((p) => p.accountId),
      ['A', 'A', 'B', 'A'],
    );
    const before = computeKpiTrends(
      { facts: facts(), posture: [snap('9', 'A', JAN + DAY + HOUR, 4, 1, 0, 5)] },
      query,
    );
    assert.deepEqual(
      before.points.map((p) => p.posture?.withMfaPercent ?? null),
      [null, 25, 25],
      'no posture before the first snapshot',
    );
    assert.equal(postureFigures([]), null);
    assert.equal(
      postureFigures([snap('z', 'Z', JAN, 0, 0, 0, null)])?.withMfaPercent,
      null,
      'no console users',
    );
  });
});
