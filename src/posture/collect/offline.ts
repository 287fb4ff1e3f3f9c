// Builds an account snapshot from files (credential report, authorization details, MFA device lists...), no credentials needed.

import type { InputIssue } from '../../model/index.ts';
import { parseCredentialReportFile } from './credential-report.ts';
import {
  mergeDevices,
  parseAccountSummary,
  parseAuthorizationDetails,
  parseMfaDevices,
  parsePasswordPolicy,
  parseVirtualMfaDevices,
  shapeIssue,
} from './parse-aws.ts';
import type {
  AccountSnapshot,
  AuthorizationDetails,
  CredentialReport,
  MfaDevice,
  Part,
  PasswordPolicy,
  RootAccess,
} from './snapshot.ts';

export interface OfflineInputs {
  readonly credentialReport?: string | undefined;
  readonly authorizationDetails?: string | undefined;
  /** One or more `list-mfa-devices` outputs (the command is per user). */
  readonly mfaDevices?: readonly string[] | undefined;
  readonly virtualMfaDevices?: string | undefined;
  readonly accountSummary?: string | undefined;
  readonly passwordPolicy?: string | undefined;
  readonly accountId?: string | undefined;
}

export interface OfflineResult {
  readonly snapshot: AccountSnapshot;
  /** True when a file given could not be read or parsed at all (exit 3). */
  readonly unreadable: boolean;
}

export type ReadText = (path: string) => Promise<string>;

function accountFromArn(arn: string | null | undefined): string | null {
  const match = /^arn:aws[\w-]*:iam::(\d{12}):/.exec(arn ?? '');
  return match?.[1] ?? null;
}

/** Root credential facts from GetAccountSummary; `AccountPasswordPresent` only appears in newer accounts' summaries. */
export function rootAccessFromSummary(
  summary: Readonly<Record<string, number>>,
  centralizedManagement: boolean | null,
): RootAccess {
  const flag = (key: string): boolean | null => (summary[key] === undefined ? null : summary[key] > 0);
  return {
    centralizedManagement,
    passwordPresent: flag('AccountPasswordPresent'),
    accessKeysPresent: flag('AccountAccessKeysPresent'),
    mfaEnabled: flag('AccountMFAEnabled'),
  };
}

export async function loadOfflineSnapshot(
  inputs: OfflineInputs,
  readText: ReadText,
  now: Date,
): Promise<OfflineResult> {
  const issues: InputIssue[] = [];
  let unreadable = false;

  async function load<T>(
    path: string | undefined,
    parse: (text: string, path: string) => T | null,
  ): Promise<Part<T>> {
    if (path === undefined) return { state: 'not-collected' };
    let text: string;
    try {
      text = await readText(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'read-error';
      const reason =
        code === 'ENOENT'
          ? 'file not found'
          : code === 'EISDIR'
            ? 'is a folder, expected a file'
            : `cannot read (${code})`;
      issues.push({ level: 'error', code: 'unreadable', location: path, message: reason });
      unreadable = true;
      return { state: 'failed', reason, location: path };
    }
    try {
      const value = parse(text, path);
      if (value === null) {
        unreadable = true;
        return { state: 'failed', reason: 'no usable content (see the issues)', location: path };
      }
      return { state: 'collected', value, location: path };
    } catch (error) {
      const issue = shapeIssue(error, path);
      issues.push(issue);
      unreadable = true;
      return { state: 'failed', reason: issue.message, location: path };
    }
  }

  const json = (text: string): unknown => JSON.parse(text) as unknown;

  const credentialReport = await load<CredentialReport>(inputs.credentialReport, (text, path) => {
    const parsed = parseCredentialReportFile(text, path);
    issues.push(...parsed.issues);
    return parsed.report;
  });
  const authorization = await load<AuthorizationDetails>(inputs.authorizationDetails, (text, path) => {
    const parsed = parseAuthorizationDetails(json(text), path);
    issues.push(...parsed.issues);
    return parsed;
  });
  const virtualMfaDevices = await load<readonly MfaDevice[]>(inputs.virtualMfaDevices, (text) =>
    parseVirtualMfaDevices(json(text)),
  );
  const accountSummary = await load<Readonly<Record<string, number>>>(inputs.accountSummary, (text) =>
    parseAccountSummary(json(text)),
  );
  const passwordPolicy = await load<PasswordPolicy | null>(inputs.passwordPolicy, (text) =>
    parsePasswordPolicy(json(text)),
  );

  let perUser: Part<readonly MfaDevice[]> = { state: 'not-collected' };
  if (inputs.mfaDevices !== undefined && inputs.mfaDevices.length > 0) {
    const parts = [];
    for (const path of inputs.mfaDevices)
      parts.push(await load<readonly MfaDevice[]>(path, (text) => parseMfaDevices(json(text))));
    const failed = parts.find((part) => part.state === 'failed');
    perUser = failed ?? {
      state: 'collected',
      value: parts.flatMap((part) => (part.state === 'collected' ? part.value : [])),
      location: inputs.mfaDevices.join(', '),
    };
  }
  let mfaDevices: Part<readonly MfaDevice[]> = perUser;
  if (perUser.state === 'collected' && virtualMfaDevices.state === 'collected') {
    mfaDevices = {
      state: 'collected',
      value: mergeDevices(perUser.value, virtualMfaDevices.value),
      location: perUser.location,
    };
  }

  const rootAccess: Part<RootAccess> =
    accountSummary.state === 'collected'
      ? {
          state: 'collected',
          value: rootAccessFromSummary(accountSummary.value, null),
          location: accountSummary.location,
        }
      : { state: 'not-collected' };

  const accountId =
    inputs.accountId ??
    (credentialReport.state === 'collected'
      ? accountFromArn(credentialReport.value.root?.arn ?? credentialReport.value.users[0]?.arn)
      : null) ??
    (authorization.state === 'collected' ? accountFromArn(authorization.value.users[0]?.arn) : null);

  return {
    snapshot: {
      accountId,
      accountName: null,
      source: 'offline',
      collectedAt: now.toISOString(),
      unreachable: null,
      credentialReport,
      mfaDevices,
      virtualMfaDevices,
      authorization,
      accountSummary,
      passwordPolicy,
      rootAccess,
      scps: { state: 'not-collected' },
      issues,
    },
    unreadable,
  };
}
