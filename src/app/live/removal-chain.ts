// Burst standing from the stored chain summary: a removal appended to its caller's chain learns its burst from one row
// and a few bounded reads, not from the chain (which in a burst is the burst itself, read again for every removal).
//
// findBursts cuts a caller's removals greedily from the chain's start, so where a burst starts depends on the whole
// chain before it. The summary (removal_chains) keeps what the greedy cut needs at the chain's end: the newest removal,
// and the first removal and users of the newest burst. A removal after the newest one then either joins the newest
// burst (it is within a burst window of its first removal: the users so far grow by one when its user is new), or
// starts are tried only among the removals of the last burst window, whose earlier starts are all decided. Anything
// else (a removal older than the newest, a row that disagrees with the stored events, a caller seen for the first time,
// a removal whose user is unknown) walks the whole chain as before and rebuilds the row. Scan and the walk stay the
// reference: the results are the same by construction (removal-chain.test.ts compares them on random chains).

import { byTime, findBursts, isCallerUser, isMfaRemoval, targetUserName } from '../../detect/index.ts';
import type { Burst } from '../../detect/index.ts';
import type { TriageConfig } from '../../enrich/index.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import type { RemovalChain, StoreTx } from '../../store/index.ts';
import { actorKeyOf, eventTargetKey } from '../../store/index.ts';

const MAX_EVENTS = 100_000;

/** What triage of one stepped removal needs of its chain. */
export interface ChainStanding {
  /**
   * The removal's burst as it stood at it, null when in none. `partial`: the burst lists only its first removal and
   * this one, with this one's standing: what the removal's own alert needs, not what the burst's alert needs.
   */
  readonly burst: Burst | null;
  readonly partial: boolean;
  /** The newest refused deactivation by the caller (its failed attempts are precursors of its removals). */
  readonly failedMs: number | null;
}

/** What stepping a batch's removals decided. */
export interface ChainSteps {
  /** By removal id, for every successful removal stepped. */
  readonly standings: Map<string, ChainStanding>;
  /** Stored removals whose standing the stepped ones changed: the removal itself, or the members of a burst it made. */
  readonly changed: CloudTrailEvent[];
}

function isFailedRemoval(event: CloudTrailEvent): boolean {
  return event.name === 'DeactivateMFADevice' && event.outcome === 'failure';
}

/** Whether storing the event must step its caller's chain summary: a removal or a refused attempt at one. */
export function stepsRemovalChain(event: CloudTrailEvent): boolean {
  return isMfaRemoval(event) || isFailedRemoval(event);
}

/** The caller's DeactivateMFADevice calls (both outcomes) in [fromMs, toMs). */
function deactivations(
  tx: StoreTx,
  actor: string,
  account: string | null,
  fromMs: number,
  toMs: number,
): Promise<CloudTrailEvent[]> {
  return tx.findEvents({
    fromMs,
    toMs,
    names: ['DeactivateMFADevice'],
    actorKeys: [actor],
    ...(account === null ? {} : { accounts: [account] }),
    limit: MAX_EVENTS,
  });
}

/**
 * The whole chain (or chains) of the caller's removals around [fromMs, toMs]: walked back to a gap wider than a burst
 * window, and forward likewise. The refused attempts of the precursor window before `fromMs` are read too.
 */
async function walkChain(
  tx: StoreTx,
  actor: string,
  account: string | null,
  span: { readonly fromMs: number; readonly toMs: number },
  config: TriageConfig,
): Promise<{ removals: CloudTrailEvent[]; failedMs: number | null }> {
  const window = config.burstWindowMs;
  let from = span.fromMs - Math.max(window, config.precursorWindowMs);
  let to = span.toMs + window + 1;
  for (;;) {
    const found = await deactivations(tx, actor, account, from, to);
    const removals = found.filter(isMfaRemoval).sort(byTime);
    const first = removals[0];
    const last = removals[removals.length - 1];
    if (first !== undefined && first.timeMs - window < from) from = first.timeMs - window;
    else if (last !== undefined && last.timeMs + window >= to) to = last.timeMs + window + 1;
    else {
      const failed = found.filter(isFailedRemoval).map((event) => event.timeMs);
      return { removals, failedMs: failed.length === 0 ? null : Math.max(...failed) };
    }
  }
}

const newest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** A removal strictly after the row's newest one, in (time, id) order. */
function after(chain: RemovalChain, removal: CloudTrailEvent): boolean {
  if (chain.lastMs === null || chain.lastId === null) return false;
  return removal.timeMs > chain.lastMs || (removal.timeMs === chain.lastMs && removal.id > chain.lastId);
}

