// Re-triage's writes: stored removals triaged again with what arrived since, the changed alerts written, and (after a
// coalesced flush) the cases they touch brought in step.

import { BURST_RULE, buildAlert, isMfaRemoval } from '../../detect/index.ts';
import { extendBurstAlert } from '../../enrich/index.ts';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import { actorKeyOf } from '../../store/index.ts';
import type { StoreTx } from '../../store/index.ts';
import { keepOwnerAnswer } from './owner-answer.ts';
import type { ChainStanding } from './removal-chain.ts';
import type { ChainDecisions } from './retriage-queue.ts';
import { joinCases, syncCase } from './case-steps.ts';
import type { CaseStepContext } from './case-steps.ts';
import { count } from './live-context.ts';
import type { BatchEffects, LiveContext, Retriaged } from './live-context.ts';
import { affectedRemovals, caseTargetOf, triageChanged, triageStoredRemovals } from './live-triage.ts';

/** Alerts (or cases) a re-triage flush writes per transaction, so ingestion's writes go in between. */
const FLUSH_CHUNK = 50;

/**
 * A flush's writes yield the writer to ingestion (see group-commit.ts): the requests waiting for the flush are the
 * burst's own removals, and unrelated events must not queue behind the chain's re-triage.
 */
const BACKGROUND = { priority: 'background' } as const;

/** What re-triage needs of the service (the cases step included). */
export type TriageWriteContext = CaseStepContext &
  Pick<
    LiveContext,
    | 'store'
    | 'rules'
    | 'triageConfig'
    | 'coverageEnd'
    | 'clock'
    | 'flushGuards'
    | 'inTransaction'
    | 'resolveOwners'
    | 'responder'
  >;

/** Re-triages stored removals; writes what changed. */
export async function retriage(
  ctx: TriageWriteContext,
  tx: StoreTx,
  effects: BatchEffects,
  removals: readonly CloudTrailEvent[],
  now: number,
  options: {
    /** False when a coalesced re-triage follows that writes the bursts' alerts (see TriageOptions.bursts). */
    readonly bursts?: boolean;
    /** The burst standing of the removals this write stepped (see removal-chain.ts). */
    readonly standings?: ReadonlyMap<string, ChainStanding>;
  } = {},
): Promise<Retriaged> {
  const { rules, triageConfig, coverageEnd } = ctx;
  const context = {
    rules,
    config: triageConfig,
    coverageEndMs: coverageEnd(now),
    bursts: options.bursts ?? true,
    ...(options.standings === undefined ? {} : { standings: options.standings }),
  };
  return applyTriaged(ctx, tx, effects, await triageStoredRemovals(tx, removals, context), now);
}

/** Writes what a triage found: changed alerts, a burst's new alert; `own`: the caller's flush guard, if any. */
async function applyTriaged(
  ctx: Pick<TriageWriteContext, 'flushGuards'>,
  tx: StoreTx,
  effects: BatchEffects,
  triagedAlerts: readonly Alert[],
  now: number,
  own?: Set<string>,
): Promise<Retriaged> {
  const { flushGuards } = ctx;
  const result: Retriaged = { touched: new Set(), unattached: [], removalAlerts: new Map() };
  for (const triaged of triagedAlerts) {
    if (triaged.incident?.role === 'removal') {
      const ids = result.removalAlerts.get(triaged.event.id) ?? [];
      result.removalAlerts.set(triaged.event.id, [...ids, triaged.id]);
    }
    if (own?.has(triaged.id) === true) continue;
    for (const guard of flushGuards) if (guard !== own) guard.add(triaged.id);
    const stored = await tx.getAlert(triaged.id);
    if (stored === null) {
      // Only a burst's own alert is born in triage (rule alerts were inserted before it).
      if (triaged.rule.id !== BURST_RULE.meta.id) continue;
      const inserted = await tx.insertAlerts([triaged], now);
      for (const alert of inserted.inserted) {
        effects.newAlerts.set(alert.id, alert);
        count(effects, 'alertsRaised');
      }
      continue;
    }
    const next = keepOwnerAnswer(stored.alert, triaged);
    if (!triageChanged(stored.alert, next)) continue;
    await tx.updateAlert(next, now);
    if (effects.newAlerts.has(next.id)) effects.newAlerts.set(next.id, next);
    else count(effects, 'alertsUpdated');
    if (stored.caseId !== null) result.touched.add(stored.caseId);
    else if (next.incident !== undefined && !effects.newAlerts.has(next.id)) result.unattached.push(next);
  }
  return result;
}

