// The typed posture snapshot of one AWS account: every outside value parsed once, at the edge, into these shapes.

import type { InputIssue } from '../../model/index.ts';

/**
 * A credential-report date cell. AWS writes `N/A` (no such credential / never used), `no_information`
 * (not tracked, e.g. a password never used since tracking began) and `not_supported` (root password fields).
 */
export type ReportDate =
  | { readonly state: 'date'; readonly iso: string; readonly ms: number }
  | { readonly state: 'N/A' }
  | { readonly state: 'no_information' }
  | { readonly state: 'not_supported' };

export interface ReportAccessKey {
  readonly slot: 1 | 2;
  readonly active: boolean;
  readonly lastRotated: ReportDate;
  readonly lastUsedDate: ReportDate;
  readonly lastUsedRegion: string | null;
  readonly lastUsedService: string | null;
}

export interface CredentialReportRow {
  /** `<root_account>` for the root user. */
  readonly user: string;
  readonly arn: string;
  readonly isRoot: boolean;
  /** 1-based line of the CSV the row came from. */
  readonly line: number;
  readonly userCreationTime: ReportDate;
  /** The root row says `not_supported`: the report cannot tell whether root has a password. */
  readonly passwordEnabled: boolean | 'not_supported';
  readonly passwordLastUsed: ReportDate;
  readonly passwordLastChanged: ReportDate;
  readonly passwordNextRotation: ReportDate;
  readonly mfaActive: boolean;
  readonly accessKeys: readonly [ReportAccessKey, ReportAccessKey];
  readonly certificates: readonly [{ readonly active: boolean }, { readonly active: boolean }];
}

export interface CredentialReport {
  /** When AWS generated the report (live, or the JSON's GeneratedTime); null for a bare CSV. */
  readonly generatedAt: string | null;
  /** Where it came from: a file path or `aws:GetCredentialReport`. */
  readonly location: string;
  /** IAM users, one per user name (a duplicated row keeps the later one and is reported as an issue). */
  readonly users: readonly CredentialReportRow[];
  readonly root: CredentialReportRow | null;
}

/** From the serial number's shape: `:mfa/` virtual, `:u2f/` FIDO security key, anything else a hardware TOTP token. */
export type MfaDeviceKind = 'virtual' | 'fido' | 'hardware';

export interface MfaDevice {
  readonly serialNumber: string;
  readonly kind: MfaDeviceKind;
  /** The IAM user name, `<root_account>` for root, null for an unassigned virtual device. */
  readonly userName: string | null;
  readonly userArn: string | null;
  readonly enableDate: string | null;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement?: unknown;
  readonly [key: string]: unknown;
}

export interface InlinePolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface AttachedPolicy {
  readonly name: string;
  readonly arn: string;
}

export interface IamUserDetail {
  readonly userName: string;
  readonly arn: string;
  readonly userId: string | null;
  readonly path: string | null;
  /** ISO 8601, when the input carried it. */
  readonly createDate: string | null;
  readonly groups: readonly string[];
  readonly inlinePolicies: readonly InlinePolicy[];
  readonly attachedPolicies: readonly AttachedPolicy[];
  readonly permissionsBoundaryArn: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** Parts of this user's entry that could not be read (each also an issue): its policy set is incomplete. */
  readonly problems: readonly string[];
}

export interface IamGroupDetail {
  readonly groupName: string;
  readonly arn: string;
  readonly inlinePolicies: readonly InlinePolicy[];
  readonly attachedPolicies: readonly AttachedPolicy[];
  /** Parts of this group's entry that could not be read: its members' policy sets are incomplete. */
  readonly problems: readonly string[];
}

export interface IamRoleDetail {
  readonly roleName: string;
  readonly arn: string;
  readonly attachedPolicyArns: readonly string[];
  readonly permissionsBoundaryArn: string | null;
}

export interface ManagedPolicyDetail {
  readonly name: string;
  readonly arn: string;
  readonly attachmentCount: number | null;
  readonly permissionsBoundaryUsageCount: number | null;
  /** The default version's document; null when the file did not carry it. */
  readonly defaultDocument: PolicyDocument | null;
}

export interface AuthorizationDetails {
  readonly location: string;
  /** Items (a user, a group, a policy, one of their lists) that could not be read; the rest was kept. */
  readonly issues: readonly InputIssue[];
  readonly users: readonly IamUserDetail[];
  readonly groups: readonly IamGroupDetail[];
  readonly roles: readonly IamRoleDetail[];
  readonly policies: readonly ManagedPolicyDetail[];
}

export interface PasswordPolicy {
  readonly minimumLength: number | null;
  readonly requireSymbols: boolean | null;
  readonly requireNumbers: boolean | null;
  readonly requireUppercase: boolean | null;
  readonly requireLowercase: boolean | null;
  readonly maxAgeDays: number | null;
  readonly reusePrevention: number | null;
}

/** An SCP that applies to the account, for the policy analyzer. */
export interface ServiceControlPolicy {
  readonly name: string;
  readonly id: string;
  readonly arn: string | null;
  /** The root, OU or account it is attached to. */
  readonly target: string;
  readonly document: PolicyDocument;
}

/** Each piece of the snapshot; `collected: false` means nobody asked for it (offline, file not given). */
export type Part<T> =
  | { readonly state: 'collected'; readonly value: T; readonly location: string }
  | { readonly state: 'not-collected' }
  | { readonly state: 'failed'; readonly reason: string; readonly location: string };

export type SnapshotPartName =
  | 'credentialReport'
  | 'mfaDevices'
  | 'virtualMfaDevices'
  | 'authorization'
  | 'accountSummary'
  | 'passwordPolicy'
  | 'rootAccess'
  | 'scps';

/** Centralized root access management, from the organization and the account summary. */
export interface RootAccess {
  /** The organization has RootCredentialsManagement enabled (IAM ListOrganizationsFeatures); null when unknown. */
  readonly centralizedManagement: boolean | null;
  /** From GetAccountSummary AccountPasswordPresent / AccountAccessKeysPresent / AccountMFAEnabled when present. */
  readonly passwordPresent: boolean | null;
  readonly accessKeysPresent: boolean | null;
  readonly mfaEnabled: boolean | null;
}

export interface AccountSnapshot {
  /** The account ID, from STS, the ARNs in the inputs or `--account-id`; null when nothing says. */
  readonly accountId: string | null;
  readonly accountName: string | null;
  readonly source: 'live' | 'offline';
  /** When mfaguard collected it (the clock passed in). */
  readonly collectedAt: string;
  /** The account could not be reached at all (organization member whose role could not be assumed). */
  readonly unreachable: string | null;
  readonly credentialReport: Part<CredentialReport>;
  /** Every device from ListMFADevices (per user) and ListVirtualMFADevices, merged by serial number. */
  readonly mfaDevices: Part<readonly MfaDevice[]>;
  readonly virtualMfaDevices: Part<readonly MfaDevice[]>;
  readonly authorization: Part<AuthorizationDetails>;
  readonly accountSummary: Part<Readonly<Record<string, number>>>;
  /** `null` value: the account has no password policy (NoSuchEntity). */
  readonly passwordPolicy: Part<PasswordPolicy | null>;
  readonly rootAccess: Part<RootAccess>;
  readonly scps: Part<readonly ServiceControlPolicy[]>;
  readonly issues: readonly InputIssue[];
}

export function notCollected<T>(): Part<T> {
  return { state: 'not-collected' };
}
