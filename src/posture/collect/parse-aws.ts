// Turns IAM API responses (live SDK objects or the AWS CLI's JSON files) into the snapshot's typed values.

import type { InputIssue } from '../../model/index.ts';
import { ROOT_USER, timeValue } from './credential-report.ts';
import type {
  AttachedPolicy,
  AuthorizationDetails,
  IamGroupDetail,
  IamRoleDetail,
  IamUserDetail,
  InlinePolicy,
  ManagedPolicyDetail,
  MfaDevice,
  MfaDeviceKind,
  PasswordPolicy,
  PolicyDocument,
} from './snapshot.ts';

/** A response that does not have the shape we need; `path` says where. */
export class ShapeError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Recorded boto responses (`{status_code, data}`, cloud-custodian's placebo files) unwrap to their data. */
export function unwrapRecorded(value: unknown): unknown {
  if (isObject(value) && 'status_code' in value && isObject(value['data'])) return value['data'];
  return value;
}

function list(body: unknown, key: string): unknown[] {
  const unwrapped = unwrapRecorded(body);
  if (!isObject(unwrapped)) throw new ShapeError('$', `expected a JSON object with ${key}`);
  const value = unwrapped[key];
  if (!Array.isArray(value)) throw new ShapeError(key, `expected ${key} to be a list`);
  return value;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function mfaDeviceKind(serialNumber: string): MfaDeviceKind {
  if (/^arn:aws[\w-]*:iam::\d*:u2f\//.test(serialNumber)) return 'fido';
  if (serialNumber.startsWith('arn:')) return 'virtual';
  // Hardware TOTP tokens have a printed serial (GAHT…, GAKT…), not an ARN.
  return 'hardware';
}

function userNameFromArn(arn: string | null): string | null {
  if (arn === null) return null;
  if (/:root$/.test(arn)) return ROOT_USER;
  const match = /:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return match?.[1] ?? null;
}

function device(raw: unknown, path: string, userName: string | null, userArn: string | null): MfaDevice {
  if (!isObject(raw)) throw new ShapeError(path, 'expected an MFA device object');
  const serialNumber = str(raw['SerialNumber']);
  if (serialNumber === null) throw new ShapeError(`${path}.SerialNumber`, 'missing SerialNumber');
  return {
    serialNumber,
    kind: mfaDeviceKind(serialNumber),
    userName,
    userArn,
    enableDate: timeValue(raw['EnableDate']),
  };
}

/** `list-mfa-devices` output: `{MFADevices: [{UserName, SerialNumber, EnableDate}]}`. */
export function parseMfaDevices(body: unknown): MfaDevice[] {
  return list(body, 'MFADevices').map((raw, i) => {
    const userName = isObject(raw) ? str(raw['UserName']) : null;
    return device(raw, `MFADevices[${i}]`, userName, null);
  });
}

/** `list-virtual-mfa-devices` output; the assigned user comes from `User.Arn` (a root ARN means root, whatever the serial says). */
export function parseVirtualMfaDevices(body: unknown): MfaDevice[] {
  return list(body, 'VirtualMFADevices').map((raw, i) => {
    const user = isObject(raw) && isObject(raw['User']) ? raw['User'] : null;
    const userArn = user === null ? null : str(user['Arn']);
    const userName =
      userArn !== null && /:root$/.test(userArn)
        ? ROOT_USER
        : user === null
          ? null
          : (str(user['UserName']) ?? userNameFromArn(userArn));
    return device(raw, `VirtualMFADevices[${i}]`, userName, userArn);
  });
}

/** Merges per-user and virtual device lists by serial number; the virtual list knows root's device. */
export function mergeDevices(perUser: readonly MfaDevice[], virtual: readonly MfaDevice[]): MfaDevice[] {
  const bySerial = new Map<string, MfaDevice>();
  for (const d of perUser) bySerial.set(d.serialNumber, d);
  for (const d of virtual) {
    const known = bySerial.get(d.serialNumber);
    if (known === undefined) bySerial.set(d.serialNumber, d);
    else if (known.userName === null)
      bySerial.set(d.serialNumber, { ...known, userName: d.userName, userArn: d.userArn });
  }
  return [...bySerial.values()];
}

/** The live API returns policy documents URL-encoded; the CLI decodes them. Accept both. */
export function decodePolicyDocument(raw: unknown, path: string): PolicyDocument {
  if (isObject(raw)) return raw;
  if (typeof raw === 'string') {
    for (const candidate of [raw, safeDecode(raw)]) {
      if (candidate === null) continue;
      try {
        const parsed: unknown = JSON.parse(candidate);
        if (isObject(parsed)) return parsed;
      } catch {
        // try the next form
      }
    }
  }
  throw new ShapeError(path, 'expected a policy document (a JSON object or URL-encoded JSON text)');
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function inlinePolicy(entry: unknown, path: string, index: number): InlinePolicy {
  if (!isObject(entry)) throw new ShapeError(path, 'expected {PolicyName, PolicyDocument}');
  return {
    name: str(entry['PolicyName']) ?? `inline-${index}`,
    document: decodePolicyDocument(entry['PolicyDocument'], `${path}.PolicyDocument`),
  };
}

function attached(raw: unknown, path: string): AttachedPolicy[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ShapeError(path, 'expected a list of attached policies');
  return raw.flatMap((entry, i) => {
    if (!isObject(entry)) throw new ShapeError(`${path}[${i}]`, 'expected {PolicyName, PolicyArn}');
    const arn = str(entry['PolicyArn']);
    return arn === null ? [] : [{ name: str(entry['PolicyName']) ?? arn, arn }];
  });
}

function boundaryArn(raw: unknown): string | null {
  return isObject(raw) ? str(raw['PermissionsBoundaryArn']) : null;
}

function tags(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(raw)) return out;
  for (const tag of raw)
    if (isObject(tag) && typeof tag['Key'] === 'string' && typeof tag['Value'] === 'string')
      out[tag['Key']] = tag['Value'];
  return out;
}

/**
 * Reads one part of an item (a policy list, one policy); a part of the wrong shape becomes an issue and a
 * problem on the item, and the rest of the item and of the file is kept.
 */
function readPart<T>(
  read: () => T,
  fallback: T,
  location: string,
  issues: InputIssue[],
  problems: string[],
): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    reportPart(error, location, issues, problems);
    return fallback;
  }
}

function reportPart(error: ShapeError, location: string, issues: InputIssue[], problems: string[]): void {
  issues.push({ level: 'error', code: 'response-shape', location, path: error.path, message: error.message });
  problems.push(`${error.path}: ${error.message}`);
}

/** Inline policies one by one: a bad document loses that policy only. */
function inlinePoliciesEach(
  raw: unknown,
  path: string,
  location: string,
  issues: InputIssue[],
  problems: string[],
): InlinePolicy[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    reportPart(new ShapeError(path, 'expected a list of inline policies'), location, issues, problems);
    return [];
  }
  return raw.flatMap((entry, i) =>
    readPart(() => [inlinePolicy(entry, `${path}[${i}]`, i)], [], location, issues, problems),
  );
}

