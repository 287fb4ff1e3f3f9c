// Collects one account's snapshot through the AWS SDK: credential report (polled), MFA devices, authorization details, summary, password policy, root access.

import type { IAMClient } from '@aws-sdk/client-iam';
import type { InputIssue } from '../../model/index.ts';
import { ExternalError } from '../../model/index.ts';
import { mapWithConcurrency } from './concurrency.ts';
import { parseCredentialReportCsv } from './credential-report.ts';
import {
  mergeDevices,
  parseAuthorizationDetails,
  parseMfaDevices,
  parsePasswordPolicy,
  parseVirtualMfaDevices,
} from './parse-aws.ts';
import { rootAccessFromSummary } from './offline.ts';
import type {
  AccountSnapshot,
  AuthorizationDetails,
  CredentialReport,
  MfaDevice,
  Part,
  PasswordPolicy,
  RootAccess,
  ServiceControlPolicy,
} from './snapshot.ts';

// The SDK client loads when this collector runs: a module-level import made every command that shares a module
// with posture (`scan` among them) pay for it at start-up.
const iamSdk = () => import('@aws-sdk/client-iam');

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CredentialReportPolling {
  readonly sleep: Sleep;
  /** Attempts before giving up (each a Generate or Get call). */
  readonly maxAttempts?: number;
  /** First wait in ms; doubles per wait up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** The SDK's error name, or the wire code (`ReportInProgress`, `Throttling`...) for errors it did not model. */
export function awsErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const e = error as { name?: unknown; Code?: unknown; code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return 'Error';
}

export function awsErrorText(error: unknown): string {
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  return message === '' || message === name ? name : `${name}: ${message}`;
}

const IN_PROGRESS = new Set(['CredentialReportNotReadyException', 'ReportInProgress']);
const NOT_PRESENT = new Set(['CredentialReportNotPresentException', 'ReportNotPresent']);
const EXPIRED = new Set(['CredentialReportExpiredException', 'ReportExpired']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ReportGenerationLimitExceededException',
  'LimitExceeded',
]);

export function isThrottle(error: unknown): boolean {
  return THROTTLED.has(awsErrorName(error));
}

/**
 * Generates (when needed) and fetches the credential report. AWS answers "in progress" while it builds the
 * report, "not present" / "expired" when there is none younger than four hours, and throttles bursts;
 * each is waited out with a growing delay. Gives up with a retryable ExternalError after `maxAttempts`.
 */
