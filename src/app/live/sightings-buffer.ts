// Baseline sightings waiting to be written. Familiarity is learned from every event a caller makes, but most of the
// firehose is events nothing else is stored for; writing their sightings at once would put every request behind
// SQLite's one writer. So they are merged here, one row per (caller, value, day), and written with the next write
// transaction (before anything in it triages) or by the service's tick. A crash loses at most what is buffered:
// familiarity, never an event or an alert, and triage only grows more cautious for it.

import type { BaselineSighting } from '../../enrich/index.ts';

/** Past this many rows the buffer is written at once rather than held (memory stays bounded whatever the burst). */
export const MAX_BUFFERED_SIGHTINGS = 20_000;

export class SightingsBuffer {
  readonly #rows = new Map<string, BaselineSighting>();

  get size(): number {
    return this.#rows.size;
  }

  get full(): boolean {
    return this.#rows.size >= MAX_BUFFERED_SIGHTINGS;
  }

  /** Merges rows in: a (caller, value, day) seen again widens its span and adds its count. */
  add(rows: Iterable<BaselineSighting>): void {
    for (const row of rows) {
      const key = `${row.actor}\u0000${row.value}\u0000${row.day}`;
      const held = this.#rows.get(key);
      this.#rows.set(
        key,
        held === undefined
          ? row
          : {
              ...held,
              firstMs: Math.min(held.firstMs, row.firstMs),
              lastMs: Math.max(held.lastMs, row.lastMs),
              count: held.count + row.count,
            },
      );
    }
  }

  /** Everything held, emptied; give it back with `add` when the write that was to carry it failed. */
  take(): BaselineSighting[] {
    const rows = [...this.#rows.values()];
    this.#rows.clear();
    return rows;
  }
}
