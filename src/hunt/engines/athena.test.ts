// Athena mocked at the SDK with the API reference's shapes: catalog metadata, the QUEUED → RUNNING → SUCCEEDED poll, paged results with a header row, throttling, failures.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { GetQueryResultsCommandOutput, Row } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { runHunt } from '../../app/hunt.ts';
import { runScan } from '../../app/scan.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import { CLOUDTRAIL_COLUMNS } from '../schema.ts';
import type { HuntRow } from '../rows.ts';
import { FULL_SCOPE } from '../compile.ts';
import { openAthenaEngine } from './athena.ts';
import { openDuckdbEngine } from './duckdb.ts';

const DEMO_LOGS = new URL('../../../samples/demo/AWSLogs/', import.meta.url).pathname;

/** GetTableMetadata for the table the AWS documentation creates with partition projection. */
const DOCUMENTED_TABLE = {
  TableMetadata: {
    Name: 'cloudtrail',
    CreateTime: new Date('2024-01-01T00:00:00Z'),
    TableType: 'EXTERNAL_TABLE',
    Columns: CLOUDTRAIL_COLUMNS.filter((c) => c.documented).map((c) => ({ Name: c.name, Type: 'string' })),
    PartitionKeys: [{ Name: 'timestamp', Type: 'string' }],
    Parameters: {
      'projection.enabled': 'true',
      'projection.timestamp.format': 'yyyy/MM/dd',
      'projection.timestamp.type': 'date',
      'storage.location.template': 's3://trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/${timestamp}',
    },
  },
};

const noSleep = (): Promise<void> => Promise.resolve();
const throttled = (): Error =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

/** Athena's result pages: VarCharValue per datum (absent for NULL), the header as the first row of the first page. */
function resultPages(rows: readonly HuntRow[], pageSize: number): GetQueryResultsCommandOutput[] {
  const columns = rows.length === 0 ? ['mfaguard_key'] : Object.keys(rows[0]!);
  const header: Row = { Data: columns.map((name) => ({ VarCharValue: name })) };
  const data: Row[] = rows.map((row) => ({
    Data: columns.map((name) => (row[name] === null ? {} : { VarCharValue: row[name]! })),
  }));
  const all = [header, ...data];
  const pages: GetQueryResultsCommandOutput[] = [];
  for (let at = 0; at < all.length; at += pageSize) {
    pages.push({
      $metadata: {},
      UpdateCount: 0,
      ResultSet: {
        Rows: all.slice(at, at + pageSize),
        ResultSetMetadata: {
          ColumnInfo: columns.map((name) => ({
            Name: name,
            Label: name,
            Type: 'varchar',
            CatalogName: 'hive',
            SchemaName: '',
            TableName: '',
          })),
        },
      },
      ...(at + pageSize < all.length ? { NextToken: `page-${at + pageSize}` } : {}),
    });
  }
  return pages;
}

