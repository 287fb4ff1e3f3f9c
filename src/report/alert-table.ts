// The human table of alerts: one row per alert, fitted to the terminal width, coloured by severity.

import type { Alert } from '../model/index.ts';
import { dim, paintSeverity } from './color.ts';
import { orderedReasons } from './alert-csv.ts';
import { forTerminal } from './escape.ts';

interface TableColumn {
  readonly header: string;
  /** Natural width is capped here; long values are cut with an ellipsis. */
  readonly max: number;
  /** When the table is too wide, columns shrink down to this, in `shrinkOrder`. */
  readonly min: number;
  readonly value: (alert: Alert) => string;
}

const TOP_REASONS = 3;

function actorOf(alert: Alert): string {
  const who = alert.actor.userName ?? alert.actor.arn ?? alert.actor.type;
  return alert.actor.type === 'Root' && who !== 'root' ? `root (${who})` : who;
}

function targetOf(alert: Alert): string {
  const targets = alert.correlation?.targets;
  if (targets !== undefined && targets.length > 1) return `${targets.length} users: ${targets.join(', ')}`;
  if (alert.target.userName !== null) return alert.target.userName;
  if (alert.target.serialNumber !== null)
    return alert.target.serialNumber.replace(/^arn:aws[^:]*:iam::\d*:/, '');
  return '-';
}

function timeOf(alert: Alert): string {
  // 2024-01-15T10:05:12Z is what people compare across tools; milliseconds only add noise.
  return alert.event.time.replace(/\.\d+(?=Z$)/, '');
}

function outcomeOf(alert: Alert): string {
  return alert.event.errorCode === null
    ? alert.event.outcome
    : `${alert.event.outcome} (${alert.event.errorCode})`;
}

const BASE_COLUMNS: readonly TableColumn[] = [
  { header: 'TIME', max: 20, min: 20, value: timeOf },
  { header: 'SEVERITY', max: 8, min: 8, value: (a) => a.severity },
  { header: 'RULE', max: 48, min: 12, value: (a) => a.rule.name },
  { header: 'ACTOR', max: 32, min: 8, value: actorOf },
  { header: 'TARGET', max: 32, min: 8, value: targetOf },
  { header: 'SOURCE IP', max: 39, min: 9, value: (a) => a.actor.sourceIp ?? '-' },
  {
    header: 'ACCOUNT/REGION',
    max: 27,
    min: 22,
    value: (a) => `${a.event.account ?? '-'}/${a.event.region ?? '-'}`,
  },
  { header: 'OUTCOME', max: 24, min: 7, value: outcomeOf },
];

const CLASSIFICATION_COLUMN: TableColumn = {
  header: 'CLASS',
  max: 12,
  min: 8,
  value: (a) => a.classification ?? '-',
};

/** Columns that give up width when the terminal is narrow (time and severity stay whole). */
const SHRINKABLE = new Set(['RULE', 'ACTOR', 'TARGET', 'SOURCE IP', 'ACCOUNT/REGION', 'OUTCOME', 'CLASS']);

const GAP = '  ';

/** Cuts to `width` code points with an ellipsis; pads with spaces. Input is already terminal-safe. */
function fit(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length > width)
    return width <= 1 ? '…'.slice(0, width) : chars.slice(0, width - 1).join('') + '…';
  return text + ' '.repeat(width - chars.length);
}

function length(text: string): number {
  return Array.from(text).length;
}

export interface TableOptions {
  readonly color: boolean;
  /** Terminal width; when absent the table takes its natural width. */
  readonly columns?: number;
}

/** A row of the table: an alert, and whether it sits under its incident's removal. */
interface Row {
  readonly alert: Alert;
  readonly member: boolean;
}

/**
 * One incident, one line: the alerts of a removal's incident (its deleted device, the new one, a follow-up) are listed
 * right under the removal's alert, marked, without repeating the incident's reasons. Everything else keeps its order.
 */
function incidentRows(alerts: readonly Alert[]): Row[] {
  const leads = new Set(
    alerts
      .filter((alert) => alert.incident?.role === 'removal')
      .map((alert) => alert.incident!.removalEventId),
  );
  const members = new Map<string, Alert[]>();
  for (const alert of alerts) {
    if (alert.incident?.role !== 'member' || !leads.has(alert.incident.removalEventId)) continue;
    const list = members.get(alert.incident.removalEventId) ?? [];
    list.push(alert);
    members.set(alert.incident.removalEventId, list);
  }
  const rows: Row[] = [];
  const placed = new Set<string>();
  for (const alert of alerts) {
    if (alert.incident?.role === 'member' && leads.has(alert.incident.removalEventId)) continue;
    rows.push({ alert, member: false });
    const id = alert.incident?.role === 'removal' ? alert.incident.removalEventId : null;
    if (id === null || placed.has(id)) continue;
    placed.add(id);
    for (const member of members.get(id) ?? []) rows.push({ alert: member, member: true });
  }
  return rows;
}

/** Renders the alert table (header, rows, a reasons line under triaged rows). Empty list: a one-line note. */
export function renderAlertTable(alerts: readonly Alert[], options: TableOptions): string {
  if (alerts.length === 0) return 'No alerts.\n';
  const rows = incidentRows(alerts);
  const columns = alerts.some((a) => a.classification !== undefined)
    ? [...BASE_COLUMNS, CLASSIFICATION_COLUMN]
    : [...BASE_COLUMNS];
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = forTerminal(c.value(row.alert));
      return row.member && c.header === 'RULE' ? `└ ${text}` : text;
    }),
  );
  const widths = columns.map((c, i) =>
    Math.min(c.max, Math.max(length(c.header), ...cells.map((row) => length(row[i] ?? '')))),
  );
  if (options.columns !== undefined) shrink(columns, widths, options.columns);

  const lines: string[] = [];
  const header = columns.map((c, i) => fit(c.header, widths[i] ?? 0)).join(GAP);
  lines.push(dim(header.trimEnd(), options.color));
  rows.forEach(({ alert, member }, row) => {
    const parts = columns.map((c, i) => {
      const text = fit(cells[row]?.[i] ?? '', widths[i] ?? 0);
      return c.header === 'SEVERITY' ? paintSeverity(text, alert.severity, options.color) : text;
    });
    lines.push(parts.join(GAP).trimEnd());
    // An incident's reasons are said once, under its removal.
    const reasons = member ? [] : orderedReasons(alert).slice(0, TOP_REASONS);
    if (reasons.length > 0) {
      const text = forTerminal(reasons.map((r) => r.message).join('; '));
      const room =
        options.columns === undefined ? Number.POSITIVE_INFINITY : Math.max(10, options.columns - 4);
      const line = length(text) > room ? fit(text, room) : text;
      lines.push(dim(`  ↳ ${line}`, options.color));
    }
  });
  return lines.join('\n') + '\n';
}

function shrink(columns: readonly TableColumn[], widths: number[], available: number): void {
  let excess = widths.reduce((s, w) => s + w, 0) + GAP.length * (widths.length - 1) - available;
  // Take one column at a time from whichever shrinkable column is widest, so the cuts are shared.
  while (excess > 0) {
    let pick = -1;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      const width = widths[i] ?? 0;
      if (column === undefined || !SHRINKABLE.has(column.header) || width <= column.min) continue;
      if (pick === -1 || width > (widths[pick] ?? 0)) pick = i;
    }
    if (pick === -1) return;
    widths[pick] = (widths[pick] ?? 0) - 1;
    excess -= 1;
  }
}
