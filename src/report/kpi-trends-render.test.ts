// The KPI trends as a table and as CSV: known figures in place, and text from outside disarmed for each sink.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeKpiTrends } from '../cases/index.ts';
import type { KpiTrends } from '../cases/index.ts';
import { kpiTrendsCsv, renderKpiTrendsText, shortDuration } from './kpi-trends-render.ts';

const DAY = 86_400_000;
const FROM = Date.UTC(2026, 2, 2);

function trends(): KpiTrends {
  return computeKpiTrends(
    {
      facts: {
        removals: [
          {
            eventId: 'e1',
            eventTimeMs: FROM + DAY,
            detectedAt: FROM + DAY + 45_000,
            classification: 'unauthorized',
            caseId: '1',
            caseResolvedAt: null,
            caseResolution: null,
            vulnerabilityWindowSeconds: null,
            containedAt: FROM + DAY + 3_600_000,
          },
        ],
        cases: [],
        denialCandidates: [],
        denials: [],
        denialsTruncated: true,
      },
      posture: [
        {
          id: 's',
          accountId: '\u001b[2Jevil\u202E',
          takenAt: FROM + 2 * DAY,
          source: 'audit',
          consoleUsers: 4,
          consoleUsersWithMfa: 3,
          mfaEnforcedByPolicy: 1,
          cisScore: 80,
        },
      ],
    },
    { fromMs: FROM, toMs: FROM + 14 * DAY, bucket: 'week' },
  );
}

describe('KPI trends output', () => {
  it('prints a row per bucket and the window figures, with outside text made visible', () => {
    const text = renderKpiTrendsText(trends());
    assert.match(text, /^KPI trends 2026-03-02T00:00:00\.000Z to 2026-03-16T00:00:00\.000Z \(by week, UTC\)/);
    // MTTR: contained an hour after the removal, 45 s after detection: 59 min.
    assert.match(text, /\n2026-03-02 +1 +0 +1 +0 +45 s +59 min +0 +75% +25% +80 +audit\n/);
    // No audit that week: the posture is carried forward from the one before.
    assert.match(text, /\n2026-03-09 +0 +0 +0 +0 +— +— +0 +75% +25% +80 +audit\n/);
    assert.match(text, /MFA-related denials: 0 .*, at least: too many events/);
    assert.ok(!text.includes('\u001b') && !text.includes('\u202E'), 'no raw escape or bidi control');
    assert.ok(text.includes('\\x1b[2Jevil\\u202e (audit): 75% with MFA, 25% enforced, CIS 80'), text);
  });

  it('writes CSV through the formula-safe writer', () => {
    const value = trends();
    const first = value.points[0]!;
    const hostile = { ...value, points: [{ ...first, label: '=HYPERLINK("http://x","y")' }] };
    const [header, row] = kpiTrendsCsv(hostile).split('\r\n');
    assert.match(header!, /^bucket_start,bucket,removals,/);
    assert.match(row!, /^2026-03-02T00:00:00\.000Z,"'=HYPERLINK\(""http:\/\/x"",""y""\)",1,0,1,0,/);
    // Then the provisioned-without-MFA columns, empty without such cases.
    assert.match(row!, /,4,75,25,80,false,,,,$/);
  });

  it('says durations in the unit a person reads', () => {
    assert.deepEqual([850, 42_000, 17 * 60_000, 5.5 * 3_600_000, 3.2 * DAY, null].map(shortDuration), [
      '850 ms',
      '42 s',
      '17 min',
      '5.5 h',
      '3.2 d',
      '—',
    ]);
  });
});
