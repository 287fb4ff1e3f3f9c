// Small statistics for KPIs, computed in TypeScript so SQLite and PostgreSQL give identical figures.

import type { DurationStats } from './store.ts';

/** Nearest-rank percentile (the same definition as the scan KPIs) of values sorted ascending. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

export function durationStats(values: readonly number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, avgMs: null, p50Ms: null, p90Ms: null };
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    avgMs: Math.round(sum / sorted.length),
    p50Ms: nearestRank(sorted, 50),
    p90Ms: nearestRank(sorted, 90),
  };
}
