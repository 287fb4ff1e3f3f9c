// The live service's core: ingest -> detect -> store -> triage -> cases -> verification and notifications, one transaction per batch.

import { baselineSightings } from '../../enrich/index.ts';
import {
  ANSWERED_CLASSIFICATIONS,
  awaitsGraceWindow,
  caseFieldsFromAlerts,
  chainOwnerLookups,
  configOwnerLookup,
  escalateCase,
  markVerifying,
  openOrAttachCase,
  recordOwnerAnswer,
  mfaDenialOf,
  reopenAfterDenial,
  resolveCase,
  syncCaseFields,
  SYSTEM_ACTOR,
  isRemovalAlert,
  isRootCase,
  newVerificationNonce,
  nextCaseAction,
  signVerificationToken,
  checkVerificationToken,
  verificationLink,
  verificationTokenHash,
} from '../../cases/index.ts';
import type { OwnerLookup } from '../../cases/index.ts';
import { BURST_RULE, isMfaRemoval } from '../../detect/index.ts';
import {
  decodeChunk,
  depthExceeds,
  MAX_JSON_DEPTH,
  normalizeRecord,
  stringifyIteratively,
  UnreadableRecord,
  unwrapItem,
} from '../../ingest/index.ts';
import type { AggregateRule, Alert, Classification, CloudTrailEvent, InputIssue } from '../../model/index.ts';
import { severityRank } from '../../model/index.ts';
import type { Route } from '../../notify/index.ts';
import type { AddDeadLetterInput, Case, CaseDetail, Store, StoreTx } from '../../store/index.ts';
import { ConflictError, isTransientStoreError } from '../../store/index.ts';
import { SightingsBuffer } from './sightings-buffer.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SERVE_CONFIG } from '../config.ts';
import type { MfaguardConfig, ServeConfig } from '../config.ts';
import { aggregateAlerts, detectEvent } from '../pipeline.ts';
import type { LoadedRuleSet } from '../rule-set.ts';
import type { IngestOutcome, LiveService, RecordOrigin, VerificationResponse } from './contract.ts';
import {
  affectedRemovals,
  caseTargetOf,
  caseTargetOfAlert,
  triageChanged,
  triageStoredRemovals,
} from './live-triage.ts';
import { RetriageQueue } from './retriage-queue.ts';
import { identityConflicts } from './event-identity.ts';
import { createLiveMetrics } from './metrics.ts';
import type { LiveMetrics } from './metrics.ts';
import {
  caseEscalatedNotification,
  caseOpenedNotification,
  caseResolvedNotification,
  queueNotification,
  verificationAnsweredNotification,
  verificationRequestNotification,
} from './notifications.ts';
import type { NotificationContext } from './notifications.ts';
import type { Notification } from '../../notify/index.ts';

export interface LiveLogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [key: string]: unknown;
}

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

/** What the live core tells the responder; it logs its own failures and never throws into ingestion. */
export interface ResponseHooks {
  caseChanged(caseIds: readonly string[]): Promise<void>;
  eventsIngested(events: readonly CloudTrailEvent[]): Promise<void>;
  tick(): Promise<void>;
}

/** The live service plus what the shells need besides the contract. */
export interface LiveCore extends LiveService {
  readonly metrics: LiveMetrics;
}

const SYSTEM = SYSTEM_ACTOR;
/**
 * A transaction that lost a race (PostgreSQL deadlock victim, serialisation failure) or met a momentary outage
 * (connection reset, server restarting) is run again, this often in all; after that the caller answers 503.
 */
const MAX_TX_ATTEMPTS = 5;
/** Pause before attempt n+1: 20 ms doubling to at most 400 ms, with jitter, about 1.5 s in all. */
const txRetryPauseMs = (failed: number): number => {
  const base = Math.min(400, 20 * 2 ** (failed - 1));
  return base + Math.random() * base;
};
/** How far back an aggregate rule (threshold, new terms) looks in the store when a batch feeds it. */
const AGGREGATE_LOOKBACK_MS = 24 * 3_600_000;
/** Alerts (or cases) a re-triage flush writes per transaction, so ingestion's writes go in between. */
const FLUSH_CHUNK = 50;

/** Everything a batch does inside its transaction, gathered for the outcome and for logs after commit. */
interface BatchEffects {
  readonly newAlerts: Map<string, Alert>;
  readonly caseIds: Set<string>;
  readonly counters: Map<Parameters<LiveMetrics['inc']>[0], number>;
  readonly logs: LiveLogEntry[];
}