/**
 * Accumulates pages of GetAccountAuthorizationDetails (one merged object or an array of pages). The file as a
 * whole must have the shape (else ShapeError); inside it, an item of the wrong shape (a user without a name,
 * a group whose AttachedManagedPolicies is not a list, an unreadable policy document) is an issue for that
 * item, recorded on it as a problem, and everything else is kept.
 */
export function parseAuthorizationDetails(body: unknown, location: string): AuthorizationDetails {
  const pages = Array.isArray(body) ? body.map(unwrapRecorded) : [unwrapRecorded(body)];
  const users: IamUserDetail[] = [];
  const groups: IamGroupDetail[] = [];
  const roles: IamRoleDetail[] = [];
  const policies: ManagedPolicyDetail[] = [];
  const issues: InputIssue[] = [];
  const skip = (path: string, message: string): void => {
    issues.push({ level: 'error', code: 'response-shape', location, path, message });
  };
  pages.forEach((page, p) => {
    const at = pages.length > 1 ? `[${p}].` : '';
    if (!isObject(page))
      throw new ShapeError(`${at}$`, 'expected the get-account-authorization-details JSON object');
    const known = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'].filter(
      (key) => key in page,
    );
    if (known.length === 0)
      throw new ShapeError(
        `${at}$`,
        'none of UserDetailList, GroupDetailList, RoleDetailList, Policies is present',
      );
    const arr = (key: string): unknown[] => {
      const value = page[key];
      if (value === undefined) return [];
      if (!Array.isArray(value)) throw new ShapeError(`${at}${key}`, `expected ${key} to be a list`);
      return value;
    };
    arr('UserDetailList').forEach((raw, i) => {
      const path = `${at}UserDetailList[${i}]`;
      if (!isObject(raw) || str(raw['UserName']) === null) {
        skip(path, 'expected a user with UserName; this entry is left out');
        return;
      }
      users.push(userDetail(raw, path, location, issues));
    });
    arr('GroupDetailList').forEach((raw, i) => {
      const path = `${at}GroupDetailList[${i}]`;
      if (!isObject(raw) || str(raw['GroupName']) === null) {
        skip(path, 'expected a group with GroupName; this entry is left out');
        return;
      }
      groups.push(groupDetail(raw, path, location, issues));
    });
    arr('RoleDetailList').forEach((raw, i) => {
      const path = `${at}RoleDetailList[${i}]`;
      if (!isObject(raw) || str(raw['RoleName']) === null) {
        skip(path, 'expected a role with RoleName; this entry is left out');
        return;
      }
      roles.push(roleDetail(raw, path, location, issues));
    });
    arr('Policies').forEach((raw, i) => {
      const path = `${at}Policies[${i}]`;
      if (!isObject(raw) || str(raw['Arn']) === null) {
        skip(path, 'expected a managed policy with Arn; this entry is left out');
        return;
      }
      policies.push(managedPolicyDetail(raw, path, location, issues));
    });
  });
  return { location, issues, users, groups, roles, policies };
}

