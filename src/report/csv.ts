// CSV records for every CSV mfaguard writes: csv-stringify does RFC 4180 (quotes, CRLF); the cell text is ours,
// disarmed for spreadsheets first (`forCsvValue`: no formula start, control characters shown as escapes).

import { stringify } from 'csv-stringify/sync';
import { forCsvValue } from './escape.ts';

export type CsvValue = string | number | boolean | null | undefined;

function cellText(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return forCsvValue(value);
}

/**
 * Records, each ended by CRLF. A cell with leading or trailing white space is quoted (so that no reader trims it), and
 * so is one with a lone CR or LF (csv-stringify quotes only the whole record delimiter).
 */
export function csvRecords(rows: readonly (readonly CsvValue[])[]): string {
  return stringify(
    rows.map((row) => row.map(cellText)),
    { record_delimiter: 'windows', quoted_match: /^\s|\s$|[\r\n]/ },
  );
}

/** One cell as it stands in a record: disarmed and, where needed, quoted. */
export function forCsvCell(s: string): string {
  return csvRecords([[s]]).slice(0, -2);
}
