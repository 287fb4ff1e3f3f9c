// Requests whose whole write is "store these events" (kept events that alert on nothing), coalesced into one write.
//
// Most ingested events that are kept (IAM list calls, sign-ins) raise no alert: their write is one insert and one probe
// for stored removals they may change. Requests read in the same turn of the event loop share one transaction, one
// multi-row insert and one probe, instead of a savepoint, an insert and a probe each (on PostgreSQL a round trip each).
// The outcome is each request's own: which of its events were stored, and whether a stored removal is near them.
//
// Hand-written: batching per turn is a dozen lines, and what matters is around it (the per-request split, the probe
// answered per request only when the shared one found something, a failed write tried again request by request).

import type { CloudTrailEvent } from '../../model/index.ts';
import { isTransientStoreError, StoreUnavailableError } from '../../store/index.ts';
import type { StoreTx } from '../../store/index.ts';
import type { LiveContext } from './live-context.ts';
import { affectedRemovals } from './live-triage.ts';

/** One request's part of a coalesced write. */
export interface KeptWritten {
  /** Its events that were stored now (the others were stored before: duplicates). */
  readonly inserted: ReadonlySet<CloudTrailEvent>;
  /** A stored removal is in reach of its events: the answer waits for the re-triage they cause. */
  readonly nearRemoval: boolean;
}

/** Events per coalesced write: one multi-row insert statement (the store's chunk), however many requests. */
const MAX_EVENTS_PER_WRITE = 100;

interface Pending {
  readonly events: readonly CloudTrailEvent[];
  readonly resolve: (written: KeptWritten) => void;
  readonly reject: (error: unknown) => void;
}

export type KeptWritesContext = Pick<LiveContext, 'inTransaction' | 'sightings' | 'triageConfig'>;

export class KeptWrites {
  readonly #ctx: KeptWritesContext;
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(ctx: KeptWritesContext) {
    this.#ctx = ctx;
  }

  /** Stores `events` with the other requests of this turn; resolves once committed. */
  write(events: readonly CloudTrailEvent[]): Promise<KeptWritten> {
    return new Promise<KeptWritten>((resolve, reject) => {
      this.#pending.push({ events, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // After every callback of this turn: the requests read from other sockets in it join this write.
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    let group: Pending[] = [];
    let size = 0;
    for (const entry of pending) {
      if (group.length > 0 && size + entry.events.length > MAX_EVENTS_PER_WRITE) {
        void this.#writeGroup(group);
        group = [];
        size = 0;
      }
      group.push(entry);
      size += entry.events.length;
    }
    if (group.length > 0) void this.#writeGroup(group);
  }

  async #writeGroup(group: readonly Pending[]): Promise<void> {
    try {
      const written = await this.#write(group.map((entry) => entry.events));
      group.forEach((entry, index) => entry.resolve(written[index]!));
    } catch (error) {
      // The world failing (database down, disk full) fails every request alike: trying each alone would only wait
      // as long again per request. Anything else may be one request's records: each is tried on its own.
      if (group.length === 1 || isTransientStoreError(error) || error instanceof StoreUnavailableError) {
        for (const entry of group) entry.reject(error);
        return;
      }
      for (const entry of group) {
        await this.#write([entry.events]).then(
          ([written]) => entry.resolve(written!),
          (alone: unknown) => entry.reject(alone),
        );
      }
    }
  }

  /** One transaction: every request's events in one insert, then the probe; per request, what it did. */
  async #write(requests: readonly (readonly CloudTrailEvent[])[]): Promise<KeptWritten[]> {
    const { sightings, triageConfig } = this.#ctx;
    const pendingSightings = sightings.take();
    try {
      // Light: a few statements, so these answers do not wait behind another request's triage (group-commit.ts).
      return await this.#ctx.inTransaction(
        async (tx) => {
          const all = requests.flat();
          const inserted = new Set((await tx.insertEvents(all, { sightings: pendingSightings })).inserted);
          const near = await nearRemovals(tx, requests, all, triageConfig);
          return requests.map((events, index) => ({
            inserted: new Set(events.filter((event) => inserted.has(event))),
            nearRemoval: near[index]!,
          }));
        },
        { priority: 'light' },
      );
    } catch (error) {
      // Not written: the sightings go back to wait for the next write.
      sightings.add(pendingSightings);
      throw error;
    }
  }
}

/**
 * Per request, whether a stored removal is in reach of its events (the probe of a batch that triages nothing itself).
 * One probe over all of them; only when it finds something is each request probed on its own, so that a request
 * unrelated to a removal never waits for a re-triage because another one in its write does.
 */
async function nearRemovals(
  tx: StoreTx,
  requests: readonly (readonly CloudTrailEvent[])[],
  all: readonly CloudTrailEvent[],
  config: KeptWritesContext['triageConfig'],
): Promise<boolean[]> {
  const any = (await affectedRemovals(tx, all, config, 'probe')).length > 0;
  if (!any || requests.length === 1) return requests.map(() => any);
  const near: boolean[] = [];
  for (const events of requests) near.push((await affectedRemovals(tx, events, config, 'probe')).length > 0);
  return near;
}
