// The audit as CSV with the columns Prowler users load into spreadsheets and SIEMs (one row per finding).

import { csvRecords } from '../../report/index.ts';
import { CHECKS } from '../checks/index.ts';
import type { AuditReport } from '../summary.ts';
import { requirementIds } from './controls.ts';
import { findingUid } from './finding-id.ts';

/** Prowler's CSV names (lower-cased, comma-separated like mfaguard's other CSV). */
export const AUDIT_CSV_COLUMNS = [
  'timestamp',
  'account_uid',
  'account_name',
  'region',
  'check_id',
  'check_title',
  'status',
  'status_extended',
  'severity',
  'resource_type',
  'resource_uid',
  'resource_name',
  'compliance',
  'remediation_recommendation_text',
  'remediation_recommendation_url',
  'finding_uid',
] as const;

export interface CsvOptions {
  /** The region the audit speaks for; IAM is global, so without one the cell stays empty. */
  readonly region?: string | null;
}

export function renderAuditCsv(report: AuditReport, options: CsvOptions = {}): string {
  const names = new Map(report.accounts.map((a) => [a.accountId, a.accountName]));
  const rows = report.findings.map((f) => [
    report.generatedAt,
    f.resource.account ?? '',
    names.get(f.resource.account) ?? '',
    options.region ?? '',
    f.checkId,
    CHECKS[f.checkId]?.title ?? f.checkId,
    f.status,
    f.message,
    f.severity,
    f.resource.type,
    f.resource.arn ?? '',
    f.resource.name,
    requirementIds(f).join(' | '),
    f.remediation,
    f.remediationUrl ?? '',
    findingUid(f),
  ]);
  return csvRecords([AUDIT_CSV_COLUMNS, ...rows]);
}
