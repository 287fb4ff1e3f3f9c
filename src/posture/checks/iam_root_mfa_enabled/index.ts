// iam_root_mfa_enabled: the root user has MFA, unless it has no credentials at all (centralized root access).

import type { Check } from '../check.ts';
import { ROOT_NO_CREDENTIALS_MESSAGE, rootHasNoCredentials, rootResource } from '../check.ts';

export const iamRootMfaEnabled: Check = {
  id: 'iam_root_mfa_enabled',
  title: 'MFA is enabled for the root user',
  severity: 'critical',
  requires: ['credentialReport'],
  remediationUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-9',
  remediation:
    'Sign in as root and assign an MFA device (Security credentials > Multi-factor authentication), preferably a FIDO security key or hardware token kept in a safe; in an organization, consider centralized root access management to remove member-account root credentials altogether.',
  run(snapshot) {
    if (snapshot.credentialReport.state !== 'collected') return [];
    const row = snapshot.credentialReport.value.root;
    const resource = rootResource(snapshot, row);
    if (rootHasNoCredentials(snapshot))
      return [
        {
          status: 'NOT_APPLICABLE',
          resource,
          message: `The root user of account ${snapshot.accountId ?? 'unknown'} ${ROOT_NO_CREDENTIALS_MESSAGE}.`,
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
    return row.mfaActive
      ? [
          {
            status: 'PASS',
            resource,
            message: `The root user of account ${snapshot.accountId ?? 'unknown'} has MFA.`,
            evidence: { mfaActive: true },
          },
        ]
      : [
          {
            status: 'FAIL',
            resource,
            message: `The root user of account ${snapshot.accountId ?? 'unknown'} has no MFA.`,
            evidence: { mfaActive: false },
          },
        ];
  },
};
