// Writes a deterministic CloudTrail archive in the S3 delivery layout, with digests, a duplicate delivery and a ground-truth file.

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { UsageError } from '../model/index.ts';
import { Prng } from './prng.ts';
import { NOISE_KINDS, iso } from './records.ts';
import { SessionCache } from './records.ts';
import type { NoiseKind, Rec } from './records.ts';
import {
  ALERT_INTENTS,
  baselineSignIns,
  benignMfaEvent,
  buildScenarios,
  phoneSwap,
  rotationCandidates,
} from './scenarios.ts';
import type { AlertIntent, Planted, Scenario } from './scenarios.ts';
import { buildWorld } from './world.ts';
import type { SimAccount, World } from './world.ts';

const gzipAsync = promisify(gzipCallback);

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const GLOBAL_REGION = 'us-east-1';
const TRAIL_NAME = 'management-and-data';

/** Changes whenever the same options would give different bytes, so cached archives (bench) are regenerated. */
export const GENERATOR_ID = 'mfaguard generate 3';

export interface GenerateOptions {
  readonly outDir: string;
  readonly seed: number;
  /** Total unique records (noise + MFA share + scenarios). */
  readonly events: number;
  /** A count of accounts to invent (default 2) or their 12-digit ids. */
  readonly accounts?: number | readonly string[];
  /** Default `['us-east-1', 'eu-west-1']`. IAM and sign-in events always land in us-east-1, as in AWS. */
  readonly regions?: readonly string[];
  /** ISO date or date-time (UTC) where the archive starts. */
  readonly start: string;
  readonly days: number;
  /** Share of records that are MFA-relevant background (sign-ins with MFA, ListMFADevices, routine rotations). Default 0.001. */
  readonly mfaShare?: number;
  /** Plant the scenario stories (default true). */
  readonly scenarios?: boolean;
  /**
   * Minutes between deliveries per account and region (default 5, as CloudTrail does). A small sample
   * compresses far better with fewer, larger files; must divide a day.
   */
  readonly deliveryMinutes?: number;
  /** Largest number of records in one delivery file (default 1000). */
  readonly recordsPerFile?: number;
  /** Gzip the log files, as S3 delivery does (default true). */
  readonly gzip?: boolean;
  /** zlib level 1–9 (default 6). */
  readonly gzipLevel?: number;
  /** Called after each delivery file is queued. */
  readonly onProgress?: (progress: { readonly files: number; readonly records: number }) => void;
}

export interface DuplicateDelivery {
  readonly original: string;
  readonly copy: string;
  readonly records: number;
}

export interface ScenarioTruth extends Omit<Scenario, 'events' | 'duplicatedIn'> {
  readonly events: readonly {
    readonly id: string;
    readonly name: string;
    readonly time: string;
    readonly file: string;
  }[];
}

export interface GroundTruth {
  readonly generator: string;
  readonly formatVersion: 1;
  readonly options: {
    readonly seed: number;
    readonly events: number;
    readonly accounts: readonly string[];
    readonly regions: readonly string[];
    readonly start: string;
    readonly days: number;
    readonly mfaShare: number;
    readonly scenarios: boolean;
    readonly deliveryMinutes: number;
    readonly recordsPerFile: number;
    readonly gzip: boolean;
    readonly gzipLevel: number;
  };
  readonly organizationId: string;
  readonly accounts: readonly { readonly id: string; readonly alias: string }[];
  readonly records: {
    /** Distinct eventIDs written. */
    readonly unique: number;
    /** Records in all log files, duplicates included. */
    readonly written: number;
    /** Records that repeat an eventID already delivered (the organisation-trail copy). */
    readonly duplicates: number;
  };
  readonly files: { readonly logs: number; readonly digests: number; readonly duplicateDeliveries: number };
  readonly bytes: {
    /** Uncompressed JSON of all log files (digests excluded). */
    readonly uncompressed: number;
    /** Bytes on disk of all log files (digests excluded). */
    readonly written: number;
  };
  /** MFA-relevant background: benign events, routine rotations, and morning sign-ins of the story people. */
  readonly mfaBackground: {
    readonly benignEvents: number;
    readonly rotations: number;
    readonly baselineSignIns: number;
  };
  /** Records per eventName (unique records; duplicates not counted). */
  readonly eventsByName: Readonly<Record<string, number>>;
  readonly expectedAlerts: {
    readonly total: number;
    readonly byIntent: Readonly<Record<AlertIntent, number>>;
  };
  readonly duplicateDeliveries: readonly DuplicateDelivery[];
  readonly digests: readonly string[];
  readonly scenarios: readonly ScenarioTruth[];
}

