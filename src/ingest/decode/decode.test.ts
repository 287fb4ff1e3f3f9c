// Tests for decodeChunk: every delivery format, and every way the bytes can be wrong.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeChunk, MAX_RECORD_ISSUES } from './index.ts';
import type { Chunk, DecodeResult } from './index.ts';
import { CORPUS, corpusMissing } from '../../test-support/requirements.ts';
import { assertProperty } from '../../test-support/property.ts';

const corpus = pathToFileURL(`${CORPUS}/`);

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function decode(data: Uint8Array | string, extra: Partial<Chunk> = {}): DecodeResult {
  return decodeChunk({
    location: 'logs/file.json',
    baseIndex: 0,
    data: typeof data === 'string' ? bytes(data) : data,
    compression: 'auto',
    ...extra,
  });
}

const rec = (name: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: '1.08',
  eventID: `id-${name}`,
  eventName: name,
  eventSource: 'iam.amazonaws.com',
  ...extra,
});

const names = (result: DecodeResult) =>
  result.records.map((r) => (r.record as { eventName: string }).eventName);
const codes = (result: DecodeResult) => result.issues.map((i) => i.code);

/** Every issue must be short, free of control characters and say where it happened. */
function assertSafeIssues(result: DecodeResult): void {
  for (const issue of result.issues) {
    assert.equal(issue.location, result.location);
    assert.ok(issue.message.length < 300, `message too long: ${issue.message}`);
    assert.doesNotMatch(issue.message, /[\u0000-\u001f\u007f-\u009f]/);
    assert.ok(issue.message.length > 10);
  }
}

