import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../../model/index.ts';
import type { AccountSnapshot, AuthorizationDetails, MfaDevice } from '../collect/snapshot.ts';
import { auditSnapshot } from '../index.ts';
import { computeKpis } from '../summary.ts';
import { iamEvent } from '../test-support/events.ts';
import { ACCOUNT, emptySnapshot, reportFrom, user } from '../test-support/posture.ts';
import type { RowSpec } from '../test-support/posture.ts';
import { applyPostureEvents, policyArnsToFetch, POSTURE_EVENT_NAMES } from './apply-events.ts';

const AUDITED = '2024-06-01T00:00:00.000Z';
const NOW = new Date('2024-06-01T06:00:00Z');
const ENFORCE_ARN = `arn:aws:iam::${ACCOUNT}:policy/EnforceMfa`;
const ENFORCE = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Effect: 'Deny',
      NotAction: [
        'iam:CreateVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:ListMFADevices',
        'sts:GetSessionToken',
      ],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};
const serial = (name: string): string => `arn:aws:iam::${ACCOUNT}:mfa/${name}`;
const device = (
  owner: string | null,
  name: string,
  enabled: string | null = '2023-01-01T00:00:00Z',
): MfaDevice => ({
  serialNumber: serial(name),
  kind: 'virtual',
  userName: owner,
  userArn: owner === null ? null : `arn:aws:iam::${ACCOUNT}:user/${owner}`,
  enableDate: owner === null ? null : enabled,
});

function account(
  rows: RowSpec[],
  devices: MfaDevice[],
  unassigned: MfaDevice[],
  auth: Omit<AuthorizationDetails, 'location' | 'issues' | 'roles'>,
): AccountSnapshot {
  return emptySnapshot({
    collectedAt: AUDITED,
    source: 'live',
    credentialReport: { state: 'collected', value: reportFrom(rows), location: 'aws:GetCredentialReport' },
    mfaDevices: { state: 'collected', value: devices, location: 'aws:ListMFADevices' },
    virtualMfaDevices: {
      state: 'collected',
      value: [...devices, ...unassigned],
      location: 'aws:ListVirtualMFADevices',
    },
    authorization: {
      state: 'collected',
      value: { location: 'aws:GetAccountAuthorizationDetails', issues: [], roles: [], ...auth },
      location: 'aws:GetAccountAuthorizationDetails',
    },
  });
}

const policy = (attachmentCount: number) => ({
  name: 'EnforceMfa',
  arn: ENFORCE_ARN,
  attachmentCount,
  permissionsBoundaryUsageCount: 0,
  defaultDocument: ENFORCE,
});
const admins = (members: number) => ({
  groupName: 'Admins',
  arn: `arn:aws:iam::${ACCOUNT}:group/Admins`,
  inlinePolicies: [],
  attachedPolicies: [{ name: 'EnforceMfa', arn: ENFORCE_ARN }],
  problems: [],
  members,
});

/** Statuses by check and resource, and the headline figures: what the dashboard and the KPIs show. */
function view(findings: readonly Finding[]) {
  const kpis = computeKpis(findings);
  return {
    statuses: findings.map((f) => `${f.checkId} ${f.resource.type}:${f.resource.name} ${f.status}`).sort(),
    consoleUsers: kpis.consoleUsers,
    consoleUsersWithMfa: kpis.consoleUsersWithMfa,
    enforced: kpis.usersEnforcedByPolicy,
    cisScore: kpis.cisScore,
  };
}

