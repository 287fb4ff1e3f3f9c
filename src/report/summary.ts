// The scan summary (one line for people, one object for machines) and the stderr line for each input issue.

import { SEVERITIES } from '../model/index.ts';
import type { Alert, InputIssue, Severity } from '../model/index.ts';
import { bold, dim, paintSeverity, red, yellow } from './color.ts';
import { forTerminal } from './escape.ts';

export type AlertCounts = Readonly<Record<Severity, number>>;

/** What a scan did. Key order here is the key order of the JSON output. */
export interface ScanSummary {
  /** Input files (or objects, or stdin) read, skipped ones excluded. */
  readonly files: number;
  /** Files recognised and skipped on purpose (CloudTrail digests). */
  readonly skippedFiles: number;
  /** Records read and normalised (after dedupe). */
  readonly events: number;
  /** Uncompressed bytes of JSON read. */
  readonly bytes: number;
  /** Alerts in total. */
  readonly alerts: number;
  /** Alerts per severity; a severity without alerts may be absent. */
  readonly alertsBySeverity: Readonly<Record<string, number>>;
  /** Inputs (files or records) that could not be read: the count of error-level issues. */
  readonly unreadable: number;
  readonly warnings: number;
  /** Records dropped because their eventID was already seen (organisation + account trail). */
  readonly duplicates: number;
  readonly elapsedMs: number;
}

export function emptyAlertCounts(): Record<Severity, number> {
  return { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
}

export function countAlertsBySeverity(alerts: Iterable<Alert>): Record<Severity, number> {
  const counts = emptyAlertCounts();
  for (const alert of alerts) counts[alert.severity] += 1;
  return counts;
}

/** Counts `unreadable` (error issues) and `warnings` from a scan's issue list. */
export function countIssues(issues: Iterable<InputIssue>): { unreadable: number; warnings: number } {
  let unreadable = 0;
  let warnings = 0;
  for (const issue of issues) {
    if (issue.level === 'error') unreadable += 1;
    else if (issue.level === 'warning') warnings += 1;
  }
  return { unreadable, warnings };
}

/** Summary object with a fixed key order (for JSON output and golden files). */
export function summaryToJson(summary: ScanSummary): Record<string, unknown> {
  const bySeverity: Record<string, number> = {};
  for (const severity of [...SEVERITIES].reverse()) bySeverity[severity] = countOf(summary, severity);
  return {
    files: summary.files,
    skippedFiles: summary.skippedFiles,
    events: summary.events,
    bytes: summary.bytes,
    alerts: summary.alerts,
    alertsBySeverity: bySeverity,
    unreadable: summary.unreadable,
    warnings: summary.warnings,
    duplicates: summary.duplicates,
    elapsedMs: summary.elapsedMs,
  };
}

export function totalAlerts(counts: AlertCounts): number {
  return SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
}

function countOf(summary: ScanSummary, severity: Severity): number {
  return summary.alertsBySeverity[severity] ?? 0;
}

export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * One line for people (no line end), e.g.
 * `Scanned 12 files (2 skipped), 20,000 events, 25.3 MB in 1.2 s — 7 alerts: 1 critical, 3 high, 3 medium · 1 unreadable input · 40 duplicates dropped`.
 */
export function renderSummary(summary: ScanSummary, color: boolean): string {
  const skipped = summary.skippedFiles > 0 ? ` (${formatCount(summary.skippedFiles)} skipped)` : '';
  const head = `Scanned ${plural(summary.files, 'file')}${skipped}, ${plural(summary.events, 'event')}, ${formatBytes(summary.bytes)} in ${formatDuration(summary.elapsedMs)}`;
  const total = summary.alerts;
  let alerts: string;
  if (total === 0) {
    alerts = 'no alerts';
  } else {
    const parts = [...SEVERITIES]
      .reverse()
      .filter((s) => countOf(summary, s) > 0)
      .map((s) => paintSeverity(`${formatCount(countOf(summary, s))} ${s}`, s, color));
    alerts = `${bold(plural(total, 'alert'), color)}: ${parts.join(', ')}`;
  }
  const tail: string[] = [];
  if (summary.unreadable > 0) tail.push(red(plural(summary.unreadable, 'unreadable input'), color));
  if (summary.warnings > 0) tail.push(yellow(plural(summary.warnings, 'warning'), color));
  if (summary.duplicates > 0) tail.push(dim(`${plural(summary.duplicates, 'duplicate')} dropped`, color));
  return [`${head} — ${alerts}`, ...tail].join(' · ');
}

/**
 * One stderr line for an input issue (no line end), every part escaped for the terminal:
 * `warning: path/to/file.json.gz:record 12: expected an object, got "abc" — hint`.
 */
export function renderIssue(issue: InputIssue): string {
  let where = forTerminal(issue.location);
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  if (issue.index !== undefined) where += `:record ${issue.index}`;
  if (issue.path !== undefined) where += ` at ${forTerminal(issue.path)}`;
  const hint = issue.hint === undefined ? '' : ` — ${forTerminal(issue.hint)}`;
  return `${issue.level}: ${where}: ${forTerminal(issue.message)}${hint}`;
}