void describe('decodeChunk: delivery formats', () => {
  const delivery = JSON.stringify({ Records: [rec('DeactivateMFADevice'), rec('CreateUser')] });

  void it('reads an S3 delivery file, plain', () => {
    const result = decode(delivery);
    assert.equal(result.format, 'records');
    assert.deepEqual(names(result), ['DeactivateMFADevice', 'CreateUser']);
    assert.deepEqual(
      result.records.map((r) => r.index),
      [0, 1],
    );
    assert.deepEqual(result.issues, []);
    assert.equal(result.bytes, Buffer.byteLength(delivery));
  });

  void it('reads an S3 delivery file, gzip, sniffed or declared', () => {
    const gz = gzipSync(delivery);
    for (const compression of ['auto', 'gzip'] as const) {
      const result = decode(gz, { compression });
      assert.equal(result.format, 'records');
      assert.deepEqual(names(result), ['DeactivateMFADevice', 'CreateUser']);
      assert.equal(result.bytes, Buffer.byteLength(delivery), 'bytes counts uncompressed bytes');
    }
  });

  void it('reads concatenated gzip members as one file', () => {
    const lines = `${JSON.stringify(rec('A'))}\n${JSON.stringify(rec('B'))}\n`;
    const two = Buffer.concat([gzipSync(lines), gzipSync(`${JSON.stringify(rec('C'))}\n`)]);
    assert.deepEqual(names(decode(two)), ['A', 'B', 'C']);
  });

  void it('inflates whole whatever size the gzip trailer claims (it only sizes the output buffer)', () => {
    const many = Array.from({ length: 3000 }, (_, i) => rec(`N${i}`));
    const zipped = gzipSync(JSON.stringify({ Records: many }));
    for (const claim of [0, 1, 70_000, 0xffffffff]) {
      const lying = Buffer.from(zipped);
      lying.writeUInt32LE(claim, lying.length - 4);
      // zlib checks the trailer's length: a wrong one is reported as corrupt data, never read short, and a huge
      // claim does not make the reader ask for gigabytes.
      const result = decode(lying);
      assert.deepEqual(
        [result.records.length, result.issues.map((issue) => issue.code)],
        [0, ['gzip-corrupt']],
      );
    }
    const honest = decode(zipped);
    assert.equal(honest.records.length, 3000);
    assert.equal(honest.bytes, JSON.stringify({ Records: many }).length);
  });

  void it('reads a pretty-printed delivery file and a single-line one with a trailing newline', () => {
    const pretty = JSON.stringify({ Records: [rec('A'), rec('B')] }, null, 2);
    assert.equal(decode(pretty).format, 'records');
    assert.deepEqual(names(decode(pretty)), ['A', 'B']);
    const single = decode(`${delivery}\n\n`);
    assert.equal(single.format, 'records');
    assert.equal(single.records.length, 2);
  });

  void it('skips digest files by location with a note', () => {
    const result = decode('{"anything": true}', {
      location: 'AWSLogs/1/CloudTrail-Digest/us-east-1/2024/01/01/1_CloudTrail-Digest_x.json.gz',
    });
    assert.equal(result.format, 'digest');
    assert.equal(result.skipped, 'CloudTrail digest file');
    assert.deepEqual(result.records, []);
    assert.deepEqual(
      result.issues.map((i) => [i.level, i.code]),
      [['note', 'digest-skipped']],
    );
  });

  void it('skips digest-shaped JSON wherever it is', () => {
    const digest = {
      awsAccountId: '123456789012',
      digestStartTime: '2024-01-01T00:00:00Z',
      digestEndTime: '2024-01-01T01:00:00Z',
      digestS3Bucket: 'trail',
      digestS3Object: 'AWSLogs/x.json.gz',
      logFiles: [],
    };
    const result = decode(gzipSync(JSON.stringify(digest)), { location: 'renamed.json.gz' });
    assert.equal(result.format, 'digest');
    assert.equal(result.skipped, 'CloudTrail digest file');
    assert.deepEqual(codes(result), ['digest-skipped']);
    assert.equal(result.issues[0]?.level, 'note');
  });

  void it('reads a JSON array of records', () => {
    const result = decode(JSON.stringify([rec('A'), rec('B'), rec('C')], null, 1));
    assert.equal(result.format, 'array');
    assert.deepEqual(names(result), ['A', 'B', 'C']);
    assert.deepEqual(
      result.records.map((r) => r.index),
      [0, 1, 2],
    );
  });

  void it('reads a pretty array with one record a line as an array, not JSON Lines', () => {
    const text = `[\n${JSON.stringify(rec('A'))},\n${JSON.stringify(rec('B'))}\n]\n`;
    const result = decode(text);
    assert.equal(result.format, 'array');
    assert.deepEqual(names(result), ['A', 'B']);
    assert.deepEqual(result.issues, []);
  });

  void it('reads Stratus Red Team detonation logs (JSON arrays)', (t) => {
    const dir = new URL('stratus-red-team/docs/detonation-logs/', corpus);
    if (corpusMissing(t, fileURLToPath(dir))) return;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length > 10);
    for (const file of files) {
      const data = readFileSync(new URL(file, dir));
      const result = decode(data, { location: file });
      const expected = (JSON.parse(data.toString('utf8')) as unknown[]).length;
      assert.equal(result.format, 'array', file);
      assert.equal(result.records.length, expected, file);
      assert.deepEqual(result.issues, [], file);
    }
  });

  void it('reads JSON Lines: blank lines and CRLF are fine, indexes are line numbers', () => {
    const text = `${JSON.stringify(rec('A'))}\r\n\r\n  \n${JSON.stringify(rec('B'))}\n${JSON.stringify(rec('C'))}`;
    const result = decode(text);
    assert.equal(result.format, 'jsonl');
    assert.deepEqual(names(result), ['A', 'B', 'C']);
    assert.deepEqual(
      result.records.map((r) => r.index),
      [0, 3, 4],
    );
    assert.deepEqual(result.issues, []);
  });

  void it('reads the OTRF dataset (one record a line)', (t) => {
    const file = new URL('otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json', corpus);
    if (corpusMissing(t, fileURLToPath(file))) return;
    const result = decode(readFileSync(file), { location: 'otrf.json' });
    assert.equal(result.format, 'jsonl');
    assert.equal(result.records.length, 103);
    assert.deepEqual(result.issues, []);
    for (const r of result.records)
      assert.equal(typeof (r.record as { eventName: unknown }).eventName, 'string');
  });

  void it('keeps the other lines when one JSON line is bad, naming its line', () => {
    const text = [
      JSON.stringify(rec('A')),
      '{"eventName": "B", oops}',
      '42',
      JSON.stringify(rec('D')),
      '',
    ].join('\n');
    const result = decode(text);
    assert.equal(result.format, 'jsonl');
    assert.deepEqual(names(result), ['A', 'D']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.index, i.line]),
      [
        ['not-json', 1, 2],
        ['record-not-object', 2, 3],
      ],
    );
    assert.match(result.issues[0]!.message, /expected one JSON record on this line/);
    assert.ok(result.issues[0]!.hint);
    assertSafeIssues(result);
  });

  void it('reads JSON Lines whose first line is broken', () => {
    const text = `{"eventName": "A"\n${JSON.stringify(rec('B'))}\n${JSON.stringify(rec('C'))}\n`;
    const result = decode(text);
    assert.equal(result.format, 'jsonl');
    assert.deepEqual(names(result), ['B', 'C']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.line]),
      [['not-json', 1]],
    );
  });

  void it('offsets indexes and line numbers by baseIndex for a forced JSON Lines chunk', () => {
    const text = `${JSON.stringify(rec('A'))}\nbad\n\n${JSON.stringify(rec('B'))}\n`;
    const result = decode(text, { baseIndex: 1000, format: 'jsonl', compression: 'none' });
    assert.equal(result.format, 'jsonl');
    assert.deepEqual(
      result.records.map((r) => r.index),
      [1000, 1003],
    );
    assert.deepEqual(
      result.issues.map((i) => [i.index, i.line]),
      [[1001, 1002]],
    );
  });

  void it('treats a forced JSON Lines chunk of one line as JSON Lines', () => {
    const result = decode(`${JSON.stringify(rec('A'))}\n`, { format: 'jsonl', baseIndex: 7 });
    assert.equal(result.format, 'jsonl');
    assert.deepEqual(
      result.records.map((r) => r.index),
      [7],
    );
  });

  void it('reports a whole delivery file found as one JSON line', () => {
    const text = `${JSON.stringify(rec('A'))}\n${JSON.stringify({ Records: [rec('B')] })}\n`;
    const result = decode(text);
    assert.deepEqual(names(result), ['A']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.line]),
      [['unknown-shape', 2]],
    );
    assert.match(result.issues[0]!.message, /whole delivery file/);
  });

  const apiCall = {
    version: '0',
    id: 'e1',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    detail: rec('DeactivateMFADevice'),
  };
  const signIn = {
    version: '0',
    id: 'e2',
    'detail-type': 'AWS Console Sign In via CloudTrail',
    source: 'aws.signin',
    detail: rec('ConsoleLogin', { eventSource: 'signin.amazonaws.com' }),
  };
  const other = {
    version: '0',
    id: 'e3',
    'detail-type': 'EC2 Instance State-change Notification',
    detail: {},
  };

  void it('reads one EventBridge event: the record is its detail', () => {
    for (const event of [apiCall, signIn]) {
      const result = decode(JSON.stringify(event, null, 2));
      assert.equal(result.format, 'eventbridge');
      assert.deepEqual(result.records, [{ record: event.detail, index: 0 }]);
      assert.deepEqual(result.issues, []);
    }
  });

  void it('reads EventBridge events as a JSON array and as JSON Lines; other detail-types are named', () => {
    const array = decode(JSON.stringify([apiCall, other, signIn]));
    assert.equal(array.format, 'eventbridge');
    assert.deepEqual(names(array), ['DeactivateMFADevice', 'ConsoleLogin']);
    assert.deepEqual(
      array.issues.map((i) => [i.level, i.code, i.index]),
      [['warning', 'eventbridge-detail-type', 1]],
    );
    assert.match(array.issues[0]!.message, /"EC2 Instance State-change Notification"/);

    const lines = decode([apiCall, other, signIn].map((e) => JSON.stringify(e)).join('\n'));
    assert.equal(lines.format, 'jsonl');
    assert.deepEqual(names(lines), ['DeactivateMFADevice', 'ConsoleLogin']);
    assert.deepEqual(
      lines.issues.map((i) => [i.code, i.line]),
      [['eventbridge-detail-type', 2]],
    );
  });

  void it('reports an EventBridge CloudTrail event whose detail is not a record', () => {
    const result = decode(
      JSON.stringify([
        { ...apiCall, detail: 'x' },
        { ...apiCall, 'detail-type': 7 },
      ]),
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.index]),
      [
        ['eventbridge-detail', 0],
        ['eventbridge-detail-type', 1],
      ],
    );
    assert.deepEqual(result.records, []);
  });

  void it('reads `aws cloudtrail lookup-events` output from the corpus', (t) => {
    const file = new URL('aws-cli-examples/cloudtrail__lookup-events__output1.json', corpus);
    if (corpusMissing(t, fileURLToPath(file))) return;
    const result = decode(readFileSync(file));
    assert.equal(result.format, 'lookup-events');
    assert.deepEqual(names(result), ['ConsoleLogin']);
    assert.equal(
      (result.records[0]!.record as { eventID: string }).eventID,
      '654ccbc0-ba0d-486a-9076-dbf7274677a7',
    );
    assert.deepEqual(result.issues, []);
  });

  void it('reads lookup-events entries one by one, reporting the bad ones by index', () => {
    const events = {
      Events: [
        { EventId: 'a', CloudTrailEvent: JSON.stringify(rec('A')) },
        { EventId: 'b', CloudTrailEvent: '{"eventName": "B",' },
        { EventId: 'c', CloudTrailEvent: 12 },
        { EventId: 'd', CloudTrailEvent: '[1,2]' },
        'not an entry',
        { EventId: 'f', CloudTrailEvent: rec('F') },
      ],
      NextToken: 'x',
    };
    const result = decode(JSON.stringify(events));
    assert.equal(result.format, 'lookup-events');
    assert.deepEqual(names(result), ['A', 'F']);
    assert.deepEqual(
      result.records.map((r) => r.index),
      [0, 5],
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.index]),
      [
        ['lookup-event', 1],
        ['lookup-event', 2],
        ['lookup-event', 3],
        ['lookup-event', 4],
      ],
    );
    assert.match(result.issues[0]!.message, /not valid JSON/);
    assertSafeIssues(result);
  });

  void it('reads a single record', () => {
    const result = decode(JSON.stringify(rec('EnableMFADevice'), null, 2));
    assert.equal(result.format, 'single');
    assert.deepEqual(result.records, [{ record: rec('EnableMFADevice'), index: 0 }]);
  });

  void it('accepts a UTF-8 byte order mark, in a document and in JSON Lines', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const doc = decode(Buffer.concat([bom, Buffer.from(JSON.stringify({ Records: [rec('A')] }))]));
    assert.deepEqual(names(doc), ['A']);
    assert.deepEqual(doc.issues, []);
    const lines = decode(
      Buffer.concat([bom, Buffer.from(`${JSON.stringify(rec('A'))}\n${JSON.stringify(rec('B'))}`)]),
    );
    assert.deepEqual(names(lines), ['A', 'B']);
    assert.deepEqual(lines.issues, []);
  });

  void it('keeps non-ASCII text intact', () => {
    const result = decode(JSON.stringify({ Records: [rec('A', { userAgent: 'Jürgen – 日本 🚀' })] }));
    assert.equal((result.records[0]!.record as { userAgent: string }).userAgent, 'Jürgen – 日本 🚀');
  });
});

