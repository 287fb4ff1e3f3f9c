// Parses the IAM credential report (CSV, or the get-credential-report JSON around it) into typed rows, with issues for what is wrong.

import { parse } from 'csv-parse/sync';
import type { InputIssue } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import type { CredentialReport, CredentialReportRow, ReportAccessKey, ReportDate } from './snapshot.ts';

/** The 22 columns AWS documents, in AWS's order. */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

type Column = (typeof CREDENTIAL_REPORT_COLUMNS)[number];

export const ROOT_USER = '<root_account>';

export interface ParsedCredentialReport {
  /** null when nothing usable could be read (wrong header, empty file). */
  readonly report: CredentialReport | null;
  readonly issues: InputIssue[];
}

function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * RFC 4180 CSV (csv-parse): quoted cells may hold commas, quotes ("") and line breaks; a BOM and blank lines are
 * skipped. Returns rows with the line they start on. Throws a UsageError naming the line when a quote never closes.
 */
export function splitCsv(text: string): { cells: string[]; line: number }[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const where = (error as { lines?: unknown }).lines;
    throw new UsageError(
      `not readable as CSV${typeof where === 'number' ? ` (line ${where})` : ''}: ${(error as Error).message}`,
    );
  }
  // csv-parse counts lines up to a record's end; line breaks inside its quoted cells put the start earlier.
  return records.map(({ record, info }) => ({
    cells: record,
    line: info.lines - record.reduce((breaks, cell) => breaks + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0),
  }));
}

const SPECIAL_DATES: Readonly<Record<string, ReportDate['state']>> = {
  'n/a': 'N/A',
  no_information: 'no_information',
  not_supported: 'not_supported',
};

class RowError extends Error {}

function parseDate(value: string, column: string): ReportDate {
  const special = SPECIAL_DATES[value.trim().toLowerCase()];
  if (special !== undefined && special !== 'date') return { state: special };
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new RowError(
      `${column}: expected an ISO-8601 time, N/A, no_information or not_supported; got '${shorten(value)}'`,
    );
  }
  return { state: 'date', iso: new Date(ms).toISOString(), ms };
}

function parseBool(value: string, column: string): boolean {
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new RowError(`${column}: expected true or false (any case); got '${shorten(value)}'`);
}

function parseOptionalText(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' || trimmed.toLowerCase() === 'n/a' ? null : trimmed;
}

function parseRow(get: (column: Column) => string, line: number): CredentialReportRow {
  const user = get('user');
  if (user.trim() === '') throw new RowError('user: empty');
  const isRoot = user === ROOT_USER;
  const passwordRaw = get('password_enabled').trim().toLowerCase();
  const passwordEnabled =
    passwordRaw === 'not_supported'
      ? 'not_supported'
      : parseBool(get('password_enabled'), 'password_enabled');
  const key = (slot: 1 | 2): ReportAccessKey => ({
    slot,
    active: parseBool(get(`access_key_${slot}_active`), `access_key_${slot}_active`),
    lastRotated: parseDate(get(`access_key_${slot}_last_rotated`), `access_key_${slot}_last_rotated`),
    lastUsedDate: parseDate(get(`access_key_${slot}_last_used_date`), `access_key_${slot}_last_used_date`),
    lastUsedRegion: parseOptionalText(get(`access_key_${slot}_last_used_region`)),
    lastUsedService: parseOptionalText(get(`access_key_${slot}_last_used_service`)),
  });
  return {
    user,
    arn: get('arn'),
    isRoot,
    line,
    userCreationTime: parseDate(get('user_creation_time'), 'user_creation_time'),
    passwordEnabled,
    passwordLastUsed: parseDate(get('password_last_used'), 'password_last_used'),
    passwordLastChanged: parseDate(get('password_last_changed'), 'password_last_changed'),
    passwordNextRotation: parseDate(get('password_next_rotation'), 'password_next_rotation'),
    mfaActive: parseBool(get('mfa_active'), 'mfa_active'),
    accessKeys: [key(1), key(2)],
    certificates: [
      { active: parseBool(get('cert_1_active'), 'cert_1_active') },
      { active: parseBool(get('cert_2_active'), 'cert_2_active') },
    ],
  };
}

