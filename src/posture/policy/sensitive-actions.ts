// The actions whose denial without MFA we test, and the self-service set a user needs to enrol MFA in the first place.

import type { SensitiveAction } from './types.ts';

/**
 * The sensitive actions checked in every context. The list is deliberately small and documented:
 * each entry is something an attacker with a stolen password or key does first (persistence, privilege
 * escalation, defence evasion, data access, spend). `resource` is the typed sample resource the action is
 * tried on, as IAM would see it in the request: the user's own ARN for what an attacker turns on the victim,
 * another user, an MFA device, a role, a bucket and an object, an instance, a key, a secret, a trail. An
 * action with no resource type (the Service Authorization Reference lists none for sts:GetSessionToken or
 * organizations:LeaveOrganization) is tried on `*`, the resource IAM uses then. Placeholders are filled in
 * for the user analysed: `{partition}`, `{accountId}`, `{region}`, `{principalArn}`, `{userName}`.
 * A concrete sample (never a `*` pattern) is what lets a `NotResource` Deny be judged at all: a sample
 * object is plainly outside `NotResource: arn:aws:iam::*:user/${aws:username}`, where "any resource" is not.
 * None of them is in SELF_SERVICE_MFA_ACTIONS: a policy must be able to deny all of them and still let the
 * user enrol a device.
 */
export const SENSITIVE_ACTIONS: readonly SensitiveAction[] = [
  {
    action: 'iam:CreateAccessKey',
    resource: '{principalArn}',
    why: 'a stolen password becomes a permanent access key (persistence)',
  },
  {
    action: 'iam:DeactivateMFADevice',
    resource: '{principalArn}',
    why: 'removes the second factor: the event mfaguard exists for',
  },
  {
    action: 'iam:DeleteVirtualMFADevice',
    resource: 'arn:{partition}:iam::{accountId}:mfa/{userName}',
    why: 'destroys an MFA device',
  },
  {
    action: 'iam:CreateLoginProfile',
    resource: 'arn:{partition}:iam::{accountId}:user/mfaguard-sample-user',
    why: 'gives another user a console password',
  },
  {
    action: 'iam:UpdateLoginProfile',
    resource: 'arn:{partition}:iam::{accountId}:user/mfaguard-sample-user',
    why: "resets another user's console password",
  },
  {
    action: 'iam:CreateUser',
    resource: 'arn:{partition}:iam::{accountId}:user/mfaguard-sample-user',
    why: 'creates a back-door identity',
  },
  {
    action: 'iam:AttachUserPolicy',
    resource: '{principalArn}',
    why: 'privilege escalation by attaching a managed policy to oneself',
  },
  {
    action: 'iam:PutUserPolicy',
    resource: '{principalArn}',
    why: 'privilege escalation by an inline policy on oneself',
  },
  {
    action: 'iam:CreatePolicyVersion',
    resource: 'arn:{partition}:iam::{accountId}:policy/mfaguard-sample-policy',
    why: 'privilege escalation by rewriting a policy',
  },
  {
    action: 'iam:UpdateAssumeRolePolicy',
    resource: 'arn:{partition}:iam::{accountId}:role/mfaguard-sample-role',
    why: 'lets an outside principal assume a role',
  },
  {
    action: 'sts:AssumeRole',
    resource: 'arn:{partition}:iam::{accountId}:role/mfaguard-sample-role',
    why: 'moves into roles, often more privileged than the user',
  },
  {
    action: 's3:GetObject',
    resource: 'arn:{partition}:s3:::mfaguard-sample-bucket/sample-object',
    why: 'reads data (exfiltration)',
  },
  {
    action: 's3:PutBucketPolicy',
    resource: 'arn:{partition}:s3:::mfaguard-sample-bucket',
    why: 'opens a bucket to the world or another account',
  },
  {
    // At launch the instance has no id yet: IAM authorizes RunInstances on `instance/*`.
    action: 'ec2:RunInstances',
    resource: 'arn:{partition}:ec2:{region}:{accountId}:instance/*',
    why: 'launches instances (crypto-mining, spend)',
  },
  {
    action: 'ec2:TerminateInstances',
    resource: 'arn:{partition}:ec2:{region}:{accountId}:instance/i-0123456789abcdef0',
    why: 'destroys workloads',
  },
  {
    action: 'kms:Decrypt',
    resource: 'arn:{partition}:kms:{region}:{accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    why: 'decrypts protected data',
  },
  {
    action: 'secretsmanager:GetSecretValue',
    resource: 'arn:{partition}:secretsmanager:{region}:{accountId}:secret:mfaguard-sample-AbCdEf',
    why: 'reads secrets',
  },
  {
    action: 'cloudtrail:StopLogging',
    resource: 'arn:{partition}:cloudtrail:{region}:{accountId}:trail/mfaguard-sample-trail',
    why: 'blinds detection (defence evasion)',
  },
  {
    action: 'cloudtrail:DeleteTrail',
    resource: 'arn:{partition}:cloudtrail:{region}:{accountId}:trail/mfaguard-sample-trail',
    why: 'blinds detection (defence evasion)',
  },
  {
    action: 'organizations:LeaveOrganization',
    resource: '*',
    why: 'escapes the organization and its SCPs',
  },
];

