// The actions whose denial without MFA we test, and the self-service set a user needs to enrol MFA in the first place.

import type { SensitiveAction } from './types.ts';

/**
 * The sensitive actions checked in every context. The list is deliberately small and documented:
 * each entry is something an attacker with a stolen password or key does first (persistence, privilege
 * escalation, defence evasion, data access, spend). `resource` is the glob the action is tried on —
 * `{principalArn}` is the user's own ARN (self-service actions an attacker turns on the victim),
 * `{accountId}` the account. A Deny counts for an action only when it covers the whole glob.
 * None of them is in SELF_SERVICE_MFA_ACTIONS: a policy must be able to deny all of them and still
 * let the user enrol a device.
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
    resource: 'arn:aws:iam::{accountId}:mfa/*',
    why: 'destroys an MFA device',
  },
  {
    action: 'iam:CreateLoginProfile',
    resource: 'arn:aws:iam::{accountId}:user/*',
    why: 'gives another user a console password',
  },
  {
    action: 'iam:UpdateLoginProfile',
    resource: 'arn:aws:iam::{accountId}:user/*',
    why: "resets another user's console password",
  },
  {
    action: 'iam:CreateUser',
    resource: 'arn:aws:iam::{accountId}:user/*',
    why: 'creates a back-door identity',
  },
  {
    action: 'iam:AttachUserPolicy',
    resource: 'arn:aws:iam::{accountId}:user/*',
    why: 'privilege escalation by attaching a managed policy',
  },
  {
    action: 'iam:PutUserPolicy',
    resource: 'arn:aws:iam::{accountId}:user/*',
    why: 'privilege escalation by an inline policy',
  },
  {
    action: 'iam:CreatePolicyVersion',
    resource: 'arn:aws:iam::{accountId}:policy/*',
    why: 'privilege escalation by rewriting a policy',
  },
  {
    action: 'iam:UpdateAssumeRolePolicy',
    resource: 'arn:aws:iam::{accountId}:role/*',
    why: 'lets an outside principal assume a role',
  },
  { action: 'sts:AssumeRole', resource: '*', why: 'moves into roles, often more privileged than the user' },
  { action: 's3:GetObject', resource: 'arn:aws:s3:::*/*', why: 'reads data (exfiltration)' },
  {
    action: 's3:PutBucketPolicy',
    resource: 'arn:aws:s3:::*',
    why: 'opens a bucket to the world or another account',
  },
  { action: 'ec2:RunInstances', resource: '*', why: 'launches instances (crypto-mining, spend)' },
  { action: 'ec2:TerminateInstances', resource: '*', why: 'destroys workloads' },
  { action: 'kms:Decrypt', resource: '*', why: 'decrypts protected data' },
  { action: 'secretsmanager:GetSecretValue', resource: '*', why: 'reads secrets' },
  { action: 'cloudtrail:StopLogging', resource: '*', why: 'blinds detection (defence evasion)' },
  { action: 'cloudtrail:DeleteTrail', resource: '*', why: 'blinds detection (defence evasion)' },
  { action: 'organizations:LeaveOrganization', resource: '*', why: 'escapes the organization and its SCPs' },
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