function userDetail(
  raw: Record<string, unknown>,
  path: string,
  location: string,
  issues: InputIssue[],
): IamUserDetail {
  const problems: string[] = [];
  const arn = str(raw['Arn']) ?? '';
  return {
    userName: raw['UserName'] as string,
    arn,
    userId: str(raw['UserId']),
    path: str(raw['Path']),
    createDate: timeValue(raw['CreateDate']),
    groups: Array.isArray(raw['GroupList'])
      ? raw['GroupList'].filter((g): g is string => typeof g === 'string')
      : [],
    ...principalPolicies(raw, 'UserPolicyList', path, location, issues, problems),
    permissionsBoundaryArn: boundaryArn(raw['PermissionsBoundary']),
    tags: tags(raw['Tags']),
    problems,
  };
}

/** The inline and attached managed policies of a user or group; what cannot be read is noted in `problems`. */
function principalPolicies(
  raw: Record<string, unknown>,
  inlineKey: 'UserPolicyList' | 'GroupPolicyList',
  path: string,
  location: string,
  issues: InputIssue[],
  problems: string[],
): Pick<IamGroupDetail, 'inlinePolicies' | 'attachedPolicies'> {
  return {
    inlinePolicies: inlinePoliciesEach(raw[inlineKey], `${path}.${inlineKey}`, location, issues, problems),
    attachedPolicies: readPart(
      () => attached(raw['AttachedManagedPolicies'], `${path}.AttachedManagedPolicies`),
      [],
      location,
      issues,
      problems,
    ),
  };
}

function groupDetail(
  raw: Record<string, unknown>,
  path: string,
  location: string,
  issues: InputIssue[],
): IamGroupDetail {
  const problems: string[] = [];
  return {
    groupName: raw['GroupName'] as string,
    arn: str(raw['Arn']) ?? '',
    ...principalPolicies(raw, 'GroupPolicyList', path, location, issues, problems),
    problems,
  };
}

