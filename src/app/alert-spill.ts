// Alerts of a scan held in sorted runs on disk once they are many: a scan's memory stays flat when a rule fires on
// every record, and the output keeps its order (oldest first) through a merge of the runs at the end.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '../model/index.ts';
import { compareEntries, entryOfRunLine, headOfLine, runHeadOf } from './alert-line.ts';
import type { AlertEntry, AlertHead } from './alert-line.ts';

/**
 * Bytes of alert text held in memory before a sorted run goes to disk (some 6,000 alerts of a Sigma rule with
 * its MITRE mapping left out). The merge reads every run at once, so fewer, bigger runs mean fewer readers.
 */
export const DEFAULT_SPILL_BYTES = 8 * 1024 * 1024;

/** How much of a run is read at once during the merge; one buffer is shared by every run. */
const READ_CHUNK_BYTES = 64 * 1024;

/** The arrival counter of a scan: two spills of one scan number their alerts in one sequence. */
export class Arrivals {
  next = 0;
}

/** Gives the next entry of an ordered stream, or null at its end. */
export type EntrySource = () => AlertEntry | null;

/**
 * Reads one run back, line by line. The file is opened for each read and closed after: a scan with thousands of runs
 * must not run out of file descriptors, and one read buffer serves every run.
 */
class RunReader {
  private position = 0;
  /** Bytes after the last newline read so far: the start of a line that continues in the next chunk. */
  private rest: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private next = 0;
  private done = false;

  constructor(
    private readonly path: string,
    private readonly scratch: Buffer,
  ) {}

  /** The next entry, or null at the end of the run. */
  read(): AlertEntry | null {
    while (this.next >= this.lines.length) {
      if (this.done) return null;
      this.fill();
    }
    return entryOfRunLine(this.lines[this.next++]!);
  }

  private fill(): void {
    this.next = 0;
    const fd = openSync(this.path, 'r');
    let n: number;
    try {
      n = readSync(fd, this.scratch, 0, this.scratch.length, this.position);
    } finally {
      closeSync(fd);
    }
    this.position += n;
    if (n === 0) {
      this.done = true;
      this.lines = this.rest.length === 0 ? [] : [this.rest.toString('utf8')];
      return;
    }
    const bytes = Buffer.concat([this.rest, this.scratch.subarray(0, n)]);
    // Cut at a newline byte, which never occurs inside a UTF-8 sequence: no character is split between chunks.
    const last = bytes.lastIndexOf(0x0a);
    this.lines = last < 0 ? [] : bytes.toString('utf8', 0, last).split('\n');
    this.rest = Buffer.from(bytes.subarray(last + 1));
  }
}

/** A binary min-heap of the heads of ordered streams, ordered like the output. */
class EntryHeap {
  private readonly items: { entry: AlertEntry; source: number }[] = [];

  push(entry: AlertEntry, source: number): void {
    const items = this.items;
    items.push({ entry, source });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareEntries(items[parent]!.entry, items[i]!.entry) <= 0) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): { entry: AlertEntry; source: number } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && compareEntries(items[left]!.entry, items[least]!.entry) < 0) least = left;
      if (right < items.length && compareEntries(items[right]!.entry, items[least]!.entry) < 0) least = right;
      if (least === i) break;
      [items[least], items[i]] = [items[i]!, items[least]!];
      i = least;
    }
    return top;
  }
}

/** An ordered array as a source. */
export function arraySource(entries: readonly AlertEntry[]): EntrySource {
  let at = 0;
  return () => (at < entries.length ? entries[at++]! : null);
}

/**
 * Merges ordered sources into `emit`, oldest first, each alert id once (the first arrival; copies of one alert share
 * its time, severity and id, so they meet one after the other). Waits on `emit` when it returns a promise (a full
 * output buffer). Returns how many copies were dropped.
 */
export async function mergeEntries(
  sources: readonly EntrySource[],
  emit: (entry: AlertEntry) => void | Promise<void>,
): Promise<number> {
  const heap = new EntryHeap();
  sources.forEach((source, index) => {
    const first = source();
    if (first !== null) heap.push(first, index);
  });
  let duplicates = 0;
  let lastId: string | null = null;
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const following = sources[top.source]!();
    if (following !== null) heap.push(following, top.source);
    if (top.entry.id === lastId) {
      duplicates++;
      continue;
    }
    lastId = top.entry.id;
    const waiting = emit(top.entry);
    if (waiting !== undefined) await waiting;
  }
  return duplicates;
}

/** An alert held in memory: its head as JS values, its body as UTF-8 in `AlertSpill`'s byte buffer. */
interface HeldEntry {
  readonly entry: AlertEntry;
  readonly start: number;
  readonly end: number;
}

