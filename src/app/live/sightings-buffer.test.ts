import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BUFFERED_SIGHTINGS, SightingsBuffer } from './sightings-buffer.ts';

const row = (actor: string, value: string, day: number, firstMs: number, lastMs: number, count: number) => ({
  actor,
  value,
  day,
  firstMs,
  lastMs,
  count,
});

describe('SightingsBuffer', () => {
  it('merges one row per (caller, value, day), widening the span and adding counts', () => {
    const buffer = new SightingsBuffer();
    buffer.add([
      row('alice', 'ip:198.51.100.7', 1, 500, 600, 2),
      row('bob', 'ip:198.51.100.7', 1, 10, 10, 1),
    ]);
    buffer.add([
      row('alice', 'ip:198.51.100.7', 1, 100, 550, 3),
      row('alice', 'ip:198.51.100.7', 2, 9, 9, 1),
    ]);
    assert.equal(buffer.size, 3);
    const rows = buffer.take();
    assert.deepEqual(
      rows.find((r) => r.actor === 'alice' && r.day === 1),
      row('alice', 'ip:198.51.100.7', 1, 100, 600, 5),
    );
    assert.equal(buffer.size, 0);
    // Given back after a failed write, nothing is lost or counted twice.
    buffer.add(rows);
    assert.deepEqual(buffer.take(), rows);
  });

  it('says when it is full, so the service writes instead of holding more', () => {
    const buffer = new SightingsBuffer();
    buffer.add(
      Array.from({ length: MAX_BUFFERED_SIGHTINGS - 1 }, (_, i) => row(`u${i}`, 'ip:x', 1, 1, 1, 1)),
    );
    assert.equal(buffer.full, false);
    buffer.add([row('last', 'ip:x', 1, 1, 1, 1)]);
    assert.equal(buffer.full, true);
  });
});