interface Stream {
  readonly account: string;
  readonly region: string;
  /** Share of the noise this stream gets, relative to the others. */
  readonly weight: number;
  readonly kinds: readonly NoiseKind[];
  readonly cumulative: readonly number[];
}

interface NormalisedOptions {
  readonly outDir: string;
  readonly seed: number;
  readonly events: number;
  readonly accountSpec: number | readonly string[];
  readonly regions: readonly string[];
  readonly startMs: number;
  readonly days: number;
  readonly mfaShare: number;
  readonly scenarios: boolean;
  readonly deliveryMinutes: number;
  readonly recordsPerFile: number;
  readonly gzip: boolean;
  readonly gzipLevel: number;
}

function normalise(options: GenerateOptions): NormalisedOptions {
  const problems: string[] = [];
  const int = (name: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
    }
  };
  int('events', options.events, 1, 1_000_000_000);
  int('seed', options.seed, 0, 0xffffffff);
  int('days', options.days, 1, 3660);
  int('recordsPerFile', options.recordsPerFile ?? 1000, 1, 100_000);
  int('gzipLevel', options.gzipLevel ?? 6, 1, 9);
  const deliveryMinutes = options.deliveryMinutes ?? 5;
  int('deliveryMinutes', deliveryMinutes, 1, 1440);
  if (1440 % deliveryMinutes !== 0)
    problems.push(`deliveryMinutes must divide a day (1440), got ${deliveryMinutes}`);
  const startMs = Date.parse(
    /^\d{4}-\d{2}-\d{2}$/.test(options.start) ? `${options.start}T00:00:00Z` : options.start,
  );
  if (!/^\d{4}-\d{2}-\d{2}/.test(options.start) || Number.isNaN(startMs)) {
    problems.push(`start must be an ISO date such as 2024-03-01, got "${options.start}"`);
  }
  const mfaShare = options.mfaShare ?? 0.001;
  if (!(mfaShare >= 0 && mfaShare <= 0.5))
    problems.push(`mfaShare must be between 0 and 0.5, got ${String(mfaShare)}`);
  const accountSpec = options.accounts ?? 2;
  if (typeof accountSpec === 'number') int('accounts', accountSpec, 1, 100);
  else {
    if (accountSpec.length === 0) problems.push('accounts must not be empty');
    for (const id of accountSpec)
      if (!/^\d{12}$/.test(id)) problems.push(`account id must be 12 digits, got "${id}"`);
  }
  const regions = options.regions ?? ['us-east-1', 'eu-west-1'];
  if (regions.length === 0) problems.push('regions must not be empty');
  for (const r of regions)
    if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(r)) problems.push(`region "${r}" is not an AWS region name`);
  if (problems.length > 0) throw new UsageError(`generate: ${problems.join('; ')}`);
  return {
    outDir: options.outDir,
    seed: options.seed,
    events: options.events,
    accountSpec,
    regions: [...new Set(regions)],
    startMs,
    days: options.days,
    mfaShare,
    scenarios: options.scenarios ?? true,
    deliveryMinutes,
    recordsPerFile: options.recordsPerFile ?? 1000,
    gzip: options.gzip ?? true,
    gzipLevel: options.gzipLevel ?? 6,
  };
}

/** `20240301T1005Z`, the timestamp in a delivery file's name. */
function fileStamp(t: number): string {
  const s = new Date(t).toISOString();
  return `${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)}T${s.slice(11, 13)}${s.slice(14, 16)}Z`;
}

