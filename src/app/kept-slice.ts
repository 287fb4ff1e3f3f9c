// The kept slice of a scan, packed per input while the passes run and opened at the end only around the removals.

import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { incidentReach, isMfaRemoval } from '../detect/index.ts';
import type { CorrelationWindows } from '../detect/index.ts';
import { normalizeRecord } from '../ingest/index.ts';
import type { DeferredRecords } from '../ingest/index.ts';
import type { CloudTrailEvent, InputIssue } from '../model/index.ts';
import { StringSharer } from './shared-strings.ts';

/**
 * One input's share of the kept slice, as it leaves the thread that read the input: the events as JSON text (one
 * string to copy from a worker thread instead of a typed object graph), their ids and span. The removals travel as
 * objects: they decide which parts are opened.
 */
export interface PackedSlice {
  readonly json: string;
  /** The ids of the events in `json`, then those of the deferred records. */
  readonly ids: string[];
  readonly firstMs: number;
  readonly lastMs: number;
  readonly removals: CloudTrailEvent[];
  /** Records the prefilter left unparsed (see `DeferredSlice`). */
  readonly deferred?: DeferredSlice;
}

/**
 * An input's kept records that no rule reads, as their own JSON text, one per line: parsed and normalised only if a
 * removal's window reaches their time (most never are: a generated slice is two thirds `GetCallerIdentity` probes).
 */
export interface DeferredSlice {
  readonly location: string;
  readonly text: string;
  readonly indexes: number[];
  readonly times: number[];
}

/** Packs an input's kept events and deferred records (null when there are none). */
export function packSlice(
  events: readonly CloudTrailEvent[],
  deferred?: DeferredRecords,
  location = '',
): PackedSlice | null {
  if (events.length === 0 && deferred === undefined) return null;
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const event of events) {
    if (event.timeMs < firstMs) firstMs = event.timeMs;
    if (event.timeMs > lastMs) lastMs = event.timeMs;
  }
  for (const timeMs of deferred?.times ?? []) {
    if (timeMs < firstMs) firstMs = timeMs;
    if (timeMs > lastMs) lastMs = timeMs;
  }
  const ids = events.map((event) => event.id);
  if (deferred !== undefined) ids.push(...deferred.ids);
  return {
    json: JSON.stringify(events),
    ids,
    firstMs,
    lastMs,
    removals: events.filter(isMfaRemoval),
    ...(deferred === undefined
      ? {}
      : {
          deferred: {
            location,
            text: deferred.texts.join('\n'),
            indexes: deferred.indexes,
            times: deferred.times,
          },
        }),
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

/**
 * Inputs' slices deflated together: per input one line of JSON for its events, then one line per deferred record,
 * with each input's span to skip lines out of reach.
 */
interface Batch {
  /** Deflated, or the text itself while the slice is small (see `PLAIN_CHARS`). */
  readonly packed: Buffer | string;
  readonly spans: readonly InputSpan[];
  readonly firstMs: number;
  readonly lastMs: number;
}

interface InputSpan {
  readonly firstMs: number;
  readonly lastMs: number;
  /** The deferred records' place, index, id and time, line by line after the input's events. */
  readonly deferred?: Omit<DeferredSlice, 'text'> & { readonly ids: readonly string[] };
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
    this.pendingChars += slice.json.length + (slice.deferred?.text.length ?? 0);
    if (this.pendingChars >= BATCH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const spans = this.pending.map(spanOf);
    this.batches.push({
      // Level 1: the slice's JSON repeats itself (accounts, ARNs, agents), the fastest level already takes most of
      // it. JSON.stringify never writes a raw newline, nor does a deferred record hold one, so one separates lines.
      packed: this.pack(
        this.pending
          .map((slice) =>
            slice.deferred === undefined ? slice.json : `${slice.json}\n${slice.deferred.text}`,
          )
          .join('\n'),
      ),
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

  /**
   * The events within reach of a removal, once each (first copy seen), oldest first (ties by id). A deferred record
   * in reach is parsed and normalised here; one that does not normalise goes to `onIssue`, as it would have in pass 1.
   */
  open(windows: CorrelationWindows, onIssue: (issue: InputIssue) => void = () => {}): CloudTrailEvent[] {
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
    const keep = (event: CloudTrailEvent): void => {
      if (kept.has(event.id) || !inRange(event.timeMs, event.timeMs)) return;
      // An event in a window makes its input overlap the window: every copy's input is read, in arrival order.
      kept.set(event.id, sharer.share(event));
    };
    this.flush();
    for (const batch of this.batches) {
      if (!inRange(batch.firstMs, batch.lastMs)) continue;
      const packed = batch.packed;
      const lines = (typeof packed === 'string' ? packed : inflateRawSync(packed).toString('utf8')).split(
        '\n',
      );
      let line = 0;
      for (const span of batch.spans) {
        const eventsLine = line;
        line += 1 + (span.deferred?.times.length ?? 0);
        if (!inRange(span.firstMs, span.lastMs)) continue;
        for (const event of JSON.parse(lines[eventsLine] ?? '[]') as CloudTrailEvent[]) keep(event);
        if (span.deferred !== undefined)
          openDeferred(span.deferred, lines, eventsLine + 1, inRange, kept, keep, onIssue);
      }
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

function spanOf(slice: PackedSlice): InputSpan {
  const deferred = slice.deferred;
  return {
    firstMs: slice.firstMs,
    lastMs: slice.lastMs,
    ...(deferred === undefined
      ? {}
      : {
          deferred: {
            location: deferred.location,
            indexes: deferred.indexes,
            times: deferred.times,
            ids: slice.ids.slice(slice.ids.length - deferred.times.length),
          },
        }),
  };
}

/**
 * Parses the deferred records of one input that fall in a window and are not kept yet, its raw record dropped, as for
 * every kept event but a removal. The event is kept as normalised, not sent through JSON as the parsed slice's events
 * are: a normalised event holds only JSON values (no undefined, no class), so both kinds are alike (the kept-slice test
 * compares them deeply), and the round trip was half of opening a 1M scan's slice, which nothing runs beside.
 */
function openDeferred(
  deferred: NonNullable<InputSpan['deferred']>,
  lines: readonly string[],
  first: number,
  inRange: (fromMs: number, toMs: number) => boolean,
  kept: ReadonlyMap<string, CloudTrailEvent>,
  keep: (event: CloudTrailEvent) => void,
  onIssue: (issue: InputIssue) => void,
): void {
  deferred.times.forEach((timeMs, at) => {
    if (!inRange(timeMs, timeMs) || kept.has(deferred.ids[at] ?? '')) return;
    const index = deferred.indexes[at] ?? 0;
    let record: unknown;
    try {
      record = JSON.parse(lines[first + at] ?? '');
    } catch {
      onIssue(unparsedIssue(deferred.location, index));
      return;
    }
    const normalized = normalizeRecord(record, { location: deferred.location, index });
    if (!normalized.ok) onIssue(normalized.issue);
    else keep({ ...normalized.event, raw: {} });
  });
}

/** A deferred record that turned out not to be JSON (the prefilter only bounded it): what pass 1 would have said. */
function unparsedIssue(location: string, index: number): InputIssue {
  return {
    level: 'error',
    code: 'not-json',
    location,
    index,
    message: `record ${index} is not valid JSON`,
    hint: 'check that this is a CloudTrail log file and that it was copied completely',
  };
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
