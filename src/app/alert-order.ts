// The order a scan writes its alerts in, whichever worker finished first.

import type { Alert } from '../model/index.ts';
import { severityRank } from '../model/index.ts';

/** Oldest first; ties broken so that the order never depends on which worker finished first. */
export function compareAlerts(a: Alert, b: Alert): number {
  if (a.event.time !== b.event.time) return a.event.time < b.event.time ? -1 : 1;
  const bySeverity = severityRank(b.severity) - severityRank(a.severity);
  if (bySeverity !== 0) return bySeverity;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
