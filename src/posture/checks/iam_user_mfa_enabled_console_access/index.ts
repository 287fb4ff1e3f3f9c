// iam_user_mfa_enabled_console_access: every IAM user who can sign in to the console has an MFA device.

import type { Check, FindingDraft } from '../check.ts';
import { userMfa, userResource } from '../check.ts';

export const iamUserMfaEnabledConsoleAccess: Check = {
  id: 'iam_user_mfa_enabled_console_access',
  title: 'MFA is enabled for every IAM user with a console password',
  severity: 'high',
  requires: ['credentialReport'],
  remediationUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-5',
  remediation:
    'Assign an MFA device to the user (IAM console > Users > Security credentials > Assign MFA device; prefer a FIDO security key), or remove the console password if the user does not need the console. Enforce it with the self-service MFA policy (`mfaguard guardrails`).',
  run(snapshot) {
    if (snapshot.credentialReport.state !== 'collected') return [];
    const out: FindingDraft[] = [];
    for (const row of snapshot.credentialReport.value.users) {
      const resource = userResource(snapshot, row.user, row.arn);
      if (row.passwordEnabled !== true) {
        out.push({
          status: 'NOT_APPLICABLE',
          resource,
          message: `IAM user ${row.user} has no console password.`,
        });
        continue;
      }
      const mfa = userMfa(snapshot, row, row.user);
      const evidence = {
        passwordEnabled: true,
        mfaActive: row.mfaActive,
        ...(mfa.note === null ? {} : { note: mfa.note }),
        ...(mfa.devices === null
          ? {}
          : { devices: mfa.devices.map((d) => ({ serialNumber: d.serialNumber, kind: d.kind })) }),
      };
      out.push(
        mfa.active === true
          ? {
              status: 'PASS',
              resource,
              message: `IAM user ${row.user} has a console password and MFA.`,
              evidence,
            }
          : {
              status: 'FAIL',
              resource,
              message: `IAM user ${row.user} can sign in to the console without MFA.`,
              evidence,
            },
      );
    }
    return out;
  },
};
