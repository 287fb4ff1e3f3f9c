// Tests the address check against hand-picked cases and, by property, against Node's own parser.

import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { isIpAddress } from './ip-address.ts';
import { assertProperty } from '../../test-support/property.ts';

describe('isIpAddress', () => {
  const addresses = [
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '225.01.00.16',
    '::',
    '::1',
    '2001:db8::1',
    'fe80::1:2:3:4',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
    '1:2:3:4:5:6:7::',
    '::ffff:192.0.2.128',
    '64:ff9b::198.51.100.1',
    '1:2:3:4:5:6:1.2.3.4',
  ];
  for (const value of addresses) it(`accepts ${value}`, () => assert.equal(isIpAddress(value), true));

  const others = [
    '',
    'signin.amazonaws.com',
    'AWS Internal',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    '1.2.3.4 ',
    '1234.1.1.1',
    ':',
    ':1',
    '1:',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '12345::1',
    'g::1',
    '::1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4',
    'fe80::1%eth0',
    'x'.repeat(100),
  ];
  for (const value of others)
    it(`refuses ${JSON.stringify(value)}`, () => assert.equal(isIpAddress(value), false));

  it('accepts every address fast-check generates', () => {
    assertProperty(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (value) => isIpAddress(value)));
  });

  it('agrees with node:net on arbitrary strings (leading-zero octets and zone ids aside)', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF:.x '.split(''));
    assertProperty(
      fc.property(
        fc.array(alphabet, { maxLength: 45 }).map((chars) => chars.join('')),
        (value) => {
          const hasLeadingZero = value.split(/[.:]/).some((part) => part.length > 1 && part.startsWith('0'));
          if (hasLeadingZero) return true;
          return isIpAddress(value) === (isIP(value) !== 0);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('stays linear on hostile input', () => {
    const hostile = `${'1:'.repeat(10_000)}x`;
    const started = process.hrtime.bigint();
    assert.equal(isIpAddress(hostile), false);
    assert.ok(process.hrtime.bigint() - started < 50_000_000n);
  });
});
