// Renders an audit report in one format: a terminal table, JSON, CSV, OCSF Compliance Findings or ASFF for Security Hub.

import { InternalError } from '../model/index.ts';
import { jsonForTerminal } from '../report/index.ts';
import { toAsff } from './output/asff.ts';
import { renderAuditCsv } from './output/csv.ts';
import type { FirstSeen } from './output/finding-id.ts';
import { toOcsfEvents } from './output/ocsf.ts';
import { renderAuditTable } from './output/table.ts';
import type { AuditReport } from './summary.ts';

export interface RenderOptions {
  /** Table: also list PASS and NOT_APPLICABLE rows. */
  readonly all?: boolean;
  /** The region the findings are for / imported into; required for ASFF, optional elsewhere. */
  readonly region?: string | null;
  /** ASFF: the account importing the findings; null means each finding's own account. */
  readonly importAccount?: string | null;
  readonly productVersion?: string;
  /** First-seen times from earlier exports, for stable CreatedAt / first_seen_time. */
  readonly firstSeen?: FirstSeen;
}

function json(value: unknown): string {
  // JSON.stringify escapes C0 controls; jsonForTerminal also escapes bidi and C1 so a user name cannot rewrite the terminal.
  return jsonForTerminal(JSON.stringify(value, null, 2)) + '\n';
}

/** One output format of an audit: what `--format NAME` writes, and the file it goes to under `--out DIR`. */
export interface AuditWriterEntry {
  /** After a common stem (Prowler's output folder). */
  readonly extension: string;
  render(report: AuditReport, options: RenderOptions): string;
}

/** The finding writers by format name, in alphabetical order; the contract suite in render.test.ts runs over each. */
export const AUDIT_WRITERS = {
  asff: {
    extension: '.asff.json',
    render(report, options) {
      if (options.region === undefined || options.region === null)
        throw new InternalError(
          'ASFF needs the region the findings are imported into; the CLI checks it first',
        );
      return json({
        Findings: toAsff(report, {
          region: options.region,
          importAccount: options.importAccount ?? null,
          ...(options.productVersion === undefined ? {} : { productVersion: options.productVersion }),
          ...(options.firstSeen === undefined ? {} : { firstSeen: options.firstSeen }),
        }),
      });
    },
  },
  csv: {
    extension: '.csv',
    render: (report, options) => renderAuditCsv(report, { region: options.region ?? null }),
  },
  json: { extension: '.json', render: (report) => json(report) },
  ocsf: {
    extension: '.ocsf.json',
    render: (report, options) =>
      json(
        toOcsfEvents(report, {
          region: options.region ?? null,
          ...(options.productVersion === undefined ? {} : { productVersion: options.productVersion }),
          ...(options.firstSeen === undefined ? {} : { firstSeen: options.firstSeen }),
        }),
      ),
  },
  table: {
    extension: '.txt',
    render: (report, options) => renderAuditTable(report, { all: options.all === true }),
  },
} as const satisfies Readonly<Record<string, AuditWriterEntry>>;

export type AuditFormat = keyof typeof AUDIT_WRITERS;

/** The `--format` choices: the default first, then the registry's order. */
export const AUDIT_FORMATS: readonly AuditFormat[] = [
  'table',
  ...(Object.keys(AUDIT_WRITERS) as AuditFormat[]).filter((format) => format !== 'table'),
];

/** The file each format is written to in `--out DIR`, after a common stem. */
export const AUDIT_FILE_EXTENSIONS: Readonly<Record<AuditFormat, string>> = Object.fromEntries(
  AUDIT_FORMATS.map((format) => [format, AUDIT_WRITERS[format].extension]),
) as Record<AuditFormat, string>;

export function renderAudit(report: AuditReport, format: AuditFormat, options: RenderOptions = {}): string {
  const entry: AuditWriterEntry = AUDIT_WRITERS[format];
  return entry.render(report, options);
}
