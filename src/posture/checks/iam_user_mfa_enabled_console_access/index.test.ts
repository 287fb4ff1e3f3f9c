import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserMfaEnabledConsoleAccess as check } from './index.ts';
import { runOne, statusBy, withReport } from '../../test-support/posture.ts';

void it('fails console users without MFA, passes those with, skips users without a password', () => {
  const findings = runOne(
    check,
    withReport([
      { user: 'a', password: 'true', mfa: false },
      { user: 'b', password: 'true', mfa: true },
      { user: 'c', password: 'false' },
    ]),
  );
  assert.deepEqual(statusBy(findings), { a: 'FAIL', b: 'PASS', c: 'NOT_APPLICABLE' });
  assert.match(findings[0]?.message ?? '', /IAM user a can sign in to the console without MFA/);
  assert.deepEqual(
    findings[0]?.controls
      .filter((c) => c.version === '7.0' || c.framework === 'aws-securityhub')
      .map((c) => c.id),
    ['2.10', 'IAM.5', 'IAM.19'],
  );
});

void it('trusts a fresher device list over a stale credential report, and says so', () => {
  const snapshot = withReport(
    [
      { user: 'a', password: 'true', mfa: false },
      { user: 'b', password: 'true', mfa: true },
    ],
    {
      mfaDevices: {
        state: 'collected',
        location: 'live',
        value: [{ serialNumber: 'GAHT1', kind: 'hardware', userName: 'a', userArn: null, enableDate: null }],
      },
    },
  );
  const findings = runOne(check, snapshot);
  assert.deepEqual(statusBy(findings), { a: 'PASS', b: 'FAIL' });
  assert.match(String(findings[1]?.evidence?.['note']), /mfa_active=true, the device list shows 0 device/);
});
