// The MFA removal figures of a scan as a table for people: per month, by classification, and the exposure window.

import type { RemovalKpis } from '../cases/index.ts';
import { CLASSIFICATIONS } from '../model/index.ts';
import { formatDuration } from './summary.ts';

function seconds(value: number | null): string {
  return value === null ? '—' : formatDuration(value * 1000);
}

export function renderKpiTable(kpis: RemovalKpis): string {
  const header = ['month', 'removals', ...CLASSIFICATIONS, 'legitimate', 'unexplained'];
  const rows = kpis.months.map((month) => [
    month.month,
    String(month.removals),
    ...CLASSIFICATIONS.map((name) => String(month.byClassification[name])),
    String(month.legitimate),
    String(month.unexplained),
  ]);
  rows.push([
    'total',
    String(kpis.removals),
    ...CLASSIFICATIONS.map((name) => String(kpis.byClassification[name])),
    String(kpis.byClassification.rotation + kpis.byClassification.approved + kpis.byClassification.verified),
    String(
      kpis.byClassification.suspicious +
        kpis.byClassification.unauthorized +
        kpis.byClassification.unresolved,
    ),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  const window = kpis.vulnerabilityWindow;
  return [
    'MFA removals',
    line(header),
    ...rows.map(line),
    '',
    `vulnerability window (removal to re-enrolment, ${window.count} re-enrolled): median ${seconds(window.medianSeconds)}, p90 ${seconds(window.p90Seconds)}, max ${seconds(window.maxSeconds)}`,
    `explained automatically (rotation or approved): ${kpis.autoExplainedPercent === null ? '—' : `${kpis.autoExplainedPercent}%`}`,
    `root MFA removals: ${kpis.rootRemovals}`,
    'MTTD and MTTR need detection and remediation times: the live service (`serve`) measures them.',
  ].join('\n');
}
