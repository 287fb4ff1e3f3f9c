// The baseline's second pass of a scan: which callers triage judges, over which look-back, and which files can hold it.

import { correlateRemovals } from '../detect/index.ts';
import { actorKey, judgedActors } from '../enrich/index.ts';
import type { TriageConfig } from '../enrich/index.ts';
import { ANY_PRINCIPAL, principalHashOf } from '../ingest/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import type { BaselineTarget } from './process-chunk.ts';

const DAY_MS = 86_400_000;

/** What a file held, by event time (epoch ms), learned in the first pass. */
export interface FileSpan {
  readonly firstMs: number;
  readonly lastMs: number;
  /**
   * Its callers as `principalHash` values (ANY_PRINCIPAL: some could not be read), sorted, once each: a typed array,
   * not a Set, as the scan holds one per file until the passes end (a few bytes per caller instead of a hash table).
   */
  readonly principals: Uint32Array;
}

/** The sorted, distinct union of a file's callers so far and those of another of its chunks. */
export function mergePrincipals(held: Uint32Array | undefined, more: readonly number[]): Uint32Array {
  const all = new Uint32Array((held?.length ?? 0) + more.length);
  if (held !== undefined) all.set(held);
  all.set(more, held?.length ?? 0);
  all.sort();
  let kept = 0;
  for (let at = 0; at < all.length; at++) if (at === 0 || all[at] !== all[at - 1]) all[kept++] = all[at]!;
  return kept === all.length ? all : all.slice(0, kept);
}

/** Whether the sorted `principals` hold `hash` (a binary search). */
function holdsHash(principals: Uint32Array, hash: number): boolean {
  let low = 0;
  let high = principals.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = principals[middle]!;
    if (value === hash) return true;
    if (value < hash) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

export interface BaselinePlan {
  readonly target: BaselineTarget;
  /** Files whose events can fall in a judged caller's look-back, in first-pass order. */
  readonly files: readonly string[];
}

/**
 * The callers whose familiarity triage judges (each removal's caller, the enablers, the target's sign-ins: the same
 * `judgedActors` the live service reads sightings for) and the files that can hold them: in their look-back, with one
 * of their principal ids among the file's callers (fingerprinted in the first pass); null when there are none.
 */
export function planBaselinePass(
  events: readonly CloudTrailEvent[],
  config: TriageConfig,
  coverageEndMs: number,
  spans: ReadonlyMap<string, FileSpan>,
  /** Principal ids by caller (`actorKey`) of the events kept outside `events` (rule hits off the correlated names). */
  otherCallers: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): BaselinePlan | null {
  const windows = new Map<string, { fromMs: number; toMs: number }>();
  for (const correlation of correlateRemovals(events, config, coverageEndMs)) {
    for (const event of judgedActors(correlation)) {
      const key = actorKey(event);
      if (key === null) continue;
      const window = windows.get(key);
      // From the start of the look-back's first day: a sighting counts for its whole day (`Baseline.seenBetween`),
      // and a kept-slice record left unparsed in pass 1 is observed only here.
      const fromMs = Math.floor((event.timeMs - config.lookbackMs) / DAY_MS) * DAY_MS;
      if (window === undefined) windows.set(key, { fromMs, toMs: event.timeMs });
      else
        windows.set(key, {
          fromMs: Math.min(window.fromMs, fromMs),
          toMs: Math.max(window.toMs, event.timeMs),
        });
    }
  }
  if (windows.size === 0) return null;
  // Each caller's principal ids, and with them the callers' union (what the pass searches the bytes for).
  const idsOf = new Map<string, Set<string>>();
  const addId = (key: string, id: string): void => {
    let ids = idsOf.get(key);
    if (ids === undefined) idsOf.set(key, (ids = new Set<string>()));
    ids.add(id);
  };
  for (const event of events) {
    const key = actorKey(event);
    if (key === null || !windows.has(key) || event.actor.principalId === null) continue;
    addId(key, event.actor.principalId);
  }
  for (const [key, ids] of otherCallers) {
    if (!windows.has(key)) continue;
    for (const id of ids) addId(key, id);
  }
  const principalIds = new Set<string>();
  for (const ids of idsOf.values()) for (const id of ids) principalIds.add(id);
  const full = idsOf.size < windows.size;
  // A file is read for a caller whose look-back it reaches and whose principal id it holds (or any, when some id
  // could not be read): not for one caller's look-back and another's id. A sighting outside a caller's own window
  // changes no answer of `Baseline.seenBetween` for it (a later one never lowers the day's earliest time), so a
  // caller's files after its last judged event, held for a later removal's window of another caller, are left out.
  const callers = [...windows].map(([key, range]) => {
    const ids = idsOf.get(key);
    return { range, hashes: ids === undefined ? null : [...ids].map(principalHashOf) };
  });
  const reaches = (span: FileSpan, range: { fromMs: number; toMs: number }): boolean =>
    span.firstMs <= range.toMs && span.lastMs >= range.fromMs;
  const wanted = (span: FileSpan): boolean => {
    // Some caller has no id to search for: files are parsed whole, so every file in a look-back is read.
    if (full || holdsHash(span.principals, ANY_PRINCIPAL))
      return callers.some(({ range }) => reaches(span, range));
    return callers.some(
      ({ range, hashes }) =>
        reaches(span, range) && hashes !== null && hashes.some((hash) => holdsHash(span.principals, hash)),
    );
  };
  const files = [...spans].filter(([, span]) => wanted(span)).map(([location]) => location);
  return {
    target: {
      actors: [...windows.keys()],
      principalIds: [...principalIds],
      // A caller known by no principal id (a user name only) cannot be searched for: those files are parsed whole.
      full,
    },
    files,
  };
}
