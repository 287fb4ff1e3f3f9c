// The golden Athena SQL executed for real by DuckDB: over every built-in rule's fixtures, and with a scope over the demo sample.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { fixtureDirFor } from '../../detect/index.ts';
import { createEngine } from '../../detect/index.ts';
import { createEventViews, normalizeRecord } from '../../ingest/index.ts';
import { ExternalError, UsageError } from '../../model/index.ts';
import { decodeRow } from '../rows.ts';
import { CLOUDTRAIL_COLUMNS } from '../schema.ts';
import { GOLDEN_SCOPE, goldenRules } from '../test-support/golden.ts';
import { openDuckdbEngine } from './duckdb.ts';

const RULES_ROOT = new URL('../../../rules/', import.meta.url).pathname;
const DEMO_LOGS = new URL('../../../samples/demo/AWSLogs/', import.meta.url).pathname;

function goldenSql(name: string): string {
  return readFileSync(new URL(`../golden/${name}`, import.meta.url), 'utf8');
}

/** What the documented table keeps of a record: its columns, with NULL (a null or absent value) as an absent key. */
function asTableKeepsIt(record: Record<string, unknown>): unknown {
  const documented = new Set(CLOUDTRAIL_COLUMNS.filter((c) => c.documented).map((c) => c.key));
  return withoutNulls(Object.fromEntries(Object.entries(record).filter(([k]) => documented.has(k))));
}

