// The case page's times (web/when.js): relative with the absolute time at hand, audit changes without epoch numbers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface WhenModule {
  absoluteTime(value: string | number | null | undefined): string;
  relativeTime(value: string | number | null | undefined, nowMs: number): string;
  humanChange(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[];
}

const when = (await import(new URL('../../web/when.js', import.meta.url).href)) as WhenModule;
const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('web/when.js', () => {
  it('says how long ago or ahead, at a glance', () => {
    assert.equal(when.relativeTime(NOW - 10_000, NOW), 'just now');
    assert.equal(when.relativeTime(NOW - 50_000, NOW), '50 s ago');
    assert.equal(when.relativeTime('2026-11-23T11:48:00Z', NOW), '12 min ago');
    assert.equal(when.relativeTime(NOW + 3 * 3_600_000 + 5 * 60_000, NOW), 'in 3 h 5 min');
    assert.equal(when.relativeTime(NOW - (2 * 86_400_000 + 4 * 3_600_000), NOW), '2 d 4 h ago');
    assert.equal(when.relativeTime(NOW - 86_400_000, NOW), '1 d ago');
  });

  it('prints absolute times in UTC and keeps unreadable values visible', () => {
    assert.equal(when.absoluteTime(1796398518985), '2026-12-04 15:35:18 UTC');
    assert.equal(when.absoluteTime('2026-11-23T11:00:00.000Z'), '2026-11-23 11:00:00 UTC');
    assert.equal(when.absoluteTime(null), '—');
    assert.equal(when.absoluteTime('soon\u202E'), 'soon⟦U+202E⟧');
  });

  it('shows time fields of audit changes as dates, never as epoch milliseconds', () => {
    const lines = when.humanChange(
      { state: 'escalated', resolvedAt: null },
      { state: 'resolved', resolvedAt: 1796398518985, resolution: 'owner confirmed' },
    );
    assert.deepEqual(lines, [
      'resolution: owner confirmed',
      'resolvedAt: — → 2026-12-04 15:35:18 UTC',
      'state: escalated → resolved',
    ]);
    assert.ok(!lines.join(' ').includes('1796398518985'));
    assert.deepEqual(when.humanChange({ riskScore: 70 }, { riskScore: 1796398518985 }), [
      'riskScore: 70 → 1796398518985',
    ]);
  });
});