function roleDetail(
  raw: Record<string, unknown>,
  path: string,
  location: string,
  issues: InputIssue[],
): IamRoleDetail {
  return {
    roleName: raw['RoleName'] as string,
    arn: str(raw['Arn']) ?? '',
    attachedPolicyArns: readPart(
      () => attached(raw['AttachedManagedPolicies'], `${path}.AttachedManagedPolicies`),
      [],
      location,
      issues,
      [],
    ).map((a) => a.arn),
    permissionsBoundaryArn: boundaryArn(raw['PermissionsBoundary']),
  };
}

function managedPolicyDetail(
  raw: Record<string, unknown>,
  path: string,
  location: string,
  issues: InputIssue[],
): ManagedPolicyDetail {
  const versions = Array.isArray(raw['PolicyVersionList']) ? raw['PolicyVersionList'].filter(isObject) : [];
  const defaultId = str(raw['DefaultVersionId']);
  const chosen =
    versions.find((v) => v['IsDefaultVersion'] === true) ??
    versions.find((v) => defaultId !== null && v['VersionId'] === defaultId);
  return {
    name: str(raw['PolicyName']) ?? (raw['Arn'] as string),
    arn: raw['Arn'] as string,
    attachmentCount: typeof raw['AttachmentCount'] === 'number' ? raw['AttachmentCount'] : null,
    permissionsBoundaryUsageCount:
      typeof raw['PermissionsBoundaryUsageCount'] === 'number' ? raw['PermissionsBoundaryUsageCount'] : null,
    // An unreadable document is reported and the policy kept without it (users attaching it see it missing).
    defaultDocument:
      chosen === undefined
        ? null
        : readPart(
            () => decodePolicyDocument(chosen['Document'], `${path}.PolicyVersionList.Document`),
            null,
            location,
            issues,
            [],
          ),
  };
}

/** `get-account-summary` output: `{SummaryMap: {Users: 27, AccountMFAEnabled: 1, ...}}`. */
export function parseAccountSummary(body: unknown): Record<string, number> {
  const unwrapped = unwrapRecorded(body);
  const map = isObject(unwrapped) ? unwrapped['SummaryMap'] : undefined;
  if (!isObject(map))
    throw new ShapeError('SummaryMap', 'expected {SummaryMap: {...}} (the get-account-summary output)');
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'number')
      throw new ShapeError(`SummaryMap.${key}`, `expected a number, got ${typeof value}`);
    out[key] = value;
  }
  return out;
}

function num(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}
function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** `get-account-password-policy` output: `{PasswordPolicy: {...}}`. */
export function parsePasswordPolicy(body: unknown): PasswordPolicy {
  const unwrapped = unwrapRecorded(body);
  const policy = isObject(unwrapped)
    ? isObject(unwrapped['PasswordPolicy'])
      ? unwrapped['PasswordPolicy']
      : unwrapped
    : null;
  if (
    policy === null ||
    !('MinimumPasswordLength' in policy || 'RequireSymbols' in policy || 'MaxPasswordAge' in policy)
  ) {
    throw new ShapeError(
      'PasswordPolicy',
      'expected {PasswordPolicy: {MinimumPasswordLength, ...}} (the get-account-password-policy output)',
    );
  }
  return {
    minimumLength: num(policy['MinimumPasswordLength']),
    requireSymbols: bool(policy['RequireSymbols']),
    requireNumbers: bool(policy['RequireNumbers']),
    requireUppercase: bool(policy['RequireUppercaseCharacters']),
    requireLowercase: bool(policy['RequireLowercaseCharacters']),
    maxAgeDays: num(policy['MaxPasswordAge']),
    reusePrevention: num(policy['PasswordReusePrevention']),
  };
}

/** A ShapeError (or a JSON syntax error) as an input issue at `location`. */
export function shapeIssue(error: unknown, location: string): InputIssue {
  if (error instanceof ShapeError)
    return { level: 'error', code: 'response-shape', location, path: error.path, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { level: 'error', code: 'not-json', location, message: `not valid JSON: ${message}` };
}