function datePath(t: number): string {
  const s = new Date(t).toISOString();
  return `${s.slice(0, 4)}/${s.slice(5, 7)}/${s.slice(8, 10)}`;
}

/** Activity over a day and a week: busy in office hours, quiet at night and at weekends. */
function timeWeight(t: number): number {
  const d = new Date(t);
  const h = d.getUTCHours();
  const day = h >= 8 && h < 18 ? 1 : (h >= 6 && h < 8) || (h >= 18 && h < 22) ? 0.55 : 0.3;
  const dow = d.getUTCDay();
  return dow === 0 || dow === 6 ? day * 0.5 : day;
}

/** Background time for a person: mostly office hours on weekdays. */
function officeTime(rng: Prng, startMs: number, days: number): number {
  const candidates: number[] = [];
  for (let d = 0; d < days; d++) {
    const dow = new Date(startMs + d * DAY).getUTCDay();
    if (dow >= 1 && dow <= 5) candidates.push(d);
  }
  const d = candidates.length > 0 ? rng.pick(candidates) : rng.int(days);
  return startMs + d * DAY + rng.between(9, 16) * HOUR + rng.int(60) * MINUTE + rng.int(60) * 1000;
}

class Writer {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly dirs = new Set<string>();
  bytesWritten = 0;
  readonly hashes = new Map<string, string>();

  constructor(
    private readonly outDir: string,
    private readonly gzip: boolean,
    private readonly level: number,
  ) {}

  /** Queues a file; waits only when too many are being compressed, so memory stays bounded. */
  async emit(relPath: string, content: string, compress = this.gzip, hash = false): Promise<void> {
    const full = join(this.outDir, relPath);
    const dir = dirname(full);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const job = (async () => {
      const raw = Buffer.from(content, 'utf8');
      const bytes = compress ? await gzipAsync(raw, { level: this.level }) : raw;
      if (hash) this.hashes.set(relPath, createHash('sha256').update(bytes).digest('hex'));
      this.bytesWritten += bytes.length;
      await writeFile(full, bytes);
    })();
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job)).catch(() => undefined);
    if (this.inFlight.size >= 8) await Promise.race(this.inFlight);
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}

/** The planted records (scenario stories, then the MFA-relevant background) and what they amount to. */
interface PlantedSet {
  readonly planted: Planted[];
  readonly scenarios: Scenario[];
  readonly rotations: number;
  readonly baseline: number;
  readonly benign: number;
}

function plantRecords(o: NormalisedOptions, world: World, storyRng: Prng): PlantedSet {
  const planted: Planted[] = [];
  const scenarios: Scenario[] = [];
  if (o.scenarios) {
    const built = buildScenarios(storyRng, world, o.startMs, o.days);
    scenarios.push(...built.scenarios);
    planted.push(...built.planted);
  }
  const mfaTotal = Math.round(o.events * o.mfaShare);
  // About one MFA-relevant background event in 40 belongs to a routine phone swap (4 records each).
  const rotations = Math.floor(mfaTotal / 40);
  for (let i = 0; i < rotations; i++) {
    const account = storyRng.pick(world.accounts);
    const u = storyRng.pick(rotationCandidates(account));
    const story = phoneSwap(
      storyRng,
      account,
      u,
      officeTime(storyRng, o.startMs, o.days),
      `routine-rotation-${i + 1}`,
      'routine-rotation',
    );
    scenarios.push(story.scenario);
    planted.push(...story.planted);
  }
  let baseline = 0;
  if (o.scenarios || rotations > 0) {
    for (const account of world.accounts) {
      const signIns = baselineSignIns(storyRng, account, o.startMs, o.days);
      baseline += signIns.length;
      planted.push(...signIns);
    }
  }
  const benign = Math.max(0, mfaTotal - rotations * 4);
  for (let i = 0; i < benign; i++) {
    const account = storyRng.pick(world.accounts);
    planted.push(benignMfaEvent(storyRng, account, officeTime(storyRng, o.startMs, o.days)));
  }
  return { planted, scenarios, rotations, baseline, benign };
}

