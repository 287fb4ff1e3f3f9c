// The shape of a posture check and the helpers checks share: resources, ages, the user's MFA facts.

import type { FindingResource, FindingStatus, IamUserFacts, Severity } from '../../model/index.ts';
import { partitionOfArn } from '../../model/index.ts';
import { ROOT_USER } from '../collect/credential-report.ts';
import type {
  AccountSnapshot,
  CredentialReportRow,
  MfaDevice,
  ReportDate,
  SnapshotPartName,
} from '../collect/snapshot.ts';

/** Thresholds, from configuration. CIS uses 45 days for unused credentials and 90 for key rotation. */
export interface PostureConfig {
  readonly maxUnusedDays: number;
  readonly maxKeyAgeDays: number;
}

export const DEFAULT_POSTURE_CONFIG: PostureConfig = { maxUnusedDays: 45, maxKeyAgeDays: 90 };

/** The policy analyzer's contract (src/posture/policy), passed in so checks stay pure and testable. */
export interface PolicyRef {
  readonly name: string;
  readonly arn?: string;
  readonly source:
    | 'user-inline'
    | 'user-managed'
    | 'group-inline'
    | 'group-managed'
    | 'permissions-boundary'
    | 'scp'
    | 'standalone';
  readonly via?: string;
  readonly document: unknown;
}

export interface MfaEnforcementInput {
  readonly principalArn: string;
  readonly userName: string;
  readonly accountId: string;
  readonly identityPolicies: PolicyRef[];
  readonly permissionsBoundary?: PolicyRef;
  readonly scps?: PolicyRef[];
}

export type EnforcementVerdict = 'enforced' | 'partial' | 'not-enforced';

/** What a check reads of one no-MFA context of the analysis (the rest goes to the evidence as it is). */
export interface ContextSummary {
  readonly notDeniedActions?: readonly string[];
}

export interface MfaEnforcementResult {
  readonly verdict: EnforcementVerdict;
  readonly console: ContextSummary | null;
  readonly accessKeys: ContextSummary | null;
  readonly findings: readonly unknown[];
  readonly explanation: unknown;
}

export type AnalyzeMfaEnforcement = (input: MfaEnforcementInput) => MfaEnforcementResult;

export interface CheckContext {
  /** The clock: every age is measured from here, never from the wall clock. */
  readonly now: Date;
  readonly config: PostureConfig;
  /** null when the analyzer is not available: the policy check then reports ERROR. */
  readonly analyze: AnalyzeMfaEnforcement | null;
}

/** What a check returns; the runner adds the check id, controls and remediation. */
export interface FindingDraft {
  readonly status: FindingStatus;
  readonly resource: FindingResource;
  readonly message: string;
  /** Overrides the check's severity (e.g. a partial verdict). */
  readonly severity?: Severity;
  readonly evidence?: Readonly<Record<string, unknown>>;
}

export interface Check {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Snapshot parts the check cannot run without; a failed one gives ERROR, a missing one NOT_APPLICABLE. */
  readonly requires: readonly SnapshotPartName[];
  readonly remediation: string;
  /** Where the fix is documented (the Security Hub control page where there is one, else the IAM User Guide). */
  readonly remediationUrl: string;
  run(snapshot: AccountSnapshot, ctx: CheckContext): FindingDraft[];
}

const DAY_MS = 86_400_000;

export function ageDays(date: ReportDate, now: Date): number | null {
  return date.state === 'date' ? Math.floor((now.getTime() - date.ms) / DAY_MS) : null;
}

export function describeDate(date: ReportDate): string {
  return date.state === 'date' ? date.iso : date.state;
}

/**
 * The account's partition, from the ARNs its snapshot holds (credential report, authorization details): what the
 * ARNs the checks build must use in aws-cn and aws-us-gov. The standard `aws` when none is known.
 */
