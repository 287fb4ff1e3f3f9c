// CloudTrail Lake as a hunt engine: the query over an event data store, polled with DescribeQuery and paged back with GetQueryResults.

import {
  CloudTrailClient,
  DescribeQueryCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudtrail';
import type { CloudTrailClientConfig, GetQueryResultsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { fromIni } from '@aws-sdk/credential-providers';
import { realSleep } from '../../ingest/index.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import { NO_PARTITIONS } from '../compile.ts';
import type { HuntEngine, QueryResult } from '../engine.ts';
import type { HuntRow } from '../rows.ts';
import { pollQuery, withThrottleRetries } from './aws-retry.ts';
import type { RetryTiming } from './aws-retry.ts';

export interface LakeEngineOptions extends Partial<RetryTiming> {
  /** The event data store's ARN, or the id that ends it. */
  readonly eventDataStore: string;
  readonly region?: string;
  readonly profile?: string;
  readonly client?: CloudTrailClient;
  readonly timeoutMs?: number;
}

const EDS_ARN = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):\d{12}:eventdatastore\/([A-Za-z0-9-]{3,})$/;
const EDS_ID = /^[A-Za-z0-9-]{3,}$/;
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** Nothing to ask AWS before the first query (Lake's schema is fixed); a bad store name still rejects, as for the other engines. */
export function openLakeEngine(options: LakeEngineOptions): Promise<HuntEngine> {
  return new Promise((resolve) => resolve(createLakeEngine(options)));
}

function createLakeEngine(options: LakeEngineOptions): HuntEngine {
  const arn = EDS_ARN.exec(options.eventDataStore);
  const id = arn?.[2] ?? (EDS_ID.test(options.eventDataStore) ? options.eventDataStore : null);
  if (id === null) {
    throw new UsageError(
      `--event-data-store must be an event data store ARN (arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID) or its id; got '${options.eventDataStore.slice(0, 80)}'`,
    );
  }
  // The store lives in the region its ARN names; querying it from another region fails.
  const region = options.region ?? arn?.[1];
  const client = options.client ?? createClient(region, options.profile);
  const timing: RetryTiming = {
    sleep: options.sleep ?? realSleep,
    firstDelayMs: options.firstDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    maxThrottleRetries: options.maxThrottleRetries ?? 8,
  };
  return {
    name: 'cloudtrail-lake',
    layout: { dialect: 'lake', from: id, columns: new Set<string>(), partitions: NO_PARTITIONS },
    issues: [],
    inputs: null,
    run: (sql) => runQuery(client, sql, timing, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    close: () => {
      if (options.client === undefined) client.destroy();
      return Promise.resolve();
    },
  };
}

function createClient(region: string | undefined, profile: string | undefined): CloudTrailClient {
  const config: CloudTrailClientConfig = {
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile, credentials: fromIni({ profile }) }),
  };
  return new CloudTrailClient(config);
}

async function runQuery(
  client: CloudTrailClient,
  sql: string,
  timing: RetryTiming,
  timeoutMs: number,
): Promise<QueryResult> {
  const started = await withThrottleRetries(timing, 'cloudtrail-lake', () =>
    client.send(new StartQueryCommand({ QueryStatement: sql })),
  );
  const id = started.QueryId;
  if (id === undefined) throw new ExternalError('cloudtrail-lake', 'StartQuery returned no QueryId');
  const bytesScanned = await waitForQuery(client, id, timing, timeoutMs);
  return { rows: await readResults(client, id, timing), statistics: { bytesScanned, queryId: id } };
}

async function waitForQuery(
  client: CloudTrailClient,
  id: string,
  timing: RetryTiming,
  timeoutMs: number,
): Promise<number | null> {
  return pollQuery('cloudtrail-lake', id, timing, timeoutMs, async () => {
    const query = await withThrottleRetries(timing, 'cloudtrail-lake', () =>
      client.send(new DescribeQueryCommand({ QueryId: id })),
    );
    switch (query.QueryStatus) {
      case 'FINISHED':
        return { done: query.QueryStatistics?.BytesScanned ?? null };
      case 'FAILED':
      case 'CANCELLED':
      case 'TIMED_OUT': {
        const what = { FAILED: 'failed', CANCELLED: 'was cancelled', TIMED_OUT: 'timed out' }[
          query.QueryStatus
        ];
        throw new ExternalError(
          'cloudtrail-lake',
          `query ${id} ${what}: ${query.ErrorMessage ?? 'no reason given'}`,
        );
      }
      case 'QUEUED':
      case 'RUNNING':
      case undefined:
      default:
        return { pending: query.QueryStatus ?? 'unknown' };
    }
  });
}

/** Each result row is a list of one-entry maps, column name to text, in the SELECT's order; there is no header row. */
async function readResults(client: CloudTrailClient, id: string, timing: RetryTiming): Promise<HuntRow[]> {
  const rows: HuntRow[] = [];
  let token: string | undefined;
  do {
    const page: GetQueryResultsCommandOutput = await withThrottleRetries(timing, 'cloudtrail-lake', () =>
      client.send(
        new GetQueryResultsCommand({ QueryId: id, ...(token === undefined ? {} : { NextToken: token }) }),
      ),
    );
    for (const cells of page.QueryResultRows ?? []) {
      const row: Record<string, string | null> = {};
      for (const cell of cells)
        for (const [name, value] of Object.entries(cell)) row[name.toLowerCase()] = value;
      rows.push(row);
    }
    token = page.NextToken;
  } while (token !== undefined);
  return rows;
}
