import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamRootMfaEnabled as check } from './index.ts';
import { runOne, withReport } from '../../test-support/posture.ts';

const noCredentials = {
  state: 'collected',
  location: 's',
  value: { centralizedManagement: true, passwordPresent: false, accessKeysPresent: false, mfaEnabled: false },
} as const;

void it('passes root with MFA, fails root without', () => {
  assert.equal(runOne(check, withReport([{ user: '<root_account>', mfa: true }]))[0]?.status, 'PASS');
  const fail = runOne(check, withReport([{ user: '<root_account>', mfa: false }]))[0];
  assert.equal(fail?.status, 'FAIL');
  assert.equal(fail?.severity, 'critical');
  assert.match(fail?.message ?? '', /root user of account 111122223333 has no MFA/);
});

void it('is not applicable when root has no credentials (centralized root access) or the report has no root row', () => {
  const f = runOne(
    check,
    withReport([{ user: '<root_account>', mfa: false }], { rootAccess: noCredentials }),
  )[0];
  assert.equal(f?.status, 'NOT_APPLICABLE');
  assert.match(f?.message ?? '', /centralized root access/);
  assert.equal(runOne(check, withReport([{ user: 'a' }]))[0]?.status, 'NOT_APPLICABLE');
});