/** Members to add to a burst's stored alert, in the write that reads it (see extendBurst). */
interface BurstExtension {
  readonly id: string;
  /** The burst's first removal: its caller's chain row is the lock two flushes extending the burst take in turn. */
  readonly first: CloudTrailEvent;
  readonly added: Parameters<typeof extendBurstAlert>[2];
}

/**
 * The removals that joined an open burst, triaged on their own (their bursts from the chain summaries), and what they
 * add to their bursts' stored alerts (see extendBurstAlert): bounded by the removals, not by the burst. A burst whose
 * alert is not stored yet is left to a triage of the whole burst, and one the whole re-triage already made is skipped.
 */
async function extendBursts(
  ctx: Pick<TriageWriteContext, 'store' | 'rules' | 'triageConfig' | 'coverageEnd'>,
  joined: readonly CloudTrailEvent[],
  standings: ReadonlyMap<string, ChainStanding>,
  whole: readonly Alert[],
  now: number,
): Promise<{ alerts: Alert[]; extensions: BurstExtension[] }> {
  if (joined.length === 0) return { alerts: [], extensions: [] };
  const { store, rules, triageConfig, coverageEnd } = ctx;
  const context = { rules, config: triageConfig, coverageEndMs: coverageEnd(now), bursts: false, standings };
  const own = await triageStoredRemovals(store, joined, context);
  // Each removal's classification as the burst's alert takes it: that of its removal alert with the highest base risk.
  const lead = new Map<string, Alert>();
  for (const alert of own) {
    if (alert.incident?.role !== 'removal' || alert.classification === undefined) continue;
    const held = lead.get(alert.event.id);
    if (held === undefined || alert.rule.riskScore > held.rule.riskScore) lead.set(alert.event.id, alert);
  }
  const made = new Set(whole.map((alert) => alert.id));
  const byBurst = new Map<string, { first: CloudTrailEvent; removals: CloudTrailEvent[] }>();
  for (const removal of joined) {
    const first = standings.get(removal.id)?.burst?.removals[0];
    if (first === undefined) continue;
    const id = buildAlert(BURST_RULE, first).id;
    const group = byBurst.get(id) ?? { first, removals: [] };
    group.removals.push(removal);
    byBurst.set(id, group);
  }
  const alerts = [...own];
  const extensions: BurstExtension[] = [];
  for (const [id, group] of byBurst) {
    if (made.has(id)) continue;
    if ((await store.getAlert(id)) === null) {
      alerts.push(
        ...(await triageStoredRemovals(store, group.removals, {
          ...context,
          bursts: true,
          standings: new Map(),
        })),
      );
      continue;
    }
    const added = group.removals.flatMap((removal) => {
      const classification = lead.get(removal.id)?.classification;
      const count = standings.get(removal.id)?.burst?.soFar.get(removal.id)?.count;
      return classification === undefined || count === undefined ? [] : [{ removal, classification, count }];
    });
    extensions.push({ id, first: group.first, added });
  }
  return { alerts, extensions };
}

/**
 * Extends a burst's stored alert in one transaction: read, extend, write under its caller's chain row lock, so two
 * flushes (two workers on PostgreSQL) extending one burst at once take turns and neither drops the other's members
 * (each read the alert before the other wrote it, and the second write lost the first one's members).
 */
async function extendBurst(
  ctx: TriageWriteContext,
  extension: BurstExtension,
  now: number,
): Promise<{ applied: Retriaged; born: Alert[] }> {
  return ctx.inTransaction(async (tx, effects) => {
    const actor = actorKeyOf(extension.first.actor);
    if (actor !== null) await tx.lockRemovalChain(actor, extension.first.account);
    const stored = await tx.getAlert(extension.id);
    const extended =
      stored === null ? [] : [extendBurstAlert(stored.alert, extension.first.timeMs, extension.added)];
    // Not `own`: what this write read is the newest, so another flush's stored burst alert is extended, not skipped.
    const applied = await applyTriaged(ctx, tx, effects, extended, now);
    return { applied, born: [...effects.newAlerts.values()] };
  }, BACKGROUND);
}

/**
 * One coalesced re-triage (see retriage-queue.ts): the stored removals the marked events change, re-triaged
 * together; their incidents' stray alerts join cases, and the cases they touch are brought in step.
 *
 * The reads and the triage run outside any write transaction, and the writes go in small transactions: a burst's
 * chain grows with every removal, and holding the writer for all of it (SQLite has one) made every unrelated request
 * wait for the whole chain. On PostgreSQL no connection holds row locks while triage computes. What other writes
 * triaged meanwhile is newer than what was read here and is kept (flushGuards); a flush that fails half way has
 * written only re-triage results, which are idempotent, and its callers' retries mark the events again.
 */