void describe('decodeChunk: bad input', () => {
  void it('reports a truncated gzip of one document and keeps nothing', () => {
    const gz = gzipSync(JSON.stringify({ Records: Array.from({ length: 50 }, (_, i) => rec(`E${i}`)) }));
    const result = decode(gz.subarray(0, Math.floor(gz.length / 2)), { location: 'a/b.json.gz' });
    assert.deepEqual(result.records, []);
    assert.deepEqual(codes(result), ['gzip-truncated']);
    assert.equal(result.issues[0]!.level, 'error');
    assert.match(result.issues[0]!.message, /ends early.*nothing could be read/);
    assert.match(result.issues[0]!.hint!, /fetch it again/);
    assert.equal(result.issues[0]!.location, 'a/b.json.gz');
  });

  void it('keeps the complete lines of a truncated gzip of JSON Lines', () => {
    const lines = Array.from({ length: 400 }, (_, i) =>
      JSON.stringify(rec(`E${i}`, { n: i, pad: 'x'.repeat(i % 50) })),
    );
    const gz = gzipSync(`${lines.join('\n')}\n`);
    const result = decode(gz.subarray(0, gz.length - 200));
    assert.equal(result.format, 'jsonl');
    assert.ok(result.records.length > 100 && result.records.length < 400, `kept ${result.records.length}`);
    // Exactly a prefix of the records, each intact, with its own line number.
    result.records.forEach((r, i) => {
      assert.equal(r.index, i);
      assert.deepEqual(r.record, JSON.parse(lines[i]!));
    });
    assert.deepEqual(codes(result), ['gzip-truncated']);
    assert.match(result.issues[0]!.message, new RegExp(`kept ${result.records.length} records`));
  });

  void it('keeps a document whose gzip lost only its trailer', () => {
    const gz = gzipSync(`${JSON.stringify({ Records: [rec('A'), rec('B')] })}\n`);
    const result = decode(gz.subarray(0, gz.length - 4));
    assert.equal(result.format, 'records');
    assert.deepEqual(names(result), ['A', 'B']);
    assert.deepEqual(codes(result), ['gzip-truncated']);
  });

  void it('reports corrupt gzip data and non-gzip data declared as gzip', () => {
    const gz = Buffer.from(gzipSync(JSON.stringify({ Records: [rec('A')] })));
    gz[gz.length - 6] = gz[gz.length - 6]! ^ 0xff; // break the CRC
    const corrupt = decode(gz);
    assert.deepEqual(codes(corrupt), ['gzip-corrupt']);
    assert.deepEqual(corrupt.records, []);

    const plain = decode('{"Records": []}', { compression: 'gzip' });
    assert.deepEqual(codes(plain), ['gzip-corrupt']);
    assert.match(plain.issues[0]!.message, /expected gzip data \(starting 1f 8b\), found bytes 7b 22 52 65/);
  });

  void it('reports text that is not JSON, with a short, clean excerpt', () => {
    const result = decode(`<html>\u001b[31m${'A'.repeat(500)}</html>`);
    assert.equal(result.format, 'unknown');
    assert.deepEqual(codes(result), ['not-json']);
    const issue = result.issues[0]!;
    assert.match(issue.message, /^expected JSON, found invalid JSON/);
    assert.doesNotMatch(issue.message, /\u001b/);
    assert.ok(!issue.message.includes('A'.repeat(81)), 'never echoes more than ~80 chars');
    assert.ok(issue.hint);
    assertSafeIssues(result);
  });

  void it('says where a broken document breaks', () => {
    const text = '{\n  "Records": [\n    {"eventName": "A"},\n    {"eventName": "B" "x"}\n  ]\n}';
    const result = decode(text);
    assert.deepEqual(codes(result), ['not-json']);
    assert.match(result.issues[0]!.message, /at line 4 column \d+/);
    const cut = decode('{"Records": [{"eventName": "A"}');
    assert.match(cut.issues[0]!.message, /ends early/);
  });

  void it('reports "Records" that is not an array', () => {
    for (const value of [{}, 'x', null, 3]) {
      const result = decode(JSON.stringify({ Records: value }));
      assert.deepEqual(codes(result), ['records-not-array']);
      assert.match(result.issues[0]!.message, /expected "Records" to be an array/);
      assert.deepEqual(result.records, []);
    }
  });

  void it('reports records that are not objects, by index, and keeps the others', () => {
    const result = decode(JSON.stringify({ Records: [rec('A'), null, [1], 'x', rec('E')] }));
    assert.deepEqual(names(result), ['A', 'E']);
    assert.deepEqual(
      result.records.map((r) => r.index),
      [0, 4],
    );
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.index, i.line]),
      [
        ['record-not-object', 1, undefined],
        ['record-not-object', 2, undefined],
        ['record-not-object', 3, undefined],
      ],
    );
    assert.match(result.issues[0]!.message, /found null/);
    assert.match(result.issues[1]!.message, /found an array of 1/);
    const array = decode(JSON.stringify([rec('A'), 5]));
    assert.deepEqual(
      array.issues.map((i) => [i.code, i.index]),
      [['record-not-object', 1]],
    );
  });

  void it('warns about an empty file, gzip or not, and a whitespace-only one', () => {
    for (const data of [new Uint8Array(0), gzipSync(''), bytes(' \n\t\r\n')]) {
      const result = decode(data);
      assert.equal(result.format, 'empty');
      assert.deepEqual(
        result.issues.map((i) => [i.level, i.code]),
        [['warning', 'empty']],
      );
      assert.deepEqual(result.records, []);
    }
  });

  void it('reports non-UTF-8 bytes in a document', () => {
    const data = Buffer.concat([
      Buffer.from('{"Records": [{"eventName": "'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]}'),
    ]);
    const result = decode(data);
    assert.deepEqual(codes(result), ['not-utf8']);
    assert.match(result.issues[0]!.message, /expected UTF-8 text, found invalid bytes on line 1/);
    assert.deepEqual(result.records, []);
  });

  void it('skips only the non-UTF-8 lines of JSON Lines', () => {
    const data = Buffer.concat([
      Buffer.from(`${JSON.stringify(rec('A'))}\n{"eventName": "`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`"}\n${JSON.stringify(rec('C'))}\n`),
    ]);
    const result = decode(data);
    assert.equal(result.format, 'jsonl');
    assert.deepEqual(names(result), ['A', 'C']);
    assert.deepEqual(
      result.issues.map((i) => [i.code, i.line]),
      [['not-utf8', 2]],
    );
  });

  void it('reports JSON that is not CloudTrail, showing what arrived', () => {
    // Well-formed JSON of another kind (a manifest, another product's export) is skipped with a note, not an error.
    const object = decode(JSON.stringify({ hello: 1, world: 2 }));
    assert.deepEqual(codes(object), ['not-cloudtrail']);
    assert.equal(object.issues[0]!.level, 'note');
    assert.equal(object.skipped, 'not CloudTrail');
    assert.match(object.issues[0]!.message, /an object with keys hello, world/);
    const foreignArray = decode(JSON.stringify([{ sku: 1 }, { sku: 2 }]));
    assert.deepEqual(codes(foreignArray), ['not-cloudtrail']);
    // An object with a CloudTrail key in the wrong shape is still an error.
    assert.deepEqual(codes(decode(JSON.stringify({ Records: 'x' }))), ['records-not-array']);
    for (const value of ['"just a string"', '42', 'null', 'true']) {
      const result = decode(value);
      assert.deepEqual(codes(result), ['unknown-shape'], value);
      assert.equal(result.format, 'unknown');
    }
    const events = decode(JSON.stringify({ Events: 'x' }));
    assert.deepEqual(codes(events), ['unknown-shape']);
  });

  void it('strips control characters from anything echoed', () => {
    const evil = `\u001b]0;pwned\u0007\u202e${'\u0000'.repeat(3)}`;
    const results = [
      decode(JSON.stringify({ [evil]: 1 })),
      decode(JSON.stringify([{ 'detail-type': evil, detail: {} }])),
      decode(JSON.stringify({ Events: [{ CloudTrailEvent: `${evil}not json` }] })),
      decode(`${JSON.stringify(rec('A'))}\n${evil}\n`),
    ];
    for (const result of results) {
      assert.equal(result.issues.length, 1, JSON.stringify(result.issues));
      assert.doesNotMatch(result.issues[0]!.message, /[\u0000-\u001f\u007f-\u009f\u202e]/);
      assertSafeIssues(result);
    }
  });

  void it('lists the first bad records and sums up the rest', () => {
    const text = `${JSON.stringify(rec('A'))}\n${'garbage\n'.repeat(500)}${JSON.stringify(rec('Z'))}\n`;
    const result = decode(text);
    assert.deepEqual(names(result), ['A', 'Z']);
    assert.equal(result.issues.length, MAX_RECORD_ISSUES + 1);
    const last = result.issues.at(-1)!;
    assert.equal(last.code, 'more-issues');
    assert.match(last.message, /^300 more bad lines \(lines 202–501\)/);
  });

  void it('never throws, whatever the bytes', () => {
    assertProperty(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ maxLength: 200 }).map((s) => bytes(s)),
          fc.json().map((s) => bytes(s)),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from([0x1f, 0x8b]), b])),
          fc.json().map((s) => gzipSync(s).subarray(0, Math.max(2, s.length % 30))),
        ),
        fc.constantFrom<Chunk['compression'][]>('auto', 'gzip', 'none'),
        fc.boolean(),
        (data, compression, jsonl) => {
          const result = decode(data, { compression, ...(jsonl ? { format: 'jsonl' as const } : {}) });
          assert.ok(Array.isArray(result.records) && Array.isArray(result.issues));
          assert.ok(
            result.issues.every((i) => i.code !== 'decode-failed'),
            JSON.stringify(result.issues),
          );
          assertSafeIssues(result);
        },
      ),
      { numRuns: 400 },
    );
  });
});

