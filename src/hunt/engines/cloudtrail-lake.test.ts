// CloudTrail Lake mocked at the SDK with the API reference's shapes: StartQuery, DescribeQuery's QueryStatus values, GetQueryResults pages by NextToken.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  CloudTrailClient,
  DescribeQueryCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { runHunt } from '../../app/hunt.ts';
import { RELEVANT_EVENT_NAMES } from '../../app/relevant-events.ts';
import { runScan } from '../../app/scan.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import { compileSliceQuery, FULL_SCOPE, rulePins } from '../compile.ts';
import { decodeRow } from '../rows.ts';
import { goldenRules } from '../test-support/golden.ts';
import { openDuckdbEngine } from './duckdb.ts';
import { openLakeEngine } from './cloudtrail-lake.ts';

const DEMO_LOGS = new URL('../../../samples/demo/AWSLogs/', import.meta.url).pathname;
const ARN = 'arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE';
const noSleep = (): Promise<void> => Promise.resolve();

/**
 * What Lake would answer for the demo: the same slice, computed by DuckDB from the Athena form of the query, in Lake's
 * shape (a row is a list of one-entry maps; the record is `eventJson`; times from `to_iso8601`).
 */
async function lakeRowsForDemo(): Promise<Record<string, string>[][]> {
  const duckdb = await openDuckdbEngine({ paths: [DEMO_LOGS] });
  try {
    const sql = compileSliceQuery(
      rulePins(goldenRules()),
      [...RELEVANT_EVENT_NAMES],
      FULL_SCOPE,
      duckdb.layout,
    );
    const { rows } = await duckdb.run(sql);
    return rows.map((row) => {
      const decoded = decodeRow(row, 'test');
      assert.ok(decoded.ok);
      const last = decoded.row.lastEventTime!.replace('Z', '.000Z');
      return [
        { mfaguard_key: decoded.row.key ?? '' },
        { mfaguard_copies: String(decoded.row.copies) },
        { mfaguard_last_event_time: last },
        { eventjson: decoded.row.record === null ? '' : JSON.stringify(decoded.row.record) },
      ];
    });
  } finally {
    await duckdb.close();
  }
}

describe('hunt --engine cloudtrail-lake', () => {
  const lake = mockClient(CloudTrailClient);
  afterEach(() => lake.reset());

  it('queries the event data store by id, polls to FINISHED, pages by NextToken and gives the alerts scan gives', async () => {
    const rows = await lakeRowsForDemo();
    // Lake returns an empty text for NULL in a one-entry map: the NULL group's key.
    const pages = [rows.slice(0, 300), rows.slice(300, 600), rows.slice(600)];
    lake.on(StartQueryCommand).resolves({ QueryId: 'lake-q-1' });
    lake
      .on(DescribeQueryCommand)
      .resolvesOnce({ QueryId: 'lake-q-1', QueryStatus: 'QUEUED' })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolvesOnce({ QueryId: 'lake-q-1', QueryStatus: 'RUNNING' })
      .resolves({
        QueryId: 'lake-q-1',
        QueryStatus: 'FINISHED',
        QueryStatistics: {
          EventsMatched: 756,
          EventsScanned: 14_072,
          BytesScanned: 987_654_321,
          ExecutionTimeInMillis: 2000,
          CreationTime: new Date(),
        },
      });
    lake
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        QueryStatus: 'FINISHED',
        QueryResultRows: pages[0],
        NextToken: 't1',
        QueryStatistics: { ResultsCount: 300, TotalResultsCount: rows.length, BytesScanned: 987_654_321 },
      })
      .resolvesOnce({
        QueryStatus: 'FINISHED',
        QueryResultRows: pages[1],
        NextToken: 't2',
        QueryStatistics: { ResultsCount: 300, TotalResultsCount: rows.length, BytesScanned: 987_654_321 },
      })
      .resolvesOnce({
        QueryStatus: 'FINISHED',
        QueryResultRows: pages[2],
        QueryStatistics: {
          ResultsCount: pages[2]!.length,
          TotalResultsCount: rows.length,
          BytesScanned: 987_654_321,
        },
      });

    const engine = await openLakeEngine({
      eventDataStore: ARN,
      client: new CloudTrailClient({ region: 'eu-west-1' }),
      sleep: noSleep,
    });
    const hunt = await runHunt({ engine, scope: { ...FULL_SCOPE, accounts: [] } });
    const scan = await runScan({ inputs: [DEMO_LOGS], workers: 0 });
    const strip = (alerts: typeof scan.alerts): unknown[] =>
      alerts.map((a) => ({ id: a.id, classification: a.classification, reasons: a.reasons }));
    assert.deepEqual(strip(hunt.alerts), strip(scan.alerts));
    assert.equal(hunt.queries[0]!.statistics.bytesScanned, 987_654_321);
    assert.deepEqual(hunt.issues, []);
    assert.equal(hunt.stats.events, scan.stats.events);
    assert.equal(hunt.stats.lastEventTime, scan.stats.lastEventTime);
    const statement = lake.commandCalls(StartQueryCommand)[0]!.args[0].input.QueryStatement!;
    assert.match(statement, /FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE\n/);
    assert.match(statement, /arbitrary\(eventJson\)/);
    assert.deepEqual(
      lake.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken),
      [undefined, 't1', 't2'],
    );
  });

  for (const [status, expected] of [
    ['FAILED', /failed: .*Column 'x' cannot be resolved/],
    ['CANCELLED', /was cancelled/],
    ['TIMED_OUT', /timed out/],
  ] as const) {
    it(`turns a ${status} query into an ExternalError with Lake's reason`, async () => {
      lake.on(StartQueryCommand).resolves({ QueryId: 'lake-q-2' });
      lake.on(DescribeQueryCommand).resolves({
        QueryId: 'lake-q-2',
        QueryStatus: status,
        ErrorMessage: status === 'FAILED' ? "Column 'x' cannot be resolved" : undefined,
      });
      const engine = await openLakeEngine({
        eventDataStore: ARN,
        client: new CloudTrailClient({ region: 'eu-west-1' }),
        sleep: noSleep,
      });
      await assert.rejects(
        engine.run('SELECT x FROM y'),
        (error: unknown) =>
          error instanceof ExternalError && expected.test(error.message) && /lake-q-2/.test(error.message),
      );
    });
  }

  it('refuses an event data store that is neither an ARN nor an id', async () => {
    await assert.rejects(openLakeEngine({ eventDataStore: 'arn:aws:s3:::bucket' }), UsageError);
  });
});
