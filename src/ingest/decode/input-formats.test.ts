// One contract for every input decoder of the registry: each reads its own shape exactly, refuses or takes nothing
// wrong from the others', survives broken bytes, and is what auto-detection names; `--input-format` runs it alone.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeChunk } from './chunk.ts';
import { INPUT_DECODERS, INPUT_FORMATS } from './input-formats.ts';
import type { InputFormat } from './input-formats.ts';
import type { Sink } from './shapes.ts';

const record = (id: string): Record<string, unknown> => ({
  eventVersion: '1.08',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/alice' },
  eventTime: '2024-05-01T10:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'DeactivateMFADevice',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.7',
  eventID: id,
  recipientAccountId: '111122223333',
});
const R1 = record('id-1');
const R2 = record('id-2');
const eventBridge = (detail: object): object => ({
  version: '0',
  id: 'eb-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  account: '111122223333',
  time: '2024-05-01T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});
const envelope = (...records: object[]): object => ({
  messageType: 'DATA_MESSAGE',
  owner: '111122223333',
  logGroup: 'aws-cloudtrail-logs',
  logStream: '111122223333_CloudTrail_us-east-1',
  subscriptionFilters: ['to-firehose'],
  logEvents: records.map((r, i) => ({ id: String(i), timestamp: 1714557600000, message: JSON.stringify(r) })),
});

/** A sample of each format (as the AWS documentation shows it) and the event ids it holds. */
const SAMPLES: Record<InputFormat, { readonly text: string; readonly ids: readonly string[] }> = {
  array: { text: JSON.stringify([R1, R2]), ids: ['id-1', 'id-2'] },
  'cloudwatch-logs': { text: JSON.stringify(envelope(R1, R2)), ids: ['id-1', 'id-2'] },
  concatenated: { text: JSON.stringify(R1) + JSON.stringify(R2), ids: ['id-1', 'id-2'] },
  eventbridge: { text: JSON.stringify([eventBridge(R1), eventBridge(R2)]), ids: ['id-1', 'id-2'] },
  jsonl: { text: `${JSON.stringify(R1)}\n${JSON.stringify(R2)}\n`, ids: ['id-1', 'id-2'] },
  'lookup-events': {
    text: JSON.stringify({
      Events: [R1, R2].map((r) => ({ EventId: r['eventID'], CloudTrailEvent: JSON.stringify(r) })),
    }),
    ids: ['id-1', 'id-2'],
  },
  records: { text: JSON.stringify({ Records: [R1, R2] }), ids: ['id-1', 'id-2'] },
  single: { text: JSON.stringify(R1), ids: ['id-1'] },
};

const newSink = (): Sink => ({
  location: 'sample',
  lines: false,
  records: [],
  issues: [],
  suppressed: 0,
  firstSuppressed: 0,
  lastSuppressed: 0,
});

const idsOf = (records: readonly { record: unknown }[]): string[] =>
  records.map(({ record: r }) => String((r as Record<string, unknown>)['eventID']));

const chunk = (text: string, gzip = false) => ({
  location: 'sample',
  baseIndex: 0,
  data: gzip ? gzipSync(text) : Buffer.from(text),
  compression: 'auto' as const,
});

describe('input decoders: one contract for every entry of the registry', () => {
  it('the registry is kept alphabetical and every format has a sample here', () => {
    assert.deepEqual(INPUT_FORMATS, [...INPUT_FORMATS].sort());
    assert.deepEqual(Object.keys(SAMPLES).sort(), INPUT_FORMATS);
  });

  for (const format of INPUT_FORMATS) {
    const decoder = INPUT_DECODERS[format];
    const own = SAMPLES[format];

    describe(format, () => {
      it('reads its own shape: every record, no issue', () => {
        const sink = newSink();
        assert.equal(decoder.decode(sink, own.text, 0), true);
        assert.deepEqual(idsOf(sink.records), own.ids);
        assert.deepEqual(sink.issues, []);
      });

      it('is what auto-detection names, and --input-format runs it alone, gzipped or not', () => {
        for (const gzip of [false, true]) {
          const auto = decodeChunk(chunk(own.text, gzip));
          assert.equal(auto.format, format);
          const forced = decodeChunk(chunk(own.text, gzip), { inputFormat: format });
          assert.equal(forced.format, format);
          assert.deepEqual(idsOf(forced.records), own.ids);
          assert.deepEqual(forced.issues, auto.issues);
        }
      });

      it('refuses another shape untouched, or invents no record the input does not hold', () => {
        for (const other of INPUT_FORMATS) {
          if (other === format) continue;
          const sink = newSink();
          const took = decoder.decode(sink, SAMPLES[other].text, 0);
          if (!took) {
            assert.deepEqual(sink.records, [], `${format} on ${other}`);
            assert.deepEqual(sink.issues, [], `${format} on ${other}`);
          } else {
            // A wrapper taken as one item is no CloudTrail record (no eventName): normalising reports it.
            for (const { record: taken } of sink.records) {
              const fields = taken as Record<string, unknown>;
              if (!('eventName' in fields)) continue;
              assert.ok(SAMPLES[other].ids.includes(String(fields['eventID'])), `${format} on ${other}`);
            }
          }
        }
      });

      it('named with --input-format on a file of another shape: a clear error, nothing invented', () => {
        const other = format === 'records' ? 'single' : 'records';
        const forced = decodeChunk(chunk(SAMPLES[other].text), { inputFormat: format });
        assert.ok(idsOf(forced.records).every((id) => SAMPLES[other].ids.includes(id)));
        if (forced.format === 'unknown') {
          const issue = forced.issues.find((i) => i.code === 'not-input-format');
          assert.equal(issue?.level, 'error');
          assert.match(issue?.message ?? '', new RegExp(`expected ${format} \\(`));
        }
      });

      it('survives broken bytes: never throws, and says what it lost', () => {
        // Cut inside the first record: a cut between two lines would lose nothing a reader could see.
        const broken = own.text.slice(0, Math.floor(own.text.length / 3));
        const sink = newSink();
        const took = decoder.decode(sink, broken, 0);
        if (took) assert.ok(sink.issues.length > 0 || sink.records.length < own.ids.length);
        const forced = decodeChunk(chunk(broken), { inputFormat: format });
        assert.ok(forced.issues.some((issue) => issue.level === 'error'));
      });
    });
  }

  it('cloudwatch-logs reads envelopes concatenated without newlines, as Firehose writes them', () => {
    const text = JSON.stringify(envelope(R1)) + JSON.stringify(envelope(R2));
    const sink = newSink();
    assert.equal(INPUT_DECODERS['cloudwatch-logs'].decode(sink, text, 0), true);
    assert.deepEqual(idsOf(sink.records), ['id-1', 'id-2']);
    // Concatenated records are not envelopes: refused.
    assert.equal(INPUT_DECODERS['cloudwatch-logs'].decode(newSink(), SAMPLES.concatenated.text, 0), false);
  });
});
