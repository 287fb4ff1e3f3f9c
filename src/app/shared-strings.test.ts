// The string sharer changes no value, shares equal strings, and stays bounded.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StringSharer } from './shared-strings.ts';

// Strings built at run time, so that equal ones are distinct heap objects (literals would already be one).
const fresh = (text: string): string => [...text].join('');

describe('StringSharer', () => {
  it('keeps every value equal and replaces equal strings, nested, by one copy', () => {
    const sharer = new StringSharer();
    const first = { origin: { location: fresh('AWSLogs/1/x.json.gz') }, tags: [fresh('a')], n: 1, ok: null };
    const second = { origin: { location: fresh('AWSLogs/1/x.json.gz') }, tags: [fresh('a')], n: 2, ok: true };
    const copy = structuredClone(second);
    const shared = sharer.share(second);
    sharer.share(first);
    assert.deepEqual(shared, copy);
    // String identity cannot be seen from JavaScript; the table shows one entry per distinct string.
    assert.equal(sharer.size, 2);
  });

  it('starts its table again past its limit, and leaves long text alone', () => {
    const sharer = new StringSharer(3);
    for (const text of ['a', 'b', 'c', 'd']) sharer.share({ text: fresh(text) });
    assert.equal(sharer.size, 1);
    sharer.share({ text: 'x'.repeat(600) });
    assert.equal(sharer.size, 1);
  });
});
