import { it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POSTURE_CONFIG } from '../check.ts';
import { iamAdministratorAccessWithMfa as check } from './index.ts';
import { parseAuthorizationDetails } from '../../collect/parse-aws.ts';
import { emptySnapshot, NOW, runOne, statusBy, withReport } from '../../test-support/posture.ts';

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

void it('recognises only AWS managed AdministratorAccess, in any partition; a group needs one such policy among others', () => {
  const policy = (arn: string) => ({ PolicyName: arn.split('/').pop()!, PolicyArn: arn });
  const user = (name: string, extra: Record<string, unknown>) => ({
    UserName: name,
    Arn: `arn:aws:iam::111122223333:user/${name}`,
    ...extra,
  });
  const lookalikes = parseAuthorizationDetails(
    {
      UserDetailList: [
        user('gov', {
          AttachedManagedPolicies: [policy('arn:aws-us-gov:iam::aws:policy/AdministratorAccess')],
        }),
        user('custom', {
          AttachedManagedPolicies: [policy('arn:aws:iam::111122223333:policy/AdministratorAccess')],
        }),
        user('amplify', {
          AttachedManagedPolicies: [policy('arn:aws:iam::aws:policy/AdministratorAccess-Amplify')],
        }),
        user('prefixed', {
          AttachedManagedPolicies: [policy('xarn:aws:iam::aws:policy/AdministratorAccess')],
        }),
        user('odd', { AttachedManagedPolicies: [policy('arn:aws!:iam::aws:policy/AdministratorAccess')] }),
        user('both', {
          AttachedManagedPolicies: [policy('arn:aws:iam::aws:policy/AdministratorAccess')],
          GroupList: ['mixed'],
        }),
        user('unreported', { GroupList: ['mixed'] }),
      ],
      GroupDetailList: [
        {
          GroupName: 'mixed',
          Arn: 'arn:aws:iam::111122223333:group/mixed',
          AttachedManagedPolicies: [
            policy('arn:aws:iam::aws:policy/ReadOnlyAccess'),
            policy('arn:aws:iam::aws:policy/AdministratorAccess'),
          ],
        },
      ],
    },
    'authz.json',
  );
  const snapshot = withReport(
    ['gov', 'custom', 'amplify', 'prefixed', 'odd', 'both'].map((name) => ({
      user: name,
      password: 'true' as const,
      mfa: true,
    })),
    { authorization: { state: 'collected', location: 'authz.json', value: lookalikes } },
  );
  const findings = runOne(check, snapshot);
  assert.deepEqual(statusBy(findings), { gov: 'PASS', both: 'PASS', unreported: 'FAIL' });
  const byName = Object.fromEntries(findings.map((f) => [f.resource.name, f]));
  assert.deepEqual(byName['both']?.evidence?.['via'], ['attached directly', 'group mixed']);
  assert.match(String(byName['unreported']?.evidence?.['note']), /not in the credential report/);
  assert.equal(byName['gov']?.evidence?.['note'], undefined);
});

const CONTEXT = { now: NOW, config: DEFAULT_POSTURE_CONFIG, analyze: null };

void it('finds nothing to judge without both inputs, and says so when nobody is an administrator', () => {
  const collected = { state: 'collected' as const, location: 'authz.json', value: details };
  assert.deepEqual(check.run(withReport([], { authorization: { state: 'not-collected' } }), CONTEXT), []);
  assert.deepEqual(check.run(emptySnapshot({ authorization: collected }), CONTEXT), []);
  const none = runOne(
    check,
    withReport([{ user: 'plain', password: 'true' }], {
      authorization: {
        ...collected,
        value: { ...details, users: details.users.filter((u) => u.userName === 'plain') },
      },
    }),
  );
  assert.equal(none.length, 1);
  assert.equal(none[0]?.status, 'NOT_APPLICABLE');
  assert.match(none[0]?.message ?? '', /^No IAM user in account 111122223333 has AdministratorAccess/);
});

void it('trusts the device list over an older report, keeps the disagreement as evidence, and names an account without an id "unknown"', () => {
  const collected = { state: 'collected' as const, location: 'authz.json', value: details };
  const device = {
    serialNumber: 'arn:aws:iam::111122223333:mfa/direct',
    kind: 'virtual' as const,
    userName: 'direct',
    userArn: null,
    enableDate: null,
  };
  const findings = runOne(
    check,
    withReport(
      [
        { user: 'direct', password: 'true', mfa: false },
        { user: 'viagroup', password: 'true', mfa: true },
      ],
      { authorization: collected, mfaDevices: { state: 'collected', location: 'm', value: [device] } },
    ),
  );
  assert.deepEqual(
    findings.map((f) => [f.resource.name, f.status, f.severity, f.evidence]),
    [
      [
        'direct',
        'PASS',
        'high',
        {
          via: ['attached directly'],
          mfaActive: true,
          note: 'the credential report says mfa_active=false, the device list shows 1 device(s); the device list is newer',
        },
      ],
      [
        'viagroup',
        'FAIL',
        'high',
        {
          via: ['group admins'],
          mfaActive: false,
          note: 'the credential report says mfa_active=true, the device list shows 0 device(s); the device list is newer',
        },
      ],
    ],
  );
  const nobody = runOne(
    check,
    withReport([], {
      accountId: null,
      authorization: { ...collected, value: { ...details, users: [] } },
    }),
  );
  assert.match(nobody[0]?.message ?? '', /^No IAM user in account unknown has AdministratorAccess/);
});

void it('names every way a user is an administrator in the message, with or without MFA', () => {
  const both = parseAuthorizationDetails(
    {
      UserDetailList: ['withmfa', 'without'].map((name) => ({
        UserName: name,
        Arn: `arn:aws:iam::111122223333:user/${name}`,
        AttachedManagedPolicies: [ADMIN],
        GroupList: ['admins', 'ops'],
      })),
      GroupDetailList: ['admins', 'ops'].map((name) => ({
        GroupName: name,
        Arn: `arn:aws:iam::111122223333:group/${name}`,
        AttachedManagedPolicies: [ADMIN],
      })),
    },
    'authz.json',
  );
  const findings = runOne(
    check,
    withReport(
      [
        { user: 'withmfa', password: 'true', mfa: true },
        { user: 'without', password: 'true', mfa: false },
      ],
      { authorization: { state: 'collected', location: 'authz.json', value: both } },
    ),
  );
  assert.deepEqual(
    findings.map((f) => f.message),
    [
      'IAM user withmfa has AdministratorAccess (attached directly, group admins, group ops) and MFA.',
      'IAM user without has AdministratorAccess (attached directly, group admins, group ops) without MFA.',
    ],
  );
});
