// Renders an audit report in one format: a terminal table, JSON, CSV, OCSF Compliance Findings or ASFF for Security Hub.

import { InternalError } from '../model/index.ts';
import { jsonForTerminal } from '../report/index.ts';
import { toAsff } from './output/asff.ts';
import { renderAuditCsv } from './output/csv.ts';
import type { FirstSeen } from './output/finding-id.ts';
import { toOcsfEvents } from './output/ocsf.ts';
import { renderAuditTable } from './output/table.ts';
import type { AuditReport } from './summary.ts';

export const AUDIT_FORMATS = ['table', 'json', 'csv', 'ocsf', 'asff'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** The file each format is written to in `--out DIR`, after a common stem (Prowler's output folder). */
export const AUDIT_FILE_EXTENSIONS: Readonly<Record<AuditFormat, string>> = {
  table: '.txt',
  json: '.json',
  csv: '.csv',
  ocsf: '.ocsf.json',
  asff: '.asff.json',
};

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

export function renderAudit(report: AuditReport, format: AuditFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderAuditTable(report, { all: options.all === true });
    case 'json':
      return json(report);
    case 'csv':
      return renderAuditCsv(report, { region: options.region ?? null });
    case 'ocsf':
      return json(
        toOcsfEvents(report, {
          region: options.region ?? null,
          ...(options.productVersion === undefined ? {} : { productVersion: options.productVersion }),
          ...(options.firstSeen === undefined ? {} : { firstSeen: options.firstSeen }),
        }),
      );
    case 'asff': {
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
    }
  }
}
