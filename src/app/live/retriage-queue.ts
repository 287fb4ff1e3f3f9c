// Coalesced re-triage: the stored removals a write changes are marked dirty and re-triaged together, once per flush.
//
// Each removal of a burst changes every earlier removal of its chain (the burst's members and size are on each alert),
// so re-triaging the chain inside every write made a burst quadratic and put all ingestion behind it. Here the marks of
// concurrent writes gather while a flush runs, and the next flush re-triages the union once: the work per flush is
// bounded by the chain, and the number of flushes by time, not by the number of removals. A caller that marked
// removals is answered once a flush that includes them has committed (so a 2xx still means everything is done, and a
// crash before it means no answer and a retried delivery); a caller that marked nothing never waits here.
//
// Hand-written: what is needed is a single-flight loop over a keyed set with per-caller completion; a generic queue
// library (p-queue, p-debounce) runs tasks, it does not merge them.

import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudTrailEvent } from '../../model/index.ts';
import { byTime } from '../../detect/index.ts';
import type { ChainStanding } from './removal-chain.ts';

/**
 * After a flush, when marks are already waiting, the next one starts only after a pause as long as the flush took
 * (at most this): on SQLite a flush holds the one connection, and back-to-back flushes during a burst would leave
 * unrelated writes only the gaps between them. Half the time at most goes to re-triage; waiting marks coalesce more.
 * A flush re-triages the whole chain (every member's alert names the burst's size), so the number of flushes is what
 * a burst costs: with 250 ms a 500-removal burst ran about twice as many flushes as with 1 s, for the same result.
 */
const MAX_PAUSE_MS = 1000;

/**
 * What the writes already decided about their removals' chains (see removal-chain.ts): the flush need not walk the
 * chain of a decided removal, and re-triages the removals whose standing changed. A removal marked by one write as
 * decided and by another as not (a retried delivery: stored already, so not stepped again) is walked.
 */
export interface ChainDecisions {
  readonly decided: ReadonlySet<string>;
  readonly changed: readonly CloudTrailEvent[];
  /** The decided removals' standing, as the write found it. */
  readonly standings: ReadonlyMap<string, ChainStanding>;
}

interface Waiter<T> {
  readonly resolve: (result: T | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** `T`: what a flush reports to everyone who waited for it (the live service: the cases it touched). */
export class RetriageQueue<T> {
  readonly #flush: (events: readonly CloudTrailEvent[], chains: ChainDecisions) => Promise<T>;
  #pending = new Map<string, CloudTrailEvent>();
  /** By removal id: true while every mark of it said it was decided. */
  #decided = new Map<string, boolean>();
  #changed = new Map<string, CloudTrailEvent>();
  #standings = new Map<string, ChainStanding>();
  #waiters: Waiter<T>[] = [];
  #running = false;
  #flushes = 0;

  /** `flush` re-triages what it is given in one go; it may be called again as soon as it settles. */
  constructor(flush: (events: readonly CloudTrailEvent[], chains: ChainDecisions) => Promise<T>) {
    this.#flush = flush;
  }

  /** How many flushes ran (tests and metrics: coalescing shows as fewer flushes than marks). */
  get flushes(): number {
    return this.#flushes;
  }

  /** Events waiting for the next flush. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Marks what the given events change as dirty; resolves with the report of a flush that holds all of them once it
   * has committed (undefined when nothing was marked), rejects with its error when that flush fails (the caller's
   * delivery is then retried, and its events mark them again).
   */
  mark(
    events: Iterable<CloudTrailEvent>,
    chains: {
      readonly standings: ReadonlyMap<string, ChainStanding>;
      readonly changed: Iterable<CloudTrailEvent>;
    } = { standings: new Map(), changed: [] },
  ): Promise<T | undefined> {
    let any = false;
    for (const event of events) {
      this.#pending.set(event.id, event);
      this.#decided.set(event.id, chains.standings.has(event.id) && this.#decided.get(event.id) !== false);
      any = true;
    }
    if (!any) return Promise.resolve(undefined);
    for (const event of chains.changed) this.#changed.set(event.id, event);
    for (const [id, standing] of chains.standings) this.#standings.set(id, standing);
    const done = new Promise<T | undefined>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#running) {
      this.#running = true;
      void this.#drain();
    }
    return done;
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = [...this.#pending.values()].sort(byTime);
      const decided = new Set([...this.#decided].flatMap(([id, held]) => (held ? [id] : [])));
      const chains: ChainDecisions = {
        decided,
        changed: [...this.#changed.values()].sort(byTime),
        standings: new Map([...this.#standings].filter(([id]) => decided.has(id))),
      };
      const waiters = this.#waiters;
      this.#pending = new Map();
      this.#decided = new Map();
      this.#changed = new Map();
      this.#standings = new Map();
      this.#waiters = [];
      this.#flushes++;
      const started = performance.now();
      try {
        const result = await this.#flush(batch, chains);
        for (const waiter of waiters) waiter.resolve(result);
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
      if (this.#pending.size > 0) await sleep(Math.min(MAX_PAUSE_MS, performance.now() - started));
    }
    // No await between the last check and this: a mark arriving now finds the loop stopped and starts another.
    this.#running = false;
  }
}
