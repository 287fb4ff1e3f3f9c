// iam_user_accesskey_unused: active access keys unused for longer than the threshold (45 days) are deactivated.

import type { Check, FindingDraft } from '../check.ts';
import { ageDays, describeDate, userResource } from '../check.ts';

export const iamUserAccesskeyUnused: Check = {
  id: 'iam_user_accesskey_unused',
  title: 'Access keys unused for 45 days or more are disabled',
  severity: 'medium',
  requires: ['credentialReport'],
  remediationUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-22',
  remediation:
    'Deactivate the key (`aws iam update-access-key --status Inactive`), wait for complaints, then delete it; use roles for workloads.',
  run(snapshot, ctx) {
    if (snapshot.credentialReport.state !== 'collected') return [];
    const limit = ctx.config.maxUnusedDays;
    const out: FindingDraft[] = [];
    for (const row of snapshot.credentialReport.value.users) {
      const active = row.accessKeys.filter((k) => k.active);
      if (active.length === 0) continue;
      const resource = userResource(snapshot, row.user, row.arn);
      const keys = active.map((k) => {
        // CIS: a key never used (N/A) is judged by its creation/rotation date.
        const days = ageDays(k.lastUsedDate.state === 'date' ? k.lastUsedDate : k.lastRotated, ctx.now);
        return {
          slot: k.slot,
          lastUsed: describeDate(k.lastUsedDate),
          lastRotated: describeDate(k.lastRotated),
          days,
        };
      });
      const stale = keys.filter((k) => k.days === null || k.days >= limit);
      out.push(
        stale.length === 0
          ? {
              status: 'PASS',
              resource,
              message: `IAM user ${row.user}'s active access key(s) were used within ${limit} days.`,
              evidence: { keys },
            }
          : {
              status: 'FAIL',
              resource,
              message: `IAM user ${row.user} has active access key(s) ${stale.map((k) => k.slot).join(' and ')} unused for ${limit} days or more.`,
              evidence: { keys },
            },
      );
    }
    return out;
  },
};
