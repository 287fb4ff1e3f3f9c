// `mfaguard hunt` end to end over local files: the alerts and exit codes of scan, the scope options, usage errors, a failed query.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
