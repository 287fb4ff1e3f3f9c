import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserHardwareMfaEnabled as check } from './index.ts';
import { runOne, statusBy, withReport } from '../../test-support/posture.ts';
import type { MfaDevice } from '../../collect/snapshot.ts';

const d = (userName: string, kind: MfaDevice['kind']): MfaDevice => ({
  serialNumber: `${userName}-${kind}`,
  kind,
  userName,
  userArn: null,
  enableDate: null,
});

void it('passes FIDO/hardware-only users, fails users with a virtual device, leaves users without MFA to the MFA check', () => {
  const snapshot = withReport(
    [
      { user: 'fido', password: 'true', mfa: true },
      { user: 'mixed', password: 'true', mfa: true },
      { user: 'none', password: 'true' },
      { user: 'api', password: 'false' },
    ],
    {
      mfaDevices: {
        state: 'collected',
        location: 'x',
        value: [d('fido', 'fido'), d('fido', 'hardware'), d('mixed', 'fido'), d('mixed', 'virtual')],
      },
    },
  );
  assert.deepEqual(statusBy(runOne(check, snapshot)), {
    fido: 'PASS',
    mixed: 'FAIL',
    none: 'NOT_APPLICABLE',
  });
});
