// `mfaguard hunt` end to end over local files: the alerts and exit codes of scan, the scope options, usage errors, a failed
// query; and over Athena and CloudTrail Lake mocked at the SDK: the cost line, and exit 4 with the engine's reason.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudTrailClient, DescribeQueryCommand, StartQueryCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { CLOUDTRAIL_COLUMNS } from '../../hunt/index.ts';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

const DEMO = new URL('../../../samples/demo/', import.meta.url).pathname;

async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const { ctx, out, err } = captureContext({ now: '2024-03-08T12:00:00Z' });
  const code = await runCli(args, ctx);
  return { code, out: out(), err: err() };
}

interface JsonAlert {
  readonly id: string;
  readonly classification?: string;
  readonly event: Record<string, unknown>;
}

const alertsOf = (out: string): JsonAlert[] =>
  (JSON.parse(out) as { alerts: JsonAlert[] }).alerts.map((a) => ({
    ...a,
    event: { ...a.event, index: null },
  }));

describe('mfaguard hunt', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mfaguard-hunt-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the alerts scan prints, and says what the query brought back', async () => {
    const scan = await cli(['scan', DEMO, '--format', 'json', '--no-progress']);
    const hunt = await cli(['hunt', DEMO, '--format', 'json']);
    assert.equal(hunt.code, scan.code);
    assert.deepEqual(alertsOf(hunt.out), alertsOf(scan.out));
    assert.match(hunt.err, /duckdb slice query: \d+ rows/);
  });

  it('exits 1 at --fail-on, as scan does', async () => {
    const hunt = await cli(['hunt', DEMO, '--format', 'ndjson', '--fail-on', 'critical', '--quiet']);
    assert.equal(hunt.code, 1);
    assert.equal(hunt.err, '');
  });

  it('pushes the scope into the query (--show-sql) and alerts only inside it', async () => {
    const hunt = await cli([
      'hunt',
      join(DEMO, 'AWSLogs'),
      '--format',
      'json',
      '--since',
      '2024-03-06',
      '--account',
      '997747511021',
      '--region',
      'us-east-1',
      '--show-sql',
    ]);
    assert.equal(hunt.code, 0, hunt.err);
    assert.match(hunt.err, /"timestamp" >= '2024\/03\/06'/);
    assert.match(hunt.err, /eventtime >= '2024-03-06T00:00:00Z'/);
    assert.match(hunt.err, /-- baseline query \(duckdb\)/);
    const alerts = alertsOf(hunt.out);
    assert.ok(alerts.length > 0);
    for (const alert of alerts) {
      assert.ok(String(alert.event['time']) >= '2024-03-06', String(alert.event['time']));
      assert.equal(alert.event['account'], '997747511021');
    }
  });

  it('reads a relative --since as scan does, counting back from now', async () => {
    const hunt = await cli(['hunt', DEMO, '--format', 'json', '--since', '2d', '--show-sql', '--quiet']);
    assert.match(hunt.err, /eventtime >= '2024-03-06T12:00:00Z'/);
  });

  for (const [args, message] of [
    [['hunt', '--engine', 'athena', '--table', 't'], /needs --database and --table/],
    [['hunt', '--engine', 'cloudtrail-lake'], /needs --event-data-store/],
    [['hunt', '--engine', 'duckdb', '--database', 'd', DEMO], /--database does not go with --engine duckdb/],
    [['hunt'], /needs at least one PATH/],
    [['hunt', 's3://bucket/AWSLogs/'], /use --engine athena/],
    [['hunt', DEMO, '--since', 'tomorrow'], /--since expects an ISO date/],
    [['hunt', DEMO, '--since', '2024-03-06', '--until', '2024-03-05'], /must be before --until/],
    [['hunt', DEMO, '--account', '12'], /12-digit/],
    [['hunt', DEMO, '--region', "us-east-1') OR ('1"], /--region expects an AWS region/],
    [['hunt', DEMO, '--engine', 'bigquery'], /--engine must be one of duckdb, athena, cloudtrail-lake/],
  ] as const) {
    it(`exits 2 on ${args.slice(1).join(' ') || 'no arguments'}`, async () => {
      const result = await cli(args);
      assert.equal(result.code, 2, result.err);
      assert.match(result.err, message);
      assert.doesNotMatch(result.err, /\n\s+at /, 'no stack trace');
    });
  }

  it('refuses a rule that pins no event name or source, naming it', async () => {
    const rule = join(dir, 'any-user-agent.yml');
    writeFileSync(
      rule,
      [
        'title: Any call from a scripting client',
        'id: 3c1d2a4e-9b7f-4c61-8d2e-0f5a6b7c8d9e',
        'status: experimental',
        'logsource: { product: aws, service: cloudtrail }',
        'detection:',
        '  selection: { userAgent|contains: python }',
        '  condition: selection',
        'level: low',
        '',
      ].join('\n'),
    );
    const result = await cli(['hunt', DEMO, '--rules', rule]);
    assert.equal(result.code, 2, result.err);
    assert.match(result.err, /3c1d2a4e-9b7f-4c61-8d2e-0f5a6b7c8d9e/);
    assert.match(result.err, /mfaguard scan/);
  });

  it('exits 4 with DuckDB’s reason when the query fails on a file it cannot read', async () => {
    const broken = join(
      dir,
      'broken',
      'AWSLogs',
      '111122223333',
      'CloudTrail',
      'us-east-1',
      '2024',
      '03',
      '04',
    );
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'x.json'), '{"Records": [ {"eventName": ');
    const result = await cli(['hunt', join(dir, 'broken')]);
    assert.equal(result.code, 4, result.err);
    assert.match(result.err, /duckdb: the query failed: .*x\.json/s);
    assert.doesNotMatch(result.err, /\n\s+at /);
  });
});

