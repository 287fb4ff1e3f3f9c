// iam_user_hardware_mfa_enabled: console users' MFA is a hardware token or FIDO key, not an authenticator app.

import type { Check, FindingDraft } from '../check.ts';
import { userResource } from '../check.ts';

export const iamUserHardwareMfaEnabled: Check = {
  id: 'iam_user_hardware_mfa_enabled',
  title: 'IAM users with a console password use only hardware MFA (token or FIDO key)',
  severity: 'medium',
  requires: ['credentialReport', 'mfaDevices'],
  remediationUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_fido.html',
  remediation:
    'Register a FIDO security key (phishing-resistant) or hardware token for the user and deactivate the virtual device.',
  run(snapshot) {
    // Without the device list every user would read as having no device: judge nothing (the runner says why).
    if (snapshot.credentialReport.state !== 'collected' || snapshot.mfaDevices.state !== 'collected')
      return [];
    const allDevices = snapshot.mfaDevices.value;
    const out: FindingDraft[] = [];
    for (const row of snapshot.credentialReport.value.users) {
      const resource = userResource(snapshot, row.user, row.arn);
      if (row.passwordEnabled !== true) continue;
      const devices = allDevices.filter((d) => d.userName === row.user);
      const evidence = { devices: devices.map((d) => ({ serialNumber: d.serialNumber, kind: d.kind })) };
      if (devices.length === 0) {
        out.push({
          status: 'NOT_APPLICABLE',
          resource,
          message: `IAM user ${row.user} has no MFA device at all (see iam_user_mfa_enabled_console_access).`,
          evidence,
        });
        continue;
      }
      const virtual = devices.filter((d) => d.kind === 'virtual');
      out.push(
        virtual.length === 0
          ? {
              status: 'PASS',
              resource,
              message: `IAM user ${row.user} uses only hardware MFA (${devices.map((d) => d.kind).join(', ')}).`,
              evidence,
            }
          : {
              status: 'FAIL',
              resource,
              message: `IAM user ${row.user} has a virtual MFA device (${virtual.map((d) => d.serialNumber).join(', ')}).`,
              evidence,
            },
      );
    }
    return out;
  },
};
