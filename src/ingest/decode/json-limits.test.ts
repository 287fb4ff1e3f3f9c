// Tests for the byte-level JSON limits: depth and item spans over raw bytes, the iterative depth check and stringify.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  depthExceeds,
  itemProblem,
  MAX_JSON_DEPTH,
  MAX_RECORD_BYTES,
  scanJson,
  stringifyIteratively,
} from './json-limits.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('scanJson', () => {
  it('measures depth, ignoring brackets, quotes and escapes inside strings', () => {
    assert.equal(scanJson(bytes('1')).depth, 0);
    assert.equal(scanJson(bytes('{"a":[{"b":[]}]}')).depth, 4);
    assert.equal(scanJson(bytes('{"a":"[[[[{{{{\\"]]]"}')).depth, 1);
    assert.equal(scanJson(bytes('["\\\\", [[]]]')).depth, 3);
    assert.equal(scanJson(bytes(nested(100_000))).depth, 100_000);
  });

  it('cuts a top-level array into item spans with each item depth, multi-byte text included', () => {
    const text = ' [ {"a":"é,]"} , [[1]] ,"x", 3 ]';
    const scan = scanJson(bytes(text));
    assert.ok(scan.items !== null);
    const raw = bytes(text);
    const items = scan.items.map(
      (span) => JSON.parse(raw.subarray(span.start, span.end).toString('utf8')) as unknown,
    );
    assert.deepEqual(items, [{ a: 'é,]' }, [[1]], 'x', 3]);
    assert.deepEqual(
      scan.items.map((span) => span.depth),
      [1, 2, 0, 0],
    );
  });

  it('gives no spans for an object, an empty array or unbalanced brackets', () => {
    assert.equal(scanJson(bytes('{"a":1}')).items, null);
    assert.deepEqual(scanJson(bytes('[]')).items, []);
    assert.equal(scanJson(bytes('[[1]')).items, null);
    assert.equal(scanJson(bytes('["abc]')).items, null);
  });

  it('agrees with JSON.parse on the items of any array (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 6 }), { maxLength: 8 }), (values) => {
        const raw = bytes(JSON.stringify(values, null, 1));
        const scan = scanJson(raw);
        assert.ok(scan.items !== null);
        const back = scan.items.map(
          (span) => JSON.parse(raw.subarray(span.start, span.end).toString('utf8')) as unknown,
        );
        assert.deepEqual(back, JSON.parse(raw.toString('utf8')));
      }),
    );
  });
});

describe('depthExceeds', () => {
  it('is exact at the limit and safe far past it', () => {
    assert.equal(depthExceeds(JSON.parse(nested(64)), 64), false);
    assert.equal(depthExceeds(JSON.parse(nested(65)), 64), true);
    assert.equal(depthExceeds({ a: { b: 1 } }, 2), false);
    assert.equal(depthExceeds({ a: { b: {} } }, 2), true);
    assert.equal(depthExceeds(JSON.parse(nested(200_000)), MAX_JSON_DEPTH), true);
  });
});

describe('stringifyIteratively', () => {
  it('writes what JSON.stringify writes (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(stringifyIteratively(value), JSON.stringify(value));
      }),
    );
  });

  it('serialises values too deep for JSON.stringify, cut at the budget', () => {
    const deep: unknown = JSON.parse(nested(100_000));
    assert.throws(() => JSON.stringify(deep), RangeError);
    const text = stringifyIteratively(deep, 1000);
    assert.equal(text, `${'['.repeat(1000)}…`);
    assert.equal(stringifyIteratively({ a: 'x'.repeat(50) }, 10), '{"a":"xxxx…');
  });
});

describe('itemProblem', () => {
  it('names the limit passed', () => {
    assert.equal(itemProblem(MAX_JSON_DEPTH, MAX_RECORD_BYTES), null);
    assert.equal(itemProblem(MAX_JSON_DEPTH + 1, 10)?.code, 'too-deep');
    assert.equal(itemProblem(3, MAX_RECORD_BYTES + 1)?.code, 'too-large');
  });
});
