// The audit as a terminal table: failures first, most severe first, with the figures and how fresh the data is.

import type { Finding, FindingStatus } from '../../model/index.ts';
import { severityRank } from '../../model/index.ts';
import { forTerminal } from '../../report/index.ts';
import type { AuditReport, Kpis } from '../summary.ts';
import { LATEST_CIS } from './controls.ts';

export interface TableOptions {
  /** Also list PASS and NOT_APPLICABLE rows. */
  readonly all?: boolean;
}

const STATUS_ORDER: Readonly<Record<FindingStatus, number>> = {
  FAIL: 0,
  ERROR: 1,
  PASS: 2,
  NOT_APPLICABLE: 3,
};

/** FAIL before ERROR before the rest; inside each, the most severe first; then by check and resource. */
export function tableOrder(a: Finding, b: Finding): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    severityRank(b.severity) - severityRank(a.severity) ||
    a.checkId.localeCompare(b.checkId) ||
    a.resource.name.localeCompare(b.resource.name)
  );
}

function pct(value: number | null): string {
  return value === null ? 'n/a' : `${value}%`;
}

function controlsCell(finding: Finding): string {
  return finding.controls
    .filter(
      (c) => (c.framework === 'cis-aws' && c.version === LATEST_CIS) || c.framework === 'aws-securityhub',
    )
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

export function renderAuditTable(report: AuditReport, options: TableOptions = {}): string {
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
      .sort(tableOrder);
    if (rows.length > 0) {
      const cells = rows.map((f) => [
        f.status,
        f.severity,
        f.checkId,
        forTerminal(f.resource.name),
        controlsCell(f),
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
