// GET /api/kpis/trends over a known data set: figures per bucket, defaults, posture from its source, the published
// schema, and every bad query named.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../model/index.ts';
import { KPI_TRENDS_OUTPUT_SCHEMA } from '../report/index.ts';
import type { PostureSnapshotInput } from '../store/index.ts';
import { targetKeyOf } from '../store/index.ts';
import type { Harness } from './test-support/harness.ts';
import { auth, NOW, sampleAlert, startHarness } from './test-support/harness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ANN = Date.parse('2026-11-10T10:00:00Z');
const BEN = Date.parse('2026-11-20T08:00:00Z');
const KIM = Date.parse('2026-11-12T09:00:00Z');

// Stored through the store as the service's scheduled audit would store it.
const SNAPSHOTS: PostureSnapshotInput[] = [
  {
    accountId: '111122223333',
    takenAt: Date.parse('2026-11-11T00:00:00Z'),
    source: 'audit',
    consoleUsers: 8,
    consoleUsersWithMfa: 6,
    mfaEnforcedByPolicy: 2,
    cisScore: 75,
    state: {},
    findings: [],
    eventFacts: [],
    basedOn: null,
  },
];

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
  const removal = (user: string, eventMs: number, fields: Partial<Alert>): Alert => ({
    ...sampleAlert({ user, time: new Date(eventMs).toISOString() }),
    ...fields,
  });
  // ann: unauthorized, detected after 30 s, re-enrolled 10 min after the removal, resolved 2 h after detection.
  const ann = await open(
    removal('ann', ANN, { classification: 'unauthorized', vulnerabilityWindowSeconds: 600 }),
    ANN + 30_000,
  );
  await h.store.updateCase(
    ann,
    { vulnerabilityWindowSeconds: 600 },
    { actor: 'system', nowMs: ANN + MINUTE },
  );
  await h.store.transitionCase(ann, 'resolved', { actor: 'api:responder', nowMs: ANN + 30_000 + 2 * HOUR });
  // ben: suspicious, detected after 90 s, still open and critical.
  await open(removal('ben', BEN, { classification: 'suspicious', severity: 'critical' }), BEN + 90_000);
  // kim: given a console password without MFA on 12 Nov, raised after the grace, MFA enabled 30 h after the password.
  const kimAlert: Alert = {
    ...sampleAlert({ id: 'alert-kim', user: 'kim', severity: 'medium', time: new Date(KIM).toISOString() }),
    event: {
      ...sampleAlert({ user: 'kim' }).event,
      name: 'CreateLoginProfile',
      time: new Date(KIM).toISOString(),
    },
  };
  await h.store.insertAlerts([kimAlert], KIM + 24 * HOUR);
  const kim = await h.store.openOrAttachCase({
    alert: kimAlert,
    targetKey: `provisioned-without-mfa:${targetKeyOf('111122223333', 'kim')}`,
    kind: 'provisioned-without-mfa',
    nowMs: KIM + 24 * HOUR,
    actor: 'system',
  });
  await h.store.updateCase(
    kim.case.id,
    { resolution: 'mfa-enabled' },
    { actor: 'system', nowMs: KIM + 30 * HOUR },
  );
  await h.store.transitionCase(kim.case.id, 'resolved', { actor: 'system', nowMs: KIM + 30 * HOUR });
}

interface Trends {
  from: string;
  to: string;
  bucket: string;
  points: {
    label: string;
    removals: { total: number; unauthorized: number };
    mttd: { count: number; avgMs: number | null };
    mttr: { count: number; avgMs: number | null };
    posture: { withMfaPercent: number | null } | null;
  }[];
  vulnerabilityWindow: { histogram: { label: string; count: number }[]; stillExposed: number };
  openCasesBySeverity: Record<string, number>;
  totals: { removals: { total: number }; mttr: { count: number } };
  provisionedMttr: { label: string; count: number; avgMs: number | null }[];
}

