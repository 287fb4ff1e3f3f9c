// The Overview's time range (web/overview-view.js) read from and written to the URL, run in Node without a browser.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface Range {
  fromMs: number;
  toMs: number;
  preset: string | null;
  from: string | null;
  to: string | null;
  bucket: string | null;
}

/** The part of web/overview-view.js used here; the module is plain JS checked by web/tsconfig.json. */
interface OverviewModule {
  parseRange: (params: URLSearchParams, nowMs: number) => Range;
  rangeHash: (range: Pick<Range, 'preset' | 'from' | 'to' | 'bucket'>) => string;
}

const { parseRange, rangeHash } = (await import(
  new URL('../../web/overview-view.js', import.meta.url).href
)) as OverviewModule;

const NOW = Date.parse('2026-11-23T12:00:00Z');
const DAY = 86_400_000;
const read = (query: string) => parseRange(new URLSearchParams(query), NOW);

describe('Overview range', () => {
  it('reads presets, custom days (the last one inclusive) and the bucket', () => {
    assert.deepEqual(read('range=30d&bucket=week'), {
      fromMs: NOW - 30 * DAY,
      toMs: NOW,
      preset: '30d',
      from: null,
      to: null,
      bucket: 'week',
    });
    assert.deepEqual(read('from=2026-11-01&to=2026-11-03'), {
      fromMs: Date.parse('2026-11-01T00:00:00Z'),
      toMs: Date.parse('2026-11-04T00:00:00Z'),
      preset: null,
      from: '2026-11-01',
      to: '2026-11-03',
      bucket: null,
    });
  });

  it('falls back to the last 90 days for anything it cannot read', () => {
    for (const query of [
      '',
      'range=1y',
      'range=__proto__',
      'range=constructor',
      'from=2026-11-05&to=2026-11-01',
      'from=yesterday&to=today',
      'from=2026-13-45&to=2026-14-01',
    ]) {
      const range = read(query);
      assert.deepEqual([range.preset, range.fromMs, range.toMs], ['90d', NOW - 90 * DAY, NOW], query);
    }
    assert.equal(read('bucket=year').bucket, null);
  });

  it('writes the hash that reads back the same', () => {
    for (const query of ['range=7d', 'range=365d&bucket=month', 'from=2026-01-01&to=2026-03-31&bucket=day']) {
      const hash = rangeHash(read(query));
      assert.equal(hash, `#/overview?${query}`);
      assert.deepEqual(read(hash.split('?')[1]!), read(query));
    }
  });
});
