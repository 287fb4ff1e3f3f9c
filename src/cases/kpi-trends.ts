// KPI trends of the service per day, week or month: removals by outcome, MTTD, MTTR, denials, exposure and posture.

import type { Classification, Severity } from '../model/index.ts';
import { CLASSIFICATIONS, SEVERITIES, UsageError } from '../model/index.ts';
import type {
  CaseFact,
  DurationStats,
  KpiFacts,
  PostureSnapshotSummary,
  RemovalFact,
} from '../store/index.ts';
import { AUTO_RESOLUTIONS } from '../store/index.ts';
import { percentile } from './kpi.ts';
import { mfaDenials } from './mfa-denials.ts';
import type { MfaDenialKind } from './mfa-denials.ts';

export const TREND_BUCKETS = ['day', 'week', 'month'] as const;
export type TrendBucket = (typeof TREND_BUCKETS)[number];

/** More points than this make an unreadable chart and a slow answer: ask for a wider bucket instead. */
export const MAX_TREND_BUCKETS = 750;

// One posture snapshot as the store summarises it (an audit, or the posture as events left it).
export type { PostureSnapshotSummary };

/** The case kind of a user given console access without MFA (issue 15's "compliant from day one" guardrail). */
export const PROVISIONED_WITHOUT_MFA_KIND = 'provisioned-without-mfa';

export type RemovalOutcome = 'legitimate' | 'unauthorized' | 'unexplained';

export interface RemovalCounts {
  readonly total: number;
  readonly legitimate: number;
  readonly unauthorized: number;
  readonly unexplained: number;
  readonly byClassification: Readonly<Record<Classification | 'unclassified', number>>;
}

export interface DenialCounts {
  /** Denied requests made from a session without MFA. */
  readonly noMfaSession: number;
  /** Explicit denies by an MFA-enforcing policy (counted here even when the session also lacked MFA). */
  readonly mfaPolicy: number;
  readonly total: number;
}

export interface PostureFigures {
  readonly accounts: number;
  readonly consoleUsers: number;
  /** 0–100, one decimal; null without console users. */
  readonly withMfaPercent: number | null;
  readonly enforcedPercent: number | null;
  /** Mean over the accounts that have a score. */
  readonly cisScore: number | null;
}

/** A bucket's posture, and whether events since an audit changed the state it shows (not only audits). */
export interface TrendPosture extends PostureFigures {
  /** Some account's state in effect at the bucket's end was updated by CloudTrail events after its audit. */
  readonly eventUpdated: boolean;
}

export interface TrendPoint {
  /** Start of the bucket, ISO 8601 (UTC). */
  readonly start: string;
  /** `YYYY-MM-DD` (day, and the Monday of a week) or `YYYY-MM`. */
  readonly label: string;
  /** By the removal's event time. */
  readonly removals: RemovalCounts;
  /** Detection − event time, over removals whose event is in the bucket. */
  readonly mttd: DurationStats;
  /** Remediation − detection, over removals remediated in the bucket (see `removalRemediatedAt`). */
  readonly mttr: DurationStats;
  /** Removals whose case closed itself (rotation, approved...) in the bucket: no remediation to time. */
  readonly autoResolved: number;
  readonly denials: DenialCounts;
  /**
   * The latest snapshot of each account taken before the bucket's end (carried forward from earlier buckets and from
   * before the window), added up; null while no account has a snapshot yet.
   */
  readonly posture: TrendPosture | null;
}

export interface WindowBin {
  readonly label: string;
  readonly fromSeconds: number;
  /** Exclusive; null: no upper bound. */
  readonly toSeconds: number | null;
  readonly count: number;
}

export interface PosturePoint extends PostureFigures {
  readonly takenAt: string;
  readonly accountId: string;
  readonly source: 'audit' | 'events';
}

export interface KpiTrends {
  readonly from: string;
  readonly to: string;
  readonly bucket: TrendBucket;
  readonly points: TrendPoint[];
  /** Console access without MFA → MFA enabled, per bucket of resolution; empty when no such case exists. */
  readonly provisionedMttr: (DurationStats & { readonly start: string; readonly label: string })[];
  /** Over removals whose event is in the window. */
  readonly vulnerabilityWindow: {
    readonly count: number;
    readonly medianSeconds: number | null;
    readonly p90Seconds: number | null;
    readonly maxSeconds: number | null;
    /** Removals in the window whose MFA is still off and whose case is not resolved. */
    readonly stillExposed: number;
    readonly histogram: WindowBin[];
  };
  /** Current figure (not windowed): cases not resolved, by severity. */
  readonly openCasesBySeverity: Readonly<Record<Severity, number>>;
  /** Every snapshot in the window, oldest first. */
  readonly posture: PosturePoint[];
  readonly totals: {
    readonly removals: RemovalCounts;
    readonly mttd: DurationStats;
    readonly mttr: DurationStats;
    readonly autoResolved: number;
    readonly denials: DenialCounts;
  };
  /** The denial figures were computed from a cut list of events: they are a lower bound. */
  readonly denialsTruncated: boolean;
}

