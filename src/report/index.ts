// Output for people and machines: alert table/JSON/NDJSON/CSV, summary, issue lines, progress bar, escaping for every sink.

export { alertToJson, pendingAlert, ruleToJson } from './alert-json.ts';
export type { PendingAlert } from './alert-json.ts';
export { CSV_COLUMNS } from './alert-csv.ts';
export type { CsvColumn } from './alert-csv.ts';
export { renderAlertTable } from './alert-table.ts';
export type { TableOptions } from './alert-table.ts';
export { shouldUseColor, paintSeverity } from './color.ts';
export { csvRecords, forCsvCell } from './csv.ts';
export type { CsvValue } from './csv.ts';
export {
  forCsvValue,
  forHtml,
  forLog,
  forMarkdown,
  forSlackMrkdwn,
  forTerminal,
  hasControlChars,
  jsonForTerminal,
} from './escape.ts';
export { ProgressBar } from './progress.ts';
export { renderKpiTable } from './removal-kpis.ts';
export type { ProgressOptions, ProgressOutput, ProgressState } from './progress.ts';
export {
  ALERT_FORMATS,
  ALERT_WRITERS,
  DEFAULT_ALERT_FORMAT,
  createAlertWriter,
  describeAlertFormats,
  isAlertFormat,
  renderAlerts,
  writePending,
} from './render-alerts.ts';
export type { AlertFormat, AlertWriter, AlertWriterEntry, RenderOptions, TextSink } from './render-alerts.ts';
export {
  countAlertsBySeverity,
  countIssues,
  emptyAlertCounts,
  formatBytes,
  formatCount,
  formatDuration,
  renderIssue,
  renderSummary,
  summaryToJson,
  totalAlerts,
} from './summary.ts';
export type { AlertCounts, ScanSummary } from './summary.ts';
export { ALERT_OUTPUT_SCHEMA, FINDING_OUTPUT_SCHEMA } from './output-schemas.ts';
export { KPI_TRENDS_OUTPUT_SCHEMA } from './kpi-trends-schema.ts';
export { kpiTrendsCsv, renderKpiTrendsText, shortDuration } from './kpi-trends-render.ts';
