// Tests for s3:// inputs against a real S3 emulator (s3rver on loopback), and S3 errors as issues.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeChunk } from '../../decode/index.ts';
import { readInputs } from '../index.ts';
import { createS3Client, listS3, parseS3Url } from './s3-source.ts';
import type { InputItem, PrefixVerdict, ReadInputsOptions } from '../index.ts';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

const record = (name: string) => ({ eventVersion: '1.08', eventID: `id-${name}`, eventName: name });
const delivery = (...names: string[]) => JSON.stringify({ Records: names.map(record) });
const day = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02';

async function collect(specs: string[], options: ReadInputsOptions): Promise<InputItem[]> {
  const items: InputItem[] = [];
  for await (const item of readInputs(specs, options)) items.push(item);
  return items;
}
const names = (items: InputItem[]) =>
  items.flatMap((i) =>
    i.kind === 'chunk'
      ? decodeChunk(i.chunk).records.map((r) => (r.record as { eventName: string }).eventName)
      : [],
  );
const issuesOf = (items: InputItem[]) => items.flatMap((i) => (i.kind === 'issue' ? [i.issue] : []));

let dir: string;
let server: S3rverInstance;
let endpoint: string;
let client: S3Client;

function emulatorClient(accessKeyId = 'S3RVER'): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const bigLines = Array.from({ length: 1500 }, (_, i) => JSON.stringify(record(`BIG${i}`)));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mfaguard-s3rver-'));
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'trail' }, { name: 'empty' }, { name: 'dated' }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  client = emulatorClient();
  const put = (Key: string, Body: Uint8Array | string) =>
    client.send(new PutObjectCommand({ Bucket: 'trail', Key, Body }));
  await put(
    `${day}/111122223333_CloudTrail_us-east-1_20240102T0000Z_a.json.gz`,
    gzipSync(delivery('A1', 'A2')),
  );
  await put(`${day}/111122223333_CloudTrail_us-east-1_20240102T0005Z_b.json`, delivery('B1'));
  await put(
    `${day}/111122223333_CloudTrail_us-east-1_20240102T0010Z_c.json.gz`,
    gzipSync(delivery('C1')).subarray(0, 20),
  );
  await put(
    'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/02/111122223333_CloudTrail-Digest_us-east-1_x.json.gz',
    gzipSync('{"digestStartTime":"2024-01-02T00:00:00Z"}'),
  );
  await put('AWSLogs/111122223333/README.txt', 'not a log');
  await put('exports/lake-export.csv', JSON.stringify([record('LAKE')]));
  await put('big/events.jsonl.gz', gzipSync(`${bigLines.join('\n')}\n`));
  for (const key of DATED_KEYS)
    await client.send(new PutObjectCommand({ Bucket: 'dated', Key: key, Body: delivery(key) }));
});

const datedKey = (account: string, region: string, day: string): string =>
  `AWSLogs/${account}/CloudTrail/${region}/2024/01/${day}/${account}_CloudTrail_${region}_202401${day}T0000Z_x.json`;
const DATED_KEYS = [
  ...['01', '02', '03', '04', '05', '06', '07'].map((d) => datedKey('111122223333', 'us-east-1', d)),
  datedKey('111122223333', 'eu-west-1', '04'),
  datedKey('444455556666', 'us-east-1', '04'),
  'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/04/111122223333_CloudTrail-Digest_us-east-1_x.json.gz',
  'AWSLogs/111122223333/CloudTrail/us-east-1/2023/12/31/111122223333_CloudTrail_us-east-1_20231231T0000Z_x.json',
];