/** The planted records must fit in the archive's days, and leave room for noise: the noise count, or a usage error. */
function noiseCount(o: NormalisedOptions, planted: readonly Planted[]): number {
  const endMs = o.startMs + o.days * DAY;
  for (const p of planted) {
    if (p.t < o.startMs || p.t >= endMs)
      throw new UsageError(`generate: days ${o.days} is too short for the scenarios; use at least 1 day`);
  }
  const noise = o.events - planted.length;
  if (noise < 0) {
    throw new UsageError(
      `generate: events ${o.events} is too small: the scenarios and MFA share alone need ${planted.length} records (raise the event count or turn the scenarios off)`,
    );
  }
  return noise;
}

function cumulativeOf(kinds: readonly NoiseKind[]): number[] {
  let sum = 0;
  return kinds.map((k) => (sum += k.weight));
}

/** The delivery streams and the planted records by `slot:stream`. */
interface StreamLayout {
  readonly streams: Stream[];
  readonly plantedBySlot: Map<string, Planted[]>;
}

/** Streams: every account in every region; a stream of its own (no noise) wherever a planted record lands elsewhere. */
function layStreams(
  o: NormalisedOptions,
  world: World,
  planted: readonly Planted[],
  slotMs: number,
): StreamLayout {
  const regional = NOISE_KINDS.filter((k) => !k.globalOnly);
  const streams: Stream[] = [];
  for (const account of world.accounts) {
    o.regions.forEach((region, i) => {
      const kinds = region === GLOBAL_REGION ? NOISE_KINDS : regional;
      streams.push({
        account: account.id,
        region,
        weight: i === 0 ? 1 : 0.6,
        kinds,
        cumulative: cumulativeOf(kinds),
      });
    });
  }
  const streamIndex = new Map(streams.map((s, i) => [`${s.account}/${s.region}`, i]));
  const plantedBySlot = new Map<string, Planted[]>();
  for (const p of planted) {
    const key = `${p.account}/${p.region}`;
    let si = streamIndex.get(key);
    if (si === undefined) {
      si = streams.length;
      streams.push({
        account: p.account,
        region: p.region,
        weight: 0,
        kinds: NOISE_KINDS,
        cumulative: cumulativeOf(NOISE_KINDS),
      });
      streamIndex.set(key, si);
    }
    const slot = Math.floor((p.t - o.startMs) / slotMs);
    const cell = `${slot}:${si}`;
    const list = plantedBySlot.get(cell);
    if (list === undefined) plantedBySlot.set(cell, [p]);
    else list.push(p);
  }
  return { streams, plantedBySlot };
}

/** Noise weight per (slot, stream): time of day and week, the stream's share, a little jitter. */
function noiseWeights(
  o: NormalisedOptions,
  streams: readonly Stream[],
  slots: number,
  slotMs: number,
  noiseRng: Prng,
): { weights: Float64Array; totalWeight: number } {
  const weights = new Float64Array(slots * streams.length);
  let totalWeight = 0;
  for (let slot = 0; slot < slots; slot++) {
    const tw = timeWeight(o.startMs + slot * slotMs);
    for (let si = 0; si < streams.length; si++) {
      const w = tw * (streams[si]?.weight ?? 0) * (0.75 + 0.5 * noiseRng.next());
      weights[slot * streams.length + si] = w;
      totalWeight += w;
    }
  }
  return { weights, totalWeight };
}

/** What the log files held, gathered as they are written, for the ground truth and the digests. */
class LogTally {
  files = 0;
  records = 0;
  uncompressed = 0;
  readonly eventsByName = new Map<string, number>();
  readonly fileOfEvent = new Map<string, string>();
  readonly duplicateDeliveries: DuplicateDelivery[] = [];
  readonly digestSources = new Map<string, { path: string; oldest: string; newest: string }[]>();

  count(content: string, records: number): void {
    this.files += 1;
    this.records += records;
    this.uncompressed += Buffer.byteLength(content);
  }
}

