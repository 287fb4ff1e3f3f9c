// The lists the MFA verdict is judged on: each sensitive action on the resource IAM would see, as the docs say, and
// the self-enrolment steps judged against AWS's own "self-manage an MFA device" example policy.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { evaluateRequest, loadPolicy } from './evaluate.ts';
import { analyzeMfaEnforcement, fillResource, mfaContextKeys } from './mfa-enforcement.ts';
import { SELF_ENROLMENT_PROBES, SELF_SERVICE_MFA_ACTIONS, SENSITIVE_ACTIONS } from './sensitive-actions.ts';
import { ADMIN, ALICE, NOW } from './test-support/fixtures.ts';

// A user outside the default partition and region, so a sample that ignores its placeholders shows.
const BOB = {
  principalArn: 'arn:aws-cn:iam::210987654321:user/bob',
  userName: 'bob',
  accountId: '210987654321',
};

// The IAM User Guide's example "IAM: Allows IAM users to self-manage an MFA device"
// (reference_policies_examples_iam_mfa-selfmanage.html), written for the aws partition.
const AWS_SELF_MANAGE_MFA = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowListActions',
      Effect: 'Allow',
      Action: ['iam:ListUsers', 'iam:ListVirtualMFADevices'],
      Resource: '*',
    },
    {
      Sid: 'AllowUserToCreateVirtualMFADevice',
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice'],
      Resource: 'arn:aws:iam::*:mfa/*',
    },
    {
      Sid: 'AllowUserToManageTheirOwnMFA',
      Effect: 'Allow',
      Action: ['iam:EnableMFADevice', 'iam:GetMFADevice', 'iam:ListMFADevices', 'iam:ResyncMFADevice'],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
    },
    {
      Sid: 'AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA',
      Effect: 'Allow',
      Action: ['iam:DeactivateMFADevice'],
      Resource: ['arn:aws:iam::*:user/${aws:username}'],
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
    {
      Sid: 'BlockMostAccessUnlessSignedInWithMFA',
      Effect: 'Deny',
      NotAction: [
        'iam:CreateVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:ListMFADevices',
        'iam:ListUsers',
        'iam:ListVirtualMFADevices',
        'iam:ResyncMFADevice',
      ],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};
void describe('sensitive actions', () => {
  void it('tries each action on the typed sample resource IAM would see, in the user’s partition and region', () => {
    const tried = SENSITIVE_ACTIONS.map((s) => [s.action, fillResource(s.resource, BOB, 'eu-west-1')]);
    const own = 'arn:aws-cn:iam::210987654321:user/bob';
    const iam = 'arn:aws-cn:iam::210987654321';
    const regional = (service: string, rest: string) =>
      `arn:aws-cn:${service}:eu-west-1:210987654321:${rest}`;
    assert.deepEqual(tried, [
      ['iam:CreateAccessKey', own],
      ['iam:DeactivateMFADevice', own],
      ['iam:DeleteVirtualMFADevice', `${iam}:mfa/bob`],
      ['iam:CreateLoginProfile', `${iam}:user/mfaguard-sample-user`],
      ['iam:UpdateLoginProfile', `${iam}:user/mfaguard-sample-user`],
      ['iam:CreateUser', `${iam}:user/mfaguard-sample-user`],
      ['iam:AttachUserPolicy', own],
      ['iam:PutUserPolicy', own],
      ['iam:CreatePolicyVersion', `${iam}:policy/mfaguard-sample-policy`],
      ['iam:UpdateAssumeRolePolicy', `${iam}:role/mfaguard-sample-role`],
      ['sts:AssumeRole', `${iam}:role/mfaguard-sample-role`],
      ['s3:GetObject', 'arn:aws-cn:s3:::mfaguard-sample-bucket/sample-object'],
      ['s3:PutBucketPolicy', 'arn:aws-cn:s3:::mfaguard-sample-bucket'],
      ['ec2:RunInstances', regional('ec2', 'instance/*')],
      ['ec2:TerminateInstances', regional('ec2', 'instance/i-0123456789abcdef0')],
      ['kms:Decrypt', regional('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab')],
      ['secretsmanager:GetSecretValue', regional('secretsmanager', 'secret:mfaguard-sample-AbCdEf')],
      ['cloudtrail:StopLogging', regional('cloudtrail', 'trail/mfaguard-sample-trail')],
      ['cloudtrail:DeleteTrail', regional('cloudtrail', 'trail/mfaguard-sample-trail')],
      ['organizations:LeaveOrganization', '*'],
    ]);
  });

  void it('are the actions docs/policy-analysis.md lists, each with a reason, none of them self-service', () => {
    const docs = readFileSync(new URL('../../../docs/policy-analysis.md', import.meta.url), 'utf8');
    const section = docs.split('## Typed sample resources')[1]?.split('\n## ')[0] ?? '';
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) =>
        [...(line.split('|')[1] ?? '').matchAll(/`([a-z0-9]+:[A-Za-z]+)`/g)].map((m) => m[1]),
      );
    assert.deepEqual(documented.sort(), SENSITIVE_ACTIONS.map((s) => s.action).sort());
    for (const s of SENSITIVE_ACTIONS) {
      assert.ok(s.why.length > 0, `${s.action} says why it is sensitive`);
      assert.ok(!SELF_SERVICE_MFA_ACTIONS.includes(s.action), `${s.action} is not self-service`);
    }
    for (const probe of SELF_ENROLMENT_PROBES)
      assert.ok(SELF_SERVICE_MFA_ACTIONS.includes(probe.action), `${probe.action} is self-service`);
  });
});

