// The kept slice of a scan, packed per input while the passes run and opened at the end only around the removals.

import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { incidentReach, isMfaRemoval } from '../detect/index.ts';
import type { CorrelationWindows } from '../detect/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import { StringSharer } from './shared-strings.ts';

/**
 * One input's share of the kept slice. The events travel as deflated JSON: a few hundred bytes each instead of a
 * typed object graph of over a kilobyte, one small buffer to copy from a worker thread, and what waits in memory
 * until triage. The removals travel as objects: they decide which packs are opened.
 */
export interface PackedSlice {
  readonly packed: Uint8Array;
  readonly ids: string[];
  readonly firstMs: number;
  readonly lastMs: number;
  readonly removals: CloudTrailEvent[];
}

/** Packs an input's kept events (null when there are none). */
export function packSlice(events: readonly CloudTrailEvent[]): PackedSlice | null {
  if (events.length === 0) return null;
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const event of events) {
    if (event.timeMs < firstMs) firstMs = event.timeMs;
    if (event.timeMs > lastMs) lastMs = event.timeMs;
  }
  return {
    // Level 1: the slice's JSON repeats itself (accounts, ARNs, agents), the fastest level already takes most of it.
    // Copied into a buffer of its own: zlib's output may be a view on a larger one, and a view crossing from a worker
    // thread takes its whole underlying buffer along.
    packed: new Uint8Array(deflateRawSync(JSON.stringify(events), { level: constants.Z_BEST_SPEED })),
    ids: events.map((event) => event.id),
    firstMs,
    lastMs,
    removals: events.filter(isMfaRemoval),
  };
}

/**
 * The scan's kept slice: packs in arrival order, each event id once (the first copy seen, as two trails may deliver
 * one event). Correlation reads only what lies within an incident's reach of a removal (`incidentReach`), so
 * `open` unpacks only the packs that reach into those windows and keeps only the events inside them: the same
 * correlations, from a fraction of the memory.
 */
export class KeptSlice {
  private readonly packs: PackedSlice[] = [];
  private readonly ids = new Set<string>();
  private readonly removals = new Map<string, CloudTrailEvent>();
  /** Events seen more than once (the same eventID from two trails). */
  duplicates = 0;

  add(slice: PackedSlice): void {
    for (const id of slice.ids) {
      if (this.ids.has(id)) this.duplicates++;
      else this.ids.add(id);
    }
    for (const removal of slice.removals)
      if (!this.removals.has(removal.id)) this.removals.set(removal.id, removal);
    this.packs.push(slice);
  }

  /** The events within reach of a removal, once each (first copy seen), oldest first (ties by id). */
  open(windows: CorrelationWindows): CloudTrailEvent[] {
    const reach = incidentReach(windows);
    const ranges = mergeRanges(
      [...this.removals.values()].map((removal) => ({
        fromMs: removal.timeMs - reach.beforeMs,
        toMs: removal.timeMs + reach.afterMs,
      })),
    );
    const inRange = (fromMs: number, toMs: number): boolean =>
      ranges.some((range) => range.fromMs <= toMs && range.toMs >= fromMs);
    const kept = new Map<string, CloudTrailEvent>();
    const sharer = new StringSharer();
    for (const slice of this.packs) {
      if (!inRange(slice.firstMs, slice.lastMs)) continue;
      const events = JSON.parse(inflateRawSync(slice.packed).toString('utf8')) as CloudTrailEvent[];
      for (const event of events) {
        if (kept.has(event.id) || !inRange(event.timeMs, event.timeMs)) continue;
        // An event in a window makes its pack overlap the window: every copy's pack is opened, in arrival order.
        kept.set(event.id, sharer.share(event));
      }
    }
    const events: CloudTrailEvent[] = [];
    for (const event of kept.values()) events.push(event);
    return events.sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  clear(): void {
    this.packs.length = 0;
    this.ids.clear();
    this.removals.clear();
  }
}

/** Overlapping or touching ranges joined, oldest first. */
function mergeRanges(ranges: { fromMs: number; toMs: number }[]): { fromMs: number; toMs: number }[] {
  ranges.sort((a, b) => a.fromMs - b.fromMs);
  const merged: { fromMs: number; toMs: number }[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, range.toMs);
    else merged.push({ ...range });
  }
  return merged;
}
