// Live S3 polling of a trail prefix: new CloudTrail objects in key order from a durable checkpoint per account/region.

import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { isDigestLocation } from '../../decode/index.ts';
import { isTakenFileName } from '../file/file-source.ts';
import { EMPTY_POLL, addPolls, describeError, noLog, runPollLoop } from '../live-source.ts';
import type {
  Clock,
  LiveLog,
  LiveSink,
  LiveSource,
  LiveSourceStore,
  PollCounts,
  PollResult,
  Sleep,
} from '../live-source.ts';
import { parseS3Url } from '../s3/s3-source.ts';

export interface S3PollSourceOptions {
  readonly client: S3Client;
  /** `s3://bucket/[prefix/]AWSLogs/`, or deeper down to one `.../CloudTrail/REGION/`. */
  readonly url: string;
  readonly sink: LiveSink;
  readonly store: LiveSourceStore;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log?: LiveLog;
  /** Identifies this process in work claims (several workers may poll the same prefix). */
  readonly workerId: string;
  /** Pause between polls (default 60 s; CloudTrail delivers about every 5 minutes). */
  readonly intervalMs?: number;
  /** How far before the checkpoint's file time to look again for files delivered late (default 15 minutes). */
  readonly lookbackMs?: number;
  /** Where a prefix without a checkpoint starts (default: the start of the clock's UTC day). */
  readonly startAtMs?: number;
  readonly claimLeaseMs?: number;
  /** How long the list of account/region folders is reused before it is listed again (default 15 minutes). */
  readonly rediscoverMs?: number;
  /** First pause after a failed poll, doubling up to 10 minutes (default 5 s). */
  readonly errorBackoffMs?: number;
}

const DAY_MS = 86_400_000;

/** The checkpoint's store key for one account/region prefix. */
export function s3PollCheckpointKey(bucket: string, regionPrefix: string): string {
  return `s3-poll:s3://${bucket}/${regionPrefix}`;
}

function segments(prefix: string): string[] {
  return prefix.split('/').filter((s) => s !== '');
}

/** `.../CloudTrail/REGION/`: the level whose children are date folders. */
export function isRegionPrefix(prefix: string): boolean {
  const parts = segments(prefix);
  return prefix.endsWith('/') && parts.length >= 2 && parts[parts.length - 2] === 'CloudTrail';
}

/** The file-time of a CloudTrail key (`..._20240102T1205Z_...`), or null. */
export function fileTimeOfKey(key: string): number | null {
  const match = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*$/.exec(key);
  if (match === null) return null;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi);
  return Number.isNaN(ms) ? null : ms;
}

/** The UTC day of a key's `YYYY/MM/DD/` folder, or null. */
export function dayOfKey(key: string): number | null {
  const match = /\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]*$/.exec(key);
  if (match === null) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) ? null : ms;
}

const pad = (n: number) => String(n).padStart(2, '0');
const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

