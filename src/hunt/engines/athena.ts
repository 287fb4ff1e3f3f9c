// Amazon Athena as a hunt engine: the table's columns and partitions read from the catalog, one query started, polled and paged back.

import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { AthenaClientConfig, GetQueryResultsCommandOutput, TableMetadata } from '@aws-sdk/client-athena';
import { fromIni } from '@aws-sdk/credential-providers';
import { realSleep } from '../../ingest/index.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import type { Partitions, TableLayout } from '../compile.ts';
import type { HuntEngine, QueryResult } from '../engine.ts';
import type { HuntRow } from '../rows.ts';
import { CLOUDTRAIL_COLUMNS, quoteIdentifier } from '../schema.ts';
import { pollQuery, withThrottleRetries } from './aws-retry.ts';
import type { RetryTiming } from './aws-retry.ts';

export interface AthenaEngineOptions extends Partial<RetryTiming> {
  readonly database: string;
  readonly table: string;
  readonly workgroup?: string;
  /** `s3://bucket/prefix/` for the query results, when the workgroup does not set one. */
  readonly output?: string;
  readonly catalog?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly client?: AthenaClient;
  /** Give up on a query that has not finished after this long (default 30 minutes). */
  readonly timeoutMs?: number;
}

/** Athena's page limit for GetQueryResults. */
const PAGE_SIZE = 1000;
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

export async function openAthenaEngine(options: AthenaEngineOptions): Promise<HuntEngine> {
  if (options.output !== undefined && !/^s3:\/\/[^/]+/.test(options.output))
    throw new UsageError(
      `--output must be an s3:// location for the query results; got '${options.output.slice(0, 80)}'`,
    );
  const client = options.client ?? createAthenaClient(options);
  const catalog = options.catalog ?? 'AwsDataCatalog';
  const timing: RetryTiming = {
    sleep: options.sleep ?? realSleep,
    firstDelayMs: options.firstDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    maxThrottleRetries: options.maxThrottleRetries ?? 8,
  };
  const metadata = await withThrottleRetries(timing, 'athena', () =>
    client.send(
      new GetTableMetadataCommand({
        CatalogName: catalog,
        DatabaseName: options.database,
        TableName: options.table,
        ...(options.workgroup === undefined ? {} : { WorkGroup: options.workgroup }),
      }),
    ),
  );
  const layout = layoutOf(metadata.TableMetadata, options);
  return {
    name: 'athena',
    layout,
    issues: [],
    inputs: null,
    run: (sql) => runQuery(client, sql, options, catalog, timing),
    close: () => {
      if (options.client === undefined) client.destroy();
      return Promise.resolve();
    },
  };
}

function createAthenaClient(options: AthenaEngineOptions): AthenaClient {
  const config: AthenaClientConfig = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined
      ? {}
      : { profile: options.profile, credentials: fromIni({ profile: options.profile }) }),
  };
  return new AthenaClient(config);
}

/**
 * The columns the table has (a table made from the AWS documentation lacks some) and its partition projection
 * columns: `timestamp` or `date` as `yyyy/MM/dd`, `region`, `account`.
 */