after(async () => {
  client.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('readInputs over s3://', () => {
  void it('lists a prefix and reads gzip and plain objects, skipping digests with one note', async () => {
    const items = await collect(['s3://trail/AWSLogs/'], { s3Client: client });
    const chunks = items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk] : []));
    assert.deepEqual(
      chunks.map((c) => c.location),
      [
        `s3://trail/${day}/111122223333_CloudTrail_us-east-1_20240102T0000Z_a.json.gz`,
        `s3://trail/${day}/111122223333_CloudTrail_us-east-1_20240102T0005Z_b.json`,
        `s3://trail/${day}/111122223333_CloudTrail_us-east-1_20240102T0010Z_c.json.gz`,
      ],
    );
    assert.deepEqual(names(items), ['A1', 'A2', 'B1']);
    // The truncated object is reported by the decoder, naming its key.
    const decodeIssues = chunks.flatMap((c) => decodeChunk(c).issues);
    assert.deepEqual(
      decodeIssues.map((i) => [i.code, i.location]),
      [['gzip-truncated', chunks[2]!.location]],
    );
    assert.deepEqual(
      issuesOf(items).map((i) => [i.level, i.code, i.location, i.message]),
      [
        [
          'note',
          'digest-skipped',
          's3://trail/AWSLogs/',
          '1 CloudTrail digest files (integrity hashes, no events): skipped',
        ],
      ],
    );
    const discovered = items.find((i) => i.kind === 'discovered');
    assert.deepEqual(discovered, {
      kind: 'discovered',
      files: 3,
      bytes: chunks.reduce((n, c) => n + c.data.length, 0),
    });
  });

  void it('follows pagination, passing each continuation token', async () => {
    // s3rver's continuation tokens use DES, which Node 20's OpenSSL 3 lacks, so pages are mocked here.
    const paged = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(paged);
    mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({ Contents: [{ Key: 'L/1.json', Size: 1 }], IsTruncated: true, NextContinuationToken: 't1' });
    mock
      .on(ListObjectsV2Command, { ContinuationToken: 't1' })
      .resolves({ Contents: [{ Key: 'L/2.json', Size: 2 }], IsTruncated: true, NextContinuationToken: 't2' });
    mock
      .on(ListObjectsV2Command, { ContinuationToken: 't2' })
      .resolves({ Contents: [{ Key: 'L/3.json', Size: 3 }], IsTruncated: false });
    mock.on(GetObjectCommand).rejects(new Error('not needed'));
    const items = await collect(['s3://trail/L/'], { s3Client: paged });
    const calls = mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    assert.deepEqual(calls, [
      { Bucket: 'trail', Prefix: 'L/' },
      { Bucket: 'trail', Prefix: 'L/', ContinuationToken: 't1' },
      { Bucket: 'trail', Prefix: 'L/', ContinuationToken: 't2' },
    ]);
    assert.deepEqual(
      issuesOf(items).map((i) => i.location),
      ['s3://trail/L/1.json', 's3://trail/L/2.json', 's3://trail/L/3.json'],
    );
    assert.ok(items.some((i) => i.kind === 'discovered' && i.files === 3 && i.bytes === 6));
  });

  void it('reads a key named exactly, whatever its name', async () => {
    const items = await collect(['s3://trail/exports/lake-export.csv'], { s3Client: client });
    assert.deepEqual(names(items), ['LAKE']);
    assert.deepEqual(issuesOf(items), []);
  });

  void it('streams a big JSON Lines object in chunks', async () => {
    const items = await collect(['s3://trail/big/'], { s3Client: client, maxChunkBytes: 4096 });
    const chunks = items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk] : []));
    assert.ok(chunks.length > 5, `${chunks.length} chunks`);
    assert.ok(chunks.every((c) => c.format === 'jsonl' && c.location === 's3://trail/big/events.jsonl.gz'));
    const records = chunks.flatMap((c) => decodeChunk(c).records);
    assert.deepEqual(
      records.map((r) => r.index),
      bigLines.map((_, i) => i),
    );
  });

  void it('reports a missing bucket, an empty prefix and a bad URL, and goes on with the rest', async () => {
    const items = await collect(
      ['s3://no-such-bucket/AWSLogs/', 's3://empty/', 's3://', 's3://trail/exports/lake-export.csv'],
      {
        s3Client: client,
      },
    );
    assert.deepEqual(names(items), ['LAKE']);
    const issues = issuesOf(items);
    assert.deepEqual(
      issues.map((i) => [i.level, i.code, i.location]),
      [
        ['error', 's3-error', 's3://no-such-bucket/AWSLogs/'],
        ['warning', 'no-input-files', 's3://empty/'],
        ['error', 'bad-spec', 's3://'],
      ],
    );
    assert.match(issues[0]!.message, /NoSuchBucket \(HTTP 404\)/);
    assert.match(issues[0]!.hint!, /bucket name/);
  });

  void it('reports credentials S3 refuses', async () => {
    const stranger = emulatorClient('NOT-A-KEY');
    const items = await collect(['s3://trail/AWSLogs/'], { s3Client: stranger });
    stranger.destroy();
    const issues = issuesOf(items);
    assert.deepEqual(
      issues.map((i) => [i.code, i.location]),
      [['s3-error', 's3://trail/AWSLogs/']],
    );
    assert.match(issues[0]!.message, /InvalidAccessKeyId \(HTTP 403\)/);
  });

  void it('reports AccessDenied on listing and on one object, naming the bucket and key', async () => {
    const denied = (message: string) =>
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message,
      });
    const listDenied = new S3Client({ region: 'us-east-1' });
    mockClient(listDenied).on(ListObjectsV2Command).rejects(denied('Access Denied'));
    const first = issuesOf(await collect(['s3://secure/AWSLogs/'], { s3Client: listDenied }));
    assert.deepEqual(
      first.map((i) => [i.code, i.location]),
      [['s3-error', 's3://secure/AWSLogs/']],
    );
    assert.match(first[0]!.message, /^S3 listing failed: AccessDenied \(HTTP 403\): Access Denied/);
    assert.match(first[0]!.hint!, /s3:ListBucket/);

    const getDenied = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(getDenied);
    mock.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'AWSLogs/a.json.gz', Size: 10 },
        { Key: 'AWSLogs/b.json.gz', Size: 10 },
      ],
      IsTruncated: false,
    });
    mock.on(GetObjectCommand, { Key: 'AWSLogs/a.json.gz' }).rejects(denied('Access Denied'));
    mock.on(GetObjectCommand, { Key: 'AWSLogs/b.json.gz' }).rejects(denied('\u001b[31mKMS says no'));
    const items = await collect(['s3://secure/AWSLogs/'], { s3Client: getDenied });
    const issues = issuesOf(items);
    assert.deepEqual(
      issues.map((i) => [i.code, i.location]),
      [
        ['s3-error', 's3://secure/AWSLogs/a.json.gz'],
        ['s3-error', 's3://secure/AWSLogs/b.json.gz'],
      ],
    );
    assert.match(issues[0]!.message, /^S3 read failed: AccessDenied/);
    assert.doesNotMatch(issues[1]!.message, /\u001b/);
    assert.ok(items.some((i) => i.kind === 'discovered' && i.files === 2));
  });
});

