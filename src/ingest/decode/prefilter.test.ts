// The byte prefilter: which records it keeps, where their bytes are, and when it gives the file back to the full parser.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanForNeedles } from './prefilter.ts';
import type { ByteNeedles } from './prefilter.ts';

const NEEDLES: ByteNeedles = {
  eventNames: new Set(['deactivatemfadevice']),
  eventSources: new Set(['signin.amazonaws.com']),
};

function record(name: string, time: string, source = 'iam.amazonaws.com', extra = ''): string {
  return `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"a"},"eventTime":"${time}","eventSource":"${source}","eventName":"${name}"${extra},"eventID":"${name}-${time}"}`;
}

const delivery = (...records: string[]): Buffer => Buffer.from(`{"Records":[${records.join(',')}]}`);

describe('scanForNeedles', () => {
  it('hands over a record kept only for a deferred name unparsed, with its top-level eventID and time', () => {
    const needles: ByteNeedles = {
      eventNames: new Set(['getcalleridentity', 'deactivatemfadevice']),
      eventSources: new Set(['signin.amazonaws.com']),
      valuePins: [{ key: 'userAgent', fragments: new Set(['trufflehog']) }],
    };
    const deferredNames = new Set(['GetCallerIdentity']);
    const probe = (extra: string, id = '"eventID":"e-1"'): string =>
      `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDA1"},"eventTime":"2024-01-01T00:00:05Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity"${extra},${id},"readOnly":true}`;
    const records = [
      probe(''), // 0: deferred
      probe(',"userAgent":"TruffleHog/3"'), // 1: a rule's value pin: parsed
      record('DeactivateMFADevice', '2024-01-01T00:00:00Z'), // 2: a rule's name: parsed
      probe(',"requestParameters":{"eventID":"nested"}', '"readOnly":true'), // 3: eventID only nested: parsed
      probe('', '"eventID":"e\\u0031"'), // 4: escaped id: parsed
      probe('', '"eventID":""'), // 5: empty id (the normaliser makes one up): parsed
      probe('', '"eventID":"e-6","tlsDetails":{"eventID":"late"}'), // 6: the last eventID is nested: parsed
      probe('', '"eventID":"e-7"').replace('GetCallerIdentity', 'getcalleridentity'), // 7: another spelling: parsed
    ];
    const scan = scanForNeedles(delivery(...records), needles, { jsonl: false, baseIndex: 0, deferredNames });
    assert.ok(scan.ok);
    assert.deepEqual(
      scan.hits.map((hit) => [hit.index, hit.deferred ?? null]),
      [
        [0, { id: 'e-1', timeMs: Date.UTC(2024, 0, 1, 0, 0, 5) }],
        [1, null],
        [2, null],
        [3, null],
        [4, null],
        [5, null],
        [6, null],
        [7, null],
      ],
    );
    // Without deferred names every hit is parsed, as before.
    const eager = scanForNeedles(delivery(...records), needles, { jsonl: false, baseIndex: 0 });
    assert.ok(eager.ok);
    assert.ok(eager.hits.every((hit) => hit.deferred === undefined));
    // JSON Lines alike; a record holding a line break (pretty-printed) cannot travel one per line: parsed.
    const lines = scanForNeedles(Buffer.from(records.slice(0, 2).join('\n')), needles, {
      jsonl: true,
      baseIndex: 10,
      deferredNames,
    });
    assert.ok(lines.ok);
    assert.deepEqual(
      lines.hits.map((hit) => [hit.index, hit.deferred?.id ?? null]),
      [
        [10, 'e-1'],
        [11, null],
      ],
    );
    const broken = scanForNeedles(delivery(probe(',\n"x":1')), needles, {
      jsonl: false,
      baseIndex: 0,
      deferredNames,
    });
    assert.ok(broken.ok);
    assert.equal(broken.hits[0]?.deferred, undefined);
  });

  it('keeps a record whose value under a pinned key holds a fragment, any case, and what it cannot judge', () => {
    const needles: ByteNeedles = {
      eventNames: new Set(),
      eventSources: new Set(),
      valuePins: [{ key: 'userAgent', fragments: new Set(['trufflehog']) }],
    };
    const agents = [
      '"userAgent":"TruffleHog/3.63"', // 0: the fragment, another case
      '"userAgent":"aws-cli/2.15"', // 1: no
      '"userAgent":"Truffle\\u0048og"', // 2: escaped: kept for the parser
      '"userAgent":null', // 3: null holds no text
      '"requestParameters":{"userAgent":"x-TRUFFLEHOG"}', // 4: nested keys count too (a wider net)
      '"userAgent":42', // 5: not a string: kept
      '"tls":{"clientProvidedHostHeader":"trufflehog"}', // 6: another key: no
      '"detail.userAgent" : "trufflehog"', // 7: a dotted key ending in the pin's key, spaced
    ];
    const bytes = delivery(
      ...agents.map((agent) => record('ListBuckets', '2024-01-01T00:00:00Z', 's3', `,${agent}`)),
    );
    const scan = scanForNeedles(bytes, needles, { jsonl: false, baseIndex: 0 });
    assert.ok(scan.ok);
    assert.deepEqual(
      scan.hits.map((hit) => hit.index),
      [0, 2, 4, 5, 7],
    );
    const lines = Buffer.from(
      agents.map((agent) => record('ListBuckets', '2024-01-01T00:00:00Z', 's3', `,${agent}`)).join('\n'),
    );
    const jsonl = scanForNeedles(lines, needles, { jsonl: true, baseIndex: 0 });
    assert.ok(jsonl.ok);
    assert.deepEqual(
      jsonl.hits.map((hit) => hit.index),
      [0, 2, 4, 5, 7],
    );
  });

  it('folds ASCII case byte by byte, never keeps a near miss, and keeps what it cannot fold', () => {
    const names = [
      'DEACTIVATEMFADEVICE',
      'DeactivateMfaDevice',
      'DeactivateMFADevic',
      'DeactivateMFADevicé',
      'X',
    ];
    const needles: ByteNeedles = {
      eventNames: new Set(['deactivatemfadevice', 'deactivatemfadevicé']),
      eventSources: new Set(),
    };
    const bytes = delivery(...names.map((name) => record(name, '2024-01-01T00:00:00Z')));
    const scan = scanForNeedles(bytes, needles, { jsonl: false, baseIndex: 0 });
    assert.ok(scan.ok);
    // Past ASCII, bytes cannot be folded like characters: the record is kept, and the rules decide on its parse.
    assert.deepEqual(
      scan.hits.map((hit) => hit.index),
      [0, 1, 3],
    );
  });

  it('keeps the records whose name (any case) or source matters, with their exact bytes and index', () => {
    const records = [
      record('ListBuckets', '2024-01-02T00:00:00Z', 's3.amazonaws.com'),
      record('DeactivateMFADevice', '2024-01-01T00:00:00Z'),
      record(
        'ConsoleLogin',
        '2024-01-03T00:00:00Z',
        'signin.amazonaws.com',
        ',"requestParameters":{"a":[{"b":1},{"c":2}]}',
      ),
      record('GetObject', '2024-01-02T12:00:00Z', 's3.amazonaws.com'),
    ];
    const bytes = delivery(...records);
    const scan = scanForNeedles(bytes, NEEDLES, { jsonl: false, baseIndex: 0 });
    assert.ok(scan.ok);
    assert.equal(scan.count, 4);
    assert.deepEqual(
      scan.hits.map((hit) => [hit.index, bytes.toString('utf8', hit.start, hit.end)]),
      [
        [1, records[1]],
        [2, records[2]],
      ],
    );
    assert.equal(scan.firstMs, Date.parse('2024-01-01T00:00:00Z'));
    assert.equal(scan.lastMs, Date.parse('2024-01-03T00:00:00Z'));
  });

  it('finds eventTime and the caller by their whole keys, not by keys that only end like them', () => {
    // The keys are searched for by their tails (`Time":"`, `principalId":"`): longer keys ending the same way come
    // first in these records and must be passed over.
    const head = (identity: string, time: string): string =>
      `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole",${identity}},"eventTime":"${time}","eventSource":"iam.amazonaws.com","eventName":"ListUsers","eventID":"${time}"}`;
    const bytes = delivery(
      head(
        '"sessionTime":"2030-01-01T00:00:00Z","xeventTime":"2031-01-01T00:00:00Z","principalId":"AID1"',
        '2024-01-02T00:00:00Z',
      ),
      head('"rootprincipalId":"AID9","principalId":"AID2"', '2024-01-01T00:00:00Z'),
      // Read in place: the caller's id right after the identity's type, as CloudTrail writes it.
      head('"principalId":"AID2","arn":"x"', '2024-01-01T12:00:00Z'),
    );
    const needles: ByteNeedles = { ...NEEDLES, principalIds: new Set(['AID2']) };
    const scan = scanForNeedles(bytes, needles, { jsonl: false, baseIndex: 0 });
    assert.ok(scan.ok);
    assert.equal(scan.firstMs, Date.UTC(2024, 0, 1));
    assert.equal(scan.lastMs, Date.UTC(2024, 0, 2));
    assert.deepEqual(
      scan.hits.map((hit) => hit.index),
      [1, 2],
    );
    assert.equal(scan.principals.size, 2);
  });

  it('keeps the last record without the closing bracket, whitespace and all', () => {
    const last = record('DeactivateMFADevice', '2024-01-01T00:00:00Z');
    const bytes = Buffer.from(`{"Records":[${record('GetObject', '2024-01-01T00:00:00Z')},${last}]}\n`);
    const scan = scanForNeedles(bytes, NEEDLES, { jsonl: false, baseIndex: 0 });
    assert.ok(scan.ok);
    assert.deepEqual(
      scan.hits.map((hit) => bytes.toString('utf8', hit.start, hit.end)),
      [last],
    );
  });

  it('gives the file back when a record is off CloudTrail layout', () => {
    const cases: Record<string, Buffer> = {
      'no eventTime': delivery(
        '{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"DeactivateMFADevice"}',
        record('GetObject', '2024-01-01T00:00:00Z'),
      ),
      'other key order': delivery(
        '{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventName":"DeactivateMFADevice","eventSource":"iam.amazonaws.com"}',
      ),
      'escaped name': delivery(record('Deactivate\\u004dFADevice', '2024-01-01T00:00:00Z')),
      'odd time': delivery(record('GetObject', 'yesterday')),
      'pretty-printed': Buffer.from('{\n  "Records": [\n    {"eventVersion": "1.08"}\n  ]\n}'),
      array: Buffer.from(`[${record('GetObject', '2024-01-01T00:00:00Z')}]`),
    };
    for (const [what, bytes] of Object.entries(cases)) {
      const scan = scanForNeedles(bytes, NEEDLES, { jsonl: false, baseIndex: 0 });
      assert.equal(scan.ok, false, what);
    }
  });

  it('JSON Lines: lines in CloudTrail layout are judged by their head, any other line is kept for parsing', () => {
    const lines = [
      record('GetObject', '2024-01-01T00:00:00Z'),
      '',
      record('DeactivateMFADevice', '2024-01-02T00:00:00Z'),
      '{"detail-type":"AWS API Call via CloudTrail","detail":' +
        record('GetObject', '2024-01-03T00:00:00Z') +
        '}',
      record('GetObject', '2024-01-04T00:00:00Z'),
    ];
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const scan = scanForNeedles(bytes, NEEDLES, { jsonl: true, baseIndex: 100 });
    assert.ok(scan.ok);
    assert.equal(scan.count, 4);
    assert.deepEqual(
      scan.hits.map((hit) => hit.index),
      [102, 103],
    );
    assert.equal(bytes.toString('utf8', scan.hits[0]!.start, scan.hits[0]!.end), lines[2]);
  });
});