function newEffects(): BatchEffects {
  return { newAlerts: new Map(), caseIds: new Set(), counters: new Map(), logs: [] };
}

function count(effects: BatchEffects, counter: Parameters<LiveMetrics['inc']>[0], by = 1): void {
  effects.counters.set(counter, (effects.counters.get(counter) ?? 0) + by);
}

/** Every alert about a user joins that user's case; the burst's own alert is about the caller, not one user. */
function isTargetAlert(alert: Alert): boolean {
  return alert.rule.id !== BURST_RULE.meta.id;
}

// eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
export function createLiveService(deps: LiveServiceDeps): LiveCore {
  const { store, rules, clock } = deps;
  const triageConfig = deps.config.triage;
  const mfaPolicies: ReadonlySet<string> = new Set(deps.config.mfaPolicies ?? []);
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

  /**
   * Runs `fn` in one transaction, again when the database picked it as a deadlock victim or the connection
   * broke before COMMIT (nothing was written: the work is simply redone, with fresh effects).
   */
  async function inTransaction<T>(fn: (tx: StoreTx, effects: BatchEffects) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const effects = newEffects();
      try {
        const result = await store.transaction((tx) => fn(tx, effects));
        for (const [counter, by] of effects.counters) metrics.inc(counter, by);
        for (const entry of effects.logs) log(entry);
        return result;
      } catch (error) {
        if (!isTransientStoreError(error) || attempt >= MAX_TX_ATTEMPTS) throw error;
        await sleep(txRetryPauseMs(attempt));
      }
    }
  }

  async function enqueue(tx: StoreTx, effects: BatchEffects, n: Notification, now: number): Promise<void> {
    const result = await queueNotification(tx, n, notifyContext, now);
    count(effects, 'notificationsQueued', result.queued);
    if (result.notifiers.length === 0) {
      count(effects, 'notificationsUnrouted');
      effects.logs.push({
        level: 'warn',
        msg: 'no route sends this notification',
        kind: n.kind,
        caseId: n.caseId,
      });
    }
  }

  async function caseAlerts(tx: StoreTx, detail: CaseDetail): Promise<Alert[]> {
    const stored = await Promise.all(detail.alertIds.map((id) => tx.getAlert(id)));
    return stored.flatMap((entry) => (entry === null ? [] : [entry.alert]));
  }

  /** The removal that best speaks for the case in messages: the worst one. */
  function leadAlert(alerts: readonly Alert[]): Alert | undefined {
    const pool = alerts.filter(isRemovalAlert);
    const list = pool.length > 0 ? pool : [...alerts];
    return list.sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.riskScore - a.riskScore,
    )[0];
  }

  async function escalate(
    tx: StoreTx,
    effects: BatchEffects,
    kase: Case,
    cause: { key: string; reason: string },
    actor: string,
    now: number,
    alert: Alert | undefined,
  ): Promise<Case> {
    const escalated = await escalateCase(tx, kase, { actor, nowMs: now }, cause.reason);
    const current = escalated.case;
    if (escalated.moved) count(effects, 'casesEscalated');
    await enqueue(tx, effects, caseEscalatedNotification(current, cause, alert, notifyContext), now);
    return current;
  }

  async function requestVerification(
    tx: StoreTx,
    effects: BatchEffects,
    kase: Case,
    alert: Alert,
    owner: string | null,
    now: number,
    alerts: readonly Alert[],
  ): Promise<void> {
    if (owner === null) {
      // Nobody to ask: a takeover escalates at once; anything else waits for its grace window, since a trustworthy
      // re-enrolment (a phone swap) may still arrive and explain it.
      if (awaitsGraceWindow(alerts)) {
        effects.logs.push({
          level: 'info',
          msg: 'no owner on record: waiting for the grace window before escalating',
          caseId: kase.id,
          user: kase.userName,
        });
        return;
      }
      await escalate(
        tx,
        effects,
        kase,
        { key: 'no-owner', reason: 'no owner on record' },
        SYSTEM,
        now,
        alert,
      );
      effects.logs.push({ level: 'warn', msg: 'no owner on record', caseId: kase.id, user: kase.userName });
      return;
    }
    const nonce = newVerificationNonce(deps.randomBytes);
    const expiresAt = now + serve.verificationTtlMs;
    const verification = await tx.createVerification({
      caseId: kase.id,
      owner,
      tokenHash: verificationTokenHash(nonce),
      expiresAtMs: expiresAt,
      nowMs: now,
    });
    const verifying = await markVerifying(tx, kase, owner, now);
    const confirm = signVerificationToken(deps.secret, { v: nonce, answer: 'confirmed', exp: expiresAt });
    const deny = signVerificationToken(deps.secret, { v: nonce, answer: 'denied', exp: expiresAt });
    const links = {
      confirm: verificationLink(deps.publicUrl, confirm),
      deny: verificationLink(deps.publicUrl, deny),
    };
    await enqueue(
      tx,
      effects,
      verificationRequestNotification(verifying, alert, verification, links, notifyContext),
      now,
    );
    count(effects, 'verificationsRequested');
  }

  /** Brings a case in step with its alerts, then closes it, asks the owner, or leaves it (see nextCaseAction). */
  async function syncCase(
    tx: StoreTx,
    effects: BatchEffects,
    caseId: string,
    owners: ReadonlyMap<string, string | null>,
    now: number,
  ): Promise<void> {
    const detail = await tx.getCase(caseId);
    if (detail === null) return;
    const alerts = await caseAlerts(tx, detail);
    const severityLocked = detail.audit.some(
      (entry) =>
        entry.action === 'updated' &&
        entry.actor !== SYSTEM &&
        entry.after !== null &&
        'severity' in entry.after,
    );
    const patch = caseFieldsFromAlerts(detail, alerts, { severityLocked });
    let kase: Case = await syncCaseFields(tx, detail, patch, now);
    const lastEscalation = detail.audit.findLast(
      (entry) => entry.action === 'transition' && entry.after?.['state'] === 'escalated',
    );
    const action = nextCaseAction(kase, alerts, detail.verifications.length > 0, {
      escalatedBySystem: lastEscalation?.actor === SYSTEM,
    });
    const lead = leadAlert(alerts);
    if (action.kind === 'resolve') {
      kase = await resolveCase(
        tx,
        kase,
        action.resolution,
        { actor: SYSTEM, nowMs: now },
        `explained: ${action.resolution}`,
      );
      count(effects, 'casesAutoResolved');
      await enqueue(tx, effects, caseResolvedNotification(kase, action.resolution, lead, notifyContext), now);
    } else if (action.kind === 'verify' && lead !== undefined) {
      await requestVerification(tx, effects, kase, lead, owners.get(kase.targetKey) ?? null, now, alerts);
    }
    effects.caseIds.add(caseId);
  }

  interface Retriaged {
    /** Cases whose alerts changed. */
    readonly touched: Set<string>;
    /** Incident alerts stored earlier in no case (a deleted device seen before its removal): they join one now. */
    readonly unattached: Alert[];
    /** The ids of each removal's own alerts, by removal event id. */
    readonly removalAlerts: Map<string, string[]>;
  }

  /**
   * Alerts written by triage while a flush is between its reads and its writes (see flushRetriage): one set per flush
   * in progress. Their values come from a triage that ran later, over more events, so the flush leaves them alone.
   */
  const flushGuards = new Set<Set<string>>();

  /** Re-triages stored removals; writes what changed. */
  async function retriage(
    tx: StoreTx,
    effects: BatchEffects,
    removals: readonly CloudTrailEvent[],
    now: number,
  ): Promise<Retriaged> {
    const context = { rules, config: triageConfig, coverageEndMs: coverageEnd(now) };
    return applyTriaged(tx, effects, await triageStoredRemovals(tx, removals, context), now);
  }

  /** Writes what a triage found: changed alerts, a burst's new alert; `own`: the caller's flush guard, if any. */
  async function applyTriaged(
    tx: StoreTx,
    effects: BatchEffects,
    triagedAlerts: readonly Alert[],
    now: number,
    own?: Set<string>,
  ): Promise<Retriaged> {
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

  /** Announces a new case with the case as its alerts make it; the verification request (if any) follows. */
  async function announceOpened(
    tx: StoreTx,
    effects: BatchEffects,
    caseId: string,
    now: number,
  ): Promise<void> {
    const detail = await tx.getCase(caseId);
    if (detail === null) return;
    const alerts = await caseAlerts(tx, detail);
    const lead = leadAlert(alerts);
    if (lead === undefined) return;
    const patch = caseFieldsFromAlerts(detail, alerts);
    await enqueue(tx, effects, caseOpenedNotification({ ...detail, ...patch }, lead, notifyContext), now);
  }

  /** False when the alert is part of an incident whose case is already resolved: a late event reopens nothing. */
  async function incidentStillOpen(tx: StoreTx, alert: Alert, retriaged: Retriaged): Promise<boolean> {
    if (alert.incident?.role !== 'member') return true;
    for (const id of retriaged.removalAlerts.get(alert.incident.removalEventId) ?? []) {
      const stored = await tx.getAlert(id);
      if (stored?.caseId === null || stored === null) continue;
      const kase = await tx.getCase(stored.caseId);
      if (kase !== null && kase.state === 'resolved') return false;
    }
    return true;
  }

  async function resolveOwners(targets: Iterable<{ key: string; account: string | null; userName: string }>) {
    const owners = new Map<string, string | null>();
    for (const target of targets) {
      if (owners.has(target.key)) continue;
      owners.set(target.key, await ownerOf({ account: target.account, userName: target.userName }));
    }
    return owners;
  }

  /**
   * Cases: every new alert about a user joins (or opens) that user's case, a burst's removals included. Incidents
   * join in time order, each case brought in step before the next incident: a rotation closes its case before a
   * later removal of the same user opens another, exactly as when the events arrive one request at a time.
   * Returns the cases brought in step.
   */
  async function joinCases(
    tx: StoreTx,
    effects: BatchEffects,
    alerts: readonly Alert[],
    context: {
      readonly retriaged: Retriaged;
      readonly eventOf: (id: string) => CloudTrailEvent | undefined;
      readonly owners: ReadonlyMap<string, string | null>;
      readonly now: number;
    },
  ): Promise<Set<string>> {
    const { retriaged, eventOf, owners, now } = context;
    const incidents = new Map<string, Alert[]>();
    for (const alert of alerts) {
      if (!isTargetAlert(alert)) continue;
      const key = alert.incident?.removalEventId ?? alert.event.id;
      incidents.set(key, [...(incidents.get(key) ?? []), alert]);
    }
    const firstTime = (alerts: readonly Alert[]): string =>
      alerts.reduce((min, alert) => (alert.event.time < min ? alert.event.time : min), alerts[0]!.event.time);
    const ordered = [...incidents.entries()].sort(([ka, a], [kb, b]) =>
      firstTime(a) < firstTime(b) ? -1 : firstTime(a) > firstTime(b) ? 1 : ka < kb ? -1 : 1,
    );
    const synced = new Set<string>();
    for (const [, group] of ordered) {
      const opened = new Set<string>();
      const joined = new Set<string>();
      // A removal's alert goes first, so the alerts of its incident join its case.
      group.sort(
        (a, b) => (a.incident?.role === 'removal' ? 0 : 1) - (b.incident?.role === 'removal' ? 0 : 1),
      );
      for (const alert of group) {
        const target = caseTargetOfAlert(alert, eventOf(alert.event.id));
        if (target === null) continue;
        if (!(await incidentStillOpen(tx, alert, retriaged))) continue;
        const result = await openOrAttachCase(tx, {
          alert,
          targetKey: target.key,
          nowMs: now,
          actor: SYSTEM,
        });
        joined.add(result.case.id);
        if (result.created) {
          opened.add(result.case.id);
          count(effects, 'casesOpened');
          effects.logs.push({
            level: 'info',
            msg: 'case opened',
            caseId: result.case.id,
            user: target.userName,
          });
        }
      }
      for (const caseId of [...joined].sort()) {
        if (opened.has(caseId)) await announceOpened(tx, effects, caseId, now);
        await syncCase(tx, effects, caseId, owners, now);
        synced.add(caseId);
      }
    }
    return synced;
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
  async function flushRetriage(events: readonly CloudTrailEvent[]): Promise<string[]> {
    const now = clock();
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
      const removals = await affectedRemovals(store, events, triageConfig);
      const context = { rules, config: triageConfig, coverageEndMs: coverageEnd(now) };
      const triaged = await triageStoredRemovals(store, removals, context);
      const caseIds = new Set<string>();
      const retriaged: Retriaged = { touched: new Set(), unattached: [], removalAlerts: new Map() };
      const born: Alert[] = [];
      for (let at = 0; at < triaged.length; at += FLUSH_CHUNK) {
        const part = await inTransaction(async (tx, effects) => {
          const applied = await applyTriaged(tx, effects, triaged.slice(at, at + FLUSH_CHUNK), now, guard);
          return { applied, born: [...effects.newAlerts.values()] };
        });
        for (const id of part.applied.touched) retriaged.touched.add(id);
        retriaged.unattached.push(...part.applied.unattached);
        for (const [id, ids] of part.applied.removalAlerts)
          retriaged.removalAlerts.set(id, [...(retriaged.removalAlerts.get(id) ?? []), ...ids]);
        born.push(...part.born);
      }
      const synced = await inTransaction(async (tx, effects) => {
        const joined = await joinCases(tx, effects, [...born, ...retriaged.unattached], {
          retriaged,
          eventOf: () => undefined,
          owners,
          now,
        });
        for (const id of effects.caseIds) caseIds.add(id);
        return joined;
      });
      const pending = [...retriaged.touched].filter((id) => !synced.has(id)).sort();
      for (let at = 0; at < pending.length; at += FLUSH_CHUNK) {
        await inTransaction(async (tx, effects) => {
          for (const caseId of pending.slice(at, at + FLUSH_CHUNK))
            await syncCase(tx, effects, caseId, owners, now);
          for (const id of effects.caseIds) caseIds.add(id);
        });
      }
      // After the commits, once per flush: IAM calls never run inside a database transaction.
      await deps.responder?.caseChanged([...caseIds].sort());
      return [...caseIds];
    } finally {
      flushGuards.delete(guard);
    }
  }
  const retriageQueue = new RetriageQueue(flushRetriage);

  // eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
  async function ingestEvents(
    events: readonly CloudTrailEvent[],
    rejected: { readonly issues: readonly InputIssue[]; readonly deadLetters: readonly AddDeadLetterInput[] },
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
    // MFA-related denials come from every service, mostly outside the kept slice: recorded as narrow rows instead.
    const denials = events.flatMap((event) => {
      const denial = mfaDenialOf(event, mfaPolicies);
      return denial === null ? [] : [denial];
    });
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

    const pendingSightings = sightings.take();
    const result = await inTransaction(async (tx, effects) => {
      // Familiarity is learned from every event of a caller, not only the kept slice (what a scan's second pass
      // reads); written first, so triage below sees the buffered sightings of earlier requests too.
      await tx.recordSightings(pendingSightings);
      for (const deadLetter of rejected.deadLetters) await tx.addDeadLetter(deadLetter);
      await tx.recordDenials(denials);
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
      const retriaged = await retriage(tx, effects, [...removals.values()], now);
      const touched = retriaged.touched;

      const synced = await joinCases(tx, effects, [...effects.newAlerts.values(), ...retriaged.unattached], {
        retriaged,
        eventOf: (id) => byId.get(id),
        owners,
        now,
      });
      for (const caseId of [...touched].sort())
        if (!synced.has(caseId)) await syncCase(tx, effects, caseId, owners, now);
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

  function deadLetterOf(
    raw: unknown,
    issue: InputIssue,
    origin: RecordOrigin,
    now: number,
  ): AddDeadLetterInput {
    // Iterative: a record may nest deeper than JSON.stringify's recursion can go.
    const kept =
      raw instanceof UnreadableRecord ? raw.raw : typeof raw === 'string' ? raw : stringifyIteratively(raw);
    const where = issue.index === undefined ? origin.location : `${origin.location}#${issue.index}`;
    return {
      source: origin.source,
      location: where,
      reason: `${issue.code}: ${issue.message}`,
      raw: kept,
      nowMs: now,
    };
  }

  /**
   * Why a record cannot be taken before anything recursive (normalisation, rules, JSON.stringify in the store)
   * runs on it: refused over its bytes at the edge, or (parsed elsewhere: SQS, Lambda, files) nested too deep.
   */
  function refusal(item: unknown, location: string, index: number): InputIssue | null {
    const problem =
      item instanceof UnreadableRecord
        ? { code: item.code, reason: item.reason }
        : depthExceeds(item, MAX_JSON_DEPTH)
          ? {
              code: 'too-deep',
              reason: `nested deeper than ${MAX_JSON_DEPTH} levels; no CloudTrail record is`,
            }
          : null;
    if (problem === null) return null;
    return {
      level: 'error',
      code: problem.code,
      location,
      index,
      message: `record ${index}: ${problem.reason}`,
      hint: 'the record was dead-lettered with its bytes; the others were stored',
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
        const now = clock();
        const events: CloudTrailEvent[] = [];
        const issues: InputIssue[] = [];
        const deadLetters: AddDeadLetterInput[] = [];
        const reject = (item: unknown, issue: InputIssue): void => {
          issues.push(issue);
          deadLetters.push(deadLetterOf(item, issue, origin, now));
        };
        records.forEach((item, index) => {
          const refused = refusal(item, origin.location, index);
          if (refused !== null) {
            reject(item, refused);
            return;
          }
          const unwrapped = unwrapItem(item);
          if (!unwrapped.ok) {
            const issue: InputIssue = {
              level: unwrapped.level,
              code: unwrapped.code,
              location: origin.location,
              index,
              message: unwrapped.message,
              hint: unwrapped.hint,
            };
            reject(item, issue);
            return;
          }
          const normalized = normalizeRecord(unwrapped.record, { location: origin.location, index });
          if (normalized.ok) events.push(normalized.event);
          else reject(item, normalized.issue);
        });
        return ingestEvents(events, { issues, deadLetters }, records.length, origin);
      });
    },

    ingestBytes(data, origin) {
      return guarded('ingest', async () => {
        const now = clock();
        const decoded = decodeChunk({ location: origin.location, baseIndex: 0, data, compression: 'auto' });
        const issues: InputIssue[] = [];
        const deadLetters: AddDeadLetterInput[] = [];
        const problems = decoded.issues.filter((issue) => issue.level !== 'note');
        if (problems.length > 0) {
          // The decoder cannot hand back the bytes of one bad record, so the whole input is kept once with every reason.
          const reason = problems
            .slice(0, 20)
            .map(
              (issue) =>
                `${issue.code}${issue.index === undefined ? '' : `#${issue.index}`}: ${issue.message}`,
            )
            .join('; ');
          issues.push(...problems);
          deadLetters.push({
            source: origin.source,
            location: origin.location,
            reason: problems.length > 20 ? `${reason}; and ${problems.length - 20} more` : reason,
            raw: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
            nowMs: now,
          });
        }
        const events: CloudTrailEvent[] = [];
        for (const { record, index } of decoded.records) {
          const refused = refusal(record, origin.location, index);
          if (refused !== null) {
            issues.push(refused);
            deadLetters.push(deadLetterOf(record, refused, origin, now));
            continue;
          }
          const normalized = normalizeRecord(record, { location: origin.location, index });
          if (normalized.ok) events.push(normalized.event);
          else {
            issues.push(normalized.issue);
            deadLetters.push(deadLetterOf(record, normalized.issue, origin, now));
          }
        }
        const unreadable = problems.filter((issue) => issue.index !== undefined).length;
        return ingestEvents(events, { issues, deadLetters }, decoded.records.length + unreadable, origin);
      });
    },

    answerVerification(token, answer) {
      return guarded('verification', async (): Promise<VerificationResponse> => {
        const now = clock();
        metrics.inc('verificationAnswers');
        const checked = checkVerificationToken(deps.secret, token, now);
        if (!checked.ok || (answer !== undefined && answer !== checked.claims.answer)) {
          metrics.inc('verificationRejected');
          return { ok: false, reason: checked.ok ? 'forged' : checked.reason };
        }
        const claims = checked.claims;
        const response = await answerOrClosed(() =>
          inTransaction(async (tx, effects): Promise<VerificationResponse> => {
            const consumed = await tx.consumeVerification({
              tokenHash: verificationTokenHash(claims.v),
              answer: claims.answer,
              nowMs: now,
            });
            if (!consumed.ok) return { ok: false, reason: consumed.reason };
            const verification = consumed.verification;
            const actor = `owner:${verification.owner}`;
            const classification: Classification =
              claims.answer === 'confirmed' ? 'verified' : 'unauthorized';
            const found = await tx.getCase(verification.caseId);
            if (found === null) return { ok: false, reason: 'unknown' };
            const reopened = await answerOnClosedCase(tx, effects, found, claims.answer, actor, now);
            // Rolled back so the link stays unspent: the owner may still follow the "not me" link of the same request.
            if ('closed' in reopened) throw new ClosedCaseAnswer(reopened.closed);
            const detail = reopened.detail;
            const alerts = await caseAlerts(tx, detail);
            for (const alert of alerts.filter(isRemovalAlert)) {
              await tx.updateAlert(withOwnerAnswer(alert, classification, verification.owner), now);
            }
            let kase = await recordOwnerAnswer(tx, detail, classification, { actor, nowMs: now });
            const lead = leadAlert(alerts);
            if (classification === 'unauthorized') {
              kase = await escalate(
                tx,
                effects,
                kase,
                {
                  key: `denied:${verification.id}`,
                  reason: `the owner ${verification.owner} said "this was not me"`,
                },
                actor,
                now,
                lead,
              );
            } else {
              const policy = serve.escalateConfirmedAt;
              const mustEscalate =
                isRootCase(kase) || (policy !== null && severityRank(kase.severity) >= severityRank(policy));
              if (mustEscalate && (kase.state === 'open' || kase.state === 'verifying')) {
                kase = await escalate(
                  tx,
                  effects,
                  kase,
                  {
                    key: `confirmed:${verification.id}`,
                    reason: isRootCase(kase)
                      ? 'the owner confirmed, but root is never closed automatically'
                      : `the owner confirmed a ${kase.severity} case; policy asks a responder to close it`,
                  },
                  actor,
                  now,
                  lead,
                );
              } else if (kase.state === 'open' || kase.state === 'verifying') {
                kase = await resolveCase(
                  tx,
                  kase,
                  'owner-confirmed',
                  { actor, nowMs: now },
                  'the owner confirmed',
                );
              }
              await enqueue(
                tx,
                effects,
                verificationAnsweredNotification(kase, verification, classification, notifyContext),
                now,
              );
            }
            effects.caseIds.add(kase.id);
            return { ok: true, caseId: kase.id, answer: claims.answer, classification };
          }),
        );
        if (!response.ok) metrics.inc('verificationRejected');
        else await deps.responder?.caseChanged([response.caseId]);
        return response;
      });
    },

    tick() {
      return guarded('tick', async () => {
        const now = clock();
        // 0. Sightings of a quiet firehose (no write since they came) are written here, so none waits long.
        if (sightings.size > 0) {
          const pending = sightings.take();
          try {
            await inTransaction((tx) => tx.recordSightings(pending));
          } catch (error) {
            sightings.add(pending);
            metrics.inc('errors');
            log({ level: 'error', msg: 'writing baseline sightings failed', error: String(error) });
          }
        }
        // 1. Unanswered verifications past their deadline escalate, once (markVerificationEscalated is the guard).
        for (const verification of await store.listExpiredVerifications(now)) {
          try {
            await inTransaction(async (tx, effects) => {
              if (!(await tx.markVerificationEscalated(verification.id, now))) return;
              const detail = await tx.getCase(verification.caseId);
              if (detail === null || detail.state === 'resolved') return;
              const lead = leadAlert(await caseAlerts(tx, detail));
              await escalate(
                tx,
                effects,
                detail,
                {
                  key: `expired:${verification.id}`,
                  reason: `no answer from the owner ${verification.owner} by the deadline`,
                },
                SYSTEM,
                now,
                lead,
              );
            });
          } catch (error) {
            metrics.inc('errors');
            log({
              level: 'error',
              msg: 'escalating an expired verification failed',
              id: verification.id,
              error: String(error),
            });
          }
        }
        // 1b. Response actions that came due (a delay passed, an approval, a worker killed mid-apply).
        try {
          await deps.responder?.tick();
        } catch (error) {
          metrics.inc('errors');
          log({ level: 'error', msg: 'response tick failed', error: String(error) });
        }
        // 2. Removals still without a new device past grace + delivery allowance: re-triaged, hence unresolved and raised.
        const due = now - triageConfig.graceWindowMs - serve.deliveryLagMs;
        for (const state of ['open', 'verifying', 'escalated'] as const) {
          let cursor: string | undefined;
          do {
            const page = await store.listCases({
              state,
              limit: 200,
              ...(cursor === undefined ? {} : { cursor }),
            });
            for (const kase of page.items) {
              if (kase.firstEventAt > due) continue;
              try {
                await tickCase(kase.id, now, due);
                await deps.responder?.caseChanged([kase.id]);
              } catch (error) {
                metrics.inc('errors');
                log({ level: 'error', msg: 're-triage failed', caseId: kase.id, error: String(error) });
              }
            }
            cursor = page.nextCursor ?? undefined;
          } while (cursor !== undefined);
        }
      });
    },
  };

  /**
   * An answer on a case that is already closed (by a responder, or by itself). A "yes" changes nothing: the link is
   * spent and the owner sees who closed the case. A "no" is never ignored: the case reopens as escalated in its own
   * store operation, or, when a newer case is open for the same user, stays closed while the escalation goes out.
   */
  async function answerOnClosedCase(
    tx: StoreTx,
    effects: BatchEffects,
    detail: CaseDetail,
    answer: 'confirmed' | 'denied',
    actor: string,
    now: number,
  ): Promise<{ detail: CaseDetail } | { closed: VerificationResponse }> {
    if (detail.state !== 'resolved') return { detail };
    if (answer === 'confirmed') {
      const closing = detail.audit.findLast(
        (entry) => entry.action === 'transition' && entry.after?.['state'] === 'resolved',
      );
      return {
        closed: {
          ok: false,
          reason: 'closed',
          caseId: detail.id,
          closedBy: closing?.actor ?? SYSTEM,
          closedAt: closing?.at ?? detail.resolvedAt ?? now,
        },
      };
    }
    try {
      await reopenAfterDenial(
        tx,
        detail,
        { actor, nowMs: now },
        'the owner said "this was not me" after it was closed',
      );
      count(effects, 'casesEscalated');
      effects.logs.push({ level: 'warn', msg: 'case reopened: the owner said "not me"', caseId: detail.id });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      effects.logs.push({
        level: 'warn',
        msg: 'closed case not reopened',
        caseId: detail.id,
        error: error.message,
      });
    }
    const after = await tx.getCase(detail.id);
    return { detail: after ?? detail };
  }

  async function tickCase(caseId: string, now: number, due: number): Promise<void> {
    const target = await store.getCase(caseId);
    if (target === null) return;
    const owners = await resolveOwners([
      { key: target.targetKey, account: target.account, userName: target.userName },
    ]);
    await inTransaction(async (tx, effects) => {
      const detail = await tx.getCase(caseId);
      if (detail === null || detail.state === 'resolved') return;
      const alerts = await caseAlerts(tx, detail);
      const pending = alerts.filter(
        (alert) =>
          isRemovalAlert(alert) &&
          alert.vulnerabilityWindowSeconds === undefined &&
          !(alert.classification !== undefined && ANSWERED_CLASSIFICATIONS.has(alert.classification)) &&
          !(alert.reasons ?? []).some((reason) => reason.code === 'unresolved') &&
          Date.parse(alert.event.time) <= due,
      );
      if (pending.length === 0) return;
      const removals = new Map<string, CloudTrailEvent>();
      for (const alert of pending) {
        const time = Date.parse(alert.event.time);
        const found = await tx.findEvents({
          fromMs: time,
          toMs: time + 1,
          names: ['DeactivateMFADevice'],
          limit: 1_000,
        });
        for (const event of found) if (event.id === alert.event.id) removals.set(event.id, event);
      }
      const touched = (await retriage(tx, effects, [...removals.values()], now)).touched;
      touched.add(caseId);
      for (const id of touched) await syncCase(tx, effects, id, owners, now);
    });
  }
}

/** Carries a "yes" on a closed case out of its transaction, which then rolls back. */
class ClosedCaseAnswer extends Error {
  readonly response: VerificationResponse;
  constructor(response: VerificationResponse) {
    super('answer on a closed case');
    this.response = response;
  }
}

async function answerOrClosed(run: () => Promise<VerificationResponse>): Promise<VerificationResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ClosedCaseAnswer) return error.response;
    throw error;
  }
}

/** The owner's answer on an alert: the classification, and the reason that says who answered. */
function withOwnerAnswer(alert: Alert, classification: Classification, owner: string): Alert {
  const reason = {
    code: classification === 'verified' ? 'owner-confirmed' : 'owner-denied',
    weight: 0,
    message:
      classification === 'verified'
        ? `the owner ${owner} confirmed: "yes, this was me / planned"`
        : `the owner ${owner} answered: "no, this was not me"`,
  };
  return {
    ...alert,
    classification,
    reasons: [reason, ...(alert.reasons ?? []).filter((entry) => !entry.code.startsWith('owner-'))],
  };
}

/** Re-triage refreshes the evidence but never overrides what the owner said. */
function keepOwnerAnswer(stored: Alert, triaged: Alert): Alert {
  if (stored.classification === undefined || !ANSWERED_CLASSIFICATIONS.has(stored.classification))
    return triaged;
  const answers = (stored.reasons ?? []).filter((reason) => reason.code.startsWith('owner-'));
  return {
    ...triaged,
    classification: stored.classification,
    reasons: [...answers, ...(triaged.reasons ?? []).filter((reason) => !reason.code.startsWith('owner-'))],
  };
}
