// The KPI trends for people (a table per bucket) and for spreadsheets (CSV, one record per bucket, formula-safe).

import type { KpiTrends } from '../cases/index.ts';
import { CLASSIFICATIONS, SEVERITIES } from '../model/index.ts';
import type { DurationStats } from '../store/index.ts';
import { csvRecords } from './csv.ts';
import type { CsvValue } from './csv.ts';
import { forTerminal } from './escape.ts';

/** A duration in the unit a person reads it in: 850 ms, 42 s, 17 min, 5.5 h, 3.2 d. */
export function shortDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

const percent = (value: number | null): string => (value === null ? '—' : `${value}%`);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function renderKpiTrendsText(trends: KpiTrends): string {
  const header = [
    trends.bucket,
    'removals',
    'legit',
    'unauth',
    'unexpl',
    'MTTD p50',
    'MTTR p50',
    'denials',
    'MFA %',
    'enforced %',
    'CIS',
    'posture',
  ];
  const rows = trends.points.map((point) => [
    point.label,
    String(point.removals.total),
    String(point.removals.legitimate),
    String(point.removals.unauthorized),
    String(point.removals.unexplained),
    shortDuration(point.mttd.p50Ms),
    shortDuration(point.mttr.p50Ms),
    String(point.denials.total),
    percent(point.posture?.withMfaPercent ?? null),
    percent(point.posture?.enforcedPercent ?? null),
    String(point.posture?.cisScore ?? '—'),
    point.posture === null ? '—' : point.posture.eventUpdated ? 'events' : 'audit',
  ]);
  const totals = trends.totals;
  const window = trends.vulnerabilityWindow;
  const lines = [
    `KPI trends ${trends.from} to ${trends.to} (by ${trends.bucket}, UTC)`,
    ...table(header, rows),
    '',
    `removals: ${totals.removals.total} (legitimate ${totals.removals.legitimate}, unauthorized ${totals.removals.unauthorized}, unexplained ${totals.removals.unexplained})`,
    `MTTD: avg ${shortDuration(totals.mttd.avgMs)}, p90 ${shortDuration(totals.mttd.p90Ms)} over ${totals.mttd.count}; MTTR: avg ${shortDuration(totals.mttr.avgMs)}, p90 ${shortDuration(totals.mttr.p90Ms)} over ${totals.mttr.count} (${totals.autoResolved} closed themselves)`,
    `MFA-related denials: ${totals.denials.total} (session without MFA ${totals.denials.noMfaSession}, MFA policy ${totals.denials.mfaPolicy})${trends.denialsTruncated ? ', at least: too many events to read them all' : ''}`,
    `vulnerability window (${window.count} re-enrolled, ${window.stillExposed} still exposed): ${window.histogram.map((bin) => `${bin.label} ${bin.count}`).join(', ')}`,
    `open cases: ${SEVERITIES.map((severity) => `${severity} ${trends.openCasesBySeverity[severity]}`).join(', ')}`,
  ];
  const provisioned = trends.provisionedMttr.filter((point) => point.count > 0);
  if (trends.provisionedMttr.length > 0)
    lines.push(
      `users provisioned without MFA, time to MFA: ${provisioned.length === 0 ? 'none resolved' : provisioned.map((point) => `${point.label} ${shortDuration(point.avgMs)} (${point.count})`).join(', ')}`,
    );
  for (const snapshot of trends.posture)
    lines.push(
      `posture ${snapshot.takenAt} ${forTerminal(snapshot.accountId)} (${snapshot.source}): ${percent(snapshot.withMfaPercent)} with MFA, ${percent(snapshot.enforcedPercent)} enforced, CIS ${snapshot.cisScore ?? '—'}`,
    );
  return lines.join('\n');
}

const durationCells = (stats: DurationStats): CsvValue[] => [
  stats.count,
  stats.avgMs,
  stats.p50Ms,
  stats.p90Ms,
];
const durationColumns = (name: string): string[] =>
  ['count', 'avg_ms', 'p50_ms', 'p90_ms'].map((suffix) => `${name}_${suffix}`);

const provisionedCells = (stats: DurationStats | undefined): CsvValue[] =>
  stats === undefined ? [undefined, undefined, undefined, undefined] : durationCells(stats);

/** One record per bucket, with a header; empty cells where there is nothing to measure. */
export function kpiTrendsCsv(trends: KpiTrends): string {
  const header = [
    'bucket_start',
    'bucket',
    'removals',
    'legitimate',
    'unauthorized',
    'unexplained',
    ...[...CLASSIFICATIONS, 'unclassified'].map((name) => `removals_${name.replace('-', '_')}`),
    ...durationColumns('mttd'),
    ...durationColumns('mttr'),
    'auto_resolved',
    'denials_no_mfa_session',
    'denials_mfa_policy',
    'console_users',
    'with_mfa_percent',
    'enforced_percent',
    'cis_score',
    // true: the posture in effect at the bucket's end includes changes CloudTrail events made after an audit.
    'posture_event_updated',
    // Console access without MFA -> MFA enabled; empty cells while there is no such case.
    ...durationColumns('provisioned_mttr'),
  ];
  const rows = trends.points.map((point, index): CsvValue[] => [
    point.start,
    point.label,
    point.removals.total,
    point.removals.legitimate,
    point.removals.unauthorized,
    point.removals.unexplained,
    ...[...CLASSIFICATIONS, 'unclassified' as const].map((name) => point.removals.byClassification[name]),
    ...durationCells(point.mttd),
    ...durationCells(point.mttr),
    point.autoResolved,
    point.denials.noMfaSession,
    point.denials.mfaPolicy,
    point.posture?.consoleUsers,
    point.posture?.withMfaPercent,
    point.posture?.enforcedPercent,
    point.posture?.cisScore,
    point.posture?.eventUpdated,
    ...provisionedCells(trends.provisionedMttr[index]),
  ]);
  return csvRecords([header, ...rows]);
}