describe('applyPostureEvents', () => {
  const before = account(
    [
      { user: '<root_account>', mfa: true },
      { user: 'alice', password: 'true', mfa: true },
      { user: 'bob', password: 'true', mfa: false },
      { user: 'carol' },
      { user: 'erin', password: 'true', mfa: false },
    ],
    [device('alice', 'alice')],
    [],
    {
      users: [user('alice', { groups: ['Admins'] }), user('bob'), user('carol'), user('erin')],
      groups: [(({ members: _members, ...g }) => g)(admins(1))],
      policies: [policy(1)],
    },
  );
  const t = (minute: number): string => `2024-06-01T01:${String(minute).padStart(2, '0')}:00Z`;
  const events = [
    iamEvent('CreateUser', { userName: 'dave' }, t(1), {
      responseElements: {
        user: {
          userName: 'dave',
          userId: 'AIDADAVEEXAMPLE',
          arn: `arn:aws:iam::${ACCOUNT}:user/dave`,
          path: '/',
        },
      },
    }),
    iamEvent('CreateLoginProfile', { userName: 'dave', passwordResetRequired: true }, t(2)),
    iamEvent('EnableMFADevice', { userName: 'bob', serialNumber: serial('bob') }, t(3)),
    iamEvent('DeactivateMFADevice', { userName: 'alice', serialNumber: serial('alice') }, t(4)),
    iamEvent('DeleteVirtualMFADevice', { serialNumber: serial('alice') }, t(5)),
    iamEvent('DeleteLoginProfile', { userName: 'erin' }, t(6)),
    iamEvent('DeleteUser', { userName: 'erin' }, t(7)),
    iamEvent('AttachUserPolicy', { userName: 'bob', policyArn: ENFORCE_ARN }, t(8)),
    iamEvent(
      'PutUserPolicy',
      { userName: 'dave', policyName: 'own', policyDocument: JSON.stringify(ENFORCE) },
      t(9),
    ),
    iamEvent('RemoveUserFromGroup', { groupName: 'Admins', userName: 'alice' }, t(10)),
    iamEvent('CreateLoginProfile', { userName: 'carol' }, t(11), { errorCode: 'AccessDenied' }),
  ];
  // The state a fresh audit would collect after those calls, written out by hand.
  const after = account(
    [
      { user: '<root_account>', mfa: true },
      { user: 'alice', password: 'true', mfa: false },
      { user: 'bob', password: 'true', mfa: true },
      { user: 'carol' },
      { user: 'dave', password: 'true', mfa: false, created: t(1), passwordLastChanged: t(2) },
    ],
    [device('bob', 'bob', t(3))],
    [],
    {
      users: [
        user('alice'),
        user('bob', { attachedPolicies: [{ name: 'EnforceMfa', arn: ENFORCE_ARN }] }),
        user('carol'),
        user('dave', { inlinePolicies: [{ name: 'own', document: ENFORCE }] }),
      ],
      groups: [(({ members: _members, ...g }) => g)(admins(0))],
      policies: [policy(2)],
    },
  );

  it('after a sequence of events, posture equals a fresh audit of the resulting state', () => {
    const applied = applyPostureEvents(before, events);
    const fromEvents = view(auditSnapshot(applied.snapshot, NOW));
    const fresh = view(auditSnapshot(after, NOW));
    assert.deepEqual(fromEvents, fresh);
    // The figures moved, so the comparison above is about something.
    assert.notDeepEqual(view(auditSnapshot(before, NOW)), fresh);
    assert.deepEqual([fresh.consoleUsers, fresh.consoleUsersWithMfa, fresh.enforced], [3, 1, 2]);
  });

  it('says which facts came from which event and when; failed and older calls change nothing', () => {
    const older = iamEvent('DeleteLoginProfile', { userName: 'alice' }, '2024-05-31T23:00:00Z');
    const applied = applyPostureEvents(before, [...events, older]);
    assert.deepEqual(
      applied.facts.map((f) => `${f.userName} ${f.fact} ${f.change} ${f.eventName}`),
      [
        'dave user created CreateUser',
        'dave console-password created CreateLoginProfile',
        `bob mfa-device enabled ${serial('bob')} EnableMFADevice`,
        `alice mfa-device deactivated ${serial('alice')} DeactivateMFADevice`,
        'erin console-password deleted DeleteLoginProfile',
        'erin user deleted DeleteUser',
        `bob policies attached ${ENFORCE_ARN} AttachUserPolicy`,
        'dave policies put inline own PutUserPolicy',
        'alice policies removed from group Admins RemoveUserFromGroup',
      ],
    );
    assert.equal(applied.facts[0]?.at, Date.parse(t(1)));
    assert.equal(applied.facts[0]?.eventId, events[0]?.id);
    assert.deepEqual(applied.skipped, [
      { eventId: older.id, reason: 'older than the snapshot, already in it' },
    ]);
  });

  it('a managed policy the snapshot does not know is fetched, else the user is ERROR rather than a guess', () => {
    const other = `arn:aws:iam::${ACCOUNT}:policy/Unknown`;
    const attach = iamEvent('AttachUserPolicy', { userName: 'carol', policyArn: other }, t(20));
    assert.deepEqual(policyArnsToFetch(before, [attach]), [other]);
    const status = (snapshot: AccountSnapshot) =>
      auditSnapshot(snapshot, NOW).find(
        (f) => f.checkId === 'iam_user_mfa_enforced_by_policy' && f.resource.name === 'carol',
      )?.status;
    assert.equal(status(applyPostureEvents(before, [attach]).snapshot), 'ERROR');
    assert.equal(status(applyPostureEvents(before, [attach], new Map([[other, ENFORCE]])).snapshot), 'PASS');
  });

  it('events of another account are ignored; every name is an IAM call', () => {
    const elsewhere = iamEvent('DeleteUser', { userName: 'bob' }, t(30), { account: '999988887777' });
    assert.deepEqual(applyPostureEvents(before, [elsewhere]).facts, []);
    for (const name of POSTURE_EVENT_NAMES) assert.match(name, /^[A-Z][A-Za-z]+$/);
  });
});