void describe('S3 listing narrowed by a filter', () => {
  // The scan's filter for 2024-01-04 in account 111122223333, us-east-1 (see judgePrefix in app/scan-filter.ts).
  const narrow = (prefix: string): PrefixVerdict => {
    if (/444455556666|eu-west-1|CloudTrail-Digest|\/2023\//.test(prefix)) return 'skip';
    const day = /\/2024\/01\/(\d{2})\/$/.exec(prefix)?.[1];
    if (day !== undefined) return ['03', '04', '05'].includes(day) ? 'whole' : 'skip';
    return 'descend';
  };
  const kept = ['03', '04', '05'].map((d) => datedKey('111122223333', 'us-east-1', d));
  const locations = (items: InputItem[], bucket: string): string[] =>
    items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk.location.replace(`s3://${bucket}/`, '')] : []));

  function watch(watched: S3Client): string[] {
    const listed: string[] = [];
    watched.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Prefix?: string; Delimiter?: string };
        if (context.commandName === 'ListObjectsV2Command')
          listed.push(`${input.Prefix ?? ''}${input.Delimiter === '/' ? ' /' : ''}`);
        return next(args);
      },
      { step: 'initialize' },
    );
    return listed;
  }

  void it('lists only the days a filter keeps (s3rver, from a month folder)', async () => {
    const watched = emulatorClient();
    const listed = watch(watched);
    const month = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/';
    const items = await collect([`s3://dated/${month}`], { s3Client: watched, narrowS3: narrow });
    watched.destroy();
    assert.deepEqual(locations(items, 'dated'), kept);
    assert.deepEqual(listed, [`${month} /`, `${month}03/`, `${month}04/`, `${month}05/`]);
    assert.deepEqual(issuesOf(items), []);
  });

  // s3rver answers a '/' delimiter only one folder deep (its file store stops walking below the first '/'), so the
  // walk from a bucket's root runs against ListObjectsV2 as the API reference defines it, over the same keys.
  void it('walks from the root one level at a time, never listing a skipped account, region, digest or day', async () => {
    const mocked = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const mock = mockClient(mocked);
    const listed: string[] = [];
    mock.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; Delimiter?: string }) => {
      const prefix = input.Prefix ?? '';
      listed.push(`${prefix}${input.Delimiter === '/' ? ' /' : ''}`);
      const under = DATED_KEYS.filter((key) => key.startsWith(prefix)).sort();
      const folders = new Set<string>();
      const keys: string[] = [];
      for (const key of under) {
        const cut = input.Delimiter === undefined ? -1 : key.indexOf(input.Delimiter, prefix.length);
        if (cut === -1) keys.push(key);
        else folders.add(key.slice(0, cut + 1));
      }
      return {
        IsTruncated: false,
        KeyCount: keys.length + folders.size,
        Contents: keys.map((Key) => ({ Key, Size: 10 })),
        CommonPrefixes: [...folders].map((Prefix) => ({ Prefix })),
      };
    });
    mock.on(GetObjectCommand).rejects(new Error('not read in this test'));
    const found: string[] = [];
    for await (const item of listS3('s3://dated/', mocked, undefined, narrow))
      if (item.kind === 'entry') found.push(item.entry.location.replace('s3://dated/', ''));
    assert.deepEqual(found, kept);
    assert.deepEqual(listed, [
      ' /',
      'AWSLogs/ /',
      'AWSLogs/111122223333/ /',
      'AWSLogs/111122223333/CloudTrail/ /',
      'AWSLogs/111122223333/CloudTrail/us-east-1/ /',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/ /',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/ /',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/03/',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/04/',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/05/',
    ]);
    mock.restore();
  });

  void it('says so when the filter leaves nothing to list', async () => {
    const none = await collect(['s3://dated/AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/'], {
      s3Client: client,
      narrowS3: (prefix) => (prefix.endsWith('/2024/01/') ? 'descend' : 'skip'),
    });
    assert.deepEqual(
      issuesOf(none).map((i) => [i.code, i.message]),
      [['no-input-files', 'no CloudTrail objects under this prefix within the filter']],
    );
  });
});

void describe('S3 helpers', () => {
  void it('parses s3:// URLs', () => {
    assert.deepEqual(parseS3Url('s3://trail'), { bucket: 'trail', prefix: '' });
    assert.deepEqual(parseS3Url('s3://trail/AWSLogs/1/'), { bucket: 'trail', prefix: 'AWSLogs/1/' });
    assert.equal(parseS3Url('s3://'), undefined);
    assert.equal(parseS3Url('s3:///key'), undefined);
    assert.equal(parseS3Url('https://trail/x'), undefined);
  });

  void it('creates a client with checksums only when required, and the given region and profile', async () => {
    const made = createS3Client({ region: 'eu-west-3', profile: 'audit' });
    assert.equal(await made.config.requestChecksumCalculation(), 'WHEN_REQUIRED');
    assert.equal(await made.config.responseChecksumValidation(), 'WHEN_REQUIRED');
    assert.equal(await made.config.region(), 'eu-west-3');
    assert.equal(made.config.profile, 'audit');
    made.destroy();
  });
});
