import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamNoRootAccessKey as check } from './index.ts';
import { runOne, withReport } from '../../test-support/posture.ts';

void it('fails when either root key is active, passes when none is', () => {
  assert.equal(
    runOne(
      check,
      withReport([{ user: '<root_account>', key2: { active: true, rotated: '2020-01-01T00:00:00+00:00' } }]),
    )[0]?.status,
    'FAIL',
  );
  assert.equal(
    runOne(
      check,
      withReport([{ user: '<root_account>', key1: { active: false, rotated: '2020-01-01T00:00:00+00:00' } }]),
    )[0]?.status,
    'PASS',
  );
});

void it('falls back to the account summary when the report has no root row', () => {
  const summary = (keys: boolean) =>
    ({
      rootAccess: {
        state: 'collected',
        location: 's',
        value: {
          centralizedManagement: null,
          passwordPresent: true,
          accessKeysPresent: keys,
          mfaEnabled: true,
        },
      },
    }) as const;
  assert.equal(runOne(check, withReport([{ user: 'a' }], summary(true)))[0]?.status, 'FAIL');
  assert.equal(runOne(check, withReport([{ user: 'a' }], summary(false)))[0]?.status, 'PASS');
  assert.equal(runOne(check, withReport([{ user: 'a' }]))[0]?.status, 'NOT_APPLICABLE');
});