// The Deny without MFA of AWS's example "Allows MFA-authenticated IAM users to manage their own credentials on the
// Security credentials page" (reference_policies_examples_aws_my-sec-creds-self-manage.html, statement
// DenyAllExceptListedIfNoMFA) exempts these, and its note adds iam:ChangePassword and iam:GetAccountPasswordPolicy
// for a user who must reset the password at sign-in. A reference outside the code, not a copy of the list: an action
// dropped from it (GetUser, say) breaks the console's MFA page for every user of `mfaguard guardrails policy`.
const AWS_SELF_MANAGE_CREDENTIALS_NOT_ACTION = [
  'iam:CreateVirtualMFADevice',
  'iam:EnableMFADevice',
  'iam:GetUser',
  'iam:GetMFADevice',
  'iam:ListMFADevices',
  'iam:ListVirtualMFADevices',
  'iam:ResyncMFADevice',
  'sts:GetSessionToken',
];
const AWS_PASSWORD_AT_SIGN_IN = ['iam:ChangePassword', 'iam:GetAccountPasswordPolicy'];

void describe('self-service actions', () => {
  void it('are what AWS’s self-manage-credentials example exempts from its no-MFA Deny, plus its password-reset pair, sorted', () => {
    assert.deepEqual(
      SELF_SERVICE_MFA_ACTIONS,
      [...AWS_SELF_MANAGE_CREDENTIALS_NOT_ACTION, ...AWS_PASSWORD_AT_SIGN_IN].sort(),
    );
  });
});

void describe('self-enrolment probes', () => {
  void it('are the steps and resources of AWS’s self-manage example: its Allows let four through without MFA', () => {
    const set = {
      identity: [
        loadPolicy({ name: 'SelfManageMfa', source: 'user-managed', document: AWS_SELF_MANAGE_MFA }),
      ],
    };
    const decisions = SELF_ENROLMENT_PROBES.map((probe) => {
      const resource = fillResource(probe.resource, ALICE);
      const keys = mfaContextKeys(probe.context, ALICE, NOW);
      return [
        probe.action,
        probe.context,
        resource,
        evaluateRequest(set, { action: probe.action, resource, keys }).decision,
      ];
    });
    // The example exempts neither ChangePassword nor GetSessionToken from its Deny: those two are denied.
    assert.deepEqual(decisions, [
      ['iam:CreateVirtualMFADevice', 'console', 'arn:aws:iam::123456789012:mfa/alice', 'allow'],
      ['iam:EnableMFADevice', 'console', ALICE.principalArn, 'allow'],
      ['iam:ListMFADevices', 'console', ALICE.principalArn, 'allow'],
      ['iam:ResyncMFADevice', 'console', ALICE.principalArn, 'allow'],
      ['iam:ChangePassword', 'console', ALICE.principalArn, 'explicit-deny'],
      ['sts:GetSessionToken', 'accessKeys', '*', 'explicit-deny'],
    ]);
    const r = analyzeMfaEnforcement(
      {
        ...ALICE,
        identityPolicies: [{ name: 'SelfManageMfa', source: 'user-managed', document: AWS_SELF_MANAGE_MFA }],
      },
      { now: NOW },
    );
    assert.deepEqual(
      r.findings.filter((f) => f.code === 'denies-mfa-self-enrolment'),
      [
        {
          code: 'denies-mfa-self-enrolment',
          level: 'warning',
          message:
            "statement 'BlockMostAccessUnlessSignedInWithMFA' of user-managed policy 'SelfManageMfa' denies, without MFA, what a user needs to get MFA: iam:ChangePassword (sets a new password when a reset is required at first sign-in); sts:GetSessionToken (turns an access key plus an MFA code into an MFA session). Users without MFA lose that path to MFA. Exempt these actions from the Deny (NotAction), on the user's own resources",
          statement: {
            policy: 'SelfManageMfa',
            source: 'user-managed',
            index: 4,
            sid: 'BlockMostAccessUnlessSignedInWithMFA',
          },
        },
      ],
    );
  });

  void it('a Deny of everything without MFA blocks every step, each named with why it is needed', () => {
    const r = analyzeMfaEnforcement(
      {
        ...ALICE,
        identityPolicies: [
          ADMIN,
          {
            name: 'DenyAll',
            source: 'user-managed',
            document: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Deny',
                  Action: '*',
                  Resource: '*',
                  Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
                },
              ],
            },
          },
        ],
      },
      { now: NOW },
    );
    const finding = r.findings.find((f) => f.code === 'denies-mfa-self-enrolment');
    assert.ok(finding !== undefined);
    assert.equal(finding.level, 'error');
    assert.equal(
      finding.message,
      "statement #1 of user-managed policy 'DenyAll' denies, without MFA, what a user needs to get MFA: " +
        'iam:CreateVirtualMFADevice (creates the virtual device to enrol); iam:EnableMFADevice (enrols the device); ' +
        "iam:ListMFADevices (lists the user's devices, which the console's MFA page needs); " +
        'iam:ResyncMFADevice (resynchronises a device that drifted); ' +
        'iam:ChangePassword (sets a new password when a reset is required at first sign-in); ' +
        'sts:GetSessionToken (turns an access key plus an MFA code into an MFA session). ' +
        "Users without MFA can never enrol a device. Exempt these actions from the Deny (NotAction), on the user's own resources",
    );
  });
});
