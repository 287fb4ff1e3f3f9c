// Working hours in the organisation's own time zone: [start, end) on working days, across DST and midnight.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKnownTimeZone, isWithinWorkingHours, localTime } from './working-hours.ts';
import type { WorkingHours } from './triage-config.ts';

const PARIS: WorkingHours = {
  timeZone: 'Europe/Paris',
  days: [1, 2, 3, 4, 5],
  startMinute: 8 * 60,
  endMinute: 19 * 60,
};
const within = (iso: string, hours: WorkingHours = PARIS) => isWithinWorkingHours(Date.parse(iso), hours);

void describe('working hours', () => {
  void it('the start minute is inside, the end minute is not (a half-open interval)', () => {
    // Wednesday 2026-11-18, Paris is UTC+1 in November.
    assert.equal(within('2026-11-18T06:59:59Z'), false);
    assert.equal(within('2026-11-18T07:00:00Z'), true);
    assert.equal(within('2026-11-18T17:59:00Z'), true);
    assert.equal(within('2026-11-18T18:00:00Z'), false, '19:00 in Paris is after hours');
    assert.equal(within('2026-11-18T18:00:59Z'), false);
  });

  void it("reads the clock in the configured zone, not in UTC (a UTC reading is an hour off in Paris' winter)", () => {
    // 18:30 UTC is 19:30 in Paris: after hours there, though within 08:00-19:00 read in UTC.
    assert.equal(within('2026-11-18T18:30:00Z'), false);
    // 07:30 UTC is 08:30 in Paris: working hours there, though before 08:00 read in UTC.
    assert.equal(within('2026-11-18T07:30:00Z'), true);
    // Summer time: Paris is UTC+2, so 17:30 UTC is 19:30 local.
    assert.equal(within('2026-06-17T17:30:00Z'), false);
    assert.equal(within('2026-06-17T06:30:00Z'), true);
  });

  void it('the weekday is the local one: late Sunday UTC is already Monday in Tokyo', () => {
    const tokyo: WorkingHours = { ...PARIS, timeZone: 'Asia/Tokyo', startMinute: 0, endMinute: 24 * 60 };
    // Sunday 2026-11-22 23:30 UTC = Monday 08:30 in Tokyo.
    assert.deepEqual(localTime(Date.parse('2026-11-22T23:30:00Z'), 'Asia/Tokyo'), {
      weekday: 1,
      minute: 8 * 60 + 30,
    });
    assert.equal(within('2026-11-22T23:30:00Z', tokyo), true);
    // Friday 2026-11-20 15:30 UTC = Saturday 00:30 in Tokyo: not a working day there.
    assert.equal(within('2026-11-20T15:30:00Z', tokyo), false);
  });

  void it('local time gives every weekday 1-7 and the minute of the day', () => {
    const days = Array.from({ length: 7 }, (_, i) =>
      localTime(Date.parse(`2026-11-${String(16 + i).padStart(2, '0')}T12:34:00Z`), 'UTC'),
    );
    assert.deepEqual(
      days.map((d) => d.weekday),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.ok(days.every((d) => d.minute === 12 * 60 + 34));
    assert.deepEqual(localTime(Date.parse('2026-11-16T00:00:00Z'), 'UTC'), { weekday: 1, minute: 0 });
    assert.deepEqual(localTime(Date.parse('2026-11-16T23:59:00Z'), 'UTC'), {
      weekday: 1,
      minute: 23 * 60 + 59,
    });
  });

  void it('days not listed are outside hours all day', () => {
    assert.equal(within('2026-11-21T10:00:00Z'), false, 'Saturday');
    assert.equal(within('2026-11-22T10:00:00Z'), false, 'Sunday');
    assert.equal(within('2026-11-21T10:00:00Z', { ...PARIS, days: [6] }), true);
  });

  void it('knows IANA zones and refuses made-up ones', () => {
    assert.equal(isKnownTimeZone('Europe/Paris'), true);
    assert.equal(isKnownTimeZone('UTC'), true);
    assert.equal(isKnownTimeZone('Mars/Olympus_Mons'), false);
  });
});
