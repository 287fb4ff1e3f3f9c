// The audit report and its KPIs: console-MFA share, enforced-by-policy share and the CIS score, per account and organization-wide.

import type { Finding, FindingStatus, InputIssue } from '../model/index.ts';
import type { AccountSnapshot } from './collect/snapshot.ts';

/** AWS regenerates a credential report at most every four hours; older answers are served as they are. */
export const CREDENTIAL_REPORT_MAX_AGE_HOURS = 4;

export interface Kpis {
  readonly consoleUsers: number;
  readonly consoleUsersWithMfa: number;
  /** null when there is no console user (a share of nothing is not 100%). */
  readonly consoleMfaPercent: number | null;
  readonly usersEvaluatedForPolicy: number;
  readonly usersEnforcedByPolicy: number;
  readonly enforcedByPolicyPercent: number | null;
  /** passed / (passed + failed) over findings mapped to a CIS recommendation, in %; ERROR and NOT_APPLICABLE are left out. */
  readonly cisScore: number | null;
  readonly cisPassed: number;
  readonly cisFailed: number;
  readonly findings: Readonly<Record<FindingStatus, number>>;
}

export interface AccountReport {
  readonly accountId: string | null;
  readonly accountName: string | null;
  readonly source: 'live' | 'offline';
  readonly collectedAt: string;
  readonly unreachable: string | null;
  readonly credentialReport: {
    readonly generatedAt: string | null;
    readonly ageHours: number | null;
    readonly note: string;
  } | null;
  readonly issues: readonly InputIssue[];
  readonly summary: Kpis;
}

export interface AuditReport {
  readonly generatedAt: string;
  readonly accounts: readonly AccountReport[];
  readonly findings: readonly Finding[];
  /** Organization-wide (all accounts together). */
  readonly summary: Kpis & { readonly accounts: number; readonly unreachableAccounts: number };
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}

export function computeKpis(findings: readonly Finding[]): Kpis {
  const consoleFindings = findings.filter(
    (f) =>
      f.checkId === 'iam_user_mfa_enabled_console_access' &&
      f.resource.type === 'AwsIamUser' &&
      (f.status === 'PASS' || f.status === 'FAIL'),
  );
  const consoleWithMfa = consoleFindings.filter((f) => f.status === 'PASS').length;
  const policyFindings = findings.filter(
    (f) =>
      f.checkId === 'iam_user_mfa_enforced_by_policy' &&
      f.resource.type === 'AwsIamUser' &&
      (f.status === 'PASS' || f.status === 'FAIL'),
  );
  const enforced = policyFindings.filter((f) => f.status === 'PASS').length;
  const cis = findings.filter((f) => f.controls.some((c) => c.framework === 'cis-aws'));
  const cisPassed = cis.filter((f) => f.status === 'PASS').length;
  const cisFailed = cis.filter((f) => f.status === 'FAIL').length;
  const count = (status: FindingStatus): number => findings.filter((f) => f.status === status).length;
  return {
    consoleUsers: consoleFindings.length,
    consoleUsersWithMfa: consoleWithMfa,
    consoleMfaPercent: percent(consoleWithMfa, consoleFindings.length),
    usersEvaluatedForPolicy: policyFindings.length,
    usersEnforcedByPolicy: enforced,
    enforcedByPolicyPercent: percent(enforced, policyFindings.length),
    cisScore: percent(cisPassed, cisPassed + cisFailed),
    cisPassed,
    cisFailed,
    findings: {
      PASS: count('PASS'),
      FAIL: count('FAIL'),
      NOT_APPLICABLE: count('NOT_APPLICABLE'),
      ERROR: count('ERROR'),
    },
  };
}

/** A duration as people say it: `14 min`, `3 h 12 min`, `2 d 5 h`. */
export function plainDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

function credentialReportInfo(snapshot: AccountSnapshot, now: Date): AccountReport['credentialReport'] {
  if (snapshot.credentialReport.state !== 'collected') return null;
  const generatedAt = snapshot.credentialReport.value.generatedAt;
  if (generatedAt === null)
    return {
      generatedAt,
      ageHours: null,
      note: 'generation time unknown (a bare CSV): the picture is as old as the file',
    };
  // Live: the age when AWS handed it over; offline: the age now, since the file has waited too.
  const ageMs =
    (snapshot.source === 'live' ? Date.parse(snapshot.collectedAt) : now.getTime()) - Date.parse(generatedAt);
  const ageHours = Math.round((ageMs / 3_600_000) * 10) / 10;
  const age = plainDuration(ageMs);
  const limit = CREDENTIAL_REPORT_MAX_AGE_HOURS;
  const note =
    snapshot.source === 'live'
      ? `generated ${age} ago; up to ${limit} h stale (AWS regenerates it at most every ${limit} h; live MFA device lists win where they disagree)`
      : ageMs <= limit * 3_600_000
        ? `generated ${age} ago; up to ${limit} h stale`
        : `generated ${age} ago; MFA changes since then are not in it`;
  return { generatedAt, ageHours, note };
}

export function buildAuditReport(
  snapshots: readonly AccountSnapshot[],
  findingsPerAccount: readonly (readonly Finding[])[],
  now: Date,
): AuditReport {
  const accounts = snapshots.map((snapshot, i): AccountReport => ({
    accountId: snapshot.accountId,
    accountName: snapshot.accountName,
    source: snapshot.source,
    collectedAt: snapshot.collectedAt,
    unreachable: snapshot.unreachable,
    credentialReport: credentialReportInfo(snapshot, now),
    issues: snapshot.issues,
    summary: computeKpis(findingsPerAccount[i] ?? []),
  }));
  const findings = findingsPerAccount.flat();
  return {
    generatedAt: now.toISOString(),
    accounts,
    findings,
    summary: {
      ...computeKpis(findings),
      accounts: snapshots.length,
      unreachableAccounts: snapshots.filter((s) => s.unreachable !== null).length,
    },
  };
}
