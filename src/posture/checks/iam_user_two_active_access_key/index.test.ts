import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserTwoActiveAccessKey as check } from './index.ts';
import { runOne, statusBy, withReport } from '../../test-support/posture.ts';

void it('fails only users with both keys active', () => {
  const on = { active: true, rotated: '2024-05-01T00:00:00+00:00' };
  const findings = runOne(
    check,
    withReport([
      { user: 'two', key1: on, key2: on },
      { user: 'one', key1: on, key2: { ...on, active: false } },
      { user: 'none' },
    ]),
  );
  assert.deepEqual(statusBy(findings), { two: 'FAIL', one: 'PASS', none: 'PASS' });
  assert.equal(
    findings[0]?.controls.some((c) => c.version === '7.0'),
    false,
  );
  assert.deepEqual(
    findings[0]?.controls.filter((c) => c.version === '5.0').map((c) => c.id),
    ['1.12'],
  );
});
