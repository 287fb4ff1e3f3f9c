// iam_administrator_access_with_mfa: every IAM user granted AdministratorAccess (directly or through a group) has MFA.

import type { Check, FindingDraft } from '../check.ts';
import { accountResource, userMfa, userResource } from '../check.ts';

const ADMIN_POLICY = /^arn:aws[\w-]*:iam::aws:policy\/AdministratorAccess$/;

export const iamAdministratorAccessWithMfa: Check = {
  id: 'iam_administrator_access_with_mfa',
  title: 'Users with AdministratorAccess have MFA',
  severity: 'high',
  requires: ['authorization', 'credentialReport'],
  remediationUrl:
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html',
  remediation:
    'Assign an MFA device (preferably a FIDO key) to the administrator now, or remove AdministratorAccess from the user and its groups; administrators should work through roles that require MFA.',
  run(snapshot) {
    if (snapshot.authorization.state !== 'collected' || snapshot.credentialReport.state !== 'collected')
      return [];
    const { users, groups } = snapshot.authorization.value;
    const reportRows = new Map(snapshot.credentialReport.value.users.map((row) => [row.user, row]));
    const adminGroups = new Set(
      groups.filter((g) => g.attachedPolicies.some((p) => ADMIN_POLICY.test(p.arn))).map((g) => g.groupName),
    );
    const out: FindingDraft[] = [];
    for (const user of users) {
      const via = [
        ...(user.attachedPolicies.some((p) => ADMIN_POLICY.test(p.arn)) ? ['attached directly'] : []),
        ...user.groups.filter((g) => adminGroups.has(g)).map((g) => `group ${g}`),
      ];
      if (via.length === 0) continue;
      const resource = userResource(snapshot, user.userName, user.arn);
      const row = reportRows.get(user.userName) ?? null;
      const mfa = userMfa(snapshot, row, user.userName);
      const evidence = {
        via,
        mfaActive: mfa.active,
        ...(mfa.note === null ? {} : { note: mfa.note }),
        ...(row === null
          ? { note: 'user not in the credential report (created after it was generated?)' }
          : {}),
      };
      if (mfa.active === true)
        out.push({
          status: 'PASS',
          resource,
          message: `IAM user ${user.userName} has AdministratorAccess (${via.join(', ')}) and MFA.`,
          evidence,
        });
      else
        out.push({
          status: 'FAIL',
          resource,
          message: `IAM user ${user.userName} has AdministratorAccess (${via.join(', ')}) without MFA.`,
          evidence,
        });
    }
    if (out.length === 0)
      out.push({
        status: 'NOT_APPLICABLE',
        resource: accountResource(snapshot),
        message: `No IAM user in account ${snapshot.accountId ?? 'unknown'} has AdministratorAccess attached directly or through a group.`,
      });
    return out;
  },
};
