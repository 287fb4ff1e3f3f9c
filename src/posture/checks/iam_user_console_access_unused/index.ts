// iam_user_console_access_unused: console passwords unused for longer than the threshold (45 days) are removed.

import type { Check, FindingDraft } from '../check.ts';
import { ageDays, describeDate, userResource } from '../check.ts';

export const iamUserConsoleAccessUnused: Check = {
  id: 'iam_user_console_access_unused',
  title: 'Console passwords unused for 45 days or more are disabled',
  severity: 'medium',
  requires: ['credentialReport'],
  remediationUrl: 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-22',
  remediation:
    'Remove the login profile (IAM console > Users > Security credentials > Console access > Disable, or `aws iam delete-login-profile`).',
  run(snapshot, ctx) {
    if (snapshot.credentialReport.state !== 'collected') return [];
    const limit = ctx.config.maxUnusedDays;
    const out: FindingDraft[] = [];
    for (const row of snapshot.credentialReport.value.users) {
      if (row.passwordEnabled !== true) continue;
      const resource = userResource(snapshot, row.user, row.arn);
      // CIS: a password never used (no_information) is judged by when it was last set.
      const basis =
        row.passwordLastUsed.state === 'date'
          ? row.passwordLastUsed
          : row.passwordLastChanged.state === 'date'
            ? row.passwordLastChanged
            : row.userCreationTime;
      const days = ageDays(basis, ctx.now);
      const evidence = {
        passwordLastUsed: describeDate(row.passwordLastUsed),
        passwordLastChanged: describeDate(row.passwordLastChanged),
        days,
      };
      if (days === null)
        out.push({
          status: 'FAIL',
          resource,
          message: `IAM user ${row.user} has a console password with no known use or change date.`,
          evidence,
        });
      else if (days >= limit)
        out.push({
          status: 'FAIL',
          resource,
          message: `IAM user ${row.user} has not used the console password for ${days} days (limit ${limit}).`,
          evidence,
        });
      else
        out.push({
          status: 'PASS',
          resource,
          message: `IAM user ${row.user} used or set the console password ${days} days ago.`,
          evidence,
        });
    }
    return out;
  },
};
