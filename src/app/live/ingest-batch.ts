// One ingested batch: detection (pure, before any transaction), then one write transaction (events, alerts, aggregates,
// triage, cases), then the coalesced re-triage the batch waits for and the responder, after commit.

import { baselineSightings } from '../../enrich/index.ts';
import { denialFactOf } from '../../cases/index.ts';
import { isMfaRemoval } from '../../detect/index.ts';
import type { AggregateRule, Alert, CloudTrailEvent, InputIssue } from '../../model/index.ts';
import type { StoreTx } from '../../store/index.ts';
import { aggregateAlerts, detectEvent } from '../pipeline.ts';
import { joinCases, syncCase } from './case-steps.ts';
import type { IngestOutcome, RecordOrigin } from './contract.ts';
import type { Rejected } from './decode.ts';
import { identityConflicts } from './event-identity.ts';
import { count } from './live-context.ts';
import type { BatchEffects, LiveContext } from './live-context.ts';
import { affectedRemovals, caseTargetOf } from './live-triage.ts';
import type { KeptWrites, KeptWritten } from './kept-writes.ts';
import { stepRemovalChains, stepsRemovalChain } from './removal-chain.ts';
import type { ChainSteps } from './removal-chain.ts';
import type { RetriageQueue } from './retriage-queue.ts';
import { retriage } from './triage-writes.ts';
import type { TriageWriteContext } from './triage-writes.ts';

/** How far back an aggregate rule (threshold, new terms) looks in the store when a batch feeds it. */
const AGGREGATE_LOOKBACK_MS = 24 * 3_600_000;

/** What ingestion needs of the service. */
export type IngestContext = TriageWriteContext & Pick<LiveContext, 'metrics' | 'log' | 'sightings'>;

/** What detection found in a batch, before anything is written. */
interface Detected {
  readonly kept: CloudTrailEvent[];
  readonly ruleAlerts: Alert[];
  readonly alertsOf: Map<CloudTrailEvent, readonly Alert[]>;
  readonly aggregateRules: Map<string, AggregateRule>;
  readonly ignored: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly byId: Map<string, CloudTrailEvent>;
  readonly targets: Map<string, { key: string; account: string | null; userName: string }>;
}

/** What the write transaction did, for the outcome. */
interface Written {
  readonly conflicts: InputIssue[];
  readonly stored: number;
  readonly duplicates: number;
  readonly alerts: Alert[];
  readonly caseIds: string[];
  /** Events whose stored removals wait for the coalesced re-triage (none: nothing to wait for). */
  readonly dirty: CloudTrailEvent[];
  /** What stepping the removals' chains decided (see removal-chain.ts), for the re-triage. */
  readonly chains: ChainSteps;
}

/** Detects, writes and triages one batch; answers once the re-triage it caused is done too. */
export async function ingestEvents(
  ctx: IngestContext,
  { retriageQueue, keptWrites }: { retriageQueue: RetriageQueue<string[]>; keptWrites: KeptWrites },
  events: readonly CloudTrailEvent[],
  rejected: Rejected,
  received: number,
  origin: RecordOrigin,
): Promise<IngestOutcome> {
  const { metrics, sightings, resolveOwners } = ctx;
  const detected = detectBatch(ctx, events);
  const { kept, ruleAlerts, aggregateRules, ignored, targets } = detected;
  const owners = await resolveOwners(targets.values());
  const now = ctx.clock();
  // Denials come from every service, mostly outside the kept slice: recorded as narrow rows instead, with the facts
  // that make them MFA-related (not a kind: the KPIs classify with the `mfaPolicies` configured when they are read).
  const denials = events.flatMap((event) => {
    const denial = denialFactOf(event);
    return denial === null ? [] : [denial];
  });
  sightings.add(baselineSightings(events));
  if (
    kept.length === 0 &&
    denials.length === 0 &&
    ruleAlerts.length === 0 &&
    aggregateRules.size === 0 &&
    rejected.deadLetters.length === 0 &&
    !sightings.full
  ) {
    // Only events outside the kept slice, none alerting: nothing to write now, so no write transaction (on SQLite
    // every transaction queues behind the one writer, and most of the firehose is such events). Their sightings
    // wait in the buffer for the next write.
    metrics.inc('eventsReceived', received);
    metrics.inc('eventsIgnored', ignored);
    return { received, stored: 0, duplicates: 0, ignored, rejected: [], alerts: [], caseIds: [] };
  }

  const result =
    ruleAlerts.length === 0 &&
    aggregateRules.size === 0 &&
    rejected.deadLetters.length === 0 &&
    denials.length === 0 &&
    // A refused deactivation raises no alert but steps its caller's chain summary (removal-chain.ts), which only
    // writeBatch does: without it a later removal triaged from the summary would miss that precursor.
    !kept.some(stepsRemovalChain)
      ? // Events to keep and nothing else: written with the other such requests of this turn (see kept-writes.ts).
        keptWritten(kept, await keptWrites.write(kept))
      : await writeAlone(ctx, { detected, rejected, origin, owners, now, denials });
  // Answered once the stored removals these events change are re-triaged too: a 2xx still means all is done.
  const retriagedCases = (await retriageQueue.mark(result.dirty, result.chains)) ?? [];
  // After the commit: IAM calls never run inside a database transaction.
  if (ctx.responder !== undefined) {
    await ctx.responder.eventsIngested(kept);
    // The cases the re-triage changed were given to the responder by the flush, once for all who waited for it
    // (telling it again per waiting request made a burst of n removals plan n times n cases).
    await ctx.responder.caseChanged(result.caseIds);
  }
  metrics.inc('eventsReceived', received);
  metrics.inc('eventsStored', result.stored);
  metrics.inc('eventsDuplicate', result.duplicates);
  metrics.inc('eventsIgnored', ignored);
  metrics.inc('recordsRejected', rejected.issues.length + result.conflicts.length);
  return {
    received,
    stored: result.stored,
    duplicates: result.duplicates,
    ignored,
    rejected: [...rejected.issues, ...result.conflicts],
    alerts: result.alerts,
    caseIds: [...new Set([...result.caseIds, ...retriagedCases])].sort(),
  };
}