/** The table the AWS documentation creates, as GetTableMetadata returns it (columns are all the CLI reads). */
const ATHENA_TABLE = {
  TableMetadata: {
    Name: 'cloudtrail',
    TableType: 'EXTERNAL_TABLE',
    Columns: CLOUDTRAIL_COLUMNS.filter((c) => c.documented).map((c) => ({ Name: c.name, Type: 'string' })),
    PartitionKeys: [{ Name: 'timestamp', Type: 'string' }],
    Parameters: { 'projection.enabled': 'true', 'projection.timestamp.type': 'date' },
  },
};

/** A result set with the header row only: the query matched nothing. */
const EMPTY_RESULT = {
  ResultSet: {
    Rows: [{ Data: [{ VarCharValue: 'mfaguard_key' }, { VarCharValue: 'mfaguard_copies' }] }],
    ResultSetMetadata: {
      ColumnInfo: ['mfaguard_key', 'mfaguard_copies'].map((name) => ({
        Name: name,
        Label: name,
        Type: 'varchar',
      })),
    },
  },
};

describe('mfaguard hunt against AWS (mocked at the SDK)', () => {
  const athena = mockClient(AthenaClient);
  const lake = mockClient(CloudTrailClient);
  afterEach(() => {
    athena.reset();
    lake.reset();
  });
  after(() => {
    athena.restore();
    lake.restore();
  });
  const athenaArgs = [
    'hunt',
    '--engine',
    'athena',
    '--database',
    'd',
    '--table',
    't',
    '--aws-region',
    'us-east-1',
  ];

  it('--engine athena says what each query scanned and what that costs', async () => {
    athena.on(GetTableMetadataCommand).resolves(ATHENA_TABLE);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-1',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 5 * 1024 ** 3 },
      },
    });
    athena.on(GetQueryResultsCommand).resolves(EMPTY_RESULT);
    const result = await cli([...athenaArgs, '--format', 'json']);
    assert.equal(result.code, 0, result.err);
    assert.match(
      result.err,
      /athena slice query q-1: 0 rows, 5\.0 GB scanned \(about \$0\.0244 at \$5\/TB\)/,
    );
    assert.deepEqual(alertsOf(result.out), []);
  });

  for (const [state, status, reason] of [
    [
      'FAILED',
      {
        State: 'FAILED',
        AthenaError: {
          ErrorCategory: 2,
          ErrorType: 1006,
          Retryable: false,
          ErrorMessage: 'TABLE_NOT_FOUND: t',
        },
      },
      /error: athena: query q-9 failed: TABLE_NOT_FOUND: t/,
    ],
    [
      'CANCELLED',
      { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' },
      /error: athena: query q-9 was cancelled: Query cancelled by user/,
    ],
  ] as const) {
    it(`--engine athena exits 4 with Athena's reason when the query is ${state}`, async () => {
      athena.on(GetTableMetadataCommand).resolves(ATHENA_TABLE);
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
      athena
        .on(GetQueryExecutionCommand)
        .resolves({ QueryExecution: { QueryExecutionId: 'q-9', Status: status } });
      const result = await cli(athenaArgs);
      assert.equal(result.code, 4, result.err);
      assert.match(result.err, reason);
      assert.doesNotMatch(result.err, /\n\s+at /, 'no stack trace');
    });
  }

  for (const [status, reason] of [
    ['FAILED', /error: cloudtrail-lake: .*lake-q-2 failed: .*Column 'x' cannot be resolved/],
    ['CANCELLED', /error: cloudtrail-lake: .*lake-q-2 was cancelled/],
  ] as const) {
    it(`--engine cloudtrail-lake exits 4 with Lake's reason when the query is ${status}`, async () => {
      lake.on(StartQueryCommand).resolves({ QueryId: 'lake-q-2' });
      lake.on(DescribeQueryCommand).resolves({
        QueryId: 'lake-q-2',
        QueryStatus: status,
        ...(status === 'FAILED' ? { ErrorMessage: "Column 'x' cannot be resolved" } : {}),
      });
      const result = await cli([
        'hunt',
        '--engine',
        'cloudtrail-lake',
        '--event-data-store',
        'arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/EXAMPLE',
      ]);
      assert.equal(result.code, 4, result.err);
      assert.match(result.err, reason);
      assert.doesNotMatch(result.err, /\n\s+at /, 'no stack trace');
    });
  }
});
