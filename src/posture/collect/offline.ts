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

/** Reads and parses one export file into a part; a failure is an issue and marks the inputs unreadable. */
function partLoader(
  readText: ReadText,
  issues: InputIssue[],
  markUnreadable: () => void,
): <T>(path: string | undefined, parse: (text: string, path: string) => T | null) => Promise<Part<T>> {
  return async function load<T>(
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
      markUnreadable();
      return { state: 'failed', reason, location: path };
    }
    try {
      const value = parse(text, path);
      if (value === null) {
        markUnreadable();
        return { state: 'failed', reason: 'no usable content (see the issues)', location: path };
      }
      return { state: 'collected', value, location: path };
    } catch (error) {
      const issue = shapeIssue(error, path);
      issues.push(issue);
      markUnreadable();
      return { state: 'failed', reason: issue.message, location: path };
    }
  };
}

export async function loadOfflineSnapshot(
  inputs: OfflineInputs,
  readText: ReadText,
  now: Date,
): Promise<OfflineResult> {
  const issues: InputIssue[] = [];
  let unreadable = false;

  const load = partLoader(readText, issues, () => {
    unreadable = true;
  });

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

/** A folder entry, as the folder loader needs it (node:fs Dirent has this shape). */
export interface FolderEntry {
  readonly name: string;
  isDirectory(): boolean;
}

export type ListFolder = (path: string) => Promise<readonly FolderEntry[]>;

type ExportKind = keyof Omit<OfflineInputs, 'accountId'>;

/**
 * What an exported file is, from its content (names vary: `aws iam ... > anything.json`): the keys of the
 * AWS CLI output tell, and a CSV is a credential report. Null when it is none of them.
 */
export function exportKindOf(text: string, name: string): ExportKind | null {
  if (/\.csv$/i.test(name)) return 'credentialReport';
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return null;
  }
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first !== 'object' || first === null) return null;
  const body = first as Record<string, unknown>;
  const data =
    typeof body['data'] === 'object' && body['data'] !== null && 'status_code' in body
      ? (body['data'] as Record<string, unknown>)
      : body;
  if (['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'].some((k) => k in data))
    return 'authorizationDetails';
  if ('VirtualMFADevices' in data) return 'virtualMfaDevices';
  if ('MFADevices' in data) return 'mfaDevices';
  if ('SummaryMap' in data) return 'accountSummary';
  if ('PasswordPolicy' in data) return 'passwordPolicy';
  // ReportFormat is the credential report's own key (the AWS docs' example even omits Content).
  if ('ReportFormat' in data || ('Content' in data && 'GeneratedTime' in data)) return 'credentialReport';
  return null;
}

export interface OfflineFolderResult {
  readonly snapshots: AccountSnapshot[];
  /** True when a file could not be read or parsed at all, or a folder held nothing usable (exit 3). */
  readonly unreadable: boolean;
  /** Issues about the folder itself (unrecognised files, two files of one kind), besides each snapshot's. */
  readonly issues: InputIssue[];
}

/** One account's files by export kind (MFA device exports may be many); unreadable, unknown and duplicate files are issues. */
async function sortExports(
  dir: string,
  files: readonly string[],
  readText: ReadText,
  issues: InputIssue[],
): Promise<{
  single: Partial<Record<Exclude<ExportKind, 'mfaDevices'>, string>>;
  mfaDevices: string[];
  unreadable: boolean;
}> {
  let unreadable = false;
  const single: Partial<Record<Exclude<ExportKind, 'mfaDevices'>, string>> = {};
  const mfaDevices: string[] = [];
  for (const file of files) {
    const path = `${dir}/${file}`;
    let text: string;
    try {
      text = await readText(path);
    } catch {
      // Left to the snapshot loader's own error below would lose the kind; name it here instead.
      issues.push({ level: 'error', code: 'unreadable', location: path, message: 'cannot read the file' });
      unreadable = true;
      continue;
    }
    const kind = exportKindOf(text, file);
    if (kind === null) {
      issues.push({
        level: 'note',
        code: 'not-an-export',
        location: path,
        message:
          'not a recognised AWS CLI export (credential report, authorization details, MFA devices, account summary, password policy); skipped',
      });
      continue;
    }
    if (kind === 'mfaDevices') {
      mfaDevices.push(path);
      continue;
    }
    const already = single[kind];
    if (already !== undefined) {
      issues.push({
        level: 'error',
        code: 'duplicate-export',
        location: path,
        message: `a second ${kind} export for this account (the first is ${already}); only the first is used`,
      });
      unreadable = true;
      continue;
    }
    single[kind] = path;
  }
  return { single, mfaDevices, unreadable };
}

/**
 * An organisation's exports in one folder: one sub-folder per account (its name becomes the account name; a
 * 12-digit name is also its id), each holding that account's AWS CLI outputs under any file names. A folder
 * with the files directly in it is one account. Each account is loaded exactly as `--credential-report` etc.
 * would load it, so a broken file in one account is an issue there and the other accounts are audited.
 */
export async function loadOfflineFolder(
  root: string,
  readText: ReadText,
  listFolder: ListFolder,
  now: Date,
): Promise<OfflineFolderResult> {
  const issues: InputIssue[] = [];
  let entries: readonly FolderEntry[];
  try {
    entries = await listFolder(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read-error';
    issues.push({
      level: 'error',
      code: 'unreadable',
      location: root,
      message:
        code === 'ENOENT'
          ? 'folder not found'
          : code === 'ENOTDIR'
            ? 'not a folder'
            : `cannot read (${code})`,
    });
    return { snapshots: [], unreadable: true, issues };
  }
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const accounts: { dir: string; name: string | null }[] =
    folders.length > 0
      ? folders.map((name) => ({ dir: `${root}/${name}`, name }))
      : [{ dir: root, name: null }];
  const snapshots: AccountSnapshot[] = [];
  let unreadable = false;
  for (const account of accounts) {
    let files: string[];
    try {
      files = (await listFolder(account.dir))
        .filter((e) => !e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'read-error';
      issues.push({
        level: 'error',
        code: 'unreadable',
        location: account.dir,
        message: `cannot read the folder (${code})`,
      });
      unreadable = true;
      continue;
    }
    const sorted = await sortExports(account.dir, files, readText, issues);
    unreadable ||= sorted.unreadable;
    const { single, mfaDevices } = sorted;
    const idFromName = account.name !== null && /^\d{12}$/.test(account.name) ? account.name : undefined;
    const inputs: OfflineInputs = {
      ...single,
      ...(mfaDevices.length === 0 ? {} : { mfaDevices }),
      ...(idFromName === undefined ? {} : { accountId: idFromName }),
    };
    if (Object.keys(single).length === 0 && mfaDevices.length === 0) {
      issues.push({
        level: 'error',
        code: 'no-exports',
        location: account.dir,
        message: 'no AWS CLI export found for this account',
      });
      unreadable = true;
      continue;
    }
    const result = await loadOfflineSnapshot(inputs, readText, now);
    unreadable ||= result.unreadable;
    snapshots.push({ ...result.snapshot, accountName: idFromName === undefined ? account.name : null });
  }
  return { snapshots, unreadable, issues };
}
