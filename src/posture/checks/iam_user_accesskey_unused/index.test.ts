import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserAccesskeyUnused as check } from './index.ts';
import { runOne, statusBy, withReport } from '../../test-support/posture.ts';

void it('fails users with an active key unused for 45 days (or never used and created that long ago)', () => {
  const findings = runOne(
    check,
    withReport([
      {
        user: 'used',
        key1: { active: true, rotated: '2020-01-01T00:00:00+00:00', used: '2024-05-30T00:00:00+00:00' },
      },
      {
        user: 'stale',
        key1: { active: true, rotated: '2020-01-01T00:00:00+00:00', used: '2024-01-30T00:00:00+00:00' },
      },
      { user: 'new-unused', key2: { active: true, rotated: '2024-05-25T00:00:00+00:00' } },
      { user: 'old-unused', key2: { active: true, rotated: '2023-05-25T00:00:00+00:00' } },
      { user: 'inactive', key1: { active: false, rotated: '2019-01-01T00:00:00+00:00' } },
    ]),
  );
  assert.deepEqual(statusBy(findings), {
    used: 'PASS',
    stale: 'FAIL',
    'new-unused': 'PASS',
    'old-unused': 'FAIL',
  });
});
