import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserConsoleAccessUnused as check } from './index.ts';
import { runOne, statusBy, withReport } from '../../test-support/posture.ts';

void it('measures from the last sign-in, or the last password change when never used (clock 2024-06-01)', () => {
  const findings = runOne(
    check,
    withReport([
      { user: 'recent', password: 'true', passwordLastUsed: '2024-05-20T00:00:00+00:00' },
      { user: 'edge', password: 'true', passwordLastUsed: '2024-04-17T00:00:00+00:00' },
      {
        user: 'never-new',
        password: 'true',
        passwordLastUsed: 'no_information',
        passwordLastChanged: '2024-05-01T00:00:00+00:00',
      },
      {
        user: 'never-old',
        password: 'true',
        passwordLastUsed: 'no_information',
        passwordLastChanged: '2023-01-01T00:00:00+00:00',
      },
      { user: 'api', password: 'false' },
    ]),
  );
  assert.deepEqual(statusBy(findings), {
    recent: 'PASS',
    edge: 'FAIL',
    'never-new': 'PASS',
    'never-old': 'FAIL',
  });
  assert.match(findings[1]?.message ?? '', /edge has not used the console password for 45 days/);
});