export async function fetchCredentialReport(
  iam: IAMClient,
  polling: CredentialReportPolling,
): Promise<{ csv: string; generatedAt: string | null }> {
  const { GenerateCredentialReportCommand, GetCredentialReportCommand } = await iamSdk();
  const maxAttempts = polling.maxAttempts ?? 30;
  const maxDelay = polling.maxDelayMs ?? 20_000;
  let delay = polling.initialDelayMs ?? 1_000;
  let needGenerate = true;
  let lastProblem = 'no attempt made';
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    try {
      if (needGenerate) {
        const generated = await iam.send(new GenerateCredentialReportCommand({}));
        needGenerate = false;
        if (generated.State !== 'COMPLETE') {
          lastProblem = `report generation ${generated.State ?? 'started'}`;
          await polling.sleep(delay);
          delay = Math.min(delay * 2, maxDelay);
          continue;
        }
      }
      const got = await iam.send(new GetCredentialReportCommand({}));
      if (got.Content === undefined)
        throw new ExternalError('iam', 'GetCredentialReport returned no Content');
      const csv = typeof got.Content === 'string' ? got.Content : new TextDecoder().decode(got.Content);
      return {
        csv,
        generatedAt: got.GeneratedTime === undefined ? null : new Date(got.GeneratedTime).toISOString(),
      };
    } catch (error) {
      if (error instanceof ExternalError) throw error;
      const name = awsErrorName(error);
      if (NOT_PRESENT.has(name) || EXPIRED.has(name)) needGenerate = true;
      else if (!IN_PROGRESS.has(name) && !THROTTLED.has(name)) {
        throw new ExternalError('iam', `credential report: ${awsErrorText(error)}`, {
          cause: error,
          retryable: false,
        });
      }
      lastProblem = awsErrorText(error);
      await polling.sleep(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
  throw new ExternalError(
    'iam',
    `credential report not available after ${maxAttempts} attempts (last: ${lastProblem})`,
    { retryable: true },
  );
}

export interface LiveCollectOptions extends CredentialReportPolling {
  readonly now: () => Date;
  readonly accountId: string | null;
  readonly accountName?: string | null;
  /** Parallel ListMFADevices calls. */
  readonly concurrency?: number;
  /** SCPs that apply to this account, when the organization is known. */
  readonly scps?: Part<readonly ServiceControlPolicy[]>;
  /** Whether the organization has centralized root credentials management (null when unknown). */
  readonly centralizedRootManagement?: boolean | null;
}

async function part<T>(location: string, fetch: () => Promise<T>): Promise<Part<T>> {
  try {
    return { state: 'collected', value: await fetch(), location };
  } catch (error) {
    return {
      state: 'failed',
      reason: error instanceof ExternalError ? error.message : awsErrorText(error),
      location,
    };
  }
}

async function listAllUsers(iam: IAMClient): Promise<string[]> {
  const { ListUsersCommand } = await iamSdk();
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListUsersCommand(marker === undefined ? {} : { Marker: marker }));
    for (const user of page.Users ?? []) if (user.UserName !== undefined) names.push(user.UserName);
    marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (marker !== undefined);
  return names;
}

async function listUserDevices(iam: IAMClient, userName: string): Promise<MfaDevice[]> {
  const { ListMFADevicesCommand } = await iamSdk();
  const devices: MfaDevice[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListMFADevicesCommand({ UserName: userName, ...(marker === undefined ? {} : { Marker: marker }) }),
    );
    devices.push(
      ...parseMfaDevices({
        MFADevices: (page.MFADevices ?? []).map((d) => ({ ...d, UserName: d.UserName ?? userName })),
      }),
    );
    marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (marker !== undefined);
  return devices;
}

async function listVirtualDevices(iam: IAMClient): Promise<MfaDevice[]> {
  const { ListVirtualMFADevicesCommand } = await iamSdk();
  const devices: MfaDevice[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListVirtualMFADevicesCommand({
        AssignmentStatus: 'Any',
        ...(marker === undefined ? {} : { Marker: marker }),
      }),
    );
    devices.push(...parseVirtualMfaDevices({ VirtualMFADevices: page.VirtualMFADevices ?? [] }));
    marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (marker !== undefined);
  return devices;
}

async function authorizationDetails(iam: IAMClient): Promise<AuthorizationDetails> {
  const { GetAccountAuthorizationDetailsCommand } = await iamSdk();
  const pages: unknown[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new GetAccountAuthorizationDetailsCommand(marker === undefined ? {} : { Marker: marker }),
    );
    pages.push({
      UserDetailList: page.UserDetailList ?? [],
      GroupDetailList: page.GroupDetailList ?? [],
      RoleDetailList: page.RoleDetailList ?? [],
      Policies: page.Policies ?? [],
    });
    marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (marker !== undefined);
  return parseAuthorizationDetails(pages, 'aws:GetAccountAuthorizationDetails');
}

async function passwordPolicy(iam: IAMClient): Promise<PasswordPolicy | null> {
  const { GetAccountPasswordPolicyCommand } = await iamSdk();
  try {
    const got = await iam.send(new GetAccountPasswordPolicyCommand({}));
    return parsePasswordPolicy({ PasswordPolicy: got.PasswordPolicy ?? {} });
  } catch (error) {
    // NoSuchEntity is AWS's way of saying the account has no password policy: a fact, not a failure.
    if (awsErrorName(error).startsWith('NoSuchEntity')) return null;
    throw error;
  }
}

/** Centralized root credentials management, asked of IAM; accounts outside an organization answer "no". */
export async function rootCredentialsManagement(iam: IAMClient): Promise<boolean | null> {
  const { ListOrganizationsFeaturesCommand } = await iamSdk();
  try {
    const got = await iam.send(new ListOrganizationsFeaturesCommand({}));
    return (got.EnabledFeatures ?? []).includes('RootCredentialsManagement');
  } catch (error) {
    const name = awsErrorName(error);
    if (name.startsWith('OrganizationNotFound')) return false;
    // Member accounts (not management or delegated admin) cannot ask: unknown, not "disabled".
    return null;
  }
}

export async function collectAccountLive(
  iam: IAMClient,
  options: LiveCollectOptions,
): Promise<AccountSnapshot> {
  const issues: InputIssue[] = [];
  const collectedAt = options.now().toISOString();
  const credentialReport = await part<CredentialReport>('aws:GetCredentialReport', async () => {
    const { csv, generatedAt } = await fetchCredentialReport(iam, options);
    const parsed = parseCredentialReportCsv(csv, 'aws:GetCredentialReport', generatedAt);
    issues.push(...parsed.issues);
    if (parsed.report === null)
      throw new ExternalError('iam', 'the credential report AWS returned could not be parsed');
    return parsed.report;
  });
  const perUser = await part<readonly MfaDevice[]>('aws:ListMFADevices', async () => {
    const users = await listAllUsers(iam);
    const lists = await mapWithConcurrency(users, options.concurrency ?? 8, (user) =>
      listUserDevices(iam, user),
    );
    return lists.flat();
  });
  const virtualMfaDevices = await part('aws:ListVirtualMFADevices', () => listVirtualDevices(iam));
  const mfaDevices: Part<readonly MfaDevice[]> =
    perUser.state === 'collected' && virtualMfaDevices.state === 'collected'
      ? {
          state: 'collected',
          value: mergeDevices(perUser.value, virtualMfaDevices.value),
          location: perUser.location,
        }
      : perUser;
  const authorization = await part('aws:GetAccountAuthorizationDetails', async () => {
    const details = await authorizationDetails(iam);
    issues.push(...details.issues);
    return details;
  });
  const accountSummary = await part<Readonly<Record<string, number>>>('aws:GetAccountSummary', async () => {
    const { GetAccountSummaryCommand } = await iamSdk();
    const got = await iam.send(new GetAccountSummaryCommand({}));
    return { ...(got.SummaryMap ?? {}) };
  });
  const policy = await part('aws:GetAccountPasswordPolicy', () => passwordPolicy(iam));
  const centralized =
    options.centralizedRootManagement !== undefined
      ? options.centralizedRootManagement
      : await rootCredentialsManagement(iam);
  const rootAccess: Part<RootAccess> =
    accountSummary.state === 'collected'
      ? {
          state: 'collected',
          value: rootAccessFromSummary(accountSummary.value, centralized),
          location: 'aws:GetAccountSummary',
        }
      : accountSummary.state === 'failed'
        ? { state: 'failed', reason: accountSummary.reason, location: accountSummary.location }
        : { state: 'not-collected' };
  return {
    accountId: options.accountId,
    accountName: options.accountName ?? null,
    source: 'live',
    collectedAt,
    unreachable: null,
    credentialReport,
    mfaDevices,
    virtualMfaDevices,
    authorization,
    accountSummary,
    passwordPolicy: policy,
    rootAccess,
    scps: options.scps ?? { state: 'not-collected' },
    issues,
  };
}

/** True when nothing at all could be collected: AWS is unreachable for this account. */
export function nothingCollected(snapshot: AccountSnapshot): boolean {
  if (snapshot.unreachable !== null) return true;
  const parts = [
    snapshot.credentialReport,
    snapshot.mfaDevices,
    snapshot.virtualMfaDevices,
    snapshot.authorization,
    snapshot.accountSummary,
    snapshot.passwordPolicy,
  ];
  return parts.every((p) => p.state === 'failed');
}