/**
 * What a user must be able to do without MFA to enrol a first device, each on the resource IAM sees and in
 * the context where it is called: the console walks through CreateVirtualMFADevice (the device is named
 * after the user), EnableMFADevice, ListMFADevices and ResyncMFADevice on the own user, and ChangePassword
 * when the password must be reset at first sign-in; an access-key user obtains an MFA session with
 * sts:GetSessionToken. A Deny of any of these without MFA means the user can never get MFA in the first place.
 */
export const SELF_ENROLMENT_PROBES: readonly (SensitiveAction & {
  readonly context: 'console' | 'accessKeys';
})[] = [
  {
    action: 'iam:CreateVirtualMFADevice',
    resource: 'arn:{partition}:iam::{accountId}:mfa/{userName}',
    context: 'console',
    why: 'creates the virtual device to enrol',
  },
  {
    action: 'iam:EnableMFADevice',
    resource: '{principalArn}',
    context: 'console',
    why: 'enrols the device',
  },
  {
    action: 'iam:ListMFADevices',
    resource: '{principalArn}',
    context: 'console',
    why: "lists the user's devices, which the console's MFA page needs",
  },
  {
    action: 'iam:ResyncMFADevice',
    resource: '{principalArn}',
    context: 'console',
    why: 'resynchronises a device that drifted',
  },
  {
    action: 'iam:ChangePassword',
    resource: '{principalArn}',
    context: 'console',
    why: 'sets a new password when a reset is required at first sign-in',
  },
  {
    action: 'sts:GetSessionToken',
    resource: '*',
    context: 'accessKeys',
    why: 'turns an access key plus an MFA code into an MFA session',
  },
];

/**
 * What a user without MFA must still be able to do to enrol a device and manage their own password
 * (AWS's documented self-service policies exempt these from the no-MFA Deny). `sts:GetSessionToken` is how
 * an access-key user obtains an MFA session; `iam:ChangePassword` / `iam:GetAccountPasswordPolicy` let a
 * user with a password-reset-required login sign in at all.
 */
export const SELF_SERVICE_MFA_ACTIONS: readonly string[] = [
  'iam:ChangePassword',
  'iam:CreateVirtualMFADevice',
  'iam:EnableMFADevice',
  'iam:GetAccountPasswordPolicy',
  'iam:GetMFADevice',
  'iam:GetUser',
  'iam:ListMFADevices',
  'iam:ListVirtualMFADevices',
  'iam:ResyncMFADevice',
  'sts:GetSessionToken',
];