export function snapshotPartition(snapshot: AccountSnapshot): string {
  const report = snapshot.credentialReport.state === 'collected' ? snapshot.credentialReport.value : null;
  const auth = snapshot.authorization.state === 'collected' ? snapshot.authorization.value : null;
  const known = [
    report?.root?.arn,
    ...(report?.users ?? []).map((row) => row.arn),
    ...(auth?.users ?? []).map((u) => u.arn),
  ];
  for (const arn of known) {
    const partition = partitionOfArn(arn);
    if (partition !== null) return partition;
  }
  return 'aws';
}

export function accountResource(snapshot: AccountSnapshot): FindingResource {
  const id = snapshot.accountId;
  return {
    type: 'AwsAccount',
    name: id ?? 'unknown account',
    arn: id === null ? null : `arn:${snapshotPartition(snapshot)}:iam::${id}:root`,
    account: id,
  };
}

export function rootResource(snapshot: AccountSnapshot, row: CredentialReportRow | null): FindingResource {
  const id = snapshot.accountId;
  return {
    type: 'AwsAccount',
    name: ROOT_USER,
    arn: row?.arn ?? (id === null ? null : `arn:${snapshotPartition(snapshot)}:iam::${id}:root`),
    account: id,
  };
}

export function userResource(snapshot: AccountSnapshot, name: string, arn: string | null): FindingResource {
  return {
    type: 'AwsIamUser',
    name,
    arn: arn === '' ? null : arn,
    account: snapshot.accountId,
    iamUser: iamUserFacts(snapshot, name),
  };
}

/** What the credential report and authorization details say about one user, for exports such as ASFF. */
export function iamUserFacts(snapshot: AccountSnapshot, name: string): IamUserFacts {
  const row =
    snapshot.credentialReport.state === 'collected'
      ? snapshot.credentialReport.value.users.find((u) => u.user === name)
      : undefined;
  const detail =
    snapshot.authorization.state === 'collected'
      ? snapshot.authorization.value.users.find((u) => u.userName === name)
      : undefined;
  const created =
    detail?.createDate ?? (row?.userCreationTime.state === 'date' ? row.userCreationTime.iso : null);
  return {
    userName: name,
    ...(detail?.userId == null ? {} : { userId: detail.userId }),
    ...(detail?.path == null ? {} : { path: detail.path }),
    ...(created === null ? {} : { createDate: created }),
    ...(detail === undefined
      ? {}
      : {
          groups: detail.groups,
          attachedPolicies: detail.attachedPolicies,
          inlinePolicyNames: detail.inlinePolicies.map((p) => p.name),
          ...(detail.permissionsBoundaryArn === null
            ? {}
            : { permissionsBoundaryArn: detail.permissionsBoundaryArn }),
        }),
  };
}

/** Devices of one user (by name), when device lists were collected; null otherwise. */
export function devicesOf(snapshot: AccountSnapshot, userName: string): MfaDevice[] | null {
  if (snapshot.mfaDevices.state !== 'collected') return null;
  return snapshot.mfaDevices.value.filter((d) => d.userName === userName);
}

/**
 * Whether the user has MFA now. The credential report can be four hours old; when device lists were
 * collected they are fresher and win, and the disagreement is kept as evidence.
 */
export function userMfa(
  snapshot: AccountSnapshot,
  row: CredentialReportRow | null,
  userName: string,
): { active: boolean | null; note: string | null; devices: MfaDevice[] | null } {
  const devices = devicesOf(snapshot, userName);
  const reported = row === null ? null : row.mfaActive;
  if (devices === null) return { active: reported, note: null, devices };
  const live = devices.length > 0;
  const note =
    reported !== null && reported !== live
      ? `the credential report says mfa_active=${reported}, the device list shows ${devices.length} device(s); the device list is newer`
      : null;
  return { active: live, note, devices };
}

/** Root has no credentials when the account summary says no password and no access keys (centralized root access). */
export function rootHasNoCredentials(snapshot: AccountSnapshot): boolean {
  if (snapshot.rootAccess.state !== 'collected') return false;
  const root = snapshot.rootAccess.value;
  return root.passwordPresent === false && root.accessKeysPresent === false;
}

export const ROOT_NO_CREDENTIALS_MESSAGE =
  'has no password and no access keys (centralized root access management): there is nothing to protect with MFA';
