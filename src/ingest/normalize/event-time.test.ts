// Tests the strict ISO-8601 parser on the forms CloudTrail and its exporters write, and on what it must refuse.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { parseIsoTime } from './event-time.ts';
import { assertProperty } from '../../test-support/property.ts';

describe('parseIsoTime', () => {
  const cases: [string, number][] = [
    ['2024-05-01T12:30:45Z', Date.UTC(2024, 4, 1, 12, 30, 45)],
    ['2024-05-01T12:30:45.123Z', Date.UTC(2024, 4, 1, 12, 30, 45, 123)],
    ['2024-05-01T12:30:45.123456789Z', Date.UTC(2024, 4, 1, 12, 30, 45, 123)],
    ['2024-05-01T12:30:45+02:00', Date.UTC(2024, 4, 1, 10, 30, 45)],
    ['2024-05-01T12:30:45-0130', Date.UTC(2024, 4, 1, 14, 0, 45)],
    ['2024-05-01 12:30:45', Date.UTC(2024, 4, 1, 12, 30, 45)],
    ['2025-01-21 17:49:47.000000000', Date.UTC(2025, 0, 21, 17, 49, 47)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ];
  for (const [value, expected] of cases)
    it(`reads ${value}`, () => assert.equal(parseIsoTime(value), expected));

  it('agrees with Date for every instant fast-check generates, years 0–9999', () => {
    assertProperty(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (date) => parseIsoTime(date.toISOString()) === date.getTime(),
      ),
      { numRuns: 5000 },
    );
  });

  const bad = [
    '',
    '2024-05-01',
    '2024-05-01T12:30',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024/05/01T12:30:45Z',
    '2024-05-01T12:30:45.Z',
    '2024-05-01T12:30:45+2',
    '2024-05-01T12:30:45ZZ',
    '20131102T010628Z',
    'Wed May 01 2024 12:30:45',
  ];
  for (const value of bad)
    it(`refuses ${JSON.stringify(value)}`, () => assert.equal(parseIsoTime(value), null));
});
