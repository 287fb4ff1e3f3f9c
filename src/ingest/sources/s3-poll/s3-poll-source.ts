// Live S3 polling of a trail prefix: new CloudTrail objects in key order from a durable checkpoint per account/region.

import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { _Object, S3Client } from '@aws-sdk/client-s3';
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

/** What every step of one source's polls shares: the options, read once, and the discovered folders. */
interface PollContext {
  readonly options: S3PollSourceOptions;
  readonly client: S3Client;
  readonly store: LiveSourceStore;
  readonly bucket: string;
  /** The prefix below the bucket, ending with `/` unless empty. */
  readonly base: string;
  readonly log: LiveLog;
  readonly lookbackMs: number;
  readonly claimLeaseMs: number;
  readonly rediscoverMs: number;
  discovered: { at: number; prefixes: string[] } | null;
}

const abortable = (signal?: AbortSignal) => (signal === undefined ? {} : { abortSignal: signal });

/**
 * Finds the `.../ACCOUNT/CloudTrail/REGION/` folders under the base by skip-scanning: list one key, jump past
 * the whole folder it belongs to, repeat. One request per folder, like a delimiter walk, but it needs only
 * StartAfter (s3rver's delimiter listing misses nested keys) and never descends into digests or other services.
 */
async function discover(ctx: PollContext, signal?: AbortSignal): Promise<string[]> {
  const { base } = ctx;
  if (isRegionPrefix(base)) return [base];
  const found: string[] = [];
  let after: string | undefined;
  for (let hops = 0; hops < 100_000; hops += 1) {
    // Version 1's Marker is StartAfter by another name; one key per request never needs a continuation
    // token, which s3rver cannot mint on Node 20 (its tokens use DES).
    const page = await ctx.client.send(
      new ListObjectsCommand({
        Bucket: ctx.bucket,
        MaxKeys: 1,
        ...(base === '' ? {} : { Prefix: base }),
        ...(after === undefined ? {} : { Marker: after }),
      }),
      abortable(signal),
    );
    const key = page.Contents?.[0]?.Key;
    if (key === undefined) break;
    const folder = folderToSkip(key, base);
    if (folder.region) found.push(folder.prefix);
    after = pastFolder(folder.prefix);
  }
  return found;
}

async function regionPrefixes(ctx: PollContext, signal?: AbortSignal): Promise<string[]> {
  const now = ctx.options.clock();
  if (ctx.discovered === null || now - ctx.discovered.at >= ctx.rediscoverMs) {
    ctx.discovered = { at: now, prefixes: await discover(ctx, signal) };
  }
  return ctx.discovered.prefixes;
}

