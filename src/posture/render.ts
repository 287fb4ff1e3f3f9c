// Renders an audit report: a terminal table, JSON, CSV, OCSF Compliance Findings (class 2003) or ASFF for Security Hub.

import type { Finding, FindingStatus, Severity } from '../model/index.ts';
import { forCsvCell, forTerminal, jsonForTerminal } from '../report/index.ts';
import { CHECKS } from './checks/index.ts';
import type { AuditReport, Kpis } from './summary.ts';

export const AUDIT_FORMATS = ['table', 'json', 'csv', 'ocsf', 'asff'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export interface RenderOptions {
  /** Table: also list PASS and NOT_APPLICABLE rows. */
  readonly all?: boolean;
  /** ASFF: the Security Hub region the findings are imported into. */
  readonly region?: string;
  readonly productVersion?: string;
}

const STATUS_ORDER: Readonly<Record<FindingStatus, number>> = {
  ERROR: 0,
  FAIL: 1,
  PASS: 2,
  NOT_APPLICABLE: 3,
};

function pct(value: number | null): string {
  return value === null ? 'n/a' : `${value}%`;
}

function cisControls(finding: Finding, version = '7.0'): string {
  return finding.controls
    .filter((c) => (c.framework === 'cis-aws' && c.version === version) || c.framework === 'aws-securityhub')
    .map((c) => (c.framework === 'cis-aws' ? `CIS ${c.id}` : c.id))
    .join(' ');
}

function kpiLines(k: Kpis): string[] {
  return [
    `  console users with MFA:        ${k.consoleUsersWithMfa}/${k.consoleUsers} (${pct(k.consoleMfaPercent)})`,
    `  users MFA-enforced by policy:  ${k.usersEnforcedByPolicy}/${k.usersEvaluatedForPolicy} (${pct(k.enforcedByPolicyPercent)})`,
    `  CIS score:                     ${pct(k.cisScore)} (${k.cisPassed} passed, ${k.cisFailed} failed)`,
    `  findings:                      ${k.findings.FAIL} FAIL, ${k.findings.ERROR} ERROR, ${k.findings.PASS} PASS, ${k.findings.NOT_APPLICABLE} N/A`,
  ];
}

export function renderAuditTable(report: AuditReport, options: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const account of report.accounts) {
    const title = `Account ${account.accountId ?? 'unknown'}${account.accountName === null ? '' : ` (${account.accountName})`} — ${account.source}, collected ${account.collectedAt}`;
    lines.push(forTerminal(title));
    if (account.unreachable !== null) lines.push(`  UNREACHABLE: ${forTerminal(account.unreachable)}`);
    if (account.credentialReport !== null)
      lines.push(`  credential report: ${forTerminal(account.credentialReport.note)}`);
    const rows = report.findings
      .filter((f) => f.resource.account === account.accountId)
      .filter((f) => options.all === true || f.status === 'FAIL' || f.status === 'ERROR')
      .sort(
        (a, b) =>
          STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
          a.checkId.localeCompare(b.checkId) ||
          a.resource.name.localeCompare(b.resource.name),
      );
    if (rows.length > 0) {
      const cells = rows.map((f) => [
        f.status,
        f.severity,
        f.checkId,
        forTerminal(f.resource.name),
        cisControls(f),
        forTerminal(f.message),
      ]);
      const header = ['STATUS', 'SEVERITY', 'CHECK', 'RESOURCE', 'CONTROLS', 'MESSAGE'];
      const widths = header.map((h, i) =>
        Math.min(40, Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length))),
      );
      const fmt = (c: string[]): string =>
        c
          .map((v, i) =>
            i === c.length - 1
              ? v
              : v.length > (widths[i] ?? 0)
                ? `${v.slice(0, (widths[i] ?? 1) - 1)}…`
                : v.padEnd(widths[i] ?? 0),
          )
          .join('  ');
      lines.push('', `  ${fmt(header)}`, ...cells.map((c) => `  ${fmt(c)}`));
    } else {
      lines.push('', '  no FAIL or ERROR findings');
    }
    lines.push('', ...kpiLines(account.summary), '');
  }
  if (report.accounts.length > 1) {
    lines.push(
      `Organization (${report.summary.accounts} accounts, ${report.summary.unreachableAccounts} unreachable)`,
      ...kpiLines(report.summary),
      '',
    );
  }
  return lines.join('\n') + '\n';
}

export function renderAuditJson(report: AuditReport): string {
  // JSON.stringify escapes C0 controls; jsonForTerminal also escapes bidi and C1 so a user name cannot rewrite the terminal.
  return jsonForTerminal(JSON.stringify(report, null, 2));
}

const CSV_COLUMNS = [
  'account',
  'check_id',
  'status',
  'severity',
  'resource_type',
  'resource_name',
  'resource_arn',
  'controls',
  'message',
  'remediation',
];

