// The range of times mfaguard accepts anywhere (API, configuration, stored rows): every one of them can be printed.

/** 1970-01-01T00:00:00.000Z: nothing mfaguard watches happened before the epoch. */
export const EARLIEST_TIME_MS = 0;
/** 9999-12-31T23:59:59.999Z: the last instant ISO 8601 writes with four year digits (toISOString would throw past ±8.64e15). */
export const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** True for a whole number of epoch milliseconds within years 1970..9999. */
export function isPrintableTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isInteger(ms) && ms >= EARLIEST_TIME_MS && ms <= LATEST_TIME_MS;
}

/** ISO 8601 in UTC, or null for a time outside the printable range (a defensive reading of stored values). */
export function printableIso(ms: number): string | null {
  return isPrintableTime(ms) ? new Date(ms).toISOString() : null;
}
