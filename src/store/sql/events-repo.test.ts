// `in` lists are padded to a power of two, so that a probe with many keys has a handful of statement texts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padded } from './events-repo.ts';

test('in lists are padded to a power of two with their last value; the set of values is the same', () => {
  assert.equal(padded(undefined), undefined);
  const lengths = [];
  for (let n = 1; n <= 9; n++) {
    const values = Array.from({ length: n }, (_, i) => `k${i}`);
    const out = padded(values)!;
    lengths.push(out.length);
    assert.deepEqual(new Set(out), new Set(values), `length ${n}`);
    assert.deepEqual(out.slice(0, n), values, `length ${n}: the values first, in order`);
  }
  assert.deepEqual(lengths, [1, 2, 4, 4, 8, 8, 8, 8, 16]);
});
