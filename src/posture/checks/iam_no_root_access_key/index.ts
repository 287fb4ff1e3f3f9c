// iam_no_root_access_key: the root user has no active access key.

import type { Check } from '../check.ts';
import { describeDate, rootResource } from '../check.ts';

export const iamNoRootAccessKey: Check = {
  id: 'iam_no_root_access_key',
  title: 'The root user has no access key',
  severity: 'critical',
  requires: ['credentialReport'],
  remediationUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-4',
  remediation:
    'Sign in as root, find out what uses the key (CloudTrail, last-used date), move it to an IAM role, then delete the root access key.',
  run(snapshot) {
    if (snapshot.credentialReport.state !== 'collected') return [];
    const row = snapshot.credentialReport.value.root;
    const resource = rootResource(snapshot, row);
    const account = snapshot.accountId ?? 'unknown';
    if (row === null) {
      const summaryKeys =
        snapshot.rootAccess.state === 'collected' ? snapshot.rootAccess.value.accessKeysPresent : null;
      if (summaryKeys === null)
        return [
          {
            status: 'NOT_APPLICABLE',
            resource,
            message:
              'The credential report has no <root_account> row and no account summary says whether root has keys.',
          },
        ];
      return [
        summaryKeys
          ? {
              status: 'FAIL',
              resource,
              message: `The root user of account ${account} has an access key (account summary).`,
              evidence: { AccountAccessKeysPresent: 1 },
            }
          : {
              status: 'PASS',
              resource,
              message: `The root user of account ${account} has no access key (account summary).`,
              evidence: { AccountAccessKeysPresent: 0 },
            },
      ];
    }
    const active = row.accessKeys.filter((k) => k.active);
    if (active.length === 0)
      return [
        {
          status: 'PASS',
          resource,
          message: `The root user of account ${account} has no active access key.`,
        },
      ];
    return [
      {
        status: 'FAIL',
        resource,
        message: `The root user of account ${account} has ${active.length} active access key(s).`,
        evidence: {
          keys: active.map((k) => ({
            slot: k.slot,
            lastRotated: describeDate(k.lastRotated),
            lastUsed: describeDate(k.lastUsedDate),
          })),
        },
      },
    ];
  },
};