/** Parses the CSV text of a credential report. Rows that cannot be read are left out, each with an issue naming its line. */
export function parseCredentialReportCsv(
  text: string,
  location: string,
  generatedAt: string | null = null,
): ParsedCredentialReport {
  const issues: InputIssue[] = [];
  let rows: { cells: string[]; line: number }[];
  try {
    rows = splitCsv(text);
  } catch (error) {
    issues.push({
      level: 'error',
      code: 'credential-report-csv',
      location,
      message: (error as Error).message,
      hint: 'pass the CSV from `aws iam get-credential-report` (base64-decoded Content) or the JSON it prints',
    });
    return { report: null, issues };
  }
  const header = rows[0];
  if (header === undefined) {
    issues.push({
      level: 'error',
      code: 'credential-report-empty',
      location,
      message: 'the credential report is empty',
      hint: 'expected a header line starting with user,arn,user_creation_time',
    });
    return { report: null, issues };
  }
  const names = header.cells.map((cell) => cell.trim().toLowerCase());
  const missing = CREDENTIAL_REPORT_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) {
    issues.push({
      level: 'error',
      code: 'credential-report-header',
      location,
      line: header.line,
      message: `not a credential report header: missing column(s) ${missing.join(', ')}; got '${shorten(header.cells.join(','))}'`,
      hint: 'pass the CSV from `aws iam get-credential-report` (base64-decoded Content) or the JSON it prints',
    });
    return { report: null, issues };
  }
  const index = new Map<string, number>(names.map((name, i) => [name, i]));
  const byUser = new Map<string, CredentialReportRow>();
  let root: CredentialReportRow | null = null;
  for (const { cells, line } of rows.slice(1)) {
    if (cells.length < names.length) {
      issues.push({
        level: 'error',
        code: 'credential-report-short-row',
        location,
        line,
        message: `expected ${names.length} columns, got ${cells.length}: '${shorten(cells.join(','))}'`,
        hint: 'the file looks truncated or hand-edited',
      });
      continue;
    }
    let row: CredentialReportRow;
    try {
      row = parseRow((column) => cells[index.get(column) as number] as string, line);
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      issues.push({
        level: 'error',
        code: 'credential-report-value',
        location,
        line,
        message: `user '${shorten(cells[index.get('user') as number] ?? '')}': ${error.message}`,
      });
      continue;
    }
    if (row.isRoot) {
      if (root !== null)
        issues.push({
          level: 'warning',
          code: 'credential-report-duplicate',
          location,
          line,
          message: `${ROOT_USER} appears again (first on line ${root.line}); the later row is used`,
        });
      root = row;
      continue;
    }
    const previous = byUser.get(row.user);
    if (previous !== undefined) {
      issues.push({
        level: 'warning',
        code: 'credential-report-duplicate',
        location,
        line,
        message: `user '${shorten(row.user)}' appears again (first on line ${previous.line}); the later row is used`,
        hint: 'AWS sometimes repeats a user whose credentials changed while the report was generated',
      });
    }
    byUser.set(row.user, row);
  }
  return { report: { generatedAt, location, users: [...byUser.values()], root }, issues };
}

/** A Python/placebo datetime dict (`{"__class__": "datetime", "year": ...}`), an ISO string or a Date, as ISO. */
export function timeValue(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)['__class__'] === 'datetime'
  ) {
    const v = value as Record<string, number>;
    const ms = Date.UTC(
      v['year'] ?? 0,
      (v['month'] ?? 1) - 1,
      v['day'] ?? 1,
      v['hour'] ?? 0,
      v['minute'] ?? 0,
      v['second'] ?? 0,
    );
    return new Date(ms).toISOString();
  }
  return null;
}

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/**
 * Reads a credential-report file as the user has it: the CSV itself, the `aws iam get-credential-report`
 * JSON (Content base64 as AWS returns it, or already decoded), or a recorded API response `{status_code, data}`.
 */
export function parseCredentialReportFile(text: string, location: string): ParsedCredentialReport {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return parseCredentialReportCsv(text, location);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      report: null,
      issues: [
        {
          level: 'error',
          code: 'not-json',
          location,
          message: `looks like JSON but does not parse: ${message}`,
        },
      ],
    };
  }
  let body = json as Record<string, unknown>;
  if (typeof body['data'] === 'object' && body['data'] !== null && 'status_code' in body)
    body = body['data'] as Record<string, unknown>;
  const content = body['Content'];
  if (typeof content !== 'string') {
    return {
      report: null,
      issues: [
        {
          level: 'error',
          code: 'credential-report-shape',
          location,
          path: 'Content',
          message: 'expected a JSON object with a string Content (the get-credential-report output)',
          hint: 'run `aws iam get-credential-report --output json`',
        },
      ],
    };
  }
  let csv = content;
  if (!/^\s*user,/i.test(content)) {
    if (!BASE64.test(content)) {
      return {
        report: null,
        issues: [
          {
            level: 'error',
            code: 'credential-report-content',
            location,
            path: 'Content',
            message: `Content is neither CSV nor base64: '${shorten(content)}'`,
          },
        ],
      };
    }
    csv = Buffer.from(content, 'base64').toString('utf8');
  }
  return parseCredentialReportCsv(csv, location, timeValue(body['GeneratedTime']));
}
