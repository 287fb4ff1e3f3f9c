// Tests for S3 polling: s3rver for real listing and reads, mocks for pagination, checkpoints and claims in real SQLite
// (and PostgreSQL for several workers).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { openStore } from '../../../store/index.ts';
import type { Store } from '../../../store/index.ts';
import { createThrowawayDatabase, postgresProblem } from '../../../store/test-support/postgres.ts';
import { missing } from '../../../test-support/requirements.ts';
import { createFakeTime, settle, startLocalS3 } from '../test-support/live-testkit.ts';
import type { LocalS3 } from '../test-support/live-testkit.ts';
import type { LiveSink, LiveSource } from '../live-source.ts';
import {
  createS3PollSource,
  dayOfKey,
  fileTimeOfKey,
  folderToSkip,
  isRegionPrefix,
  s3PollCheckpointKey,
} from './s3-poll-source.ts';
import type { S3PollSourceOptions } from './s3-poll-source.ts';

const ACCOUNT = '111122223333';
const useast = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/`;
const euwest = `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/`;
const file = (regionPrefix: string, region: string, stamp: string, id: string) => {
  const day = `${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/`;
  return `${regionPrefix}${day}${ACCOUNT}_CloudTrail_${region}_${stamp}Z_${id}.json.gz`;
};
const body = (id: string) =>
  gzipSync(JSON.stringify({ Records: [{ eventID: id, eventName: 'ConsoleLogin' }] }));

/** A sink that records the event ids it stored, and fails for the ids in `failOn`. */
function recordingSink() {
  const ids: string[] = [];
  const locations: string[] = [];
  const failOn = new Set<string>();
  const sink: LiveSink = {
    ingestBytes(data, origin) {
      const parsed = JSON.parse(gunzipSync(data).toString()) as { Records: { eventID: string }[] };
      const id = parsed.Records[0]!.eventID;
      if (failOn.has(id)) return Promise.reject(new Error(`store down while writing ${id}`));
      ids.push(id);
      locations.push(origin.location);
      return Promise.resolve({});
    },
    ingestRecords: () => Promise.reject(new Error('not used')),
  };
  return { sink, ids, locations, failOn };
}

let s3: LocalS3;
async function seed(bucket: string) {
  await s3.put(bucket, file(useast, 'us-east-1', '20240102T1000', 'a'), body('a'));
  await s3.put(bucket, file(useast, 'us-east-1', '20240102T1005', 'b'), body('b'));
  await s3.put(bucket, file(euwest, 'eu-west-1', '20240102T1000', 'c'), body('c'));
  // Yesterday: before the default start (the clock's day), so never read without a checkpoint.
  await s3.put(bucket, file(useast, 'us-east-1', '20240101T2300', 'old'), body('old'));
  await s3.put(
    bucket,
    `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2024/01/02/${ACCOUNT}_CloudTrail-Digest_us-east-1_x_us-east-1_20240102T1000Z.json.gz`,
    gzipSync('{"digestStartTime":"x"}'),
  );
  await s3.put(bucket, `AWSLogs/${ACCOUNT}/elasticloadbalancing/us-east-1/2024/01/02/lb.log.gz`, body('lb'));
}
before(async () => {
  s3 = await startLocalS3(['trail', 'resume', 'nested', 'shared-sqlite', 'shared-postgres']);
  await seed('trail');
  await seed('resume');
  await s3.put(
    'nested',
    `org/AWSLogs/o-abc123/${ACCOUNT}/CloudTrail/us-east-1/2024/01/02/${ACCOUNT}_CloudTrail_us-east-1_20240102T1000Z_n.json.gz`,
    body('n'),
  );
});
const home = mkdtempSync(join(tmpdir(), 'mfaguard-s3poll-'));
after(async () => {
  await s3.close();
  rmSync(home, { recursive: true, force: true });
});

let store: Store;
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
});

const T = (iso: string) => Date.parse(iso);

function poller(sink: LiveSink, clock: () => number, extra: Partial<S3PollSourceOptions> = {}): LiveSource {
  const time = createFakeTime(0);
  return createS3PollSource({
    client: s3.client,
    url: 's3://trail/AWSLogs/',
    sink,
    store,
    clock,
    sleep: time.sleep,
    workerId: 'w1',
    ...extra,
  });
}

void describe('S3 key helpers', () => {
  void it('reads file times and day folders, and recognises region prefixes', () => {
    assert.equal(fileTimeOfKey(file(useast, 'us-east-1', '20240102T1005', 'b')), T('2024-01-02T10:05:00Z'));
    assert.equal(fileTimeOfKey('AWSLogs/x/readme.json'), null);
    assert.equal(dayOfKey(`${useast}2024/01/03/whatever.json`), T('2024-01-03T00:00:00Z'));
    assert.equal(dayOfKey('no/day/here.json'), null);
    assert.equal(isRegionPrefix(useast), true);
    assert.equal(isRegionPrefix(`AWSLogs/${ACCOUNT}/CloudTrail/`), false);
    assert.equal(isRegionPrefix(`AWSLogs/${ACCOUNT}/CloudTrail/us-east-1`), false);
  });

  void it('finds the folder to skip past during discovery', () => {
    const cases: [string, string, { prefix: string; region: boolean }][] = [
      [`${useast}2024/01/02/f.json.gz`, 'AWSLogs/', { prefix: useast, region: true }],
      [
        `p/AWSLogs/o-abc123/${ACCOUNT}/CloudTrail/eu-west-1/2024/x.json`,
        '',
        { prefix: `p/AWSLogs/o-abc123/${ACCOUNT}/CloudTrail/eu-west-1/`, region: true },
      ],
      [
        `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2024/d.json.gz`,
        'AWSLogs/',
        { prefix: `AWSLogs/${ACCOUNT}/CloudTrail-Digest/`, region: false },
      ],
      [
        `AWSLogs/${ACCOUNT}/vpcflowlogs/us-east-1/f.log.gz`,
        `AWSLogs/${ACCOUNT}/`,
        { prefix: `AWSLogs/${ACCOUNT}/vpcflowlogs/`, region: false },
      ],
      ['AWSLogs/README.txt', 'AWSLogs/', { prefix: 'AWSLogs/README.txt', region: false }],
      ['exports/2024/a.csv', '', { prefix: 'exports/', region: false }],
      [
        `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/stray.json`,
        '',
        { prefix: `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/stray.json`, region: false },
      ],
    ];
    for (const [key, base, expected] of cases) assert.deepEqual(folderToSkip(key, base), expected, key);
  });

  void it('refuses a URL that is not s3://bucket/prefix', () => {
    const { sink } = recordingSink();
    assert.throws(
      () => poller(sink, () => 0, { url: 'https://trail/AWSLogs/' }),
      /needs s3:\/\/bucket\/prefix/,
    );
  });
});

void describe('createS3PollSource against s3rver', () => {
  void it('processes new objects in key order per region, skipping digests and other services', async () => {
    const { sink, ids, locations } = recordingSink();
    const now = T('2024-01-02T10:30:00Z');
    const result = await poller(sink, () => now).pollOnce();
    assert.deepEqual(result, { fetched: 3, ingested: 3, skipped: 0, deadLettered: 0, failed: 0 });
    // eu-west-1 sorts before us-east-1 in the listing of regions.
    assert.deepEqual(ids, ['c', 'a', 'b']);
    assert.equal(locations[1], `s3://trail/${file(useast, 'us-east-1', '20240102T1000', 'a')}`);
    assert.equal(
      await store.getCheckpoint(s3PollCheckpointKey('trail', useast)),
      file(useast, 'us-east-1', '20240102T1005', 'b'),
    );
    assert.equal(
      await store.getCheckpoint(s3PollCheckpointKey('trail', euwest)),
      file(euwest, 'eu-west-1', '20240102T1000', 'c'),
    );
    // Polling again finds nothing new.
    assert.deepEqual(await poller(sink, () => now).pollOnce(), {
      fetched: 0,
      ingested: 0,
      skipped: 0,
      deadLettered: 0,
      failed: 0,
    });
    assert.equal(ids.length, 3);
  });

  void it('resumes after a crash from the checkpoint: late files, day rollover, nothing twice, nothing skipped', async () => {
    const first = recordingSink();
    await poller(first.sink, () => T('2024-01-02T10:30:00Z'), { url: 's3://resume/AWSLogs/' }).pollOnce();
    assert.deepEqual(first.ids, ['c', 'a', 'b']);
    // While the process is down: a late file behind the checkpoint, one later that day, one the next day.
    await s3.put('resume', file(useast, 'us-east-1', '20240102T1003', 'late'), body('late'));
    await s3.put('resume', file(useast, 'us-east-1', '20240102T2355', 'd'), body('d'));
    await s3.put('resume', file(useast, 'us-east-1', '20240103T0005', 'e'), body('e'));
    const second = recordingSink();
    const restarted = poller(second.sink, () => T('2024-01-03T00:10:00Z'), { url: 's3://resume/AWSLogs/' });
    const result = await restarted.pollOnce();
    assert.deepEqual(second.ids, ['late', 'd', 'e']);
    assert.deepEqual(result, { fetched: 3, ingested: 3, skipped: 0, deadLettered: 0, failed: 0 });
    assert.equal(
      await store.getCheckpoint(s3PollCheckpointKey('resume', useast)),
      file(useast, 'us-east-1', '20240103T0005', 'e'),
    );
    assert.equal((await restarted.pollOnce()).fetched, 0);
    assert.deepEqual(second.ids, ['late', 'd', 'e']);
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    void it(`several workers, each with its own ${backend} store instance, polling one prefix read each file once, and all files get read`, async (t) => {
      if (backend === 'postgres' && missing(t, 'pg', await postgresProblem())) return;
      const bucket = `shared-${backend}`;
      const names: string[] = [];
      for (let minute = 0; minute < 12; minute++) {
        const stamp = `20240102T10${String(minute * 4).padStart(2, '0')}`;
        for (const [prefix, region] of [
          [useast, 'us-east-1'],
          [euwest, 'eu-west-1'],
        ] as const) {
          const id = `${region}-${minute}`;
          await s3.put(bucket, file(prefix, region, stamp, id), body(id));
          names.push(id);
        }
      }
      // One store instance per worker (its own connection or pool), on one database, as separate processes have.
      const database = backend === 'postgres' ? await createThrowawayDatabase('mfaguard_s3poll') : null;
      const url = database?.url ?? `sqlite:${join(home, `${bucket}.db`)}`;
      const stores: Store[] = [];
      try {
        for (let i = 0; i < 3; i++) stores.push(await openStore(url));
        const { sink, ids } = recordingSink();
        // Each store call yields to the event loop, so the workers' polls interleave at every step.
        const slowSink: LiveSink = {
          ingestBytes: async (data, origin) => {
            await settle(2);
            return sink.ingestBytes(data, origin);
          },
          ingestRecords: (records, origin) => sink.ingestRecords(records, origin),
        };
        const now = T('2024-01-02T11:00:00Z');
        const workers = stores.map((own, i) =>
          poller(slowSink, () => now, { url: `s3://${bucket}/AWSLogs/`, workerId: `w${i + 1}`, store: own }),
        );
        for (let round = 0; round < 40; round++) {
          const results = await Promise.all(workers.map((worker) => worker.pollOnce()));
          if (results.every((result) => result.fetched === 0)) break;
        }
        assert.deepEqual([...ids].sort(), [...names].sort(), 'every file once');
        assert.equal(
          await stores[2]!.getCheckpoint(s3PollCheckpointKey(bucket, useast)),
          file(useast, 'us-east-1', '20240102T1044', 'us-east-1-11'),
        );
        assert.equal(
          await stores[0]!.getCheckpoint(s3PollCheckpointKey(bucket, euwest)),
          file(euwest, 'eu-west-1', '20240102T1044', 'eu-west-1-11'),
        );
      } finally {
        for (const own of stores) await own.close();
        await database?.drop();
      }
    });
  }

  void it('keeps the checkpoint before a file the sink could not store, and retries it first', async () => {
    const { sink, ids, failOn } = recordingSink();
    failOn.add('a');
    const logs: string[] = [];
    const src = poller(sink, () => T('2024-01-02T10:30:00Z'), {
      url: `s3://trail/${useast}`,
      log: (l, m) => logs.push(`${l}: ${m}`),
    });
    assert.deepEqual(await src.pollOnce(), {
      fetched: 1,
      ingested: 0,
      skipped: 0,
      deadLettered: 0,
      failed: 1,
    });
    assert.deepEqual(ids, []);
    assert.equal(await store.getCheckpoint(s3PollCheckpointKey('trail', useast)), null);
    assert.deepEqual(logs, ['error: s3-poll: object failed; the checkpoint stays before it']);
    failOn.clear();
    assert.equal((await src.pollOnce()).ingested, 2);
    assert.deepEqual(ids, ['a', 'b']);
  });

  void it('starts where told when there is no checkpoint, and walks organization trails under a custom prefix', async () => {
    const { sink, ids } = recordingSink();
    await poller(sink, () => T('2024-01-02T10:30:00Z'), {
      url: 's3://trail/AWSLogs/',
      startAtMs: T('2024-01-01T00:00:00Z'),
    }).pollOnce();
    assert.deepEqual(ids, ['c', 'old', 'a', 'b']);
    const nested = recordingSink();
    await poller(nested.sink, () => T('2024-01-02T10:30:00Z'), { url: 's3://nested/org/' }).pollOnce();
    assert.deepEqual(nested.ids, ['n']);
  });

  void it('start() polls every interval until aborted', async () => {
    const { sink, ids } = recordingSink();
    const time = createFakeTime(T('2024-01-02T10:30:00Z'));
    const src = createS3PollSource({
      client: s3.client,
      url: `s3://trail/${euwest}`,
      sink,
      store,
      clock: time.clock,
      sleep: time.sleep,
      workerId: 'w1',
      intervalMs: 30_000,
    });
    const controller = new AbortController();
    const running = src.start(controller.signal);
    while (time.pending() === 0) await settle();
    assert.deepEqual(ids, ['c']);
    assert.deepEqual(time.sleeps, [30_000]);
    controller.abort();
    await running;
  });
});