/** A batch written in its own job of the group commit: anything that alerts, dead-letters or records denials. */
async function writeAlone(
  ctx: IngestContext,
  batch: Omit<Parameters<typeof writeBatch>[3], 'pendingSightings'>,
): Promise<Written> {
  const pendingSightings = ctx.sightings.take();
  return ctx
    .inTransaction((tx, effects) => writeBatch(ctx, tx, effects, { ...batch, pendingSightings }))
    .catch((error: unknown) => {
      // Not written: the sightings go back to wait for the next write.
      ctx.sightings.add(pendingSightings);
      throw error;
    });
}

/** The outcome of a coalesced write in the terms of a batch's own (no alerts, no conflicts: nothing alerted). */
function keptWritten(kept: readonly CloudTrailEvent[], written: KeptWritten): Written {
  return {
    conflicts: [],
    stored: written.inserted.size,
    duplicates: kept.length - written.inserted.size,
    alerts: [],
    caseIds: [],
    // Duplicates count, as in writeBatch: a delivery retried after a failed re-triage marks its removals again.
    dirty: written.nearRemoval ? [...kept] : [],
    // No removal nor refused attempt is written this way (see ingestEvents), so no chain was stepped.
    chains: { standings: new Map(), changed: [] },
  };
}

function detectBatch(ctx: Pick<LiveContext, 'rules' | 'log'>, events: readonly CloudTrailEvent[]): Detected {
  const { rules, log } = ctx;
  // Detection is pure and runs before the transaction; so does the owner lookup (it may call IAM).
  const kept: CloudTrailEvent[] = [];
  const ruleAlerts: Alert[] = [];
  const alertsOf = new Map<CloudTrailEvent, readonly Alert[]>();
  const aggregateRules = new Map<string, AggregateRule>();
  let ignored = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  for (const event of events) {
    const detection = detectEvent(rules.engine, event);
    for (const issue of detection.issues)
      log({ level: 'warn', msg: 'rule evaluation issue', code: issue.code, detail: issue.message });
    ruleAlerts.push(...detection.alerts);
    if (detection.alerts.length > 0) alertsOf.set(event, detection.alerts);
    for (const rule of detection.aggregateRules) aggregateRules.set(rule.meta.id, rule);
    // Everything a rule fired on is kept too, so a replayed duplicate has nothing left to alert on.
    if (detection.keep) {
      kept.push(event);
      minTime = Math.min(minTime, event.timeMs);
      maxTime = Math.max(maxTime, event.timeMs);
    } else ignored++;
  }
  const byId = new Map(kept.map((event) => [event.id, event]));
  const targets = new Map<string, { key: string; account: string | null; userName: string }>();
  for (const alert of ruleAlerts) {
    const event = byId.get(alert.event.id);
    const target = event === undefined ? null : caseTargetOf(event);
    if (target !== null) targets.set(target.key, { ...target, account: event?.account ?? null });
  }
  return { kept, ruleAlerts, alertsOf, aggregateRules, ignored, minTime, maxTime, byId, targets };
}

