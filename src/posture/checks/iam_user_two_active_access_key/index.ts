// iam_user_two_active_access_key: no IAM user has two active access keys at once.

import type { Check, FindingDraft } from '../check.ts';
import { userResource } from '../check.ts';

export const iamUserTwoActiveAccessKey: Check = {
  id: 'iam_user_two_active_access_key',
  title: 'There is only one active access key for any IAM user',
  severity: 'medium',
  requires: ['credentialReport'],
  remediationUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html',
  remediation:
    'Keep the key in use, deactivate the other (`aws iam update-access-key --status Inactive`) and delete it once nothing breaks.',
  run(snapshot) {
    if (snapshot.credentialReport.state !== 'collected') return [];
    const out: FindingDraft[] = [];
    for (const row of snapshot.credentialReport.value.users) {
      const active = row.accessKeys.filter((k) => k.active).length;
      const resource = userResource(snapshot, row.user, row.arn);
      out.push(
        active === 2
          ? {
              status: 'FAIL',
              resource,
              message: `IAM user ${row.user} has two active access keys.`,
              evidence: { activeKeys: 2 },
            }
          : {
              status: 'PASS',
              resource,
              message: `IAM user ${row.user} has ${active} active access key(s).`,
              evidence: { activeKeys: active },
            },
      );
    }
    return out;
  },
};