/** One removal appended to a chain whose row holds; null when the row cannot answer (the caller then walks). */
async function appendRemoval(
  tx: StoreTx,
  chain: RemovalChain,
  removal: CloudTrailEvent,
  config: TriageConfig,
): Promise<{
  standing: Burst | null;
  partial: boolean;
  changed: CloudTrailEvent[];
  next: RemovalChain;
} | null> {
  const { actorKey: actor, account } = chain;
  const user = targetUserName(removal);
  const key = eventTargetKey(removal);
  // A caller's own device: its other events may name it without a userName, which a read by target key misses.
  if (!after(chain, removal) || user === null || key === null || isCallerUser(removal, user)) return null;
  const window = config.burstWindowMs;
  // The row must agree with the stored events: nothing between its newest removal and this one (a removal stored by
  // a path that did not step the row, or a row left behind by a race, shows here as an extra one).
  const between = (await deactivations(tx, actor, account, chain.lastMs!, removal.timeMs + 1)).filter(
    isMfaRemoval,
  );
  if (!between.some((event) => event.id === chain.lastId)) return null;
  if (between.some((event) => event.id !== chain.lastId && event.id !== removal.id && after(chain, event)))
    return null;
  const next = { ...chain, lastId: removal.id, lastMs: removal.timeMs };
  const firstMs = chain.burstFirstMs;
  if (firstMs !== null && chain.burstFirstId !== null && removal.timeMs - firstMs <= window) {
    // It joins the open burst: the users so far grow when no earlier member removed this user's device.
    const first = (await deactivations(tx, actor, account, firstMs, firstMs + 1)).find(
      (event) => event.id === chain.burstFirstId,
    );
    if (first === undefined) return null;
    const sameUser = await tx.findEvents({
      fromMs: firstMs,
      toMs: removal.timeMs + 1,
      names: ['DeactivateMFADevice'],
      actorKeys: [actor],
      targetKeys: [key],
      ...(account === null ? {} : { accounts: [account] }),
      limit: MAX_EVENTS,
    });
    const known = sameUser.some(
      (event) =>
        isMfaRemoval(event) &&
        event.id !== removal.id &&
        byTime(event, first) >= 0 &&
        byTime(event, removal) < 0 &&
        targetUserName(event)?.toLowerCase() === user.toLowerCase(),
    );
    const count = chain.burstUsers + (known ? 0 : 1);
    const windowSeconds = Math.round((removal.timeMs - first.timeMs) / 1000);
    const burst: Burst = {
      actor,
      removals: [first, removal],
      targets: [],
      windowSeconds,
      soFar: new Map([[removal.id, { count, windowSeconds }]]),
    };
    return { standing: burst, partial: true, changed: [removal], next: { ...next, burstUsers: count } };
  }
  // No open burst: only starts within one burst window of this removal are undecided (an earlier start's window ended
  // before it, and made no burst, or the row would name it), and none inside the newest burst is a start.
  const fromMs = Math.max(firstMs === null ? -Infinity : firstMs + window + 1, removal.timeMs - window);
  const region = (await deactivations(tx, actor, account, fromMs, removal.timeMs + 1)).filter(isMfaRemoval);
  const burst = findBursts(region, config).get(removal.id) ?? null;
  if (burst === null) return { standing: null, partial: false, changed: [], next };
  const first = burst.removals[0]!;
  return {
    standing: burst,
    partial: false,
    // A burst made now: every member's standing changed (before this removal they were in none).
    changed: [...burst.removals],
    next: { ...next, burstFirstId: first.id, burstFirstMs: first.timeMs, burstUsers: burst.targets.length },
  };
}

/**
 * The removals of a chain whose burst standing (the burst they are in, and how it stood at them) differs with and
 * without the arriving ones; also the bursts with them, which the caller goes on with.
 */
export function standingChanges(
  chain: readonly CloudTrailEvent[],
  arriving: ReadonlySet<string>,
  config: TriageConfig,
): { withThem: Map<string, Burst>; changed: CloudTrailEvent[] } {
  const withThem = findBursts(chain, config);
  const without = findBursts(
    chain.filter((event) => !arriving.has(event.id)),
    config,
  );
  const standing = (bursts: Map<string, Burst>, id: string): string => {
    const burst = bursts.get(id);
    const soFar = burst?.soFar.get(id);
    return burst === undefined
      ? ''
      : `${burst.removals[0]?.id}\u0000${soFar?.count}\u0000${soFar?.windowSeconds}`;
  };
  return {
    withThem,
    changed: chain.filter((event) => standing(withThem, event.id) !== standing(without, event.id)),
  };
}

/**
 * The walk: the chain read whole, the removals' standing from findBursts, and the row rebuilt when the chain is the
 * caller's newest (an older chain changes nothing the row holds).
 */
