// The dashboard's pure display helpers (web/format.js), run in Node without a browser.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface TimelineEntry {
  time: string;
  name: string;
  actor: string | null;
  relation: string;
  self: boolean;
}

/** The part of web/format.js used here; the module is plain JS checked by web/tsconfig.json. */
interface FormatModule {
  visible(value: unknown): string;
  formatDuration(ms: number | null | undefined): string;
  formatSeconds(seconds: number | null | undefined): string;
  formatTime(value: number | string | null | undefined): string;
  kpiWindow(nowMs: number): { fromMs: number; toMs: number };
  summariseRemovals(
    kpi: { removalsByMonth: { month: string; total: number; byClassification: Record<string, number> }[] },
    nowMs: number,
  ): { month: string; total: number; legitimate: number; unauthorized: number; other: number };
  totalOpen(bySeverity: Record<string, number>): number;
  alertTimeline(alert: unknown): TimelineEntry[];
  describeChange(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[];
  tokenProblem(token: string): string | null;
  CASE_TRANSITIONS: Record<string, readonly string[]>;
}

const format = (await import(new URL('../../web/format.js', import.meta.url).href)) as FormatModule;
const { CASE_TRANSITIONS: SERVER_TRANSITIONS } = await import('../../src/store/index.ts');

describe('web/format.js', () => {
  it('makes hidden and direction-changing characters visible, keeps ordinary text', () => {
    assert.equal(format.visible('bob\u202Egnp.exe'), 'bob⟦U+202E⟧gnp.exe');
    assert.equal(format.visible('a\u200Bb\u2066c\u0000d\uFEFF'), 'a⟦U+200B⟧b⟦U+2066⟧c⟦U+0000⟧d⟦U+FEFF⟧');
    assert.equal(format.visible('line 1\nline 2\tend'), 'line 1\nline 2\tend');
    assert.equal(format.visible('<img src=x onerror=alert(1)> مرحبا'), '<img src=x onerror=alert(1)> مرحبا');
    assert.equal(format.visible(42), '42');
  });

  it('formats durations at a readable precision', () => {
    assert.equal(format.formatDuration(null), '—');
    assert.equal(format.formatDuration(Number.NaN), '—');
    assert.equal(format.formatDuration(450), '450 ms');
    assert.equal(format.formatDuration(42_000), '42 s');
    assert.equal(format.formatDuration(252_000), '4 m 12 s');
    assert.equal(format.formatDuration(5_400_000), '1 h 30 m');
    assert.equal(format.formatDuration(3 * 86_400_000 + 7_200_000), '3 d 2 h');
    assert.equal(format.formatDuration(-60_000), '−1 m 0 s');
    assert.equal(format.formatSeconds(420), '7 m 0 s');
    assert.equal(format.formatSeconds(null), '—');
  });

  it('shows times in UTC from epoch ms or ISO, and bad input as text', () => {
    assert.equal(format.formatTime(Date.UTC(2026, 10, 20, 9, 5, 7)), '2026-11-20 09:05:07Z');
    assert.equal(format.formatTime('2026-11-20T09:05:07.123Z'), '2026-11-20 09:05:07Z');
    assert.equal(format.formatTime(null), '—');
    assert.equal(format.formatTime('not a time\u202E'), 'not a time⟦U+202E⟧');
  });

  it('stretches the KPI window back to the start of the month', () => {
    const late = Date.UTC(2026, 0, 31, 12);
    assert.deepEqual(format.kpiWindow(late), { fromMs: Date.UTC(2026, 0, 1), toMs: late });
    const early = Date.UTC(2026, 2, 2, 12);
    assert.deepEqual(format.kpiWindow(early), { fromMs: early - 30 * 86_400_000, toMs: early });
  });

  it('splits this month removals into legitimate, unauthorized and other', () => {
    const kpi = {
      removalsByMonth: [
        { month: '2026-10', total: 50, byClassification: { rotation: 50 } },
        {
          month: '2026-11',
          total: 10,
          byClassification: {
            rotation: 3,
            approved: 2,
            verified: 1,
            unauthorized: 2,
            suspicious: 1,
            unresolved: 0,
            unclassified: 1,
          },
        },
      ],
    };
    assert.deepEqual(format.summariseRemovals(kpi, Date.UTC(2026, 10, 23)), {
      month: '2026-11',
      total: 10,
      legitimate: 6,
      unauthorized: 2,
      other: 2,
    });
    assert.equal(format.summariseRemovals(kpi, Date.UTC(2026, 11, 1)).total, 0);
    assert.equal(format.totalOpen({ critical: 1, high: 2, medium: 0, low: 4, info: 1, bogus: 99 }), 8);
  });

  it('orders the alert timeline by time, the alert itself included once', () => {
    const alert = {
      event: { id: 'e2', name: 'DeactivateMFADevice', time: '2026-11-20T09:00:00Z' },
      actor: { arn: 'arn:aws:iam::1:user/m', userName: 'm' },
      related: [
        {
          eventId: 'e3',
          name: 'EnableMFADevice',
          time: '2026-11-20T09:02:00Z',
          actor: null,
          relation: 'new device',
        },
        { eventId: 'e2', name: 'DeactivateMFADevice', time: '2026-11-20T09:00:00Z', actor: null },
        { eventId: 'e1', name: 'ConsoleLogin', time: '2026-11-20T08:55:00Z', actor: 'm' },
        { eventId: 'e0', name: 'Odd', time: 'garbage', actor: null },
      ],
    };
    const timeline = format.alertTimeline(alert);
    assert.deepEqual(
      timeline.map((e) => [e.name, e.relation, e.self]),
      [
        ['ConsoleLogin', 'related', false],
        ['DeactivateMFADevice', 'this alert', true],
        ['EnableMFADevice', 'new device', false],
        ['Odd', 'related', false],
      ],
    );
  });

  it('describes audit changes field by field', () => {
    assert.deepEqual(format.describeChange({ state: 'open' }, { state: 'escalated', note: 'n' }), [
      'note: n',
      'state: open → escalated',
    ]);
    assert.deepEqual(format.describeChange(null, { assignee: null }), ['assignee: null']);
    assert.deepEqual(format.describeChange({ assignee: 'a' }, {}), ['assignee: a → (removed)']);
  });

  it('checks a token before it goes into a header', () => {
    assert.equal(format.tokenProblem('mfg_abc-DEF_123'), null);
    assert.match(format.tokenProblem('') ?? '', /Enter/);
    assert.match(format.tokenProblem('two words') ?? '', /printable ASCII/);
    assert.match(format.tokenProblem('tok\u201Den') ?? '', /printable ASCII/);
    assert.match(format.tokenProblem('x'.repeat(5000)) ?? '', /too long/);
  });

  it('keeps its copy of the case transitions equal to the server table', () => {
    assert.deepEqual(format.CASE_TRANSITIONS, SERVER_TRANSITIONS);
  });
});
