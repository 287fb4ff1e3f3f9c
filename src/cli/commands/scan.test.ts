// `mfaguard scan` end to end: every delivery shape, every kind of broken input, output formats, exit codes, escaping.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';
import { batchedBytes } from './scan.ts';

const FIXTURES = fileURLToPath(new URL('../../../rules/fixtures/', import.meta.url));
const fixture = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;

const removal = fixture('iam-mfa-device-deactivated/must-fire/assumed-role-cli-other-user.json');
const rootRemoval = fixture('root-mfa-removed/must-fire/root-deactivates-own-default-device.json');
const refused = fixture(
  `iam-mfa-deactivation-refused/must-fire/${readdirSync(join(FIXTURES, 'iam-mfa-deactivation-refused', 'must-fire'))[0]!}`,
);
const hostile = {
  ...removal,
  eventID: 'hostile-0001',
  userAgent: '\u001b]8;;http://evil\u0007click\u001b[2J\r=HYPERLINK("http://evil")',
  requestParameters: { userName: "=cmd|'/c calc'!A1", serialNumber: 'arn:aws:iam::111122223333:mfa/x' },
};

let dir: string;

async function scan(
  args: readonly string[],
  stdin?: string | Buffer,
): Promise<{ code: number; out: string; err: string }> {
  const { ctx, out, err } = captureContext(stdin === undefined ? {} : { stdin });
  const code = await runCli(['scan', ...args], ctx);
  return { code, out: out(), err: err() };
}

