import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamAdministratorAccessWithMfa as check } from './index.ts';
import { parseAuthorizationDetails } from '../../collect/parse-aws.ts';
import { runOne, statusBy, withReport } from '../../test-support.ts';

const ADMIN = { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' };
const details = parseAuthorizationDetails(
  {
    UserDetailList: [
      { UserName: 'direct', Arn: 'arn:aws:iam::111122223333:user/direct', AttachedManagedPolicies: [ADMIN] },
      { UserName: 'viagroup', Arn: 'arn:aws:iam::111122223333:user/viagroup', GroupList: ['admins'] },
      { UserName: 'plain', Arn: 'arn:aws:iam::111122223333:user/plain', GroupList: ['readers'] },
    ],
    GroupDetailList: [
      {
        GroupName: 'admins',
        Arn: 'arn:aws:iam::111122223333:group/admins',
        AttachedManagedPolicies: [ADMIN],
      },
      {
        GroupName: 'readers',
        Arn: 'arn:aws:iam::111122223333:group/readers',
        AttachedManagedPolicies: [
          { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        ],
      },
    ],
  },
  'authz.json',
);

void it('fails administrators without MFA (direct or through a group) and ignores everyone else', () => {
  const snapshot = withReport(
    [
      { user: 'direct', password: 'true', mfa: true },
      { user: 'viagroup', password: 'true', mfa: false },
      { user: 'plain', password: 'true' },
    ],
    {
      authorization: { state: 'collected', location: 'authz.json', value: details },
    },
  );
  const findings = runOne(check, snapshot);
  assert.deepEqual(statusBy(findings), { direct: 'PASS', viagroup: 'FAIL' });
  assert.match(findings[1]?.message ?? '', /viagroup has AdministratorAccess \(group admins\) without MFA/);
});

void it('needs the authorization details', () => {
  assert.equal(runOne(check, withReport([{ user: 'a' }]))[0]?.status, 'NOT_APPLICABLE');
});