export interface KpiTrendsQuery {
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucket: TrendBucket;
}

const DAY_MS = 86_400_000;

// Buckets ----------------------------------------------------------------------------------------

/** The UTC start of the day, ISO week (Monday) or month holding `ms`. */
export function bucketStart(ms: number, bucket: TrendBucket): number {
  const d = new Date(ms);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  switch (bucket) {
    case 'day':
      return Date.UTC(y, m, day);
    case 'week':
      return Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7));
    case 'month':
      return Date.UTC(y, m, 1);
  }
}

function nextBucketStart(start: number, bucket: TrendBucket): number {
  if (bucket === 'day') return start + DAY_MS;
  if (bucket === 'week') return start + 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Bucket starts covering [fromMs, toMs); the first may begin before fromMs (a partial bucket). */
export function bucketStarts(fromMs: number, toMs: number, bucket: TrendBucket): number[] {
  const starts: number[] = [];
  for (let start = bucketStart(fromMs, bucket); start < toMs; start = nextBucketStart(start, bucket)) {
    starts.push(start);
    if (starts.length > MAX_TREND_BUCKETS) break;
  }
  return starts;
}

function bucketLabel(start: number, bucket: TrendBucket): string {
  const iso = new Date(start).toISOString();
  return bucket === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

// Small figures ----------------------------------------------------------------------------------

export function durationStats(values: readonly number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, avgMs: null, p50Ms: null, p90Ms: null };
  return {
    count: sorted.length,
    avgMs: Math.round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
  };
}

const share = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 10;

const isAutoResolution = (resolution: string | null): boolean =>
  resolution !== null && (AUTO_RESOLUTIONS as readonly string[]).includes(resolution);

// Removals ---------------------------------------------------------------------------------------

/**
 * legitimate: rotation, approved, verified, or a case that closed itself (an admin reset re-enrolled);
 * unauthorized: unauthorized or suspicious (takeover signals, or the owner said "not me");
 * unexplained: the rest — admin resets still pending, unresolved, not yet classified.
 */
export function removalOutcome(classification: string | null, resolution: string | null): RemovalOutcome {
  if (classification === 'unauthorized' || classification === 'suspicious') return 'unauthorized';
  if (
    classification === 'rotation' ||
    classification === 'approved' ||
    classification === 'verified' ||
    isAutoResolution(resolution)
  )
    return 'legitimate';
  return 'unexplained';
}

/**
 * When a removal was remediated, or null if it was not (yet) or needed no remediation (its case closed itself).
 * Unauthorized ones are remediated by whichever came first: the owner's re-enrolment, containment (a response action
 * applied) or the case's resolution by a person. The others by their case's resolution.
 */
export function removalRemediatedAt(removal: RemovalFact): number | null {
  if (isAutoResolution(removal.caseResolution)) return null;
  if (removalOutcome(removal.classification, removal.caseResolution) !== 'unauthorized')
    return removal.caseResolvedAt;
  const reenrolledAt =
    removal.vulnerabilityWindowSeconds === null
      ? null
      : removal.eventTimeMs + removal.vulnerabilityWindowSeconds * 1000;
  const ends = [reenrolledAt, removal.containedAt, removal.caseResolvedAt].filter(
    (value): value is number => value !== null,
  );
  return ends.length === 0 ? null : Math.min(...ends);
}

function emptyRemovalCounts(): Record<Classification | 'unclassified', number> {
  return Object.fromEntries([...CLASSIFICATIONS, 'unclassified'].map((name) => [name, 0])) as Record<
    Classification | 'unclassified',
    number
  >;
}

function countRemovals(removals: readonly RemovalFact[]): RemovalCounts {
  const byClassification = emptyRemovalCounts();
  const outcomes: Record<RemovalOutcome, number> = { legitimate: 0, unauthorized: 0, unexplained: 0 };
  for (const removal of removals) {
    const known = (CLASSIFICATIONS as readonly (string | null)[]).includes(removal.classification);
    byClassification[known ? (removal.classification as Classification) : 'unclassified']++;
    outcomes[removalOutcome(removal.classification, removal.caseResolution)]++;
  }
  return { total: removals.length, ...outcomes, byClassification };
}

// Denials ----------------------------------------------------------------------------------------

function countDenials(kinds: readonly MfaDenialKind[]): DenialCounts {
  const noMfaSession = kinds.filter((kind) => kind === 'no-mfa-session').length;
  return { noMfaSession, mfaPolicy: kinds.length - noMfaSession, total: kinds.length };
}

// Exposure and posture ---------------------------------------------------------------------------

const WINDOW_BINS: readonly [string, number, number | null][] = [
  ['< 5 min', 0, 300],
  ['5–30 min', 300, 1800],
  ['30 min–2 h', 1800, 7200],
  ['2–24 h', 7200, 86_400],
  ['1–7 d', 86_400, 604_800],
  ['≥ 7 d', 604_800, null],
];

function windowDistribution(removals: readonly RemovalFact[]): KpiTrends['vulnerabilityWindow'] {
  const seconds = removals
    .map((removal) => removal.vulnerabilityWindowSeconds)
    .filter((value): value is number => value !== null)
    .sort((a, b) => a - b);
  return {
    count: seconds.length,
    medianSeconds: percentile(seconds, 50),
    p90Seconds: percentile(seconds, 90),
    maxSeconds: seconds.length === 0 ? null : (seconds[seconds.length - 1] ?? null),
    stillExposed: removals.filter(
      (removal) => removal.vulnerabilityWindowSeconds === null && removal.caseResolvedAt === null,
    ).length,
    histogram: WINDOW_BINS.map(([label, fromSeconds, toSeconds]) => ({
      label,
      fromSeconds,
      toSeconds,
      count: seconds.filter((value) => value >= fromSeconds && (toSeconds === null || value < toSeconds))
        .length,
    })),
  };
}

/** The latest snapshot of each account among `snapshots`, added up. */
export function postureFigures(snapshots: readonly PostureSnapshotSummary[]): PostureFigures | null {
  const latest = new Map<string, PostureSnapshotSummary>();
  for (const snapshot of snapshots) {
    const seen = latest.get(snapshot.accountId);
    if (seen === undefined || snapshot.takenAt >= seen.takenAt) latest.set(snapshot.accountId, snapshot);
  }
  if (latest.size === 0) return null;
  const accounts = [...latest.values()];
  const sum = (pick: (s: PostureSnapshotSummary) => number): number =>
    accounts.reduce((total, s) => total + pick(s), 0);
  const scores = accounts.map((s) => s.cisScore).filter((score): score is number => score !== null);
  const consoleUsers = sum((s) => s.consoleUsers);
  return {
    accounts: accounts.length,
    consoleUsers,
    withMfaPercent: share(
      sum((s) => s.consoleUsersWithMfa),
      consoleUsers,
    ),
    enforcedPercent: share(
      sum((s) => s.mfaEnforcedByPolicy),
      consoleUsers,
    ),
    cisScore:
      scores.length === 0
        ? null
        : Math.round((scores.reduce((total, score) => total + score, 0) / scores.length) * 10) / 10,
  };
}

// The trends -------------------------------------------------------------------------------------

const isProvisioned = (kase: CaseFact): boolean =>
  kase.kind !== null && kase.kind.toLowerCase().replace(/[\s_]+/g, '-') === PROVISIONED_WITHOUT_MFA_KIND;

interface Bucketed<T> {
  readonly starts: readonly number[];
  readonly items: Map<number, T[]>;
}

/** Groups items into the buckets by a time each has; times outside [from, to) are left out. */
function bucketize<T>(
  starts: readonly number[],
  query: KpiTrendsQuery,
  items: readonly T[],
  timeOf: (item: T) => number | null,
): Bucketed<T> {
  const grouped = new Map<number, T[]>(starts.map((start) => [start, []]));
  for (const item of items) {
    const time = timeOf(item);
    if (time === null || time < query.fromMs || time >= query.toMs) continue;
    grouped.get(bucketStart(time, query.bucket))?.push(item);
  }
  return { starts, items: grouped };
}

export interface KpiTrendsInput {
  readonly facts: KpiFacts;
  readonly posture?: readonly PostureSnapshotSummary[];
  /** Names or ARNs of the policies that enforce MFA (their explicit denies are MFA-related). */
  readonly mfaPolicies?: readonly string[];
}

export function computeKpiTrends(input: KpiTrendsInput, query: KpiTrendsQuery): KpiTrends {
  if (!(query.fromMs < query.toMs)) throw new UsageError('the KPI window must start before it ends');
  const starts = bucketStarts(query.fromMs, query.toMs, query.bucket);
  if (starts.length > MAX_TREND_BUCKETS)
    throw new UsageError(
      `the KPI window holds more than ${MAX_TREND_BUCKETS} ${query.bucket}s: use a wider bucket or a shorter window`,
    );
  const { facts } = input;
  const remediationOf = new Map(facts.removals.map((removal) => [removal, removalRemediatedAt(removal)]));
  const byEvent = bucketize(starts, query, facts.removals, (removal) => removal.eventTimeMs);
  const byRemediation = bucketize(
    starts,
    query,
    facts.removals,
    (removal) => remediationOf.get(removal) ?? null,
  );
  const byAutoResolution = bucketize(starts, query, facts.removals, (removal) =>
    isAutoResolution(removal.caseResolution) ? removal.caseResolvedAt : null,
  );
  const policies = new Set(input.mfaPolicies ?? []);
  const denials = mfaDenials(facts.denials, facts.denialCandidates, policies);
  const denialsByBucket = bucketize(starts, query, denials, (denial) => denial.timeMs);
  const posture = [...(input.posture ?? [])].sort((a, b) => a.takenAt - b.takenAt);
  const postureAt = carriedPosture(starts, query, posture);

  const mttdOf = (removals: readonly RemovalFact[]): DurationStats =>
    durationStats(removals.map((removal) => Math.max(0, removal.detectedAt - removal.eventTimeMs)));
  const mttrOf = (removals: readonly RemovalFact[]): DurationStats =>
    durationStats(removals.map((removal) => Math.max(0, remediationOf.get(removal)! - removal.detectedAt)));
  const points = starts.map((start): TrendPoint => {
    const removals = byEvent.items.get(start) ?? [];
    return {
      start: new Date(start).toISOString(),
      label: bucketLabel(start, query.bucket),
      removals: countRemovals(removals),
      mttd: mttdOf(removals),
      mttr: mttrOf(byRemediation.items.get(start) ?? []),
      autoResolved: (byAutoResolution.items.get(start) ?? []).length,
      denials: countDenials((denialsByBucket.items.get(start) ?? []).map((denial) => denial.kind)),
      posture: postureAt.get(start) ?? null,
    };
  });
  const inWindow = (values: Bucketed<RemovalFact>): RemovalFact[] => [...values.items.values()].flat();
  const eventRemovals = inWindow(byEvent);
  return {
    from: new Date(query.fromMs).toISOString(),
    to: new Date(query.toMs).toISOString(),
    bucket: query.bucket,
    points,
    provisionedMttr: provisionedTrend(starts, query, facts.cases),
    vulnerabilityWindow: windowDistribution(eventRemovals),
    openCasesBySeverity: openBySeverity(facts.cases),
    posture: posture
      .filter((snapshot) => snapshot.takenAt >= query.fromMs && snapshot.takenAt < query.toMs)
      .map((snapshot) => ({
        takenAt: new Date(snapshot.takenAt).toISOString(),
        accountId: snapshot.accountId,
        source: snapshot.source,
        ...postureFigures([snapshot])!,
      })),
    totals: {
      removals: countRemovals(eventRemovals),
      mttd: mttdOf(eventRemovals),
      mttr: mttrOf(inWindow(byRemediation)),
      autoResolved: inWindow(byAutoResolution).length,
      denials: countDenials([...denialsByBucket.items.values()].flat().map((denial) => denial.kind)),
    },
    denialsTruncated: facts.denialsTruncated,
  };
}

/**
 * Each bucket's posture: the latest snapshot of each account taken before the bucket ends (or the window does), so a
 * bucket without an audit carries the posture forward from an earlier one. `posture` is sorted oldest first and may
 * hold snapshots from before the window (the store's `carryIn`).
 */
function carriedPosture(
  starts: readonly number[],
  query: KpiTrendsQuery,
  posture: readonly PostureSnapshotSummary[],
): Map<number, TrendPosture | null> {
  const latest = new Map<string, PostureSnapshotSummary>();
  const figures = new Map<number, TrendPosture | null>();
  let next = 0;
  for (const [index, start] of starts.entries()) {
    const end = Math.min(starts[index + 1] ?? nextBucketStart(start, query.bucket), query.toMs);
    for (; next < posture.length && posture[next]!.takenAt < end; next++)
      latest.set(posture[next]!.accountId, posture[next]!);
    const inEffect = [...latest.values()];
    const summed = postureFigures(inEffect);
    figures.set(
      start,
      summed === null
        ? null
        : { ...summed, eventUpdated: inEffect.some((snapshot) => snapshot.source === 'events') },
    );
  }
  return figures;
}

function provisionedTrend(
  starts: readonly number[],
  query: KpiTrendsQuery,
  cases: readonly CaseFact[],
): KpiTrends['provisionedMttr'] {
  const provisioned = cases.filter(isProvisioned);
  if (provisioned.length === 0) return [];
  const byResolution = bucketize(starts, query, provisioned, (kase) => kase.resolvedAt);
  return starts.map((start) => ({
    start: new Date(start).toISOString(),
    label: bucketLabel(start, query.bucket),
    // From the console access (the case's first event) to the MFA device that closed the case.
    ...durationStats(
      (byResolution.items.get(start) ?? []).map((kase) => Math.max(0, kase.resolvedAt! - kase.firstEventAt)),
    ),
  }));
}

function openBySeverity(cases: readonly CaseFact[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const kase of cases) if (kase.state !== 'resolved') counts[kase.severity]++;
  return counts;
}