describe('hunt --engine athena', () => {
  const athena = mockClient(AthenaClient);
  afterEach(() => athena.reset());

  it('answers as scan does: the SQL Athena receives, run by DuckDB behind the mock, gives the alerts scan gives', async () => {
    const duckdb = await openDuckdbEngine({ paths: [DEMO_LOGS] });
    const queries = new Map<string, { pages: GetQueryResultsCommandOutput[]; polls: number }>();
    const started: string[] = [];
    athena.on(GetTableMetadataCommand).resolves(DOCUMENTED_TABLE);
    athena
      .on(StartQueryExecutionCommand)
      .callsFake(async (input: { QueryString: string; QueryExecutionContext: { Database: string } }) => {
        assert.equal(input.QueryExecutionContext.Database, 'mfaguard');
        const id = `q-${queries.size + 1}`;
        const result = await duckdb.run(input.QueryString);
        queries.set(id, { pages: resultPages(result.rows, 1000), polls: 0 });
        started.push(input.QueryString);
        return { QueryExecutionId: id };
      });
    let throttledOnce = false;
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      if (!throttledOnce) {
        throttledOnce = true;
        throw throttled();
      }
      const query = queries.get(input.QueryExecutionId)!;
      const state = ['QUEUED', 'RUNNING', 'SUCCEEDED'][Math.min(query.polls++, 2)];
      return {
        QueryExecution: {
          QueryExecutionId: input.QueryExecutionId,
          Status: { State: state },
          Statistics: {
            DataScannedInBytes: 123_456_789,
            EngineExecutionTimeInMillis: 1500,
            TotalExecutionTimeInMillis: 1800,
          },
        },
      };
    });
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string; NextToken?: string }) => {
      const pages = queries.get(input.QueryExecutionId)!.pages;
      const index =
        input.NextToken === undefined
          ? 0
          : pages.findIndex((p, i) => i > 0 && pages[i - 1]!.NextToken === input.NextToken);
      return pages[index]!;
    });

    const sleeps: number[] = [];
    const engine = await openAthenaEngine({
      database: 'mfaguard',
      table: 'cloudtrail',
      workgroup: 'security',
      output: 's3://athena-results/mfaguard/',
      client: new AthenaClient({ region: 'us-east-1' }),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    assert.deepEqual(engine.layout.partitions, { account: null, region: null, date: 'timestamp' });
    assert.ok(
      !engine.layout.columns.has('managementevent'),
      'the documented table has no managementevent column',
    );
    let hunt: Awaited<ReturnType<typeof runHunt>>;
    try {
      hunt = await runHunt({ engine, scope: FULL_SCOPE });
    } finally {
      await duckdb.close();
    }
    const scan = await runScan({ inputs: [DEMO_LOGS], workers: 0 });
    const strip = (alerts: typeof scan.alerts): unknown[] =>
      alerts.map((a) => ({
        id: a.id,
        classification: a.classification,
        reasons: a.reasons,
        severity: a.severity,
        riskScore: a.riskScore,
      }));
    assert.deepEqual(strip(hunt.alerts), strip(scan.alerts));
    assert.equal(hunt.queries[0]!.statistics.bytesScanned, 123_456_789);
    assert.equal(hunt.queries[0]!.statistics.queryId, 'q-1');
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    assert.equal(start.WorkGroup, 'security');
    assert.equal(start.ResultConfiguration?.OutputLocation, 's3://athena-results/mfaguard/');
    assert.match(start.QueryString!, /FROM "mfaguard"\."cloudtrail"/);
    assert.ok(athena.commandCalls(GetQueryResultsCommand).length >= 1);
    // The throttled poll was retried, and polls backed off while QUEUED and RUNNING.
    assert.ok(sleeps.length >= 3 && sleeps[2]! > sleeps[1]!, `backoff: ${sleeps.join(', ')}`);
  });

  it('pages through results, the header only on the first page, NULL as a datum without VarCharValue', async () => {
    const rows: HuntRow[] = Array.from({ length: 2500 }, (_, i) => ({
      mfaguard_key: i === 0 ? null : `e-${i}`,
      mfaguard_copies: '1',
      eventname: i % 2 === 0 ? null : '',
    }));
    const pages = resultPages(rows, 1000);
    athena.on(GetTableMetadataCommand).resolves(DOCUMENTED_TABLE);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 10 } },
    });
    athena.on(GetQueryResultsCommand).resolvesOnce(pages[0]!).resolvesOnce(pages[1]!).resolvesOnce(pages[2]!);
    const engine = await openAthenaEngine({
      database: 'd',
      table: 't',
      client: new AthenaClient({ region: 'us-east-1' }),
      sleep: noSleep,
    });
    const result = await engine.run('SELECT 1');
    assert.equal(result.rows.length, 2500);
    assert.deepEqual(result.rows[0], { mfaguard_key: null, mfaguard_copies: '1', eventname: null });
    assert.deepEqual(result.rows[1], { mfaguard_key: 'e-1', mfaguard_copies: '1', eventname: '' });
    const tokens = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    assert.deepEqual(tokens, [undefined, 'page-1000', 'page-2000']);
  });

  for (const [state, status, expected] of [
    [
      'FAILED',
      {
        State: 'FAILED',
        StateChangeReason: 'ignored',
        AthenaError: {
          ErrorCategory: 2,
          ErrorType: 1006,
          Retryable: false,
          ErrorMessage: "TABLE_NOT_FOUND: line 1:8: Table 'awsdatacatalog.d.t' does not exist",
        },
      },
      /failed: TABLE_NOT_FOUND/,
    ],
    [
      'CANCELLED',
      { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' },
      /was cancelled: Query cancelled by user/,
    ],
  ] as const) {
    it(`turns a ${state} query into an ExternalError with Athena's reason`, async () => {
      athena.on(GetTableMetadataCommand).resolves(DOCUMENTED_TABLE);
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
      athena
        .on(GetQueryExecutionCommand)
        .resolves({ QueryExecution: { QueryExecutionId: 'q-9', Status: status } });
      const engine = await openAthenaEngine({
        database: 'd',
        table: 't',
        client: new AthenaClient({ region: 'us-east-1' }),
        sleep: noSleep,
      });
      await assert.rejects(
        engine.run('SELECT 1'),
        (error: unknown) =>
          error instanceof ExternalError && expected.test(error.message) && /q-9/.test(error.message),
      );
    });
  }

  it('gives up on throttling after the retries, as a retryable ExternalError', async () => {
    athena.on(GetTableMetadataCommand).rejects(throttled());
    await assert.rejects(
      openAthenaEngine({
        database: 'd',
        table: 't',
        client: new AthenaClient({ region: 'us-east-1' }),
        sleep: noSleep,
        maxThrottleRetries: 2,
      }),
      (error: unknown) =>
        error instanceof ExternalError && error.retryable && /ThrottlingException/.test(error.message),
    );
    assert.equal(athena.commandCalls(GetTableMetadataCommand).length, 3);
  });

  it('refuses a table that is not a CloudTrail table, and an --output that is not s3://', async () => {
    athena
      .on(GetTableMetadataCommand)
      .resolves({ TableMetadata: { Name: 't', Columns: [{ Name: 'id', Type: 'string' }] } });
    await assert.rejects(
      openAthenaEngine({
        database: 'd',
        table: 't',
        client: new AthenaClient({ region: 'us-east-1' }),
        sleep: noSleep,
      }),
      (error: unknown) => error instanceof UsageError && /not a CloudTrail table/.test(error.message),
    );
    await assert.rejects(
      openAthenaEngine({
        database: 'd',
        table: 't',
        output: '/tmp/x',
        client: new AthenaClient({ region: 'us-east-1' }),
      }),
      UsageError,
    );
  });
});