export async function flushRetriage(
  ctx: TriageWriteContext,
  events: readonly CloudTrailEvent[],
  chains: ChainDecisions = { decided: new Set(), changed: [], standings: new Map() },
): Promise<string[]> {
  const { store, rules, triageConfig, coverageEnd, flushGuards, inTransaction, resolveOwners } = ctx;
  const now = ctx.clock();
  // The owners of the removals just posted (their cases are the ones a re-triage may turn to asking); the other
  // touched cases asked theirs when they opened.
  const targets = new Map<string, { key: string; account: string | null; userName: string }>();
  for (const event of events) {
    if (!isMfaRemoval(event)) continue;
    const target = caseTargetOf(event);
    if (target !== null) targets.set(target.key, { ...target, account: event.account });
  }
  const owners = await resolveOwners(targets.values());
  const guard = new Set<string>();
  flushGuards.add(guard);
  try {
    // A removal that only joined an open burst changes nothing but the burst's alert, which is extended with it; what
    // it changes through its incident (another removal of its user) and what the other events change is re-triaged.
    const candidates = new Set(
      chains.changed.flatMap((event) => (chains.standings.get(event.id)?.partial === true ? [event.id] : [])),
    );
    const rest = events.filter((event) => !candidates.has(event.id));
    const joinedEvents = events.filter((event) => candidates.has(event.id));
    const affected = [
      ...(await affectedRemovals(store, rest, triageConfig, 'all', new Set(), chains.decided)),
      ...(await affectedRemovals(store, joinedEvents, triageConfig, 'incidents', candidates, chains.decided)),
    ];
    const affectedIds = new Set(affected.map((event) => event.id));
    const joined = chains.changed.filter((event) => candidates.has(event.id) && !affectedIds.has(event.id));
    const joinedIds = new Set(joined.map((event) => event.id));
    const others = chains.changed.filter((event) => !joinedIds.has(event.id));
    const removals = [...new Map([...affected, ...others].map((event) => [event.id, event])).values()];
    const context = { rules, config: triageConfig, coverageEndMs: coverageEnd(now) };
    const whole = await triageStoredRemovals(store, removals, context);
    const extended = await extendBursts(ctx, joined, chains.standings, whole, now);
    const triaged = [...whole, ...extended.alerts];
    const caseIds = new Set<string>();
    const retriaged: Retriaged = { touched: new Set(), unattached: [], removalAlerts: new Map() };
    const born: Alert[] = [];
    const merge = (part: { applied: Retriaged; born: Alert[] }): void => {
      for (const id of part.applied.touched) retriaged.touched.add(id);
      retriaged.unattached.push(...part.applied.unattached);
      for (const [id, ids] of part.applied.removalAlerts)
        retriaged.removalAlerts.set(id, [...(retriaged.removalAlerts.get(id) ?? []), ...ids]);
      born.push(...part.born);
    };
    for (let at = 0; at < triaged.length; at += FLUSH_CHUNK) {
      merge(
        await inTransaction(async (tx, effects) => {
          const applied = await applyTriaged(
            ctx,
            tx,
            effects,
            triaged.slice(at, at + FLUSH_CHUNK),
            now,
            guard,
          );
          return { applied, born: [...effects.newAlerts.values()] };
        }, BACKGROUND),
      );
    }
    for (const extension of extended.extensions) merge(await extendBurst(ctx, extension, now));
    const synced = await inTransaction(async (tx, effects) => {
      const joined = await joinCases(ctx, tx, effects, [...born, ...retriaged.unattached], {
        retriaged,
        eventOf: () => undefined,
        owners,
        now,
      });
      for (const id of effects.caseIds) caseIds.add(id);
      return joined;
    }, BACKGROUND);
    // The responder plans from a case's state and fields: a case whose alerts changed but which stayed as it was
    // (a burst's member learning the burst grew) needs no new plan; re-planning every one made a burst's flush
    // re-read every case of the chain once more.
    const changed = new Set(caseIds);
    const pending = [...retriaged.touched].filter((id) => !synced.has(id)).sort();
    for (let at = 0; at < pending.length; at += FLUSH_CHUNK) {
      await inTransaction(async (tx, effects) => {
        for (const caseId of pending.slice(at, at + FLUSH_CHUNK))
          if (await syncCase(ctx, tx, effects, caseId, owners, now)) changed.add(caseId);
        for (const id of effects.caseIds) caseIds.add(id);
      }, BACKGROUND);
    }
    // After the commits, once per flush: IAM calls never run inside a database transaction.
    await ctx.responder?.caseChanged([...changed].sort());
    return [...caseIds];
  } finally {
    flushGuards.delete(guard);
  }
}
