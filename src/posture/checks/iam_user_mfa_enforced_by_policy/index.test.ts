import { it } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserMfaEnforcedByPolicy as check, policyRefsForUser } from './index.ts';
import { parseAuthorizationDetails } from '../../collect/parse-aws.ts';
import type { AnalyzeMfaEnforcement, MfaEnforcementInput } from '../check.ts';
import { emptySnapshot, runOne, statusBy } from '../../test-support/posture.ts';
import { analyzeMfaEnforcement } from '../../policy/index.ts';

const ENFORCE = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyWithoutMfa',
      Effect: 'Deny',
      NotAction: [
        'iam:ListMFADevices',
        'iam:EnableMFADevice',
        'iam:CreateVirtualMFADevice',
        'sts:GetSessionToken',
      ],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const raw = {
  UserDetailList: [
    {
      UserName: 'member',
      Arn: 'arn:aws:iam::111122223333:user/member',
      GroupList: ['humans'],
      AttachedManagedPolicies: [
        { PolicyName: 'AllowAll', PolicyArn: 'arn:aws:iam::111122223333:policy/AllowAll' },
      ],
      PermissionsBoundary: { PermissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/AllowAll' },
    },
    {
      UserName: 'loner',
      Arn: 'arn:aws:iam::111122223333:user/loner',
      AttachedManagedPolicies: [
        { PolicyName: 'AllowAll', PolicyArn: 'arn:aws:iam::111122223333:policy/AllowAll' },
        { PolicyName: 'Gone', PolicyArn: 'arn:aws:iam::111122223333:policy/Gone' },
      ],
    },
  ],
  GroupDetailList: [
    {
      GroupName: 'humans',
      Arn: 'arn:aws:iam::111122223333:group/humans',
      GroupPolicyList: [{ PolicyName: 'enforce', PolicyDocument: ENFORCE }],
    },
  ],
  Policies: [
    {
      PolicyName: 'AllowAll',
      Arn: 'arn:aws:iam::111122223333:policy/AllowAll',
      AttachmentCount: 2,
      DefaultVersionId: 'v1',
      PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: ALLOW_ALL }],
    },
    {
      PolicyName: 'OrphanMfa',
      Arn: 'arn:aws:iam::111122223333:policy/OrphanMfa',
      AttachmentCount: 0,
      DefaultVersionId: 'v2',
      PolicyVersionList: [
        { VersionId: 'v1', IsDefaultVersion: false, Document: ALLOW_ALL },
        { VersionId: 'v2', IsDefaultVersion: true, Document: ENFORCE },
      ],
    },
  ],
};
const details = parseAuthorizationDetails(raw, 'authz.json');
const snapshot = emptySnapshot({
  authorization: { state: 'collected', location: 'authz.json', value: details },
});

void it("gathers the user's inline, managed, group and boundary policies (default version) and names what is missing", () => {
  const member = policyRefsForUser(details.users[0]!, details, snapshot);
  assert.deepEqual(
    member.input.identityPolicies.map(
      (p) => `${p.source}:${p.name}${p.via === undefined ? '' : `@${p.via}`}`,
    ),
    ['user-managed:AllowAll', 'group-inline:enforce@humans'],
  );
  assert.equal(member.input.permissionsBoundary?.source, 'permissions-boundary');
  const loner = policyRefsForUser(details.users[1]!, details, snapshot);
  assert.deepEqual(loner.missing, ['arn:aws:iam::111122223333:policy/Gone']);
});

void it('passes the analyzer its input and maps verdicts to statuses; reports the unattached MFA policy', () => {
  const seen: MfaEnforcementInput[] = [];
  const fake: AnalyzeMfaEnforcement = (input) => {
    seen.push(input);
    const verdict = input.identityPolicies.some((p) => p.name === 'enforce')
      ? 'enforced'
      : input.userName === 'mfaguard-policy-check'
        ? 'enforced'
        : 'not-enforced';
    return { verdict, console: null, accessKeys: null, findings: [], explanation: [] };
  };
  const findings = runOne(check, snapshot, fake);
  assert.deepEqual(statusBy(findings), { OrphanMfa: 'FAIL', member: 'PASS', loner: 'FAIL' });
  assert.equal(findings[0]?.evidence?.['pitfall'], 'policy-attached-to-nobody');
  assert.equal(seen.find((s) => s.userName === 'member')?.accountId, '111122223333');
});