/** The batch's one write transaction: events, dead letters, alerts (aggregates too), triage, cases. */
async function writeBatch(
  ctx: IngestContext,
  tx: StoreTx,
  effects: BatchEffects,
  batch: {
    readonly detected: Detected;
    readonly rejected: Rejected;
    readonly origin: RecordOrigin;
    readonly owners: ReadonlyMap<string, string | null>;
    readonly now: number;
    readonly pendingSightings: ReturnType<LiveContext['sightings']['take']>;
    readonly denials: Parameters<StoreTx['recordDenials']>[0];
  },
): Promise<Written> {
  const { triageConfig } = ctx;
  const { kept, ruleAlerts, alertsOf, byId } = batch.detected;
  const { rejected, origin, owners, now, pendingSightings, denials } = batch;
  // Familiarity is learned from every event of a caller, not only the kept slice (what a scan's second pass
  // reads); written with the events, before triage, so it sees the buffered sightings of earlier requests too.
  for (const deadLetter of rejected.deadLetters) await tx.addDeadLetter(deadLetter);
  await tx.recordDenials(denials);
  const inserted = await tx.insertEvents(kept, { sightings: pendingSightings });
  // Each new removal's burst standing from its caller's chain summary, stepped in this transaction.
  const chains = await stepRemovalChains(tx, inserted.inserted, triageConfig);
  // A stored eventID arriving as another event alerts on nothing (see event-identity.ts).
  const insertedNow = new Set(inserted.inserted);
  const duplicates = kept.filter((event) => !insertedNow.has(event) && alertsOf.has(event));
  const conflicts = await identityConflicts(tx, duplicates, origin, now);
  const refused = new Set(conflicts.flatMap((conflict) => alertsOf.get(conflict.event) ?? []));
  for (const conflict of conflicts) {
    await tx.addDeadLetter(conflict.deadLetter);
    effects.logs.push({
      level: 'warn',
      msg: 'eventID conflict: record ignored',
      eventId: conflict.event.id,
    });
  }

  const candidates = ruleAlerts.filter((alert) => !refused.has(alert));
  candidates.push(...(await aggregateCandidates(ctx, tx, batch.detected)));
  const fresh = await tx.insertAlerts(candidates, now);
  for (const alert of fresh.inserted) effects.newAlerts.set(alert.id, alert);
  count(effects, 'alertsRaised', fresh.inserted.length);

  // Triage now: the removals alerted on now, and the stored removals whose incidents the other new alerts may join
  // (which case they join depends on it). Every other stored removal the events change (a caller's burst chain
  // above all) is re-triaged after commit, coalesced with other writes' (see retriage-queue.ts).
  const removals = new Map<string, CloudTrailEvent>();
  const members: CloudTrailEvent[] = [];
  for (const alert of fresh.inserted) {
    const event = byId.get(alert.event.id);
    if (event === undefined) continue;
    if (isMfaRemoval(event)) removals.set(event.id, event);
    else members.push(event);
  }
  for (const event of await affectedRemovals(tx, members, triageConfig, 'incidents'))
    removals.set(event.id, event);
  // Duplicates count: a delivery retried after a failed re-triage must mark its removals again.
  const conflicted = new Set(conflicts.map((conflict) => conflict.event));
  const settled = kept.filter((event) => !conflicted.has(event));
  // Only when a stored removal besides those triaged just now is changed does the answer wait for a re-triage.
  const others = await affectedRemovals(tx, settled, triageConfig, 'probe', new Set(removals.keys()));
  const dirty = others.length > 0 ? settled : [];
  // When a re-triage follows, it writes the bursts' alerts, once per flush instead of once per removal.
  const retriaged = await retriage(ctx, tx, effects, [...removals.values()], now, {
    bursts: dirty.length === 0,
    standings: chains.standings,
  });
  const touched = retriaged.touched;

  const synced = await joinCases(ctx, tx, effects, [...effects.newAlerts.values(), ...retriaged.unattached], {
    retriaged,
    eventOf: (id) => byId.get(id),
    owners,
    now,
  });
  for (const caseId of [...touched].sort())
    if (!synced.has(caseId)) await syncCase(ctx, tx, effects, caseId, owners, now);
  return {
    conflicts: conflicts.map((conflict) => conflict.issue),
    stored: inserted.inserted.length,
    duplicates: inserted.duplicates - conflicts.length,
    alerts: [...effects.newAlerts.values()],
    caseIds: [...effects.caseIds].sort(),
    dirty,
    chains,
  };
}

/** The alerts of the aggregate rules (threshold, new terms) the batch fed, over what the store holds around it. */
async function aggregateCandidates(
  ctx: Pick<LiveContext, 'rules'>,
  tx: StoreTx,
  detected: Detected,
): Promise<Alert[]> {
  const { rules } = ctx;
  const { aggregateRules, minTime, maxTime } = detected;
  const candidates: Alert[] = [];
  for (const rule of aggregateRules.values()) {
    const pool = await tx.findEvents({
      fromMs: minTime - AGGREGATE_LOOKBACK_MS,
      toMs: maxTime + 1,
      ...(rule.eventNames === null ? {} : { names: [...rule.eventNames] }),
      limit: 100_000,
    });
    const matching = pool.filter((event) => detectEvent(rules.engine, event).aggregateRules.includes(rule));
    candidates.push(...aggregateAlerts(rule, matching));
  }
  return candidates;
}
