// The kept slice of a scan, packed per input while the passes run and opened at the end only around the removals.

import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { incidentReach, isMfaRemoval } from '../detect/index.ts';
import type { CorrelationWindows } from '../detect/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import { StringSharer } from './shared-strings.ts';

/**
 * One input's share of the kept slice, as it leaves the thread that read the input: the events as JSON text (one
 * string to copy from a worker thread instead of a typed object graph), their ids and span. The removals travel as
 * objects: they decide which parts are opened.
 */
export interface PackedSlice {
  readonly json: string;
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
    json: JSON.stringify(events),
    ids: events.map((event) => event.id),
    firstMs,
    lastMs,
    removals: events.filter(isMfaRemoval),
  };
}

/** Characters of inputs' JSON gathered before they are deflated together. */
const BATCH_CHARS = 1024 * 1024;

/**
 * Characters of batches kept as text before batches are deflated: a small slice is not worth the CPU, a big one is
 * bounded all the same. Deflating a 1M built-in scan's slice (about 40 MB of JSON) took 3-4% of its CPU; keeping 32 MB
 * of it as text raised the peak RSS by as much (223 -> 259 MB) for a CPU saving lost in the noise, hence 8 MB.
 */
const PLAIN_CHARS = 8 * 1024 * 1024;

/** Inputs' slices deflated together: one line of JSON per input, with each input's span to skip lines out of reach. */
interface Batch {
  /** Deflated, or the text itself while the slice is small (see `PLAIN_CHARS`). */
  readonly packed: Buffer | string;
  readonly spans: readonly { readonly firstMs: number; readonly lastMs: number }[];
  readonly firstMs: number;
  readonly lastMs: number;
}

/**
 * The scan's kept slice: inputs' slices in arrival order, each event id once (the first copy seen, as two trails may
 * deliver one event). What waits until triage is deflated JSON, a few hundred bytes an event instead of a typed
 * object graph of over a kilobyte; inputs are deflated a megabyte at a time, as a deflate stream costs its set-up
 * (hundreds of kilobytes of state) whatever it compresses, which per input cost more than the compression itself.
 * Correlation reads only what lies within an incident's reach of a removal (`incidentReach`), so `open` inflates
 * only the batches and parses only the inputs that reach into those windows, and keeps only the events inside them:
 * the same correlations, from a fraction of the memory.
 */
export class KeptSlice {
  private readonly batches: Batch[] = [];
  private pending: PackedSlice[] = [];
  private pendingChars = 0;
  private plainChars = 0;
  private readonly ids = new Set<string>();
  private readonly removals = new Map<string, CloudTrailEvent>();
  /** Events seen more than once (the same eventID from two trails). */
  duplicates = 0;

  /** `plainBudget`: characters kept as text before batches are deflated (tests set it low). */
  constructor(private readonly plainBudget: number = PLAIN_CHARS) {}

  add(slice: PackedSlice): void {
    for (const id of slice.ids) {
      if (this.ids.has(id)) this.duplicates++;
      else this.ids.add(id);
    }
    for (const removal of slice.removals)
      if (!this.removals.has(removal.id)) this.removals.set(removal.id, removal);
    this.pending.push(slice);
    this.pendingChars += slice.json.length;
    if (this.pendingChars >= BATCH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const spans = this.pending.map(({ firstMs, lastMs }) => ({ firstMs, lastMs }));
    this.batches.push({
      // Level 1: the slice's JSON repeats itself (accounts, ARNs, agents), the fastest level already takes most of
      // it. JSON.stringify never writes a raw newline, so one separates the inputs.
      packed: this.pack(this.pending.map((slice) => slice.json).join('\n')),
      spans,
      firstMs: Math.min(...spans.map((span) => span.firstMs)),
      lastMs: Math.max(...spans.map((span) => span.lastMs)),
    });
    this.pending = [];
    this.pendingChars = 0;
  }

  private pack(text: string): Buffer | string {
    if (this.plainChars + text.length > this.plainBudget)
      return deflateRawSync(text, { level: constants.Z_BEST_SPEED });
    this.plainChars += text.length;
    return text;
  }

  /** Bytes the slice holds while the passes run (deflated batches and the batch being gathered). */
  get heldBytes(): number {
    return (
      this.batches.reduce(
        (sum, { packed }) => sum + (typeof packed === 'string' ? packed.length : packed.byteLength),
        0,
      ) + this.pendingChars
    );
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
    this.flush();
    for (const batch of this.batches) {
      if (!inRange(batch.firstMs, batch.lastMs)) continue;
      const packed = batch.packed;
      const lines = (typeof packed === 'string' ? packed : inflateRawSync(packed).toString('utf8')).split(
        '\n',
      );
      batch.spans.forEach((span, line) => {
        if (!inRange(span.firstMs, span.lastMs)) return;
        for (const event of JSON.parse(lines[line] ?? '[]') as CloudTrailEvent[]) {
          if (kept.has(event.id) || !inRange(event.timeMs, event.timeMs)) continue;
          // An event in a window makes its input overlap the window: every copy's input is read, in arrival order.
          kept.set(event.id, sharer.share(event));
        }
      });
    }
    const events: CloudTrailEvent[] = [];
    for (const event of kept.values()) events.push(event);
    return events.sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  clear(): void {
    this.batches.length = 0;
    this.pending = [];
    this.pendingChars = 0;
    this.plainChars = 0;
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
