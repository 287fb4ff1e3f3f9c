// iam_rotate_access_key_90_days: active access keys are rotated within the threshold (90 days).

import type { Check, FindingDraft } from '../check.ts';
import { ageDays, describeDate, userResource } from '../check.ts';

export const iamRotateAccessKey90Days: Check = {
  id: 'iam_rotate_access_key_90_days',
  title: 'Access keys are rotated every 90 days or less',
  severity: 'medium',
  requires: ['credentialReport'],
  remediationUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-3',
  remediation:
    'Create a second key, move every consumer to it, deactivate the old key, then delete it; prefer roles so no long-term key is needed.',
  run(snapshot, ctx) {
    if (snapshot.credentialReport.state !== 'collected') return [];
    const limit = ctx.config.maxKeyAgeDays;
    const out: FindingDraft[] = [];
    for (const row of snapshot.credentialReport.value.users) {
      const active = row.accessKeys.filter((k) => k.active);
      if (active.length === 0) continue;
      const resource = userResource(snapshot, row.user, row.arn);
      const keys = active.map((k) => ({
        slot: k.slot,
        lastRotated: describeDate(k.lastRotated),
        days: ageDays(k.lastRotated, ctx.now),
      }));
      const old = keys.filter((k) => k.days === null || k.days > limit);
      out.push(
        old.length === 0
          ? {
              status: 'PASS',
              resource,
              message: `IAM user ${row.user}'s active access key(s) are at most ${limit} days old.`,
              evidence: { keys },
            }
          : {
              status: 'FAIL',
              resource,
              message: `IAM user ${row.user} has active access key(s) ${old.map((k) => k.slot).join(' and ')} not rotated for more than ${limit} days.`,
              evidence: { keys },
            },
      );
    }
    return out;
  },
};