function layoutOf(metadata: TableMetadata | undefined, options: AthenaEngineOptions): TableLayout {
  const where = `${options.database}.${options.table}`;
  if (metadata === undefined) throw new ExternalError('athena', `no metadata for table ${where}`);
  const names = new Set((metadata.Columns ?? []).map((c) => (c.Name ?? '').toLowerCase()));
  const missing = ['eventid', 'eventname', 'eventsource', 'eventtime', 'useridentity'].filter(
    (n) => !names.has(n),
  );
  if (missing.length > 0) {
    throw new UsageError(
      `table ${where} is not a CloudTrail table: it has no ${missing.join(', ')} column` +
        ' (create one with `mfaguard guardrails athena-table`)',
    );
  }
  const keys = new Set((metadata.PartitionKeys ?? []).map((k) => (k.Name ?? '').toLowerCase()));
  const parameters = metadata.Parameters ?? {};
  const dayFormat = (name: string): boolean =>
    (parameters[`projection.${name}.format`] ?? 'yyyy/MM/dd') === 'yyyy/MM/dd';
  const date = ['timestamp', 'date'].find((name) => keys.has(name) && dayFormat(name)) ?? null;
  const partitions: Partitions = {
    account: ['account', 'accountid'].find((name) => keys.has(name)) ?? null,
    region: keys.has('region') ? 'region' : null,
    date,
  };
  return {
    dialect: 'athena',
    from: `${quoteIdentifier(options.database)}.${quoteIdentifier(options.table)}`,
    columns: new Set(CLOUDTRAIL_COLUMNS.filter((c) => names.has(c.name)).map((c) => c.name)),
    partitions,
  };
}

async function runQuery(
  client: AthenaClient,
  sql: string,
  options: AthenaEngineOptions,
  catalog: string,
  timing: RetryTiming,
): Promise<QueryResult> {
  const started = await withThrottleRetries(timing, 'athena', () =>
    client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        QueryExecutionContext: { Catalog: catalog, Database: options.database },
        ...(options.workgroup === undefined ? {} : { WorkGroup: options.workgroup }),
        ...(options.output === undefined ? {} : { ResultConfiguration: { OutputLocation: options.output } }),
      }),
    ),
  );
  const id = started.QueryExecutionId;
  if (id === undefined) throw new ExternalError('athena', 'StartQueryExecution returned no QueryExecutionId');
  const bytesScanned = await waitForQuery(client, id, timing, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return { rows: await readResults(client, id, timing), statistics: { bytesScanned, queryId: id } };
}

/** Polls until the query ends, waiting longer between polls (QUEUED can last minutes at busy times). Returns the bytes scanned. */
async function waitForQuery(
  client: AthenaClient,
  id: string,
  timing: RetryTiming,
  timeoutMs: number,
): Promise<number | null> {
  return pollQuery(
    'athena',
    id,
    timing,
    timeoutMs,
    async () => {
      const { QueryExecution: execution } = await withThrottleRetries(timing, 'athena', () =>
        client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const status = execution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return { done: execution?.Statistics?.DataScannedInBytes ?? null };
        case 'FAILED':
        case 'CANCELLED': {
          const reason = status.AthenaError?.ErrorMessage ?? status.StateChangeReason ?? 'no reason given';
          throw new ExternalError(
            'athena',
            `query ${id} ${status.State === 'FAILED' ? 'failed' : 'was cancelled'}: ${reason}`,
            { retryable: status.AthenaError?.Retryable === true },
          );
        }
        case 'QUEUED':
        case 'RUNNING':
        case undefined:
        default:
          return { pending: status?.State ?? 'unknown' };
      }
    },
    '; it keeps running in Athena',
  );
}

/** Pages through the results; the first row of the first page is the header (column names), not data. */
async function readResults(client: AthenaClient, id: string, timing: RetryTiming): Promise<HuntRow[]> {
  const rows: HuntRow[] = [];
  let columns: string[] | null = null;
  let token: string | undefined;
  do {
    const page: GetQueryResultsCommandOutput = await withThrottleRetries(timing, 'athena', () =>
      client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: PAGE_SIZE,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      ),
    );
    const pageRows = page.ResultSet?.Rows ?? [];
    let first = 0;
    if (columns === null) {
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) =>
        (c.Name ?? '').toLowerCase(),
      );
      first = 1;
    }
    for (let i = first; i < pageRows.length; i++) {
      const data = pageRows[i]?.Data ?? [];
      const row: Record<string, string | null> = {};
      // A NULL comes back as a datum without VarCharValue; an empty string has one.
      columns.forEach((name, c) => (row[name] = data[c]?.VarCharValue ?? null));
      rows.push(row);
    }
    token = page.NextToken;
  } while (token !== undefined);
  return rows;
}
