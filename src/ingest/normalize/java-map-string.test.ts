// Tests the reproduction of Java's HashMap.toString that Elastic stores in aws.cloudtrail.request_parameters.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
  hashMapOrder,
  javaNumber,
  javaString,
  javaStringHash,
  simulatedHashMapOrder,
} from './java-map-string.ts';
import { assertProperty } from '../../test-support/property.ts';

describe('javaStringHash', () => {
  it('matches Java String.hashCode, overflow included', () => {
    assert.equal(javaStringHash(''), 0);
    assert.equal(javaStringHash('a'), 97);
    assert.equal(javaStringHash('userName'), -266666762);
    assert.equal(javaStringHash('polygenelubricants'), -2147483648);
  });
});

describe('hashMapOrder', () => {
  it('orders by bucket, not by insertion', () => {
    // userName lands in bucket 12 of 16, serialNumber in bucket 3.
    assert.deepEqual(hashMapOrder(['userName', 'serialNumber']), ['serialNumber', 'userName']);
  });

  it('keeps insertion order inside a bucket ("Aa" and "BB" share a hash)', () => {
    assert.deepEqual(hashMapOrder(['BB', 'Aa']), ['BB', 'Aa']);
    assert.deepEqual(hashMapOrder(['Aa', 'BB']), ['Aa', 'BB']);
  });

  it('takes the same order on its fast path (up to 8 keys) as the full simulation', () => {
    assertProperty(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 12 }), { maxLength: 8 }), (keys) => {
        assert.deepEqual(hashMapOrder(keys), simulatedHashMapOrder(keys));
      }),
      { numRuns: 2000 },
    );
  });

  it('doubles a small table when one bucket passes 8 colliding keys, as Java does before treeifying', () => {
    // "Aa" and "BB" hash alike, so every 8-character mix of them lands in one bucket.
    const colliding = Array.from({ length: 9 }, (_, i) =>
      [0, 1, 2, 3].map((bit) => ((i >> bit) & 1 ? 'BB' : 'Aa')).join(''),
    );
    // k16 sits in bucket 1 of 16 but 17 of 32; k0 in bucket 5 of both: their order shows the table size.
    const keys = ['k16', 'k0', ...colliding];
    const ordered = hashMapOrder(keys);
    assert.ok(
      ordered.indexOf('k0') < ordered.indexOf('k16'),
      `expected a 32-bucket order, got ${ordered.join(', ')}`,
    );
    assert.deepEqual(
      ordered.filter((key) => colliding.includes(key)),
      colliding,
    );
    assert.deepEqual(hashMapOrder(['k16', 'k0']), ['k16', 'k0'], 'two keys alone stay in 16 buckets');
  });

  it('grows the table past 12 keys, which reorders them', () => {
    const keys = Array.from({ length: 13 }, (_, i) => `key${i}`);
    const ordered = hashMapOrder(keys);
    assert.equal(ordered.length, 13);
    assert.deepEqual([...ordered].sort(), [...keys].sort());
    const buckets = ordered.map((key) => {
      const h = javaStringHash(key);
      return (h ^ (h >>> 16)) & 31;
    });
    assert.deepEqual(
      buckets,
      [...buckets].sort((a, b) => a - b),
      'a 32-bucket table after the resize',
    );
  });
});

describe('javaString', () => {
  it('renders the DeactivateMFADevice parameters as Elastic stores them', () => {
    assert.equal(
      javaString({ userName: 'Alice', serialNumber: 'arn:aws:iam::111122223333:mfa/Alice' }),
      '{serialNumber=arn:aws:iam::111122223333:mfa/Alice, userName=Alice}',
    );
  });

  it('renders lists, nesting, numbers and booleans, and drops null, "" and emptied containers', () => {
    assert.equal(javaString({ items: [{ fromPort: 22 }, { b: true }] }), '{items=[{fromPort=22}, {b=true}]}');
    assert.equal(javaString({ a: null, b: '', c: {}, d: [], e: [null, ''], f: { g: null } }), undefined);
    assert.equal(javaString({ keep: 'x', drop: null }), '{keep=x}');
    assert.equal(javaString(null), undefined);
    assert.equal(javaString('plain'), 'plain');
  });

  it('prints doubles as Java does', () => {
    assert.equal(javaNumber(0.5), '0.5');
    assert.equal(javaNumber(1.5e-4), '1.5E-4');
    assert.equal(javaNumber(1e-4), '1.0E-4');
    assert.equal(javaNumber(2.5e21), '2.5E21');
    assert.equal(javaNumber(12345678.9), '1.23456789E7');
    assert.equal(javaNumber(1e21), '1.0E21');
    assert.equal(javaNumber(123456789012), '123456789012');
    assert.equal(javaNumber(-3), '-3');
  });
});
