import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodedCache } from './decoded-cache.ts';

test('a row read again with the same text is decoded once; changed text decodes again', () => {
  const cache = new DecodedCache<{ n: number }>(10);
  let parses = 0;
  const parse = (text: string) => {
    parses++;
    return JSON.parse(text) as { n: number };
  };
  const first = cache.decode('a', '{"n":1}', parse);
  assert.equal(cache.decode('a', '{"n":1}', parse), first);
  assert.equal(parses, 1);
  assert.deepEqual(cache.decode('a', '{"n":2}', parse), { n: 2 });
  assert.equal(parses, 2);
  assert.deepEqual(cache.stats, { hits: 1, misses: 2, size: 1 });
});

test('a remembered value is returned for exactly the text it was written as', () => {
  const cache = new DecodedCache<{ n: number }>(10);
  const written = { n: 7 };
  cache.remember('x', '{"n":7}', written);
  assert.equal(
    cache.decode('x', '{"n":7}', () => assert.fail('no parse expected')),
    written,
  );
  // Another text under the same id (a rolled-back write, another writer): decoded from the text, not the memory.
  assert.deepEqual(
    cache.decode('x', '{"n":8}', (text) => JSON.parse(text) as { n: number }),
    { n: 8 },
  );
});

test('the least recently used entry goes first when full', () => {
  const cache = new DecodedCache<number>(2);
  const parse = (text: string) => Number(text);
  cache.decode('a', '1', parse);
  cache.decode('b', '2', parse);
  cache.decode('a', '1', parse); // a is now the most recent
  cache.decode('c', '3', parse); // evicts b
  assert.equal(cache.stats.size, 2);
  let parsed = false;
  cache.decode('a', '1', (text) => ((parsed = true), Number(text)));
  assert.equal(parsed, false);
  cache.decode('b', '2', (text) => ((parsed = true), Number(text)));
  assert.equal(parsed, true);
});