/** Everything writing the log files reads and does not change. */
interface LogPlan {
  readonly o: NormalisedOptions;
  readonly world: World;
  readonly accountById: ReadonlyMap<string, SimAccount>;
  readonly noiseRng: Prng;
  readonly sessions: SessionCache;
  readonly writer: Writer;
  readonly ext: string;
  readonly plantedIds: ReadonlySet<string>;
  readonly duplicateOf: string | undefined;
  readonly digestAccounts: ReadonlySet<string>;
}

/** One slot of one stream: its noise records (times drawn, then kinds) and its planted ones, in time order. */
function slotItems(
  plan: LogPlan,
  stream: Stream,
  account: SimAccount,
  slotStart: number,
  slotMs: number,
  n: number,
  plantedHere: readonly Planted[],
): { t: number; record: Rec }[] {
  const { noiseRng, sessions, world } = plan;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = slotStart + noiseRng.int(slotMs / 1000) * 1000;
  times.sort();
  const items: { t: number; record: Rec }[] = [];
  for (let i = 0; i < n; i++) {
    const t = times[i] ?? slotStart;
    const kind = noiseRng.weighted(stream.kinds, stream.cumulative);
    items.push({
      t,
      record: kind.build({ rng: noiseRng, account, region: stream.region, t, sessions, world }),
    });
  }
  for (const p of plantedHere) items.push({ t: p.t, record: p.record });
  if (plantedHere.length > 0) items.sort((a, b) => a.t - b.t);
  return items;
}

/** Writes one slot's records as delivery files of at most `recordsPerFile` (and the organisation trail's copy). */
async function writeDeliveries(
  plan: LogPlan,
  tally: LogTally,
  stream: Stream,
  items: readonly { t: number; record: Rec }[],
  slotStart: number,
  deliveredAt: number,
  onProgress: GenerateOptions['onProgress'],
): Promise<void> {
  const { o, noiseRng, writer, ext } = plan;
  for (let from = 0; from < items.length; from += o.recordsPerFile) {
    const chunk = items.slice(from, from + o.recordsPerFile);
    const name = `${stream.account}_CloudTrail_${stream.region}_${fileStamp(deliveredAt)}_${noiseRng.alnum(16)}${ext}`;
    const relPath = `AWSLogs/${stream.account}/CloudTrail/${stream.region}/${datePath(deliveredAt)}/${name}`;
    const parts: string[] = [];
    let hasDuplicateTarget = false;
    for (const item of chunk) {
      parts.push(JSON.stringify(item.record));
      const eventName = item.record['eventName'] as string;
      tally.eventsByName.set(eventName, (tally.eventsByName.get(eventName) ?? 0) + 1);
      const id = item.record['eventID'] as string;
      if (plan.plantedIds.has(id)) tally.fileOfEvent.set(id, relPath);
      if (id === plan.duplicateOf) hasDuplicateTarget = true;
    }
    const content = `{"Records":[${parts.join(',')}]}`;
    const wantHash =
      plan.digestAccounts.has(stream.account) &&
      stream.region === GLOBAL_REGION &&
      slotStart < o.startMs + HOUR;
    if (wantHash) {
      const list = tally.digestSources.get(stream.account) ?? [];
      list.push({
        path: relPath,
        oldest: iso(chunk[0]?.t ?? slotStart),
        newest: iso(chunk[chunk.length - 1]?.t ?? slotStart),
      });
      tally.digestSources.set(stream.account, list);
    }
    await writer.emit(relPath, content, o.gzip, wantHash);
    tally.count(content, chunk.length);
    if (hasDuplicateTarget) {
      // The organisation trail delivers the same records under the organisation id, in a file of its own.
      const copyName = `${stream.account}_CloudTrail_${stream.region}_${fileStamp(deliveredAt + MINUTE)}_${noiseRng.alnum(16)}${ext}`;
      const copyPath = `AWSLogs/${plan.world.orgId}/${stream.account}/CloudTrail/${stream.region}/${datePath(deliveredAt + MINUTE)}/${copyName}`;
      await writer.emit(copyPath, content);
      tally.count(content, chunk.length);
      tally.duplicateDeliveries.push({ original: relPath, copy: copyPath, records: chunk.length });
    }
    onProgress?.({ files: tally.files, records: tally.records });
  }
}