/** Claims one object in the store, reads it into the sink and marks it done; another worker's claim is `busy`. */
async function processObject(ctx: PollContext, key: string, etag: string): Promise<ObjectOutcome> {
  const { store, options, bucket } = ctx;
  const workKey = `s3://${bucket}/${key}#${etag}`;
  if (await store.isWorkDone(workKey)) return 'done';
  const owned = await store.claimWork({
    key: workKey,
    workerId: options.workerId,
    leaseMs: ctx.claimLeaseMs,
    nowMs: options.clock(),
  });
  if (!owned) return (await store.isWorkDone(workKey)) ? 'done' : 'busy';
  const location = `s3://${bucket}/${key}`;
  let data: Uint8Array;
  try {
    const out = await ctx.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
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

async function advance(ctx: PollContext, checkpointKey: string, key: string): Promise<void> {
  const current = await ctx.store.getCheckpoint(checkpointKey);
  // Never backwards: a late file behind the checkpoint is processed without moving it.
  if (current === null || key > current)
    await ctx.store.setCheckpoint(checkpointKey, key, ctx.options.clock());
}

/** Where one account/region folder's poll reads from: its checkpoint, and the days to list. */
interface RegionWindow {
  readonly regionPrefix: string;
  readonly checkpointKey: string;
  readonly checkpoint: string | null;
  /** Files from this time on (the checkpoint's file time less the look-back), or null: right after the checkpoint. */
  readonly fromMs: number | null;
  readonly firstDay: number;
  readonly lastDay: number;
}

async function regionWindow(ctx: PollContext, regionPrefix: string): Promise<RegionWindow> {
  const checkpointKey = s3PollCheckpointKey(ctx.bucket, regionPrefix);
  const checkpoint = await ctx.store.getCheckpoint(checkpointKey);
  const now = ctx.options.clock();
  const checkpointTime =
    checkpoint === null ? null : (fileTimeOfKey(checkpoint) ?? dayOfKey(checkpoint) ?? null);
  const fromMs =
    checkpointTime !== null
      ? checkpointTime - ctx.lookbackMs
      : checkpoint !== null
        ? null
        : (ctx.options.startAtMs ?? startOfDay(now));
  return {
    regionPrefix,
    checkpointKey,
    checkpoint,
    fromMs,
    firstDay: startOfDay(fromMs ?? now),
    lastDay: Math.max(startOfDay(now), checkpointTime === null ? 0 : startOfDay(checkpointTime)),
  };
}

/** The StartAfter of one day folder's listing. */
function dayStartAfter(window: RegionWindow, day: number, prefix: string): string | undefined {
  const { fromMs, checkpoint } = window;
  // A checkpoint whose key has no time (an unusual name) resumes right after itself.
  if (fromMs === null) return checkpoint !== null && checkpoint.startsWith(prefix) ? checkpoint : undefined;
  return day === window.firstDay ? fileNameAt(window.regionPrefix, fromMs) : undefined;
}

/** The key and etag of a listed object that is a trail file this poll should look at, or null. */
function trailFile(
  window: RegionWindow,
  object: Pick<_Object, 'Key' | 'ETag'>,
): { key: string; etag: string } | null {
  const key = object.Key;
  if (key === undefined) return null;
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (isDigestLocation(key) || key.endsWith('/') || !isTakenFileName(name)) return null;
  if (window.fromMs === null && window.checkpoint !== null && key <= window.checkpoint) return null;
  return { key, etag: (object.ETag ?? '').replace(/^"|"$/g, '') || 'unknown' };
}

/**
 * Takes one listed file and counts it in `result`; false when the poll of this folder must stop before it (it
 * failed, or another worker holds it), so the checkpoint never moves past a file not yet stored.
 */
async function takeFile(
  ctx: PollContext,
  window: RegionWindow,
  file: { key: string; etag: string },
  result: PollCounts,
): Promise<boolean> {
  let outcome: ObjectOutcome;
  try {
    outcome = await processObject(ctx, file.key, file.etag);
  } catch (error) {
    ctx.log('error', 's3-poll: object failed; the checkpoint stays before it', {
      location: `s3://${ctx.bucket}/${file.key}`,
      error: describeError(error),
    });
    result.fetched += 1;
    result.failed += 1;
    return false;
  }
  if (outcome === 'done') return true;
  result.fetched += 1;
  if (outcome === 'busy') {
    // Another worker holds it: going past it could move the checkpoint over a file that worker may drop.
    result.failed += 1;
    return false;
  }
  if (outcome === 'ingested') result.ingested += 1;
  else result.deadLettered += 1;
  await advance(ctx, window.checkpointKey, file.key);
  return true;
}

/** Lists one day folder page by page and takes its files in key order; false when the folder's poll stopped. */
async function pollDay(
  ctx: PollContext,
  window: RegionWindow,
  day: number,
  result: PollCounts,
  signal?: AbortSignal,
): Promise<boolean> {
  const prefix = `${window.regionPrefix}${dayFolder(day)}`;
  const startAfter = dayStartAfter(window, day, prefix);
  let token: string | undefined;
  do {
    const page = await ctx.client.send(
      new ListObjectsV2Command({
        Bucket: ctx.bucket,
        Prefix: prefix,
        ...(startAfter === undefined ? {} : { StartAfter: startAfter }),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
      abortable(signal),
    );
    for (const object of page.Contents ?? []) {
      const file = trailFile(window, object);
      if (file !== null && !(await takeFile(ctx, window, file, result))) return false;
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return true;
}

async function pollRegion(ctx: PollContext, regionPrefix: string, signal?: AbortSignal): Promise<PollResult> {
  const window = await regionWindow(ctx, regionPrefix);
  const result: PollCounts = { ...EMPTY_POLL };
  for (let day = window.firstDay; day <= window.lastDay; day += DAY_MS) {
    if (!(await pollDay(ctx, window, day, result, signal))) break;
  }
  return result;
}

async function poll(ctx: PollContext, signal?: AbortSignal): Promise<PollResult> {
  const prefixes = await regionPrefixes(ctx, signal);
  if (prefixes.length === 0) {
    ctx.log('warn', 's3-poll: no CloudTrail/REGION/ folders under the prefix yet', {
      url: `s3://${ctx.bucket}/${ctx.base}`,
    });
  }
  let total: PollResult = EMPTY_POLL;
  for (const prefix of prefixes) {
    if (signal?.aborted === true) break;
    total = addPolls(total, await pollRegion(ctx, prefix, signal));
  }
  return total;
}

export function createS3PollSource(options: S3PollSourceOptions): LiveSource {
  const where = parseS3Url(options.url);
  if (where === undefined) {
    throw new Error(
      `S3 polling needs s3://bucket/prefix with a valid bucket name, got ${JSON.stringify(options.url.slice(0, 120))}`,
    );
  }
  const ctx: PollContext = {
    options,
    client: options.client,
    store: options.store,
    bucket: where.bucket,
    base: where.prefix === '' || where.prefix.endsWith('/') ? where.prefix : `${where.prefix}/`,
    log: options.log ?? noLog,
    lookbackMs: options.lookbackMs ?? 15 * 60_000,
    claimLeaseMs: options.claimLeaseMs ?? 15 * 60_000,
    rediscoverMs: options.rediscoverMs ?? 15 * 60_000,
    discovered: null,
  };
  return {
    pollOnce: () => poll(ctx),
    start: (signal) =>
      runPollLoop(signal, {
        name: 's3-poll',
        pollOnce: (pollSignal) => poll(ctx, pollSignal),
        sleep: options.sleep,
        log: ctx.log,
        idleMs: options.intervalMs ?? 60_000,
        errorBackoffMs: options.errorBackoffMs ?? 5000,
        maxErrorBackoffMs: 600_000,
      }),
  };
}