describe('mfaguard scan', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mfaguard-scan-'));
    const day = join(dir, 'good', 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2024', '05', '14');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'a.json.gz'), gzipSync(JSON.stringify({ Records: [removal, rootRemoval] })));
    // The organisation trail delivers the same records again.
    const org = join(
      dir,
      'good',
      'AWSLogs',
      'o-abc123',
      '111122223333',
      'CloudTrail',
      'us-east-1',
      '2024',
      '05',
      '14',
    );
    mkdirSync(org, { recursive: true });
    writeFileSync(join(org, 'a.json.gz'), gzipSync(JSON.stringify({ Records: [removal] })));
    const digest = join(
      dir,
      'good',
      'AWSLogs',
      '111122223333',
      'CloudTrail-Digest',
      'us-east-1',
      '2024',
      '05',
      '14',
    );
    mkdirSync(digest, { recursive: true });
    writeFileSync(
      join(digest, 'd.json.gz'),
      gzipSync(JSON.stringify({ digestStartTime: '2024-05-14T00:00:00Z', digestS3Object: 'x' })),
    );

    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(
      join(bad, '1-truncated.json.gz'),
      gzipSync(JSON.stringify({ Records: [removal] })).subarray(0, 40),
    );
    writeFileSync(join(bad, '2-not-json.json'), 'this is not json {');
    writeFileSync(join(bad, '3-records-not-array.json'), JSON.stringify({ Records: { eventName: 'x' } }));
    writeFileSync(
      join(bad, '4-bad-record.json'),
      JSON.stringify({ Records: ['abc', { eventName: 5 }, { ...removal, eventID: 'still-read' }] }),
    );
    writeFileSync(join(bad, '5-empty.json'), '');
    writeFileSync(join(bad, '6-latin1.json'), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
    writeFileSync(join(dir, 'hostile.json'), JSON.stringify([hostile]));
    writeFileSync(join(dir, 'refused.json'), JSON.stringify(refused));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the removals in an AWSLogs tree, once each, and skips digests', async () => {
    const { code, out, err } = await scan([join(dir, 'good'), '--format', 'json']);
    assert.equal(code, 0, err);
    const parsed = JSON.parse(out) as {
      alerts: { rule: { id: string }; event: { id: string } }[];
      summary: Record<string, unknown>;
    };
    const pairs = parsed.alerts.map((alert) => `${alert.rule.id} ${alert.event.id}`).sort();
    assert.deepEqual(
      pairs,
      [
        `mfaguard-iam-mfa-device-deactivated ${String(removal['eventID'])}`,
        `mfaguard-iam-mfa-device-deactivated ${String(rootRemoval['eventID'])}`,
        `mfaguard-root-mfa-removed ${String(rootRemoval['eventID'])}`,
      ].sort(),
    );
    assert.match(err, /digest/i);
    assert.match(err, /1 duplicate/);
  });

  it('goes on past every kind of broken input, names each one, and exits 3', async () => {
    const { code, out, err } = await scan([
      join(dir, 'bad'),
      join(dir, 'missing-folder'),
      '--format',
      'ndjson',
    ]);
    assert.equal(code, 3, err);
    for (const name of [
      '1-truncated.json.gz',
      '2-not-json.json',
      '3-records-not-array.json',
      '4-bad-record.json',
      '6-latin1.json',
      'missing-folder',
    ]) {
      assert.ok(err.includes(name), `stderr does not name ${name}:\n${err}`);
    }
    assert.match(err, /4-bad-record\.json.*(record|index|line) ?0/i);
    assert.doesNotMatch(err, /\n\s+at [\w.<]+ \(/, 'a stack trace reached the user');
    // The good record in the broken file is still scanned.
    const alerts = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: { id: string } });
    assert.ok(alerts.some((alert) => alert.event.id === 'still-read'));
    assert.match(err, /unreadable/);
  });

  it('exits 1 when an alert reaches --fail-on, 0 when none does', async () => {
    assert.equal((await scan([join(dir, 'good'), '--fail-on', 'critical', '--quiet'])).code, 1);
    // A refused attempt is a low alert: below --fail-on medium.
    const { code, out } = await scan([
      join(dir, 'refused.json'),
      '--fail-on',
      'medium',
      '--quiet',
      '--format',
      'json',
    ]);
    assert.equal(code, 0);
    assert.deepEqual(
      (JSON.parse(out) as { alerts: { severity: string }[] }).alerts.map((alert) => alert.severity),
      ['low'],
    );
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await scan([])).code, 2);
    assert.equal((await scan(['x', '--format', 'xml'])).code, 2);
    assert.equal((await scan(['x', '--fail-on', 'severe'])).code, 2);
  });

  it('reads standard input, gzipped or not', async () => {
    const lines = [JSON.stringify(removal), JSON.stringify(rootRemoval)].join('\n');
    for (const input of [lines, gzipSync(lines)]) {
      const { code, out } = await scan(['-', '--format', 'ndjson', '--quiet'], input);
      assert.equal(code, 0);
      assert.equal(out.trim().split('\n').length, 3);
    }
  });

  it('takes --input-format from the decoder registry: the named shape alone, a clear error on another', async () => {
    const lines = [JSON.stringify(removal), JSON.stringify(rootRemoval)].join('\n');
    const read = await scan(['-', '--format', 'ndjson', '--quiet', '--input-format', 'jsonl'], lines);
    assert.equal(read.code, 0);
    assert.equal(read.out.trim().split('\n').length, 3);
    const wrong = await scan(['-', '--format', 'ndjson', '--input-format', 'records'], lines);
    assert.equal(wrong.code, 3);
    assert.match(wrong.err, /expected records \(a CloudTrail delivery file/);
    const unknown = await scan(['-', '--input-format', 'xml'], lines);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /--input-format must be one of auto, array, cloudwatch-logs, concatenated/);
  });

  it('never lets attacker text drive the terminal or a spreadsheet', async () => {
    const table = await scan([join(dir, 'hostile.json')]);
    assert.doesNotMatch(table.out, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    const csv = await scan([join(dir, 'hostile.json'), '--format', 'csv']);
    for (const cell of csv.out.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)|\r?\n/)) {
      assert.doesNotMatch(cell.replace(/^"/, ''), /^[=+\-@\t\r]/, `formula cell: ${cell}`);
    }
    assert.ok(csv.out.includes("'=cmd"), 'the hostile user name is neutralised, not dropped');
  });

  it('writes --out files and gives the same alerts with worker threads', async () => {
    const outFile = join(dir, 'alerts.json');
    const inline = await scan([
      join(dir, 'good'),
      '--format',
      'json',
      '--out',
      outFile,
      '--workers',
      '0',
      '--quiet',
    ]);
    assert.equal(inline.code, 0);
    const pooled = await scan([join(dir, 'good'), '--format', 'json', '--workers', '2', '--quiet']);
    assert.equal(pooled.code, 0);
    const ids = (text: string): string[] =>
      (JSON.parse(text) as { alerts: { id: string }[] }).alerts.map((alert) => alert.id);
    assert.deepEqual(ids(pooled.out), ids(readFileSync(outFile, 'utf8')));
    assert.equal(ids(pooled.out).length, 3);
  });

  it('gathers --out text as UTF-8 in batches that give back every character', () => {
    // Short texts of 1- to 4-byte characters fill batches to their last bytes; a long one now and then goes whole.
    const parts = ['plain', 'ünïcödé', '✓✓✓✓✓✓✓✓ \u202e', '😀😀', '', '\u2028'];
    const written: Buffer[] = [];
    const sink = batchedBytes((bytes) => written.push(Buffer.from(bytes)), 64);
    const all: string[] = [];
    for (let i = 0; i < 300; i++) {
      const text = i % 50 === 49 ? '😀'.repeat(40) + 'x'.repeat(100) : parts[i % parts.length]! + String(i);
      all.push(text);
      sink.write(text);
    }
    sink.flush();
    assert.ok(written.length > 10, 'several batches');
    assert.equal(Buffer.concat(written).toString('utf8'), all.join(''));
  });

  it('refuses an --out path it cannot write, as a usage error', async () => {
    const { code, err } = await scan([
      join(dir, 'good'),
      '--out',
      join(dir, 'no', 'such', 'dir', 'x.json'),
      '--quiet',
    ]);
    assert.equal(code, 2);
    assert.match(err, /cannot write --out .*its folder does not exist/);
  });

  it('scans the demo folder whole and exits 0: its ground-truth file is noted as not CloudTrail, not an error', async () => {
    const demo = fileURLToPath(new URL('../../../samples/demo', import.meta.url));
    const { code, err } = await scan([demo, '--format', 'json', '--out', join(dir, 'demo.json')]);
    assert.equal(code, 0, err);
    assert.match(err, /note: .*ground-truth\.json: not CloudTrail/);
  });

  it('checks --out before reading anything: a missing input is never reported when --out is unusable', async () => {
    const { code, err } = await scan([join(dir, 'missing-input'), '--out', dir, '--quiet']);
    assert.equal(code, 2);
    assert.match(err, /is a folder/);
    assert.doesNotMatch(err, /missing-input/);
  });

  it('takes --since/--until/--account/--region and refuses bad values as usage errors', async () => {
    const kept = await scan([
      join(dir, 'good'),
      '--format',
      'json',
      '--account',
      '111122223333',
      '--region',
      'us-east-1',
    ]);
    const none = await scan([join(dir, 'good'), '--format', 'json', '--account', '999999999999', '--quiet']);
    const alerts = (text: string): unknown[] => (JSON.parse(text) as { alerts: unknown[] }).alerts;
    assert.ok(alerts(kept.out).length > 0);
    assert.equal(alerts(none.out).length, 0);
    const bad = await scan([join(dir, 'good'), '--since', 'yesterday-ish']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--since expects/);
  });
});
