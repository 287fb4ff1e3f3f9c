// The KPI trends of the service: the window and bucket asked for (with defaults), the store's facts, posture, computed.

import type { KpiTrends, TrendBucket } from '../cases/index.ts';
import { bucketStarts, computeKpiTrends, MAX_TREND_BUCKETS } from '../cases/index.ts';
import type { Store } from '../store/index.ts';

const DAY_MS = 86_400_000;

/** Without `from`, the trends cover this long before `to`. */
export const DEFAULT_TREND_DAYS = 90;

export interface KpiTrendWindow {
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucket: TrendBucket;
}

/**
 * Defaults: `to` now, `from` 90 days before `to`, and a bucket that keeps a chart readable: day up to 31 days, week up
 * to a year, else month. Returns the problems (field, message) instead of throwing, so a caller reports them all.
 */
export function resolveTrendWindow(
  given: {
    readonly from?: number | undefined;
    readonly to?: number | undefined;
    readonly bucket?: TrendBucket | undefined;
  },
  nowMs: number,
): { window: KpiTrendWindow; problems: [field: string, message: string][] } {
  const toMs = given.to ?? nowMs;
  const fromMs = given.from ?? toMs - DEFAULT_TREND_DAYS * DAY_MS;
  const span = toMs - fromMs;
  const bucket = given.bucket ?? (span <= 31 * DAY_MS ? 'day' : span <= 366 * DAY_MS ? 'week' : 'month');
  const problems: [string, string][] = [];
  if (fromMs >= toMs) problems.push(['from', 'must be before `to`']);
  else if (bucketStarts(fromMs, toMs, bucket).length > MAX_TREND_BUCKETS)
    problems.push([
      'bucket',
      `the window holds more than ${MAX_TREND_BUCKETS} ${bucket}s: use a wider bucket or a shorter window`,
    ]);
  return { window: { fromMs, toMs, bucket }, problems };
}

export interface KpiTrendSources {
  /** Names or ARNs of policies that enforce MFA beyond those whose name says so (their denies count as MFA denials). */
  readonly mfaPolicies?: readonly string[];
}

export async function loadKpiTrends(
  store: Store,
  window: KpiTrendWindow,
  sources: KpiTrendSources = {},
): Promise<KpiTrends> {
  const range = { fromMs: window.fromMs, toMs: window.toMs };
  const [facts, posture] = await Promise.all([
    store.kpiFacts(range),
    // Snapshots the service stored (scheduled audits and event-updated state), with each account's latest before the
    // window: a window with no audit in it still shows the posture carried forward.
    store.listPostureSnapshots({ from: window.fromMs, to: window.toMs, carryIn: true }),
  ]);
  return computeKpiTrends(
    { facts, posture, ...(sources.mfaPolicies === undefined ? {} : { mfaPolicies: sources.mfaPolicies }) },
    window,
  );
}