/**
 * Encoded alerts (see `encodeAlert`), any order in, ordered sources out. Below `threshold` bytes they stay in
 * memory; past it the buffer is sorted and written to a temporary file (`mfaguard-alerts-*` under the OS temp folder).
 *
 * The bodies wait as bytes outside the JS heap: held strings outlive the young generation, and every run left
 * hundreds of MB of old garbage behind, which V8 let the heap grow into (a 1M-record scan's main heap swung between 85
 * and 300 MB). Only the small heads stay JS values.
 */
export class AlertSpill {
  private held: HeldEntry[] = [];
  private bytes: Buffer;
  private used = 0;
  private readonly runs: string[] = [];
  private dir: string | null = null;

  constructor(
    private readonly threshold: number = DEFAULT_SPILL_BYTES,
    private readonly arrivals: Arrivals = new Arrivals(),
  ) {
    this.bytes = Buffer.allocUnsafe(Math.min(threshold, 1024 * 1024));
  }

  /** Runs written to disk so far (for figures and tests). */
  get spilledRuns(): number {
    return this.runs.length;
  }

  add(line: string): void {
    this.addLines(Buffer.from(line));
  }

  /**
   * Encoded alerts, a line each in one UTF-8 block (`alertLinesOf`). Only each head becomes JS values; the bodies are
   * copied as bytes: as strings, hundreds of thousands of alerts were hundreds of MB of garbage on the main thread.
   */
  addLines(block: Uint8Array): void {
    const lines = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    for (let at = 0; at < lines.length;) {
      let end = lines.indexOf(0x0a, at);
      if (end < 0) end = lines.length;
      const tab = lines.indexOf(0x09, at);
      if (tab < 0 || tab > end) throw new InternalError('an encoded alert without its head');
      this.hold(headOfLine(lines.toString('utf8', at, tab)), lines, tab + 1, end);
      at = end + 1;
    }
  }

  private hold(head: AlertHead, from: Buffer, start: number, end: number): void {
    const size = end - start;
    if (this.used + size > this.bytes.length) {
      // Doubling, but never past what the threshold can need: the buffer is spilled as soon as it reaches it.
      const grown = Buffer.allocUnsafe(
        Math.max(Math.min(this.bytes.length * 2, this.threshold), this.used + size),
      );
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    const at = this.used;
    this.used += from.copy(this.bytes, at, start, end);
    // Fields named, not spread: a spread builds each of hundreds of thousands of entries the slow way.
    const entry: AlertEntry = {
      time: head.time,
      rank: head.rank,
      id: head.id,
      eventId: head.eventId,
      ruleId: head.ruleId,
      seq: this.arrivals.next++,
      body: null,
      alert: null,
    };
    this.held.push({ entry, start: at, end: this.used });
    if (this.used >= this.threshold) this.spill();
  }

  /**
   * Every alert held, as ordered sources for `mergeEntries` (the runs and the buffer), leaving out those `keep`
   * refuses. Can be called again: the runs stay until `discard`.
   */
  sources(keep: (entry: AlertEntry) => boolean = () => true): EntrySource[] {
    this.held.sort(compareHeld);
    const scratch = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const sources: EntrySource[] = this.runs.map((path) => {
      const reader = new RunReader(path, scratch);
      return () => reader.read();
    });
    const held = this.held;
    const bytes = this.bytes;
    let at = 0;
    sources.push(() => {
      if (at >= held.length) return null;
      const { entry, start, end } = held[at++]!;
      return { ...entry, body: bytes.toString('utf8', start, end) };
    });
    return sources.map((source) => () => {
      for (let entry = source(); entry !== null; entry = source()) if (keep(entry)) return entry;
      return null;
    });
  }

  /** Removes the runs and forgets the buffer. */
  discard(): void {
    this.held = [];
    this.used = 0;
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.runs.length = 0;
  }

  private spill(): void {
    this.held.sort(compareHeld);
    this.dir ??= mkdtempSync(join(tmpdir(), 'mfaguard-alerts-'));
    const path = join(this.dir, `run-${this.runs.length}.ndjson`);
    const fd = openSync(path, 'w');
    try {
      // Gathered in a buffer of its own and written when full: the bodies are copied as bytes, never made strings.
      const out = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
      let length = 0;
      for (const { entry, start, end } of this.held) {
        const head = runHeadOf(entry);
        const need = Buffer.byteLength(head) + 1 + (end - start) + 1;
        if (length + need > out.length) {
          writeSync(fd, out, 0, length);
          length = 0;
        }
        if (need > out.length) {
          writeSync(fd, head + '\t');
          writeSync(fd, this.bytes, start, end - start);
          writeSync(fd, '\n');
          continue;
        }
        length += out.write(head, length);
        out[length++] = 0x09;
        length += this.bytes.copy(out, length, start, end);
        out[length++] = 0x0a;
      }
      if (length > 0) writeSync(fd, out, 0, length);
    } finally {
      closeSync(fd);
    }
    this.runs.push(path);
    this.held = [];
    this.used = 0;
  }
}

/** How much of a run is gathered before it is written. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

function compareHeld(a: HeldEntry, b: HeldEntry): number {
  return compareEntries(a.entry, b.entry);
}
