import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamRotateAccessKey90Days as check } from './index.ts';
import { runOne, statusBy, withReport } from '../../test-support/posture.ts';

void it('fails active keys older than 90 days, ignores inactive ones', () => {
  const findings = runOne(
    check,
    withReport([
      { user: 'fresh', key1: { active: true, rotated: '2024-03-10T00:00:00+00:00' } },
      {
        user: 'old',
        key1: { active: true, rotated: '2024-01-10T00:00:00+00:00' },
        key2: { active: true, rotated: '2024-05-10T00:00:00+00:00' },
      },
      { user: 'off', key1: { active: false, rotated: '2010-01-10T00:00:00+00:00' } },
    ]),
  );
  assert.deepEqual(statusBy(findings), { fresh: 'PASS', old: 'FAIL' });
  assert.match(findings[1]?.message ?? '', /key\(s\) 1 not rotated/);
});
