// Alert output in every format of the writer registry: all at once (`renderAlerts`) or streamed alert by alert
// (`createAlertWriter`).

import type { Alert } from '../model/index.ts';
import { alertToJson } from './alert-json.ts';
import type { PendingAlert } from './alert-json.ts';
import { csvHeader, csvRow } from './alert-csv.ts';
import { renderAlertTable } from './alert-table.ts';
import { jsonForTerminal } from './escape.ts';
import { summaryToJson } from './summary.ts';
import type { ScanSummary } from './summary.ts';

export interface RenderOptions {
  readonly color: boolean;
  readonly columns?: number;
  readonly summary?: ScanSummary;
}

/** Anything text can be written to: an `Output` of the CLI, a file stream wrapper, an array in tests. */
export interface TextSink {
  write(text: string): void;
}

/** One JSON value on one line, safe on a terminal (DEL, C1 and bidi characters escaped as \uXXXX). */
function jsonLine(value: unknown): string {
  return jsonForTerminal(JSON.stringify(value));
}

/**
 * Renders a whole list. `table` is the table only (print `renderSummary` on stderr); `json` is
 * `{ "alerts": [...], "summary": {...} }` (summary null when not given); `ndjson` is one alert per line;
 * `csv` is a header and one row per alert.
 */
export function renderAlerts(alerts: readonly Alert[], format: AlertFormat, options: RenderOptions): string {
  const chunks: string[] = [];
  const writer = createAlertWriter({ write: (t) => chunks.push(t) }, format, options);
  for (const alert of alerts) writer.write(alert);
  writer.end(options.summary);
  return chunks.join('');
}

export interface AlertWriter {
  write(alert: Alert): void;
  /**
   * Formats that write the alert's JSON (json, ndjson) also take it already serialised, in `alertToJson`'s layout:
   * a scan then writes an alert from the text it crossed the threads as, without making the object again.
   */
  writeJson?(json: string): void;
  /** Writes what closes the output (JSON's summary, the table); call once. */
  end(summary?: ScanSummary): void;
}

/** One output format of alerts: what `--format NAME` writes. */
/** Hands a pending alert to `writer` in the form it takes: its JSON text when the writer writes JSON. */
export function writePending(writer: AlertWriter, pending: PendingAlert): void {
  if (writer.writeJson !== undefined) writer.writeJson(pending.json());
  else writer.write(pending.alert());
}

export interface AlertWriterEntry {
  /** One line for help texts. */
  readonly description: string;
  /** Writes to `sink` as alerts come (memory stays flat), or buffers when the layout needs every row first. */
  create(sink: TextSink, options: Omit<RenderOptions, 'summary'>): AlertWriter;
}

/**
 * The alert writers by format name, in alphabetical order: adding a format is one entry here (the CLI's
 * `--format` lists come from it, and the contract suite in render-alerts.test.ts runs over every entry).
 */
export const ALERT_WRITERS = {
  csv: {
    description: 'a header and one RFC 4180 row per alert (CRLF), formulas disarmed',
    create(sink) {
      sink.write(csvHeader());
      return { write: (alert) => sink.write(csvRow(alert)), end: () => undefined };
    },
  },
  json: {
    description: '{ "alerts": [...], "summary": {...} }, one alert per line',
    create(sink) {
      let count = 0;
      sink.write('{"alerts":[');
      // Two writes, not one concatenation: the sink would copy the joined text once more to encode it.
      const writeJson = (json: string): void => {
        sink.write(count === 0 ? '\n' : ',\n');
        sink.write(jsonForTerminal(json));
        count += 1;
      };
      return {
        write: (alert) => writeJson(JSON.stringify(alertToJson(alert))),
        writeJson,
        end: (summary) => {
          const tail = summary === undefined ? 'null' : jsonLine(summaryToJson(summary));
          sink.write(`${count === 0 ? '' : '\n'}],\n"summary":${tail}}\n`);
        },
      };
    },
  },
  ndjson: {
    description: 'one JSON alert per line',
    create: (sink) => ({
      write: (alert) => sink.write(jsonLine(alertToJson(alert)) + '\n'),
      writeJson: (json) => {
        sink.write(jsonForTerminal(json));
        sink.write('\n');
      },
      end: () => undefined,
    }),
  },
  table: {
    description: 'a table for people (the summary goes to standard error)',
    create(sink, options) {
      const buffered: Alert[] = [];
      return {
        write: (alert) => buffered.push(alert),
        // The summary line is not part of the table: it goes to stderr (renderSummary), so piping the table stays clean.
        end: () => sink.write(renderAlertTable(buffered, options)),
      };
    },
  },
} as const satisfies Readonly<Record<string, AlertWriterEntry>>;

export type AlertFormat = keyof typeof ALERT_WRITERS;

export const DEFAULT_ALERT_FORMAT: AlertFormat = 'table';

/** The `--format` choices: the default first, then the registry's order. */
export const ALERT_FORMATS: readonly AlertFormat[] = [
  DEFAULT_ALERT_FORMAT,
  ...(Object.keys(ALERT_WRITERS) as AlertFormat[]).filter((format) => format !== DEFAULT_ALERT_FORMAT),
];

export function isAlertFormat(value: string): value is AlertFormat {
  return Object.hasOwn(ALERT_WRITERS, value);
}

/** `table (default), csv, json or ndjson`, for help texts. */
export function describeAlertFormats(): string {
  const names = ALERT_FORMATS.map((format) =>
    format === DEFAULT_ALERT_FORMAT ? `${format} (default)` : format,
  );
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}

/** A writer of `format` over `sink`: json, ndjson and csv stream, the table buffers (its widths need every row). */
export function createAlertWriter(
  sink: TextSink,
  format: AlertFormat,
  options: Omit<RenderOptions, 'summary'>,
): AlertWriter {
  const entry: AlertWriterEntry = ALERT_WRITERS[format];
  return entry.create(sink, options);
}
