// Key figures over triaged alerts: removals per month by classification, vulnerability windows, and how many explain themselves.

import type { Alert, Classification } from '../model/index.ts';
import { CLASSIFICATIONS } from '../model/index.ts';

export { CLASSIFICATIONS };

export interface MonthFigures {
  /** `YYYY-MM` (UTC). */
  readonly month: string;
  readonly removals: number;
  readonly byClassification: Readonly<Record<Classification, number>>;
  /** rotation + approved + verified. */
  readonly legitimate: number;
  /** suspicious + unauthorized + unresolved. */
  readonly unexplained: number;
}

export interface RemovalKpis {
  readonly removals: number;
  readonly months: readonly MonthFigures[];
  readonly byClassification: Readonly<Record<Classification, number>>;
  /** Seconds from removal to re-enrolment, over removals that were re-enrolled; null when there were none. */
  readonly vulnerabilityWindow: {
    readonly count: number;
    readonly medianSeconds: number | null;
    readonly p90Seconds: number | null;
    readonly maxSeconds: number | null;
  };
  /** Share (0–100) of removals explained automatically as rotation or approved. */
  readonly autoExplainedPercent: number | null;
  readonly rootRemovals: number;
}

function emptyCounts(): Record<Classification, number> {
  return Object.fromEntries(CLASSIFICATIONS.map((name) => [name, 0])) as Record<Classification, number>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** One removal per event: several rules (built-in, Elastic's) may alert on the same DeactivateMFADevice. */
export function removalsOf(alerts: readonly Alert[]): Alert[] {
  const byEvent = new Map<string, Alert>();
  for (const alert of alerts) {
    if (
      alert.classification === undefined ||
      alert.event.name !== 'DeactivateMFADevice' ||
      alert.event.outcome !== 'success'
    )
      continue;
    if (alert.correlation?.kind === 'burst' && alert.rule.id === 'mfaguard-mfa-removal-burst') continue;
    if (!byEvent.has(alert.event.id)) byEvent.set(alert.event.id, alert);
  }
  return [...byEvent.values()];
}

export function computeRemovalKpis(alerts: readonly Alert[]): RemovalKpis {
  const removals = removalsOf(alerts);
  const total = emptyCounts();
  const months = new Map<string, Record<Classification, number>>();
  const windows: number[] = [];
  let rootRemovals = 0;
  for (const removal of removals) {
    const classification = removal.classification!;
    total[classification]++;
    const month = removal.event.time.slice(0, 7);
    let counts = months.get(month);
    if (counts === undefined) months.set(month, (counts = emptyCounts()));
    counts[classification]++;
    if (removal.vulnerabilityWindowSeconds !== undefined) windows.push(removal.vulnerabilityWindowSeconds);
    if (removal.reasons?.some((reason) => reason.code === 'root-target') === true) rootRemovals++;
  }
  windows.sort((a, b) => a - b);
  const monthFigures = [...months.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([month, counts]): MonthFigures => {
      const removalsInMonth = CLASSIFICATIONS.reduce((sum, name) => sum + counts[name], 0);
      const legitimate = counts.rotation + counts.approved + counts.verified;
      return {
        month,
        removals: removalsInMonth,
        byClassification: counts,
        legitimate,
        unexplained: removalsInMonth - legitimate,
      };
    });
  return {
    removals: removals.length,
    months: monthFigures,
    byClassification: total,
    vulnerabilityWindow: {
      count: windows.length,
      medianSeconds: percentile(windows, 50),
      p90Seconds: percentile(windows, 90),
      maxSeconds: windows.length === 0 ? null : (windows[windows.length - 1] ?? null),
    },
    autoExplainedPercent:
      removals.length === 0
        ? null
        : Math.round(((total.rotation + total.approved) / removals.length) * 1000) / 10,
    rootRemovals,
  };
}