/** Removes keys whose value is null: the table holds NULL, which comes back as an absent key. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

interface Fixture {
  readonly ruleId: string;
  readonly expect: 'must-fire' | 'must-not-fire';
  readonly record: Record<string, unknown>;
}

describe('DuckDB runs the Athena SQL', () => {
  const rules = goldenRules();
  const fixtures: Fixture[] = [];
  let archive = '';

  before(() => {
    archive = mkdtempSync(join(tmpdir(), 'mfaguard-hunt-fixtures-'));
    for (const rule of rules) {
      const dir = fixtureDirFor(join(RULES_ROOT, rule.meta.path));
      for (const expect of ['must-fire', 'must-not-fire'] as const) {
        for (const name of readdirSync(join(dir, expect)).filter((n) => n.endsWith('.json'))) {
          const data: unknown = JSON.parse(readFileSync(join(dir, expect, name), 'utf8'));
          const records = (Array.isArray(data) ? data : [data]) as Record<string, string>[];
          records.forEach((record, i) => {
            fixtures.push({ ruleId: rule.meta.id, expect, record });
            // Filed where a trail delivers it, so the view's partition columns are filled.
            const time = record['eventTime']!;
            const account = record['recipientAccountId'] ?? '111122223333';
            const file = join(
              archive,
              'AWSLogs',
              account,
              'CloudTrail',
              record['awsRegion'] ?? 'us-east-1',
              time.slice(0, 4),
              time.slice(5, 7),
              time.slice(8, 10),
              `${rule.meta.id}-${expect}-${name.replace('.json', '')}-${i}.json`,
            );
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, JSON.stringify({ Records: [record] }));
          });
        }
      }
    }
  });
  after(() => rmSync(archive, { recursive: true, force: true }));

  it('brings back, unchanged, every record each built-in rule must fire on, and the rule fires on it', async () => {
    const engine = await openDuckdbEngine({ paths: [archive] });
    assert.deepEqual(engine.layout.partitions, { account: 'account', region: 'region', date: 'timestamp' });
    const problems: string[] = [];
    try {
      for (const rule of rules) {
        const result = await engine.run(goldenSql(`${rule.meta.id}.athena.sql`));
        const back = new Map<string, Record<string, unknown>>();
        for (const row of result.rows) {
          const decoded = decodeRow(row, 'test');
          assert.ok(decoded.ok, decoded.ok ? '' : decoded.issue.message);
          if (decoded.row.record !== null) back.set(decoded.row.key!, decoded.row.record);
        }
        const single = createEngine([rule]);
        for (const fixture of fixtures.filter((f) => f.ruleId === rule.meta.id && f.expect === 'must-fire')) {
          const id = String(fixture.record['eventID']);
          const record = back.get(id);
          if (record === undefined) {
            problems.push(`${rule.meta.id}: must-fire event ${id} did not come back`);
            continue;
          }
          assert.deepEqual(
            record,
            asTableKeepsIt(fixture.record),
            `${rule.meta.id}: event ${id} changed on the way`,
          );
          const normalized = normalizeRecord(record, { location: 'row', index: 0 });
          assert.ok(normalized.ok);
          if (single.match(createEventViews(normalized.event)).rules.length !== 1)
            problems.push(`${rule.meta.id}: does not fire on event ${id} as read back`);
        }
      }
    } finally {
      await engine.close();
    }
    assert.deepEqual(problems, []);
  });

  it('runs the scoped query over the demo sample: the scope counts what it should, pruned by partition', async () => {
    const engine = await openDuckdbEngine({ paths: [DEMO_LOGS] });
    try {
      const result = await engine.run(goldenSql('builtin-scoped.athena.sql'));
      let counted = 0;
      for (const row of result.rows) {
        const decoded = decodeRow(row, 'test');
        assert.ok(decoded.ok);
        counted += decoded.row.copies;
        const record = decoded.row.record;
        if (record === null) continue;
        assert.equal(record['recipientAccountId'], GOLDEN_SCOPE.accounts[0]);
        assert.equal(record['awsRegion'], GOLDEN_SCOPE.regions[0]);
      }
      assert.equal(counted, demoEventsInScope());
      assert.ok(counted > 0);
    } finally {
      await engine.close();
    }
  });

  it('names files that are not delivery files: CloudTrail in another shape is an error, anything else a note', async () => {
    const dir = join(archive, '..', `${archive.split('/').pop()!}-shapes`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(
        join(dir, 'records.jsonl'),
        '{"eventVersion":"1.09","eventName":"DeactivateMFADevice"}\n',
      );
      writeFileSync(join(dir, 'notes.json'), '{"owner": "security"}');
      const engine = await openDuckdbEngine({ paths: [dir] });
      await engine.close();
      const byFile = new Map(engine.issues.map((issue) => [issue.location.split('/').pop(), issue]));
      assert.equal(byFile.get('records.jsonl')?.level, 'error');
      assert.match(byFile.get('records.jsonl')?.message ?? '', /not in a delivery file/);
      assert.equal(byFile.get('notes.json')?.level, 'note');
      assert.deepEqual(engine.inputs, { files: 0, bytes: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses S3 and standard input, which DuckDB does not read here', async () => {
    await assert.rejects(openDuckdbEngine({ paths: ['s3://bucket/AWSLogs/'] }), UsageError);
    await assert.rejects(openDuckdbEngine({ paths: ['-'] }), UsageError);
  });

  it('turns a failed query into an ExternalError with DuckDB’s reason', async () => {
    const engine = await openDuckdbEngine({ paths: [archive] });
    try {
      await assert.rejects(
        engine.run('SELECT nosuchcolumn FROM "mfaguard"."cloudtrail"'),
        (error: unknown) =>
          error instanceof ExternalError && error.service === 'duckdb' && /nosuchcolumn/.test(error.message),
      );
    } finally {
      await engine.close();
    }
  });
});

/** The demo's events in the golden scope, counted from the files themselves. */
function demoEventsInScope(): number {
  let count = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'CloudTrail-Digest') walk(path);
        continue;
      }
      const data = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
        Records: Record<string, string>[];
      };
      for (const record of data.Records) {
        const time = record['eventTime']!;
        if (
          time >= GOLDEN_SCOPE.since! &&
          time < GOLDEN_SCOPE.until! &&
          record['recipientAccountId'] === GOLDEN_SCOPE.accounts[0] &&
          record['awsRegion'] === GOLDEN_SCOPE.regions[0]
        )
          count++;
      }
    }
  };
  walk(DEMO_LOGS);
  return count;
}