/** Every slot of every stream, in order: the noise shared out by exact cumulative rounding, then written. */
async function writeLogs(
  plan: LogPlan,
  layout: StreamLayout,
  noise: number,
  onProgress: GenerateOptions['onProgress'],
): Promise<LogTally> {
  const { o } = plan;
  const { streams, plantedBySlot } = layout;
  const slotMs = o.deliveryMinutes * MINUTE;
  const slots = o.days * (DAY / slotMs);
  const { weights, totalWeight } = noiseWeights(o, streams, slots, slotMs, plan.noiseRng);
  const tally = new LogTally();
  let cumWeight = 0;
  let allocated = 0;
  for (let slot = 0; slot < slots; slot++) {
    const slotStart = o.startMs + slot * slotMs;
    for (let si = 0; si < streams.length; si++) {
      const stream = streams[si];
      if (stream === undefined) continue;
      cumWeight += weights[slot * streams.length + si] ?? 0;
      const upTo = totalWeight > 0 ? Math.round((noise * cumWeight) / totalWeight) : 0;
      const n = upTo - allocated;
      allocated = upTo;
      const plantedHere = plantedBySlot.get(`${slot}:${si}`) ?? [];
      if (n === 0 && plantedHere.length === 0) continue;
      const account = plan.accountById.get(stream.account);
      if (account === undefined) continue;
      const items = slotItems(plan, stream, account, slotStart, slotMs, n, plantedHere);
      await writeDeliveries(plan, tally, stream, items, slotStart, slotStart + slotMs, onProgress);
    }
  }
  await plan.writer.flush();
  return tally;
}

/** Digest files (always gzipped, as AWS writes them) for the first hour: the scanner must recognise and skip them. */
async function writeDigests(plan: LogPlan, tally: LogTally): Promise<string[]> {
  const { o, writer } = plan;
  const digests: string[] = [];
  for (const [accountId, sources] of [...tally.digestSources].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const endOfHour = o.startMs + HOUR;
    const stamp = new Date(endOfHour).toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';
    const relPath = `AWSLogs/${accountId}/CloudTrail-Digest/${GLOBAL_REGION}/${datePath(endOfHour)}/${accountId}_CloudTrail-Digest_${GLOBAL_REGION}_${TRAIL_NAME}_${GLOBAL_REGION}_${stamp}.json.gz`;
    const digest = {
      awsAccountId: accountId,
      digestStartTime: iso(o.startMs),
      digestEndTime: iso(endOfHour),
      digestS3Bucket: `aws-cloudtrail-logs-${accountId}-${TRAIL_NAME}`,
      digestS3Object: relPath,
      digestPublicKeyFingerprint: plan.noiseRng.hex(32),
      digestSignatureAlgorithm: 'SHA256withRSA',
      newestEventTime: sources[sources.length - 1]?.newest ?? null,
      oldestEventTime: sources[0]?.oldest ?? null,
      previousDigestS3Bucket: null,
      previousDigestS3Object: null,
      previousDigestHashValue: null,
      previousDigestHashAlgorithm: null,
      previousDigestSignature: null,
      logFiles: sources.map((s) => ({
        s3Bucket: `aws-cloudtrail-logs-${accountId}-${TRAIL_NAME}`,
        s3Object: s.path,
        hashValue: writer.hashes.get(s.path) ?? null,
        hashAlgorithm: 'SHA-256',
        newestEventTime: s.newest,
        oldestEventTime: s.oldest,
      })),
    };
    await writer.emit(relPath, JSON.stringify(digest), true);
    digests.push(relPath);
  }
  await writer.flush();
  return digests;
}

