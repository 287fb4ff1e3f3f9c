// iam_root_hardware_mfa_enabled: root's MFA is a hardware token or FIDO key, with no virtual device that could stand in for it.

import type { Check } from '../check.ts';
import { ROOT_NO_CREDENTIALS_MESSAGE, rootHasNoCredentials, rootResource } from '../check.ts';
import { ROOT_USER } from '../../collect/credential-report.ts';

export const iamRootHardwareMfaEnabled: Check = {
  id: 'iam_root_hardware_mfa_enabled',
  title: 'Only hardware MFA (token or FIDO key) is enabled for the root user',
  // Security Hub (IAM.6) and Prowler rate this critical. Here critical is kept for root with no MFA at all
  // (iam_root_mfa_enabled): root with a virtual device is protected, only by a weaker factor, and a finding list
  // that calls both critical cannot tell the open door from the weak lock.
  severity: 'high',
  requires: ['credentialReport', 'virtualMfaDevices'],
  remediationUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-6',
  remediation:
    'Sign in as root, assign a FIDO security key or hardware TOTP token, then remove the virtual (authenticator app) device from root; keep the device in a safe with a documented recovery path.',
  run(snapshot) {
    if (snapshot.credentialReport.state !== 'collected' || snapshot.virtualMfaDevices.state !== 'collected')
      return [];
    const row = snapshot.credentialReport.value.root;
    const resource = rootResource(snapshot, row);
    const account = snapshot.accountId ?? 'unknown';
    if (rootHasNoCredentials(snapshot))
      return [
        {
          status: 'NOT_APPLICABLE',
          resource,
          message: `The root user of account ${account} ${ROOT_NO_CREDENTIALS_MESSAGE}.`,
        },
      ];
    if (row === null)
      return [
        {
          status: 'NOT_APPLICABLE',
          resource,
          message: 'The credential report has no <root_account> row, so root MFA cannot be judged from it.',
        },
      ];
    // No MFA at all is iam_root_mfa_enabled's finding; failing here too would count the same gap twice.
    if (!row.mfaActive)
      return [
        {
          status: 'NOT_APPLICABLE',
          resource,
          message: `The root user of account ${account} has no MFA at all (see iam_root_mfa_enabled).`,
        },
      ];
    const virtual = snapshot.virtualMfaDevices.value.filter((d) => d.userName === ROOT_USER);
    if (virtual.length > 0) {
      return [
        {
          status: 'FAIL',
          resource,
          message: `The root user of account ${account} uses a virtual MFA device (${virtual.map((d) => d.serialNumber).join(', ')}).`,
          evidence: { virtualDevices: virtual.map((d) => d.serialNumber) },
        },
      ];
    }
    return [
      {
        status: 'PASS',
        resource,
        message: `The root user of account ${account} has MFA and no virtual MFA device.`,
        evidence: { mfaActive: true, virtualDevices: [] },
      },
    ];
  },
};
