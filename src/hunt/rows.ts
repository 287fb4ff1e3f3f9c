// Rows of a hunt query back into CloudTrail records, so the slice goes through the same normalise/detect/triage path as a scan.

import type { InputIssue, RawRecord } from '../model/index.ts';
import { COPIES_COLUMN, KEY_COLUMN, LAKE_JSON_COLUMN, LAST_TIME_COLUMN, LOCATION_COLUMN } from './compile.ts';
import { CLOUDTRAIL_COLUMNS } from './schema.ts';
import type { ColumnType } from './schema.ts';

/** One result row: every engine hands back text or NULL (Athena's GetQueryResults knows nothing else). */
export type HuntRow = Readonly<Record<string, string | null>>;

export interface DecodedRow {
  /** NULL for the group of events outside the slice (see `compileSliceQuery`). */
  readonly key: string | null;
  readonly copies: number;
  readonly lastEventTime: string | null;
  readonly location: string | null;
  readonly record: RawRecord | null;
}

export type RowDecoding =
  { readonly ok: true; readonly row: DecodedRow } | { readonly ok: false; readonly issue: InputIssue };

/** Decodes a row; a value that is not what the column promises is an issue naming the row and column, never a crash. */
export function decodeRow(row: HuntRow, where: string): RowDecoding {
  // CloudTrail Lake may hand back NULL as an empty text; an eventID is never empty.
  const key = row[KEY_COLUMN] === '' ? null : (row[KEY_COLUMN] ?? null);
  const copies = Number(row[COPIES_COLUMN] ?? '0');
  const lastEventTime = row[LAST_TIME_COLUMN] ?? null;
  const location = row[LOCATION_COLUMN] ?? null;
  if (key === null) return { ok: true, row: { key, copies, lastEventTime, location, record: null } };
  try {
    const lake = row[LAKE_JSON_COLUMN];
    const record = lake !== undefined && lake !== null ? lakeRecord(lake) : athenaRecord(row);
    return { ok: true, row: { key, copies, lastEventTime, location, record } };
  } catch (error) {
    return {
      ok: false,
      issue: {
        level: 'error',
        code: 'hunt-row',
        location: where,
        message: `the row for event ${key.slice(0, 80)} cannot be read back: ${error instanceof Error ? error.message : String(error)}`,
        hint: 'the table columns do not have the types the AWS documentation gives; recreate the table (mfaguard guardrails athena-table)',
      },
    };
  }
}

function lakeRecord(text: string): RawRecord {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('eventJson is not a JSON object');
  return value as RawRecord;
}

/** Rebuilds the record with CloudTrail's own keys, leaving out what the table held as NULL (absent in the record). */
function athenaRecord(row: HuntRow): RawRecord {
  const record: Record<string, unknown> = {};
  for (const column of CLOUDTRAIL_COLUMNS) {
    const cell = row[column.name];
    if (cell === undefined || cell === null) continue;
    const value =
      column.type.kind === 'string'
        ? decodeText(cell, column.type.decode, column.name)
        : decodeNested(cell, column.type, column.name);
    if (value !== undefined) record[column.key] = value;
  }
  return record;
}

function decodeText(cell: string, decode: 'text' | 'json' | 'boolean', column: string): unknown {
  switch (decode) {
    case 'text':
      return cell;
    case 'boolean':
      // JsonSerDe keeps a JSON boolean as its text; anything else stays as delivered.
      return cell === 'true' ? true : cell === 'false' ? false : cell;
    case 'json':
      try {
        return JSON.parse(cell) as unknown;
      } catch {
        throw new Error(`column ${column} is not JSON text`);
      }
  }
}

function decodeNested(cell: string, type: ColumnType, column: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(cell);
  } catch {
    throw new Error(`column ${column} is not JSON text`);
  }
  return rekey(value, type, column);
}

/** Athena's lower-case struct fields back to the record's keys; NULL fields were absent in the record. */
function rekey(value: unknown, type: ColumnType, path: string): unknown {
  if (value === null) return undefined;
  switch (type.kind) {
    case 'string':
      return typeof value === 'string' ? decodeText(value, type.decode, path) : value;
    case 'map':
      return value;
    case 'array': {
      if (!Array.isArray(value)) throw new Error(`${path} is not an array`);
      return value.map((item, i) => rekey(item, type.of, `${path}[${i}]`) ?? null);
    }
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path} is not a struct`);
      const source = lowerKeys(value as Record<string, unknown>);
      const out: Record<string, unknown> = {};
      for (const f of type.fields) {
        const inner = rekey(source.get(f.name) ?? null, f.type, `${path}.${f.name}`);
        if (inner !== undefined) out[f.key] = inner;
      }
      return out;
    }
  }
}

/** Trino casts a struct to JSON with the table's (lower-case) field names; other engines may keep the case. */
function lowerKeys(value: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
}