function groundTruth(
  o: NormalisedOptions,
  world: World,
  accountIds: readonly string[],
  set: PlantedSet,
  tally: LogTally,
  written: { logBytes: number; digests: readonly string[] },
): GroundTruth {
  const byIntent = Object.fromEntries(ALERT_INTENTS.map((i) => [i, 0])) as Record<AlertIntent, number>;
  for (const s of set.scenarios) for (const e of s.expect) byIntent[e.intent] += 1;
  const duplicatesCount = tally.duplicateDeliveries.reduce((sum, d) => sum + d.records, 0);
  return {
    generator: GENERATOR_ID,
    formatVersion: 1,
    options: {
      seed: o.seed,
      events: o.events,
      accounts: accountIds,
      regions: o.regions,
      start: iso(o.startMs),
      days: o.days,
      mfaShare: o.mfaShare,
      scenarios: o.scenarios,
      deliveryMinutes: o.deliveryMinutes,
      recordsPerFile: o.recordsPerFile,
      gzip: o.gzip,
      gzipLevel: o.gzipLevel,
    },
    organizationId: world.orgId,
    accounts: world.accounts.map((a) => ({ id: a.id, alias: a.alias })),
    records: {
      unique: tally.records - duplicatesCount,
      written: tally.records,
      duplicates: duplicatesCount,
    },
    files: {
      logs: tally.files,
      digests: written.digests.length,
      duplicateDeliveries: tally.duplicateDeliveries.length,
    },
    bytes: { uncompressed: tally.uncompressed, written: written.logBytes },
    mfaBackground: { benignEvents: set.benign, rotations: set.rotations, baselineSignIns: set.baseline },
    eventsByName: Object.fromEntries(
      [...tally.eventsByName].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    ),
    expectedAlerts: { total: Object.values(byIntent).reduce((a, b) => a + b, 0), byIntent },
    duplicateDeliveries: tally.duplicateDeliveries,
    digests: written.digests,
    scenarios: set.scenarios.map((s) => ({
      id: s.id,
      kind: s.kind,
      description: s.description,
      account: s.account,
      actor: s.actor,
      targets: s.targets,
      events: s.events.map((e) => ({ ...e, file: tally.fileOfEvent.get(e.id) ?? '' })),
      expect: s.expect,
      ...(s.triage === undefined ? {} : { triage: s.triage }),
    })),
  };
}

/**
 * Generates the archive and returns its ground truth (also written to `outDir/ground-truth.json`).
 * The same options give the same bytes: every random choice comes from the seed, and nothing reads the clock.
 */
export async function generateArchive(options: GenerateOptions): Promise<GroundTruth> {
  const o = normalise(options);
  // Separate streams, so the world and the stories stay the same when only the event count changes.
  const worldRng = new Prng(o.seed);
  const storyRng = new Prng((o.seed ^ 0x5bd1e995) >>> 0);
  const noiseRng = new Prng((o.seed + 0x7f4a7c15) >>> 0);

  const accountIds =
    typeof o.accountSpec === 'number'
      ? Array.from({ length: o.accountSpec }, () => worldRng.digits(12))
      : [...o.accountSpec];
  const world = buildWorld(worldRng, accountIds);
  const set = plantRecords(o, world, storyRng);
  const noise = noiseCount(o, set.planted);
  const layout = layStreams(o, world, set.planted, o.deliveryMinutes * MINUTE);
  const plan: LogPlan = {
    o,
    world,
    accountById: new Map(world.accounts.map((a) => [a.id, a])),
    noiseRng,
    sessions: new SessionCache(),
    writer: new Writer(o.outDir, o.gzip, o.gzipLevel),
    ext: o.gzip ? '.json.gz' : '.json',
    plantedIds: new Set(set.planted.map((p) => p.record['eventID'] as string)),
    duplicateOf: set.scenarios.find((s) => s.kind === 'root-console-login')?.events[0]?.id,
    digestAccounts: new Set(world.accounts.slice(0, 2).map((a) => a.id)),
  };
  const tally = await writeLogs(plan, layout, noise, options.onProgress);
  const logBytes = plan.writer.bytesWritten;
  const digests = await writeDigests(plan, tally);
  const truth = groundTruth(o, world, accountIds, set, tally, { logBytes, digests });
  mkdirSync(o.outDir, { recursive: true });
  await writeFile(join(o.outDir, 'ground-truth.json'), JSON.stringify(truth, null, 2) + '\n');
  return truth;
}