void it('with the real analyzer: the group enforcement policy is judged enforced, an allow-all user is not', () => {
  const findings = runOne(check, snapshot, (input) =>
    analyzeMfaEnforcement(input, { now: new Date('2026-11-23T12:00:00Z') }),
  );
  assert.deepEqual(statusBy(findings), { OrphanMfa: 'FAIL', member: 'PASS', loner: 'FAIL' });
});

void it('reports ERROR, not a pass, when no analyzer is available', () => {
  const findings = runOne(check, snapshot, null);
  assert.ok(findings.some((f) => f.status === 'ERROR' && /analyzer is not available/.test(f.message)));
  assert.ok(!findings.some((f) => f.status === 'PASS'));
});

void it('an unreadable part of the input makes a not-enforced verdict an ERROR; an enforced one stands', () => {
  const broken = parseAuthorizationDetails(
    {
      ...raw,
      UserDetailList: [
        ...raw.UserDetailList,
        {
          UserName: 'ops-member',
          Arn: 'arn:aws:iam::111122223333:user/ops-member',
          GroupList: ['ops'],
          AttachedManagedPolicies: [
            { PolicyName: 'AllowAll', PolicyArn: 'arn:aws:iam::111122223333:policy/AllowAll' },
          ],
        },
        {
          UserName: 'ops-enforced',
          Arn: 'arn:aws:iam::111122223333:user/ops-enforced',
          GroupList: ['ops'],
          UserPolicyList: [{ PolicyName: 'enforce', PolicyDocument: ENFORCE }],
        },
      ],
      GroupDetailList: [
        ...raw.GroupDetailList,
        // The wrong shape: an object where IAM returns a list.
        { GroupName: 'ops', AttachedManagedPolicies: { PolicyArn: 'arn:aws:iam::111122223333:policy/x' } },
      ],
    },
    'authz.json',
  );
  assert.equal(broken.issues.length, 1);
  const findings = runOne(
    check,
    emptySnapshot({ authorization: { state: 'collected', location: 'authz.json', value: broken } }),
    (input) => analyzeMfaEnforcement(input, { now: new Date('2026-11-23T12:00:00Z') }),
  );
  const status = statusBy(findings);
  assert.equal(status['ops-member'], 'ERROR');
  assert.equal(status['ops-enforced'], 'PASS');
  // The rest of the file is judged as before.
  assert.equal(status['member'], 'PASS');
  assert.equal(status['loner'], 'FAIL');
  const error = findings.find((f) => f.resource.name === 'ops-member');
  assert.match(error?.message ?? '', /group ops: GroupDetailList\[1\]\.AttachedManagedPolicies/);
});

void it('a partial verdict says how many sensitive actions stay open in each context', () => {
  const boolOnly = {
    ...ENFORCE,
    Statement: [{ ...ENFORCE.Statement[0], Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }],
  };
  const partial = parseAuthorizationDetails(
    {
      UserDetailList: [
        {
          UserName: 'kim',
          Arn: 'arn:aws:iam::111122223333:user/kim',
          UserPolicyList: [{ PolicyName: 'bool-only', PolicyDocument: boolOnly }],
        },
      ],
    },
    'authz.json',
  );
  const [finding] = runOne(
    check,
    emptySnapshot({ authorization: { state: 'collected', location: 'authz.json', value: partial } }),
    (input) => analyzeMfaEnforcement(input, { now: new Date('2026-11-23T12:00:00Z') }),
  );
  assert.equal(finding?.status, 'FAIL');
  assert.equal(finding?.severity, 'low');
  assert.match(
    finding?.message ?? '',
    /only partly: without MFA, 0 sensitive action\(s\) are not denied in a console session and 20 with an access key/,
  );
});
