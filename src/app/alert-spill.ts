// Alerts that triage cannot change, held in sorted runs on disk once they are many: a scan's memory stays flat when a
// rule fires on every record, and the output keeps its order (oldest first) through a merge of the runs at the end.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../model/index.ts';
import { compareAlerts } from './alert-order.ts';

/** Alerts held in memory before a sorted run goes to disk: some tens of MB of alert objects at most. */
export const DEFAULT_SPILL_THRESHOLD = 10_000;

/** How much of each run is read at once during the merge (one buffer per run). */
const READ_CHUNK_BYTES = 64 * 1024;

/** An alert and the order it arrived in: of two copies of one alert (two trails), the first one seen is kept. */
interface Arrival {
  readonly alert: Alert;
  readonly seq: number;
}

function compareArrivals(a: Arrival, b: Arrival): number {
  return compareAlerts(a.alert, b.alert) || a.seq - b.seq;
}

/** Reads one run back, line by line, with a small fixed buffer. */
class RunReader {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  /** Bytes after the last newline read so far: the start of a line that continues in the next chunk. */
  private rest: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private next = 0;
  private done = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  /** The next arrival, or null at the end of the run (the file is closed then). */
  read(): Arrival | null {
    while (this.next >= this.lines.length) {
      if (this.done) return null;
      this.fill();
    }
    return JSON.parse(this.lines[this.next++]!) as Arrival;
  }

  private fill(): void {
    this.next = 0;
    const n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
    if (n === 0) {
      this.done = true;
      closeSync(this.fd);
      this.lines = this.rest.length === 0 ? [] : [this.rest.toString('utf8')];
      return;
    }
    const bytes = Buffer.concat([this.rest, this.buffer.subarray(0, n)]);
    // Cut at a newline byte, which never occurs inside a UTF-8 sequence: no character is split between chunks.
    const last = bytes.lastIndexOf(0x0a);
    this.lines = last < 0 ? [] : bytes.toString('utf8', 0, last).split('\n');
    this.rest = Buffer.from(bytes.subarray(last + 1));
  }
}

/** A binary min-heap of run heads, ordered like the output. */
class ArrivalHeap {
  private readonly items: { arrival: Arrival; source: number }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(arrival: Arrival, source: number): void {
    const items = this.items;
    items.push({ arrival, source });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareArrivals(items[parent]!.arrival, items[i]!.arrival) <= 0) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): { arrival: Arrival; source: number } | undefined {
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
      if (left < items.length && compareArrivals(items[left]!.arrival, items[least]!.arrival) < 0)
        least = left;
      if (right < items.length && compareArrivals(items[right]!.arrival, items[least]!.arrival) < 0)
        least = right;
      if (least === i) break;
      [items[least], items[i]] = [items[i]!, items[least]!];
      i = least;
    }
    return top;
  }
}

export interface SpillDrain {
  /** Copies of an alert already written (same id): the same event delivered by two trails. */
  readonly duplicates: number;
}

/**
 * Final alerts (no triage can change them), any order in, oldest first out. Below `threshold` they stay in memory;
 * past it each full buffer is sorted and written to a temporary file, and `drain` merges the runs with the alerts
 * triage produced. An alert is a plain JSON value, so a run gives back exactly what went in.
 */
export class AlertSpill {
  private buffer: Arrival[] = [];
  private readonly runs: string[] = [];
  private dir: string | null = null;
  private seq = 0;

  constructor(private readonly threshold: number = DEFAULT_SPILL_THRESHOLD) {}

  /** Alerts written to disk so far (for figures and tests). */
  get spilledRuns(): number {
    return this.runs.length;
  }

  add(alert: Alert): void {
    this.buffer.push({ alert, seq: this.seq++ });
    if (this.buffer.length >= this.threshold) this.spill();
  }

  /**
   * Every alert held and `others` (already final, any order), merged oldest first into `emit`, each alert id once
   * (the first arrival wins; `others` count as arriving after everything held). Removes the runs.
   */
  async drain(others: readonly Alert[], emit: (alert: Alert) => void | Promise<void>): Promise<SpillDrain> {
    try {
      for (const alert of others) this.buffer.push({ alert, seq: this.seq++ });
      this.buffer.sort(compareArrivals);
      const sources: (() => Arrival | null)[] = this.runs.map((path) => {
        const reader = new RunReader(path);
        return () => reader.read();
      });
      const memory = this.buffer;
      let at = 0;
      sources.push(() => (at < memory.length ? memory[at++]! : null));
      const heap = new ArrivalHeap();
      sources.forEach((source, index) => {
        const first = source();
        if (first !== null) heap.push(first, index);
      });
      let duplicates = 0;
      let lastId: string | null = null;
      for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
        const following = sources[top.source]!();
        if (following !== null) heap.push(following, top.source);
        // Copies of one alert share its time, severity and id, so they arrive one after the other.
        if (top.arrival.alert.id === lastId) {
          duplicates++;
          continue;
        }
        lastId = top.arrival.alert.id;
        const waiting = emit(top.arrival.alert);
        if (waiting !== undefined) await waiting;
      }
      return { duplicates };
    } finally {
      this.discard();
    }
  }

  /** Removes the runs without reading them (a scan that stops early). */
  discard(): void {
    this.buffer = [];
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.runs.length = 0;
  }

  private spill(): void {
    this.buffer.sort(compareArrivals);
    this.dir ??= mkdtempSync(join(tmpdir(), 'mfaguard-alerts-'));
    const path = join(this.dir, `run-${this.runs.length}.ndjson`);
    const fd = openSync(path, 'w');
    try {
      // Written in slices: one string of ten thousand alerts would be tens of MB at once.
      for (let i = 0; i < this.buffer.length; i += 500) {
        const slice = this.buffer.slice(i, i + 500);
        writeSync(fd, slice.map((arrival) => JSON.stringify(arrival)).join('\n') + '\n');
      }
    } finally {
      closeSync(fd);
    }
    this.runs.push(path);
    this.buffer = [];
  }
}
