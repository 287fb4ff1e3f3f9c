// A small account with every kind of finding (PASS, FAIL, ERROR, N/A; users, root, a policy), audited by the real checks, for the writers' tests.

import { auditSnapshot } from '../index.ts';
import { parseAuthorizationDetails } from '../collect/parse-aws.ts';
import { buildAuditReport } from '../summary.ts';
import type { AuditReport } from '../summary.ts';
import type { AccountSnapshot } from '../collect/snapshot.ts';
import { ACCOUNT, emptySnapshot, reportFrom } from './posture.ts';

export const SAMPLE_NOW = new Date('2024-06-01T00:00:00Z');

const ENFORCE = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      NotAction: [
        'iam:ChangePassword',
        'iam:CreateVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:GetUser',
        'iam:ListMFADevices',
        'iam:ResyncMFADevice',
        'sts:GetSessionToken',
      ],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

export function sampleSnapshot(overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  const report = reportFrom(
    [
      { user: '<root_account>', mfa: true },
      { user: 'alice', password: 'true', mfa: true, passwordLastUsed: '2024-05-30T00:00:00+00:00' },
      {
        user: 'bob',
        password: 'true',
        mfa: false,
        passwordLastUsed: '2024-05-30T00:00:00+00:00',
        key1: { active: true, rotated: '2023-01-01T00:00:00+00:00', used: '2024-05-30T00:00:00+00:00' },
      },
      {
        user: '=cmd|evil\u202e',
        key1: { active: true, rotated: '2024-05-01T00:00:00+00:00', used: '2024-05-30T00:00:00+00:00' },
      },
    ],
    '2024-05-31T20:48:00+00:00',
  );
  const details = parseAuthorizationDetails(
    {
      UserDetailList: [
        {
          UserName: 'alice',
          UserId: 'AIDAALICEEXAMPLE',
          Path: '/',
          Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
          CreateDate: '2020-01-01T00:00:00Z',
          GroupList: ['humans'],
          AttachedManagedPolicies: [
            { PolicyName: 'AllowAll', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/AllowAll` },
          ],
        },
        {
          UserName: 'bob',
          Arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
          AttachedManagedPolicies: [
            { PolicyName: 'AllowAll', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/AllowAll` },
          ],
          UserPolicyList: [{ PolicyName: 'bob-extra', PolicyDocument: ALLOW_ALL }],
          PermissionsBoundary: { PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/AllowAll` },
        },
      ],
      GroupDetailList: [
        { GroupName: 'humans', GroupPolicyList: [{ PolicyName: 'enforce-mfa', PolicyDocument: ENFORCE }] },
      ],
      Policies: [
        {
          PolicyName: 'AllowAll',
          Arn: `arn:aws:iam::${ACCOUNT}:policy/AllowAll`,
          AttachmentCount: 2,
          DefaultVersionId: 'v1',
          PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: ALLOW_ALL }],
        },
        {
          PolicyName: 'UnusedEnforceMfa',
          Arn: `arn:aws:iam::${ACCOUNT}:policy/UnusedEnforceMfa`,
          AttachmentCount: 0,
          DefaultVersionId: 'v1',
          PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: ENFORCE }],
        },
      ],
    },
    'authz.json',
  );
  return emptySnapshot({
    collectedAt: SAMPLE_NOW.toISOString(),
    credentialReport: { state: 'collected', value: report, location: 'report.csv' },
    authorization: { state: 'collected', value: details, location: 'authz.json' },
    // A part that failed: the checks needing it say ERROR, never PASS.
    mfaDevices: {
      state: 'failed',
      reason: 'AccessDenied: iam:ListMFADevices',
      location: 'aws:ListMFADevices',
    },
    virtualMfaDevices: {
      state: 'collected',
      location: 'vmfa.json',
      value: [
        {
          serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`,
          kind: 'virtual',
          userName: '<root_account>',
          userArn: `arn:aws:iam::${ACCOUNT}:root`,
          enableDate: null,
        },
      ],
    },
    ...overrides,
  });
}

/** The sample account audited at SAMPLE_NOW with the real checks and analyzer. */
export function sampleReport(snapshot: AccountSnapshot = sampleSnapshot()): AuditReport {
  return buildAuditReport([snapshot], [auditSnapshot(snapshot, SAMPLE_NOW)], SAMPLE_NOW);
}
