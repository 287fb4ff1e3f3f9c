// The live service's core: ingest -> detect -> store -> triage -> cases -> verification and notifications, one transaction per batch.

import { baselineSightings } from '../../enrich/index.ts';
import { chainOwnerLookups, configOwnerLookup, SYSTEM_ACTOR } from '../../cases/index.ts';
import type { OwnerLookup } from '../../cases/index.ts';
import { isMfaRemoval } from '../../detect/index.ts';
import type { AggregateRule, Alert, CloudTrailEvent } from '../../model/index.ts';
import type { Route } from '../../notify/index.ts';
import type { Store } from '../../store/index.ts';
import { SightingsBuffer } from './sightings-buffer.ts';
import { decodeBytes, decodeRecords } from './decode.ts';
import { count, createTransactionRunner } from './live-context.ts';
import type { LiveContext, LiveLogEntry, ResponseHooks } from './live-context.ts';
import { joinCases, syncCase } from './case-steps.ts';
import { flushRetriage, retriage } from './triage-writes.ts';
import { answerVerification } from './owner-answer.ts';
import { runTick } from './tick.ts';
import type { Rejected } from './decode.ts';
import { DEFAULT_SERVE_CONFIG } from '../config.ts';
import type { MfaguardConfig, ServeConfig } from '../config.ts';
import { aggregateAlerts, detectEvent } from '../pipeline.ts';
import type { LoadedRuleSet } from '../rule-set.ts';
import type { IngestOutcome, LiveService, RecordOrigin } from './contract.ts';
import { affectedRemovals, caseTargetOf } from './live-triage.ts';
import { RetriageQueue } from './retriage-queue.ts';
import { identityConflicts } from './event-identity.ts';
import { createLiveMetrics } from './metrics.ts';
import type { LiveMetrics } from './metrics.ts';
import type { NotificationContext } from './notifications.ts';

export type { LiveLogEntry, ResponseHooks } from './live-context.ts';

export interface LiveServiceDeps {
  readonly store: Store;
  readonly rules: LoadedRuleSet;
  readonly config: MfaguardConfig;
  /** HMAC key of the verification links (at least 32 random bytes; keep it across restarts or old links stop working). */
  readonly secret: Uint8Array;
  /** Base URL of the service as people reach it: links in messages point here. */
  readonly publicUrl: string;
  /** Epoch milliseconds. */
  readonly clock: () => number;
  readonly log?: (entry: LiveLogEntry) => void;
  /** Shared with the outbox worker and rendered by the HTTP layer; one is created when not given. */
  readonly metrics?: LiveMetrics;
  /** Owner sources tried after the configuration's `identities.owners`, e.g. `tagOwnerLookup` over IAM user tags. */
  readonly ownerLookups?: readonly OwnerLookup[];
  /** Notification routes; default: the configuration's `notify.routes`. */
  readonly routes?: readonly Route[];
  /** Random bytes for verification nonces (tests may fix them). */
  readonly randomBytes?: (size: number) => Buffer;
  /** The response (src/respond/): told of changed cases and ingested events after each commit; none when absent. */
  readonly responder?: ResponseHooks;
}

/** The live service plus what the shells need besides the contract. */
export interface LiveCore extends LiveService {
  readonly metrics: LiveMetrics;
}

const SYSTEM = SYSTEM_ACTOR;
/** How far back an aggregate rule (threshold, new terms) looks in the store when a batch feeds it. */
const AGGREGATE_LOOKBACK_MS = 24 * 3_600_000;

// eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
export function createLiveService(deps: LiveServiceDeps): LiveCore {
  const { store, rules, clock } = deps;
  const triageConfig = deps.config.triage;
  const serve: ServeConfig = deps.config.serve ?? DEFAULT_SERVE_CONFIG;
  const metrics = deps.metrics ?? createLiveMetrics();
  const log = (entry: LiveLogEntry): void => deps.log?.(entry);
  const notifyContext: NotificationContext = {
    routes: deps.routes ?? deps.config.notify?.routes ?? [],
    publicUrl: deps.publicUrl,
  };
  const ownerOf = chainOwnerLookups(
    [configOwnerLookup(triageConfig.owners), ...(deps.ownerLookups ?? [])],
    (error) => log({ level: 'warn', msg: 'owner lookup failed', error: String(error) }),
  );
  const coverageEnd = (now: number): number => now - serve.deliveryLagMs;
  const sightings = new SightingsBuffer();

  const inTransaction = createTransactionRunner({ store, metrics, log });
  const ctx: LiveContext = {
    store,
    rules,
    triageConfig,
    serve,
    clock,
    metrics,
    log,
    notifyContext,
    secret: deps.secret,
    publicUrl: deps.publicUrl,
    randomBytes: deps.randomBytes,
    responder: deps.responder,
    inTransaction,
    resolveOwners,
    coverageEnd,
    flushGuards: new Set(),
    sightings,
  };

  async function resolveOwners(targets: Iterable<{ key: string; account: string | null; userName: string }>) {
    const owners = new Map<string, string | null>();
    for (const target of targets) {
      if (owners.has(target.key)) continue;
      owners.set(target.key, await ownerOf({ account: target.account, userName: target.userName }));
    }
    return owners;
  }

  const retriageQueue = new RetriageQueue((events) => flushRetriage(ctx, events));

  // eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
  async function ingestEvents(
    events: readonly CloudTrailEvent[],
    rejected: Rejected,
    received: number,
    origin: RecordOrigin,
  ): Promise<IngestOutcome> {
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
    const owners = await resolveOwners(targets.values());
    const now = clock();
    sightings.add(baselineSightings(events));
    if (
      kept.length === 0 &&
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

    const pendingSightings = sightings.take();
    const result = await inTransaction(async (tx, effects) => {
      // Familiarity is learned from every event of a caller, not only the kept slice (what a scan's second pass
      // reads); written first, so triage below sees the buffered sightings of earlier requests too.
      await tx.recordSightings(pendingSightings);
      for (const deadLetter of rejected.deadLetters) await tx.addDeadLetter(deadLetter);
      const inserted = await tx.insertEvents(kept);
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
      for (const rule of aggregateRules.values()) {
        const pool = await tx.findEvents({
          fromMs: minTime - AGGREGATE_LOOKBACK_MS,
          toMs: maxTime + 1,
          ...(rule.eventNames === null ? {} : { names: [...rule.eventNames] }),
          limit: 100_000,
        });
        const matching = pool.filter((event) =>
          detectEvent(rules.engine, event).aggregateRules.includes(rule),
        );
        candidates.push(...aggregateAlerts(rule, matching));
      }
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
      const retriaged = await retriage(ctx, tx, effects, [...removals.values()], now);
      const touched = retriaged.touched;

      const synced = await joinCases(
        ctx,
        tx,
        effects,
        [...effects.newAlerts.values(), ...retriaged.unattached],
        {
          retriaged,
          eventOf: (id) => byId.get(id),
          owners,
          now,
        },
      );
      for (const caseId of [...touched].sort())
        if (!synced.has(caseId)) await syncCase(ctx, tx, effects, caseId, owners, now);
      return {
        conflicts: conflicts.map((conflict) => conflict.issue),
        stored: inserted.inserted.length,
        duplicates: inserted.duplicates - conflicts.length,
        alerts: [...effects.newAlerts.values()],
        caseIds: [...effects.caseIds].sort(),
        dirty,
      };
    }).catch((error: unknown) => {
      // Not written: the sightings go back to wait for the next write.
      sightings.add(pendingSightings);
      throw error;
    });
    // Answered once the stored removals these events change are re-triaged too: a 2xx still means all is done.
    const retriagedCases = (await retriageQueue.mark(result.dirty)) ?? [];
    // After the commit: IAM calls never run inside a database transaction.
    if (deps.responder !== undefined) {
      await deps.responder.eventsIngested(kept);
      // The cases the re-triage changed were given to the responder by the flush, once for all who waited for it
      // (telling it again per waiting request made a burst of n removals plan n times n cases).
      await deps.responder.caseChanged(result.caseIds);
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

  async function guarded<T>(where: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      metrics.inc('errors');
      log({
        level: 'error',
        msg: `${where} failed`,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  return {
    metrics,

    ingestRecords(records, origin) {
      return guarded('ingest', async () => {
        const batch = decodeRecords(records, origin, clock());
        return ingestEvents(batch.events, batch.rejected, batch.received, origin);
      });
    },

    ingestBytes(data, origin) {
      return guarded('ingest', async () => {
        const batch = decodeBytes(data, origin, clock());
        return ingestEvents(batch.events, batch.rejected, batch.received, origin);
      });
    },

    answerVerification(token, answer) {
      return guarded('verification', () => answerVerification(ctx, token, answer));
    },

    tick() {
      return guarded('tick', () => runTick(ctx));
    },
  };
}