void describe('createS3PollSource pagination (mocked)', () => {
  void it('follows continuation tokens from the checkpoint, in order', async () => {
    const client = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(client);
    const day = `${useast}2024/01/02/`;
    const key = (n: number) =>
      `${day}${ACCOUNT}_CloudTrail_us-east-1_20240102T${String(1000 + n).padStart(4, '0')}Z_k${n}.json.gz`;
    mock.on(ListObjectsV2Command, { Prefix: day, ContinuationToken: undefined }).resolves({
      Contents: Array.from({ length: 1000 }, (_, i) => ({ Key: key(i), ETag: `"e${i}"` })),
      IsTruncated: true,
      NextContinuationToken: 'page-2',
    });
    mock.on(ListObjectsV2Command, { Prefix: day, ContinuationToken: 'page-2' }).resolves({
      Contents: [
        { Key: key(1000), ETag: '"e1000"' },
        { Key: key(1001), ETag: '"e1001"' },
      ],
      IsTruncated: false,
    });
    mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const id = input.Key.slice(input.Key.lastIndexOf('_') + 1, input.Key.indexOf('.json'));
      const bytes = body(id);
      return {
        Body: { transformToByteArray: () => Promise.resolve(bytes) },
      };
    });
    const checkpoint = key(0);
    await store.setCheckpoint(s3PollCheckpointKey('trail', useast), checkpoint, 0);
    // The object before the checkpoint was processed earlier (its claim is done).
    await store.claimWork({ key: `s3://trail/${checkpoint}#e0`, workerId: 'w1', leaseMs: 1000, nowMs: 0 });
    await store.completeWork(`s3://trail/${checkpoint}#e0`, 'w1', 0);
    const { sink, ids } = recordingSink();
    const result = await poller(sink, () => T('2024-01-02T12:00:00Z'), {
      client,
      url: `s3://trail/${useast}`,
    }).pollOnce();
    assert.equal(result.ingested, 1001);
    assert.deepEqual(ids.slice(0, 2), ['k1', 'k2']);
    assert.deepEqual(ids.slice(-2), ['k1000', 'k1001']);
    const lists = mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    assert.deepEqual(lists, [
      // Fifteen minutes before the checkpoint's file time, for files delivered late.
      { Bucket: 'trail', Prefix: day, StartAfter: `${day}${ACCOUNT}_CloudTrail_us-east-1_20240102T0945` },
      {
        Bucket: 'trail',
        Prefix: day,
        StartAfter: `${day}${ACCOUNT}_CloudTrail_us-east-1_20240102T0945`,
        ContinuationToken: 'page-2',
      },
    ]);
    assert.equal(await store.getCheckpoint(s3PollCheckpointKey('trail', useast)), key(1001));
  });
});