void describe('decodeChunk: CloudWatch Logs envelopes and concatenated JSON', () => {
  const envelope = (records: unknown[], messageType = 'DATA_MESSAGE') => ({
    messageType,
    owner: '111122223333',
    logGroup: 'aws-cloudtrail-logs-111122223333',
    logStream: '111122223333_CloudTrail_us-east-1',
    subscriptionFilters: ['to-firehose'],
    logEvents: records.map((record, i) => ({
      id: `${i}`,
      timestamp: 1_700_000_000_000 + i,
      message: JSON.stringify(record),
    })),
  });

  void it('opens envelopes concatenated without separators, gzipped, as Firehose writes them to S3', () => {
    const text =
      JSON.stringify(envelope([rec('A'), rec('B')])) +
      JSON.stringify(envelope([], 'CONTROL_MESSAGE')) +
      JSON.stringify(envelope([rec('C')]));
    const result = decode(gzipSync(text));
    assert.equal(result.format, 'concatenated');
    assert.deepEqual(names(result), ['A', 'B', 'C']);
    assert.deepEqual(
      result.records.map((r) => r.index),
      [0, 1, 2],
    );
    assert.deepEqual(result.issues, []);
  });

  void it('opens one envelope, and envelopes one per line', () => {
    assert.deepEqual(names(decode(JSON.stringify(envelope([rec('A')])))), ['A']);
    const lines = decode(
      `${JSON.stringify(envelope([rec('A'), rec('B')]))}\n${JSON.stringify(envelope([rec('C')]))}\n`,
    );
    assert.deepEqual(names(lines), ['A', 'B', 'C']);
  });

  void it('reads records concatenated without separators, and says which log event is not a record', () => {
    const result = decode(
      JSON.stringify(rec('A')) + JSON.stringify(rec('B')) + '  ' + JSON.stringify(rec('C')),
    );
    assert.equal(result.format, 'concatenated');
    assert.deepEqual(names(result), ['A', 'B', 'C']);
    const bad = decode(
      JSON.stringify({ ...envelope([rec('A')]), logEvents: [{ id: '1', message: 'plain text log line' }] }),
    );
    assert.deepEqual(codes(bad), ['logs-envelope']);
    assertSafeIssues(bad);
  });

  void it('a broken value among concatenated ones is reported as broken JSON', () => {
    const result = decode(JSON.stringify(rec('A')) + '{"eventName": ');
    assert.deepEqual(codes(result), ['not-json']);
  });
});