function dayFolder(dayMs: number): string {
  const d = new Date(dayMs);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/`;
}

/** The start of CloudTrail file names at a time: keys of files written at or after it sort after this. */
function fileNameAt(regionPrefix: string, ms: number): string | undefined {
  const parts = segments(regionPrefix);
  const region = parts[parts.length - 1];
  const account = parts[parts.length - 3];
  if (region === undefined || account === undefined || !/^\d{12}$/.test(account)) return undefined;
  const d = new Date(ms);
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
  return `${regionPrefix}${dayFolder(ms)}${account}_CloudTrail_${region}_${stamp}`;
}

type ObjectOutcome = 'ingested' | 'done' | 'busy' | 'gone';

/** A StartAfter that is past every key under `folder` (a key itself when it does not end with `/`). */
function pastFolder(folder: string): string {
  // '0' is the character right after '/', so only keys inside the folder sort between the two.
  return folder.endsWith('/') ? `${folder.slice(0, -1)}0` : folder;
}

/**
 * The folder a key belongs to for discovery: its `.../CloudTrail/REGION/` folder when it is a trail file, else
 * the outermost folder below the base that cannot hold trail files (digests, other services, other data), or
 * the key itself.
 */
export function folderToSkip(key: string, base: string): { prefix: string; region: boolean } {
  const parts = key.split('/');
  const baseDepth = segments(base).length;
  const upTo = (i: number) => `${parts.slice(0, i + 1).join('/')}/`;
  const outermost = () =>
    parts.length > baseDepth + 1
      ? { prefix: upTo(baseDepth), region: false }
      : { prefix: key, region: false };
  const logs = parts.indexOf('AWSLogs');
  if (logs === -1) return outermost();
  let i = logs + 1;
  if (/^o-[a-z0-9]+$/.test(parts[i] ?? '')) i += 1;
  const inner = (at: number) =>
    at + 1 < parts.length && at >= baseDepth ? { prefix: upTo(at), region: false } : outermost();
  if (!/^\d{12}$/.test(parts[i] ?? '')) return inner(i);
  if (parts[i + 1] !== 'CloudTrail') return inner(i + 1);
  // A region folder needs something inside it (the date folders).
  if (i + 4 < parts.length) return { prefix: upTo(i + 2), region: true };
  return { prefix: key, region: false };
}

// eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
export function createS3PollSource(options: S3PollSourceOptions): LiveSource {
  const where = parseS3Url(options.url);
  if (where === undefined) {
    throw new Error(
      `S3 polling needs s3://bucket/prefix with a valid bucket name, got ${JSON.stringify(options.url.slice(0, 120))}`,
    );
  }
  const bucket = where.bucket;
  const base = where.prefix === '' || where.prefix.endsWith('/') ? where.prefix : `${where.prefix}/`;
  const log = options.log ?? noLog;
  const lookbackMs = options.lookbackMs ?? 15 * 60_000;
  const claimLeaseMs = options.claimLeaseMs ?? 15 * 60_000;
  const rediscoverMs = options.rediscoverMs ?? 15 * 60_000;
  const { client, store } = options;
  let discovered: { at: number; prefixes: string[] } | null = null;

  /**
   * Finds the `.../ACCOUNT/CloudTrail/REGION/` folders under the base by skip-scanning: list one key, jump past
   * the whole folder it belongs to, repeat. One request per folder, like a delimiter walk, but it needs only
   * StartAfter (s3rver's delimiter listing misses nested keys) and never descends into digests or other services.
   */
  async function discover(signal?: AbortSignal): Promise<string[]> {
    if (isRegionPrefix(base)) return [base];
    const found: string[] = [];
    let after: string | undefined;
    for (let hops = 0; hops < 100_000; hops += 1) {
      // Version 1's Marker is StartAfter by another name; one key per request never needs a continuation
      // token, which s3rver cannot mint on Node 20 (its tokens use DES).
      const page = await client.send(
        new ListObjectsCommand({
          Bucket: bucket,
          MaxKeys: 1,
          ...(base === '' ? {} : { Prefix: base }),
          ...(after === undefined ? {} : { Marker: after }),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      const key = page.Contents?.[0]?.Key;
      if (key === undefined) break;
      const folder = folderToSkip(key, base);
      if (folder.region) found.push(folder.prefix);
      after = pastFolder(folder.prefix);
    }
    return found;
  }

  async function regionPrefixes(signal?: AbortSignal): Promise<string[]> {
    const now = options.clock();
    if (discovered === null || now - discovered.at >= rediscoverMs) {
      discovered = { at: now, prefixes: await discover(signal) };
    }
    return discovered.prefixes;
  }

  async function processObject(key: string, etag: string): Promise<ObjectOutcome> {
    const workKey = `s3://${bucket}/${key}#${etag}`;
    if (await store.isWorkDone(workKey)) return 'done';
    const owned = await store.claimWork({
      key: workKey,
      workerId: options.workerId,
      leaseMs: claimLeaseMs,
      nowMs: options.clock(),
    });
    if (!owned) return (await store.isWorkDone(workKey)) ? 'done' : 'busy';
    const location = `s3://${bucket}/${key}`;
    let data: Uint8Array;
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (out.Body === undefined) throw new Error(`S3 returned no body for ${location}`);
      data = await out.Body.transformToByteArray();
    } catch (error) {
      if (!(error instanceof Error && error.name === 'NoSuchKey')) throw error;
      // Deleted between listing and reading (a lifecycle rule): nothing left to read, and nothing to wait for.
      await store.addDeadLetter({
        source: 's3-poll',
        location,
        reason: `listed but gone before it was read: ${describeError(error)}`,
        raw: '',
        nowMs: options.clock(),
      });
      await store.completeWork(workKey, options.workerId, options.clock());
      return 'gone';
    }
    await options.sink.ingestBytes(data, { source: 's3-poll', location });
    await store.completeWork(workKey, options.workerId, options.clock());
    return 'ingested';
  }

  async function advance(checkpointKey: string, key: string): Promise<void> {
    const current = await store.getCheckpoint(checkpointKey);
    // Never backwards: a late file behind the checkpoint is processed without moving it.
    if (current === null || key > current) await store.setCheckpoint(checkpointKey, key, options.clock());
  }

  async function pollRegion(regionPrefix: string, signal?: AbortSignal): Promise<PollResult> {
    const checkpointKey = s3PollCheckpointKey(bucket, regionPrefix);
    const checkpoint = await store.getCheckpoint(checkpointKey);
    const now = options.clock();
    const checkpointTime =
      checkpoint === null ? null : (fileTimeOfKey(checkpoint) ?? dayOfKey(checkpoint) ?? null);
    const fromMs =
      checkpointTime !== null
        ? checkpointTime - lookbackMs
        : checkpoint !== null
          ? null
          : (options.startAtMs ?? startOfDay(now));
    const result: PollCounts = { ...EMPTY_POLL };
    const firstDay = startOfDay(fromMs ?? now);
    const lastDay = Math.max(startOfDay(now), checkpointTime === null ? 0 : startOfDay(checkpointTime));
    for (let day = firstDay; day <= lastDay; day += DAY_MS) {
      const prefix = `${regionPrefix}${dayFolder(day)}`;
      // A checkpoint whose key has no time (an unusual name) resumes right after itself.
      const startAfter =
        fromMs === null
          ? checkpoint !== null && checkpoint.startsWith(prefix)
            ? checkpoint
            : undefined
          : day === firstDay
            ? fileNameAt(regionPrefix, fromMs)
            : undefined;
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(startAfter === undefined ? {} : { StartAfter: startAfter }),
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key;
          if (key === undefined) continue;
          const name = key.slice(key.lastIndexOf('/') + 1);
          if (isDigestLocation(key) || key.endsWith('/') || !isTakenFileName(name)) continue;
          if (fromMs === null && checkpoint !== null && key <= checkpoint) continue;
          const etag = (object.ETag ?? '').replace(/^"|"$/g, '') || 'unknown';
          let outcome: ObjectOutcome;
          try {
            outcome = await processObject(key, etag);
          } catch (error) {
            log('error', 's3-poll: object failed; the checkpoint stays before it', {
              location: `s3://${bucket}/${key}`,
              error: describeError(error),
            });
            result.fetched += 1;
            result.failed += 1;
            return result;
          }
          if (outcome === 'done') continue;
          result.fetched += 1;
          if (outcome === 'busy') {
            // Another worker holds it: going past it could move the checkpoint over a file that worker may drop.
            result.failed += 1;
            return result;
          }
          if (outcome === 'ingested') result.ingested += 1;
          else result.deadLettered += 1;
          await advance(checkpointKey, key);
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    }
    return result;
  }

  async function poll(signal?: AbortSignal): Promise<PollResult> {
    const prefixes = await regionPrefixes(signal);
    if (prefixes.length === 0) {
      log('warn', 's3-poll: no CloudTrail/REGION/ folders under the prefix yet', {
        url: `s3://${bucket}/${base}`,
      });
    }
    let total: PollResult = EMPTY_POLL;
    for (const prefix of prefixes) {
      if (signal?.aborted === true) break;
      total = addPolls(total, await pollRegion(prefix, signal));
    }
    return total;
  }

  return {
    pollOnce: () => poll(),
    start: (signal) =>
      runPollLoop(signal, {
        name: 's3-poll',
        pollOnce: poll,
        sleep: options.sleep,
        log,
        idleMs: options.intervalMs ?? 60_000,
        errorBackoffMs: options.errorBackoffMs ?? 5000,
        maxErrorBackoffMs: 600_000,
      }),
  };
}
