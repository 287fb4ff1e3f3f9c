// The IAM policy documents mfaguard recommends: self-service MFA enforcement, quarantine after an MFA removal, and the break-glass SCP.

import { UsageError } from '../model/index.ts';
import { SELF_SERVICE_MFA_ACTIONS } from '../posture/index.ts';

export interface PolicyStatementDocument {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatementDocument[];
}

const OWN_USER = 'arn:aws:iam::*:user/${aws:username}';

/**
 * Self-service MFA enforcement, to attach to every human user (or their group). Users can see and
 * manage their own password and MFA device; everything else — including deactivating or deleting a
 * device — is explicitly denied unless the request carries MFA. BoolIfExists (not Bool) so that requests
 * signed with long-term access keys, which carry no MFA key at all, are denied too; access-key users get
 * an MFA session through sts:GetSessionToken, which stays exempt.
 */
export function buildMfaEnforcementPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowViewAccountInfo',
        Effect: 'Allow',
        Action: ['iam:GetAccountPasswordPolicy', 'iam:ListVirtualMFADevices'],
        Resource: '*',
      },
      {
        Sid: 'AllowManageOwnPassword',
        Effect: 'Allow',
        Action: ['iam:ChangePassword', 'iam:GetUser'],
        Resource: OWN_USER,
      },
      {
        Sid: 'AllowCreateOwnVirtualMFADevice',
        Effect: 'Allow',
        Action: ['iam:CreateVirtualMFADevice'],
        Resource: 'arn:aws:iam::*:mfa/*',
      },
      {
        Sid: 'AllowManageOwnUserMFA',
        Effect: 'Allow',
        Action: ['iam:EnableMFADevice', 'iam:GetMFADevice', 'iam:ListMFADevices', 'iam:ResyncMFADevice'],
        Resource: OWN_USER,
      },
      {
        Sid: 'AllowRemoveOwnMFAOnlyWithMFA',
        Effect: 'Allow',
        Action: ['iam:DeactivateMFADevice'],
        Resource: OWN_USER,
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      {
        Sid: 'DenyAllExceptSelfServiceIfNoMFA',
        Effect: 'Deny',
        NotAction: [...SELF_SERVICE_MFA_ACTIONS],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  };
}

/** What a quarantined user may still do in `re-enrol` mode: look at themselves and enrol a new device. */
export const QUARANTINE_EXEMPT_ACTIONS: readonly string[] = [
  'iam:CreateVirtualMFADevice',
  'iam:EnableMFADevice',
  'iam:GetUser',
  'iam:ListMFADevices',
  'iam:ListVirtualMFADevices',
  'iam:ResyncMFADevice',
];

export type QuarantineMode = 're-enrol' | 'deny-all';

/**
 * Quarantine for a user whose MFA was removed, attached by the responder (or by hand) until the owner
 * is verified. The Deny is unconditional on purpose: whoever removed the device may enrol their own,
 * and an MFA session must not lift the quarantine. It is lifted by detaching the policy: a person does,
 * or the responder does when the owner re-enrols from a place seen before the removal (docs/respond.md).
 * `re-enrol` (default) leaves the user able to read their own user and enrol a device on their own
 * user only, so the legitimate owner can recover quickly; `deny-all` denies every action, for a
 * suspected takeover where even re-enrolment should wait for the security team.
 */
export function buildQuarantinePolicy(mode: QuarantineMode = 're-enrol'): PolicyDocument {
  if (mode === 'deny-all') {
    return {
      Version: '2012-10-17',
      Statement: [{ Sid: 'MfaguardQuarantineDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
    };
  }
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'MfaguardQuarantineDenyAllButReEnrol',
        Effect: 'Deny',
        NotAction: [...QUARANTINE_EXEMPT_ACTIONS],
        Resource: '*',
      },
      {
        // The exempt actions stay limited to the user's own user and devices, whatever else they hold.
        Sid: 'MfaguardQuarantineOwnUserOnly',
        Effect: 'Deny',
        Action: ['iam:EnableMFADevice', 'iam:GetUser', 'iam:ListMFADevices', 'iam:ResyncMFADevice'],
        NotResource: OWN_USER,
      },
    ],
  };
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The ARN patterns the break-glass role may act as (with or without an IAM path), from a name or an ARN. */
export function breakGlassPrincipalPatterns(role: string): string[] {
  if (role.startsWith('arn:')) {
    if (!/^arn:aws[\w-]*:iam::(\d{12}|\*):role\/[\w+=,.@/*?-]+$/.test(role)) {
      throw new UsageError(
        `--break-glass-role: '${role.slice(0, 80)}' is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)`,
      );
    }
    return [role];
  }
  if (!ROLE_NAME.test(role)) {
    throw new UsageError(
      `--break-glass-role: '${role.slice(0, 80)}' is not an IAM role name (1-64 characters: letters, digits and +=,.@_-)`,
    );
  }
  return [`arn:aws:iam::*:role/${role}`, `arn:aws:iam::*:role/*/${role}`];
}

/** Actions the SCP takes away, without MFA, from everyone but the break-glass role. */
export const MFA_REMOVAL_ACTIONS: readonly string[] = [
  'iam:DeactivateMFADevice',
  'iam:DeleteVirtualMFADevice',
];

/**
 * SCP that denies removing or deleting MFA devices without MFA in member accounts to every principal except the
 * break-glass role (ArnNotLike on aws:PrincipalArn, which for a role session is the role's ARN). Removal WITH MFA
 * stays possible, or the SCP would contradict the self-service policy: a user replacing their own device must
 * deactivate the old one (signed in with it), and an administrator with MFA resets a lost device. SCPs do not apply
 * to the management account; protect that one with monitoring and the quarantine policy.
 */
export function buildBreakGlassScp(role: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyMfaRemovalExceptBreakGlass',
        Effect: 'Deny',
        Action: [...MFA_REMOVAL_ACTIONS],
        Resource: '*',
        // Both operators must hold for the Deny (AWS ANDs them): not break-glass, and no MFA in the request.
        Condition: {
          ArnNotLike: { 'aws:PrincipalArn': breakGlassPrincipalPatterns(role) },
          BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
        },
      },
    ],
  };
}