export function renderAuditCsv(report: AuditReport): string {
  const rows = report.findings.map((f) =>
    [
      f.resource.account ?? '',
      f.checkId,
      f.status,
      f.severity,
      f.resource.type,
      f.resource.name,
      f.resource.arn ?? '',
      f.controls.map((c) => `${c.framework}:${c.version}:${c.id}`).join(' '),
      f.message,
      f.remediation,
    ]
      .map(forCsvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

const OCSF_SEVERITY: Readonly<Record<Severity, [number, string]>> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

const OCSF_COMPLIANCE: Readonly<Record<FindingStatus, [number, string]>> = {
  PASS: [1, 'Pass'],
  FAIL: [3, 'Fail'],
  NOT_APPLICABLE: [99, 'Not Applicable'],
  ERROR: [0, 'Unknown'],
};

function findingUid(f: Finding): string {
  return `mfaguard-${f.resource.account ?? 'unknown'}-${f.checkId}-${f.resource.arn ?? f.resource.name}`;
}

function standards(f: Finding): string[] {
  return [
    ...new Set(
      f.controls.map((c) =>
        c.framework === 'cis-aws' ? `CIS AWS Foundations Benchmark v${c.version}` : 'AWS Security Hub',
      ),
    ),
  ];
}

/** OCSF 1.x Compliance Finding (class_uid 2003, category Findings), one object per finding, as a JSON array. */
export function renderAuditOcsf(report: AuditReport, options: RenderOptions = {}): string {
  const time = Date.parse(report.generatedAt);
  const events = report.findings.map((f) => {
    const [severityId, severity] = OCSF_SEVERITY[f.severity];
    const [complianceId, complianceStatus] = OCSF_COMPLIANCE[f.status];
    return {
      class_uid: 2003,
      class_name: 'Compliance Finding',
      category_uid: 2,
      category_name: 'Findings',
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200301,
      type_name: 'Compliance Finding: Create',
      time,
      severity_id: severityId,
      severity,
      status_id: 1,
      status: 'New',
      message: f.message,
      metadata: {
        version: '1.3.0',
        product: { name: 'mfaguard', vendor_name: 'mfaguard', version: options.productVersion ?? '0.1.0' },
        event_code: f.checkId,
      },
      finding_info: {
        uid: findingUid(f),
        title: CHECKS[f.checkId]?.title ?? f.checkId,
        desc: f.message,
        created_time: time,
        types: ['Software and Configuration Checks'],
      },
      compliance: {
        control: f.checkId,
        standards: standards(f),
        requirements: f.controls.map((c) => (c.framework === 'cis-aws' ? `CIS ${c.version} ${c.id}` : c.id)),
        status_id: complianceId,
        status: complianceStatus,
        ...(f.status === 'ERROR' ? { status_detail: f.message } : {}),
      },
      remediation: { desc: f.remediation },
      resources: [
        {
          type: f.resource.type,
          name: f.resource.name,
          ...(f.resource.arn === null ? {} : { uid: f.resource.arn }),
          cloud_partition: 'aws',
          region: 'global',
        },
      ],
      cloud: {
        provider: 'AWS',
        ...(f.resource.account === null
          ? {}
          : { account: { uid: f.resource.account, type: 'AWS Account', type_id: 10 } }),
      },
      ...(f.evidence === undefined ? {} : { unmapped: { evidence: f.evidence } }),
    };
  });
  return jsonForTerminal(JSON.stringify(events, null, 2));
}

const ASFF_COMPLIANCE: Readonly<Record<FindingStatus, string>> = {
  PASS: 'PASSED',
  FAIL: 'FAILED',
  NOT_APPLICABLE: 'NOT_AVAILABLE',
  ERROR: 'WARNING',
};
const ASFF_SEVERITY: Readonly<Record<Severity, string>> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The body of Security Hub BatchImportFindings: `{Findings: [...]}` in the AWS Security Finding Format. */
export function renderAuditAsff(report: AuditReport, options: RenderOptions = {}): string {
  const region = options.region ?? 'us-east-1';
  const findings = report.findings.map((f) => {
    const account = f.resource.account ?? '000000000000';
    const failed = f.status === 'FAIL' || f.status === 'ERROR';
    return {
      SchemaVersion: '2018-10-08',
      Id: cut(findingUid(f), 512),
      ProductArn: `arn:aws:securityhub:${region}:${account}:product/${account}/default`,
      GeneratorId: `mfaguard/${f.checkId}`,
      AwsAccountId: account,
      Types: [
        'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
      ],
      CreatedAt: report.generatedAt,
      UpdatedAt: report.generatedAt,
      Severity: { Label: failed ? ASFF_SEVERITY[f.severity] : 'INFORMATIONAL', Original: f.severity },
      Title: cut(CHECKS[f.checkId]?.title ?? f.checkId, 256),
      Description: cut(f.message, 1024),
      Remediation: { Recommendation: { Text: cut(f.remediation, 512) } },
      ProductFields: { 'mfaguard/CheckId': f.checkId, 'mfaguard/Status': f.status },
      Resources: [
        {
          Type: f.resource.type === 'AwsAccount' ? 'AwsAccount' : f.resource.type,
          Id: f.resource.arn ?? `AWS::::Account:${account}`,
          Partition: 'aws',
          Region: region,
        },
      ],
      Compliance: {
        Status: ASFF_COMPLIANCE[f.status],
        RelatedRequirements: f.controls
          .map((c) =>
            c.framework === 'cis-aws' ? `CIS AWS Foundations Benchmark v${c.version}/${c.id}` : c.id,
          )
          .slice(0, 32),
      },
      RecordState: 'ACTIVE',
      Workflow: { Status: f.status === 'PASS' ? 'RESOLVED' : 'NEW' },
    };
  });
  return jsonForTerminal(JSON.stringify({ Findings: findings }, null, 2));
}

export function renderAudit(report: AuditReport, format: AuditFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderAuditTable(report, options);
    case 'json':
      return renderAuditJson(report) + '\n';
    case 'csv':
      return renderAuditCsv(report);
    case 'ocsf':
      return renderAuditOcsf(report, options) + '\n';
    case 'asff':
      return renderAuditAsff(report, options) + '\n';
  }
}