async function walkRemovals(
  tx: StoreTx,
  key: { readonly actor: string; readonly account: string | null },
  chain: RemovalChain | null,
  arriving: readonly CloudTrailEvent[],
  config: TriageConfig,
): Promise<{ standings: Map<string, Burst | null>; changed: CloudTrailEvent[]; next: RemovalChain }> {
  const span = { fromMs: arriving[0]!.timeMs, toMs: arriving[arriving.length - 1]!.timeMs };
  const walked = await walkChain(tx, key.actor, key.account, span, config);
  const { withThem, changed } = standingChanges(
    walked.removals,
    new Set(arriving.map((event) => event.id)),
    config,
  );
  const standings = new Map(arriving.map((event) => [event.id, withThem.get(event.id) ?? null]));
  const last = walked.removals[walked.removals.length - 1];
  const failedMs = newest(chain?.failedMs ?? null, walked.failedMs);
  const base: RemovalChain = chain ?? {
    actorKey: key.actor,
    account: key.account,
    lastId: null,
    lastMs: null,
    burstFirstId: null,
    burstFirstMs: null,
    burstUsers: 0,
    failedMs: null,
  };
  if (
    last === undefined ||
    (chain !== null && chain.lastMs !== null && !after(chain, last) && last.id !== chain.lastId)
  )
    return { standings, changed, next: { ...base, failedMs } };
  let burst: Burst | null = null;
  for (const event of walked.removals) burst = withThem.get(event.id) ?? burst;
  const first = burst?.removals[0];
  return {
    standings,
    changed,
    next: {
      ...base,
      lastId: last.id,
      lastMs: last.timeMs,
      burstFirstId: first?.id ?? null,
      burstFirstMs: first?.timeMs ?? null,
      burstUsers: burst?.targets.length ?? 0,
      failedMs,
    },
  };
}

/**
 * Steps the chain summaries of the callers of the given newly stored events (in the transaction that stored them):
 * their removals, in time order, and their refused attempts. Returns each removal's burst standing and the stored
 * removals whose standing changed.
 */
export async function stepRemovalChains(
  tx: StoreTx,
  stored: readonly CloudTrailEvent[],
  config: TriageConfig,
): Promise<ChainSteps> {
  const groups = new Map<string, { actor: string; account: string | null; events: CloudTrailEvent[] }>();
  for (const event of [...stored].sort(byTime)) {
    const actor = actorKeyOf(event.actor);
    if (actor === null || !stepsRemovalChain(event)) continue;
    const key = `${actor}\u0000${event.account ?? ''}`;
    const group = groups.get(key) ?? { actor, account: event.account, events: [] };
    group.events.push(event);
    groups.set(key, group);
  }
  const standings = new Map<string, ChainStanding>();
  const changed = new Map<string, CloudTrailEvent>();
  // In key order: two writers lock the rows of several callers in the same order (no deadlock on PostgreSQL).
  for (const [, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const locked = await tx.lockRemovalChain(group.actor, group.account);
    let chain = locked !== null && locked.lastId === null && locked.failedMs === null ? null : locked;
    const failed = group.events.filter(isFailedRemoval).map((event) => event.timeMs);
    const failedMs = newest(chain?.failedMs ?? null, failed.length === 0 ? null : Math.max(...failed));
    const removals = group.events.filter(isMfaRemoval);
    const found = new Map<string, { burst: Burst | null; partial: boolean }>();
    let next: RemovalChain | null = chain === null ? null : { ...chain, failedMs };
    for (const [index, removal] of removals.entries()) {
      const step =
        next === null || next.lastId === null ? null : await appendRemoval(tx, next, removal, config);
      if (step === null) {
        // The rest of the batch's removals of this caller go through one walk.
        const walked = await walkRemovals(tx, group, next, removals.slice(index), config);
        for (const [id, burst] of walked.standings) found.set(id, { burst, partial: false });
        for (const event of walked.changed) changed.set(event.id, event);
        next = { ...walked.next, failedMs: newest(walked.next.failedMs, failedMs) };
        break;
      }
      found.set(removal.id, { burst: step.standing, partial: step.partial });
      for (const event of step.changed) changed.set(event.id, event);
      next = step.next;
    }
    chain = next ?? {
      actorKey: group.actor,
      account: group.account,
      lastId: null,
      lastMs: null,
      burstFirstId: null,
      burstFirstMs: null,
      burstUsers: 0,
      failedMs,
    };
    await tx.putRemovalChain(chain);
    for (const [id, standing] of found) standings.set(id, { ...standing, failedMs: chain.failedMs });
  }
  return { standings, changed: [...changed.values()].sort(byTime) };
}