void describe('GET /api/kpis/trends', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await seed(h);
    for (const snapshot of SNAPSHOTS) await h.store.recordPostureSnapshot(snapshot);
  });
  after(() => h.close());

  const get = async (query: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${h.base}/api/kpis/trends${query}`, { headers: auth(h.tokens.viewer) });
    return { status: response.status, body: await response.json() };
  };

  void it('gives per-week figures for November that match the published schema', async () => {
    const { status, body } = await get('?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&bucket=week');
    assert.equal(status, 200);
    KPI_TRENDS_OUTPUT_SCHEMA.parse(body);
    const trends = body as Trends;
    assert.equal(trends.bucket, 'week');
    assert.deepEqual(
      trends.points.map((p) => p.label),
      ['2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30'],
    );
    const annWeek = trends.points[2]!;
    assert.deepEqual([annWeek.removals.total, annWeek.removals.unauthorized], [1, 1]);
    assert.deepEqual([annWeek.mttd.count, annWeek.mttd.avgMs], [1, 30_000]);
    // Unauthorized: re-enrolled 10 min after the removal, 9.5 min after detection, before the resolution.
    assert.deepEqual([annWeek.mttr.count, annWeek.mttr.avgMs], [1, 9.5 * MINUTE]);
    assert.equal(annWeek.posture?.withMfaPercent, 75);
    assert.equal(trends.points[3]!.mttd.avgMs, 90_000);
    assert.equal(
      trends.points[3]!.posture?.withMfaPercent,
      75,
      'a week without an audit carries the last one forward',
    );
    assert.deepEqual(
      trends.points.map((p) => p.posture?.withMfaPercent ?? null),
      [null, null, 75, 75, 75, 75],
    );
    assert.equal(trends.totals.removals.total, 2);
    // Console access without MFA -> MFA enabled: kim's 30 h, in the week the case closed; not a removal's MTTR.
    assert.deepEqual(
      trends.provisionedMttr.map((p) => [p.label, p.count, p.avgMs]),
      [
        ['2026-10-26', 0, null],
        ['2026-11-02', 0, null],
        ['2026-11-09', 1, 30 * HOUR],
        ['2026-11-16', 0, null],
        ['2026-11-23', 0, null],
        ['2026-11-30', 0, null],
      ],
    );
    assert.equal(trends.totals.mttr.count, 1, 'ann only');
    assert.equal(trends.vulnerabilityWindow.histogram.find((bin) => bin.label === '5–30 min')?.count, 1);
    assert.equal(trends.vulnerabilityWindow.stillExposed, 1);
    assert.equal(trends.openCasesBySeverity['critical'], 1);
  });

  void it('defaults to 90 days before now by week, and picks days for a short window', async () => {
    const { body } = await get('');
    const trends = body as Trends;
    assert.equal(trends.to, new Date(NOW).toISOString());
    assert.equal(trends.from, new Date(NOW - 90 * 24 * HOUR).toISOString());
    assert.equal(trends.bucket, 'week');
    const short = (await get('?from=2026-11-19T00:00:00Z&to=2026-11-22T00:00:00Z')).body as Trends;
    assert.equal(short.bucket, 'day');
    assert.deepEqual(
      short.points.map((p) => p.posture?.withMfaPercent ?? null),
      [75, 75, 75],
      'no audit in the window: the one before it carries in',
    );
    assert.deepEqual(
      short.points.map((p) => [p.label, p.removals.total]),
      [
        ['2026-11-19', 0],
        ['2026-11-20', 1],
        ['2026-11-21', 0],
      ],
    );
  });

  void it('names every bad query field in one 400', async () => {
    const response = await fetch(`${h.base}/api/kpis/trends?from=yesterday&bucket=year&x=1`, {
      headers: auth(h.tokens.viewer),
    });
    assert.equal(response.status, 400);
    const problem = (await response.json()) as { issues: { path: string; message: string }[] };
    assert.deepEqual(problem.issues.map((issue) => issue.path).sort(), ['bucket', 'from', 'x']);
    const backwards = await get('?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z');
    assert.equal(backwards.status, 400);
    const tooMany = await get('?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=day');
    assert.equal(tooMany.status, 400);
    assert.match(JSON.stringify(tooMany.body), /wider bucket/);
  });

  void it('needs a token', async () => {
    assert.equal((await fetch(`${h.base}/api/kpis/trends`)).status, 401);
  });
});
