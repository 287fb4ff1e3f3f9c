import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamRootHardwareMfaEnabled as check } from './index.ts';
import { runOne, withReport } from '../../test-support/posture.ts';
import type { MfaDevice } from '../../collect/snapshot.ts';

const virtual = (userName: string | null): MfaDevice => ({
  serialNumber: `arn:aws:iam::111122223333:mfa/${userName ?? 'spare'}`,
  kind: 'virtual',
  userName,
  userArn: null,
  enableDate: null,
});
const devices = (list: MfaDevice[]) =>
  ({ virtualMfaDevices: { state: 'collected', location: 'v', value: list } }) as const;

void it('fails a root with a virtual device, passes a root whose MFA is not virtual', () => {
  assert.equal(
    runOne(
      check,
      withReport([{ user: '<root_account>', mfa: true }], devices([virtual('<root_account>')])),
    )[0]?.status,
    'FAIL',
  );
  assert.equal(
    runOne(
      check,
      withReport([{ user: '<root_account>', mfa: true }], devices([virtual('alice'), virtual(null)])),
    )[0]?.status,
    'PASS',
  );
});

void it('leaves a root without any MFA to iam_root_mfa_enabled', () => {
  assert.equal(
    runOne(check, withReport([{ user: '<root_account>', mfa: false }], devices([])))[0]?.status,
    'NOT_APPLICABLE',
  );
});

void it('cannot run without the virtual device list', () => {
  const f = runOne(check, withReport([{ user: '<root_account>', mfa: true }]))[0];
  assert.equal(f?.status, 'NOT_APPLICABLE');
  assert.match(f?.message ?? '', /--virtual-mfa-devices/);
});
