// Alert output in the four formats: all at once (`renderAlerts`) or streamed alert by alert (`createAlertWriter`).

import type { Alert } from '../model/index.ts';
import { alertToJson } from './alert-json.ts';
import { csvHeader, csvRow } from './alert-csv.ts';
import { renderAlertTable } from './alert-table.ts';
import { jsonForTerminal } from './escape.ts';
import { summaryToJson } from './summary.ts';
import type { ScanSummary } from './summary.ts';

export const ALERT_FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export function isAlertFormat(value: string): value is AlertFormat {
  return (ALERT_FORMATS as readonly string[]).includes(value);
}

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
  /** Writes what closes the output (JSON's summary, the table); call once. */
  end(summary?: ScanSummary): void;
}

/**
 * A writer that sends each alert to `sink` as it comes for json, ndjson and csv (memory stays flat however
 * many alerts), and buffers only for the table, whose column widths depend on every row.
 */
export function createAlertWriter(
  sink: TextSink,
  format: AlertFormat,
  options: Omit<RenderOptions, 'summary'>,
): AlertWriter {
  switch (format) {
    case 'ndjson':
      return {
        write: (alert) => sink.write(jsonLine(alertToJson(alert)) + '\n'),
        end: () => undefined,
      };
    case 'csv': {
      sink.write(csvHeader());
      return { write: (alert) => sink.write(csvRow(alert)), end: () => undefined };
    }
    case 'json': {
      let count = 0;
      sink.write('{"alerts":[');
      return {
        write: (alert) => {
          sink.write((count === 0 ? '\n' : ',\n') + jsonLine(alertToJson(alert)));
          count += 1;
        },
        end: (summary) => {
          const tail = summary === undefined ? 'null' : jsonLine(summaryToJson(summary));
          sink.write(`${count === 0 ? '' : '\n'}],\n"summary":${tail}}\n`);
        },
      };
    }
    case 'table': {
      const buffered: Alert[] = [];
      return {
        write: (alert) => buffered.push(alert),
        // The summary line is not part of the table: it goes to stderr (renderSummary), so piping the table stays clean.
        end: () => sink.write(renderAlertTable(buffered, options)),
      };
    }
  }
}
