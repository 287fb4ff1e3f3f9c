// What every hunt engine offers: the table it queries and a way to run one query to its rows.

import type { InputIssue } from '../model/index.ts';
import type { TableLayout } from './compile.ts';
import type { HuntRow } from './rows.ts';

export interface QueryStatistics {
  /** Bytes the engine read to answer (what Athena and CloudTrail Lake bill); null when the engine does not say. */
  readonly bytesScanned: number | null;
  /** The engine's own query id, for its console and logs. */
  readonly queryId: string | null;
}

export interface QueryResult {
  readonly rows: readonly HuntRow[];
  readonly statistics: QueryStatistics;
}

export interface HuntEngine {
  /** `duckdb`, `athena`, `cloudtrail-lake`. */
  readonly name: string;
  readonly layout: TableLayout;
  /** Problems found before any query ran (a local file skipped, a digest folder), as `scan` reports them. */
  readonly issues: readonly InputIssue[];
  /** Local files the engine reads and their bytes as stored; null for a remote table (its bytes scanned say more). */
  readonly inputs: { readonly files: number; readonly bytes: number } | null;
  /** Runs one query; a failed or cancelled query is an `ExternalError` carrying the engine's reason. */
  run(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}
