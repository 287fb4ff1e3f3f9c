// Helpers for posture tests: corpus location, snapshots built from CSV text, a fixed clock.

import { CORPUS as SHARED_CORPUS } from '../../test-support/requirements.ts';
import { parseCredentialReportCsv } from '../collect/credential-report.ts';
import type { AccountSnapshot, CredentialReport, IamUserDetail } from '../collect/snapshot.ts';

/** The shared corpus with a trailing separator, so paths join by concatenation. */
export const CORPUS = `${SHARED_CORPUS}/`;

export const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

export const ACCOUNT = '111122223333';

export interface RowSpec {
  user: string;
  password?: 'true' | 'false' | 'not_supported';
  passwordLastUsed?: string;
  passwordLastChanged?: string;
  mfa?: boolean;
  key1?: { active: boolean; rotated?: string; used?: string };
  key2?: { active: boolean; rotated?: string; used?: string };
  created?: string;
}

export function row(spec: RowSpec): string {
  const root = spec.user === '<root_account>';
  const arn = root ? `arn:aws:iam::${ACCOUNT}:root` : `arn:aws:iam::${ACCOUNT}:user/${spec.user}`;
  const key = (k: RowSpec['key1']): string[] =>
    k === undefined
      ? ['false', 'N/A', 'N/A', 'N/A', 'N/A']
      : [
          String(k.active),
          k.rotated ?? 'N/A',
          k.used ?? 'N/A',
          k.used === undefined ? 'N/A' : 'us-east-1',
          k.used === undefined ? 'N/A' : 's3',
        ];
  const password = spec.password ?? (root ? 'not_supported' : 'false');
  return [
    spec.user,
    arn,
    spec.created ?? '2020-01-01T00:00:00+00:00',
    password,
    spec.passwordLastUsed ?? (password === 'false' ? 'N/A' : 'no_information'),
    spec.passwordLastChanged ??
      (root ? 'not_supported' : password === 'true' ? '2020-01-01T00:00:00+00:00' : 'N/A'),
    root ? 'not_supported' : 'N/A',
    String(spec.mfa ?? false),
    ...key(spec.key1),
    ...key(spec.key2),
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',');
}

export function reportFrom(rows: readonly RowSpec[], generatedAt: string | null = null): CredentialReport {
  const parsed = parseCredentialReportCsv([HEADER, ...rows.map(row)].join('\n'), 'test.csv', generatedAt);
  if (parsed.report === null) throw new Error(`test report did not parse: ${JSON.stringify(parsed.issues)}`);
  return parsed.report;
}

export function emptySnapshot(overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    accountId: ACCOUNT,
    accountName: null,
    source: 'offline',
    collectedAt: '2024-06-01T00:00:00.000Z',
    unreachable: null,
    credentialReport: { state: 'not-collected' },
    mfaDevices: { state: 'not-collected' },
    virtualMfaDevices: { state: 'not-collected' },
    authorization: { state: 'not-collected' },
    accountSummary: { state: 'not-collected' },
    passwordPolicy: { state: 'not-collected' },
    rootAccess: { state: 'not-collected' },
    scps: { state: 'not-collected' },
    issues: [],
    ...overrides,
  };
}

export function withReport(
  rows: readonly RowSpec[],
  overrides: Partial<AccountSnapshot> = {},
): AccountSnapshot {
  return emptySnapshot({
    credentialReport: { state: 'collected', value: reportFrom(rows), location: 'test.csv' },
    ...overrides,
  });
}

export const NOW = new Date('2024-06-01T00:00:00Z');

import type { Finding } from '../../model/index.ts';
import type { AnalyzeMfaEnforcement, Check } from '../checks/check.ts';
import { DEFAULT_POSTURE_CONFIG } from '../checks/check.ts';
import { runChecks } from '../checks/run.ts';

/** Runs one check through the runner (so gating and controls apply) with the fixed clock. */
export function runOne(
  check: Check,
  snapshot: AccountSnapshot,
  analyze: AnalyzeMfaEnforcement | null = null,
): Finding[] {
  return runChecks({ [check.id]: check }, snapshot, { now: NOW, config: DEFAULT_POSTURE_CONFIG, analyze });
}

export function statusBy(findings: readonly Finding[]): Record<string, string> {
  return Object.fromEntries(findings.map((f) => [f.resource.name, f.status]));
}

/** An IAM user of the authorization details, with nothing attached unless `overrides` says so. */
export function user(name: string, overrides: Partial<IamUserDetail> = {}): IamUserDetail {
  return {
    userName: name,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    userId: null,
    path: null,
    createDate: null,
    groups: [],
    inlinePolicies: [],
    attachedPolicies: [],
    permissionsBoundaryArn: null,
    tags: {},
    problems: [],
    ...overrides,
  };
}
