// Incremental triage: the pipeline's own triage, fed with the window of events and the baseline the store holds for one removal.

import {
  actorId,
  byTime,
  correlateRemovals,
  incidentReach,
  isMfaRemoval,
  MFA_DEVICE_EVENTS,
  resolveTarget,
  targetUserName,
} from '../../detect/index.ts';
import type { Approval, TriageConfig } from '../../enrich/index.ts';
import { baselineFromSightings, judgedActors } from '../../enrich/index.ts';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import type { StoreTx } from '../../store/index.ts';
import { actorKeyOf, eventTargetKey, targetKeyOf } from '../../store/index.ts';
import { detectEvent, triageRun } from '../pipeline.ts';
import type { LoadedRuleSet } from '../rule-set.ts';

/** The target key a case and the store use for whom an event was about (sign-ins: the user who signed in). */
export function caseTargetOf(event: CloudTrailEvent): { key: string; userName: string } | null {
  const user = targetUserName(event);
  return user === null ? null : { key: targetKeyOf(event.account, user), userName: user };
}

/**
 * Whose case an alert joins: the user it names (triage names the incident's user on the alert of a deleted device,
 * which carries only a serial), else whom its event was about.
 */
export function caseTargetOfAlert(
  alert: Alert,
  event: CloudTrailEvent | undefined,
): { key: string; userName: string } | null {
  if (alert.target.userName !== null)
    return { key: targetKeyOf(alert.event.account, alert.target.userName), userName: alert.target.userName };
  return event === undefined ? null : caseTargetOf(event);
}

const MAX_EVENTS = 100_000;

/**
 * The removals by one caller that form a chain with the removal at `timeMs`: removals no more than a burst window
 * apart, walked back to the chain's start and forward to `untilMs`. Bursts are cut from whole chains (see
 * findBursts), so this is what a window needs to find the bursts a scan of everything finds.
 */
async function burstChain(
  tx: StoreTx,
  actorKey: string,
  account: string | null,
  fromMs: number,
  untilMs: number,
  burstWindowMs: number,
): Promise<CloudTrailEvent[]> {
  let from = fromMs - burstWindowMs;
  const found = new Map<string, CloudTrailEvent>();
  for (;;) {
    const batch = await tx.findEvents({
      fromMs: from,
      toMs: untilMs + 1,
      names: ['DeactivateMFADevice'],
      actorKeys: [actorKey],
      ...(account === null ? {} : { accounts: [account] }),
      limit: MAX_EVENTS,
    });
    for (const event of batch) found.set(event.id, event);
    const earliest = [...found.values()].filter(isMfaRemoval).sort(byTime)[0];
    if (earliest === undefined || earliest.timeMs - burstWindowMs >= from) break;
    from = earliest.timeMs - burstWindowMs;
  }
  return [...found.values()];
}

/** The window of stored events a removal's incident reads (the same selection correlation makes in a scan). */
async function incidentWindow(
  tx: StoreTx,
  removal: CloudTrailEvent,
  config: TriageConfig,
): Promise<Map<string, CloudTrailEvent>> {
  const reach = incidentReach(config);
  const fromMs = removal.timeMs - reach.beforeMs;
  const toMs = removal.timeMs + Math.max(reach.afterMs, config.burstWindowMs) + 1;
  const window = new Map<string, CloudTrailEvent>([[removal.id, removal]]);
  const add = (list: readonly CloudTrailEvent[]): void => {
    for (const event of list) window.set(event.id, event);
  };
  const accounts = removal.account === null ? {} : { accounts: [removal.account] };
  const devices = await tx.findEvents({
    fromMs,
    toMs,
    names: [...MFA_DEVICE_EVENTS],
    ...accounts,
    limit: MAX_EVENTS,
  });
  add(devices);
  const target = resolveTarget(removal, devices, config).user;
  if (target !== null) {
    add(
      await tx.findEvents({
        fromMs,
        toMs,
        targetKeys: [targetKeyOf(removal.account, target)],
        limit: MAX_EVENTS,
      }),
    );
    const logins = await tx.findEvents({
      fromMs,
      toMs,
      names: ['ConsoleLogin'],
      ...accounts,
      limit: MAX_EVENTS,
    });
    add(logins.filter((event) => targetUserName(event)?.toLowerCase() === target.toLowerCase()));
  }
  const actor = actorKeyOf(removal.actor);
  if (actor !== null) {
    add(await tx.findEvents({ fromMs, toMs, actorKeys: [actor], limit: MAX_EVENTS }));
    add(
      await burstChain(
        tx,
        actor,
        removal.account,
        removal.timeMs,
        removal.timeMs + config.burstWindowMs,
        config.burstWindowMs,
      ),
    );
  }
  return window;
}

/**
 * The stored removals that events arriving now may change: re-enrolments, deletions of the same serial and follow-ups
 * after them, precursors before them, and the removals of a caller's chain (bursts), late and out-of-order delivery
 * included. Over-inclusion is harmless: re-triage is idempotent.
 */
export async function affectedRemovals(
  tx: StoreTx,
  events: readonly CloudTrailEvent[],
  config: TriageConfig,
): Promise<CloudTrailEvent[]> {
  if (events.length === 0) return [];
  const targetKeys = new Set<string>();
  const actorKeys = new Set<string>();
  const deviceAccounts = new Set<string>();
  let min = Infinity;
  let max = -Infinity;
  for (const event of events) {
    const stored = eventTargetKey(event);
    if (stored !== null) targetKeys.add(stored);
    const target = caseTargetOf(event);
    if (target !== null) targetKeys.add(target.key);
    const actor = actorKeyOf(event.actor);
    if (actor !== null) actorKeys.add(actor);
    if (MFA_DEVICE_EVENTS.has(event.name) && event.account !== null) deviceAccounts.add(event.account);
    min = Math.min(min, event.timeMs);
    max = Math.max(max, event.timeMs);
  }
  const reach = incidentReach(config);
  const widest = Math.max(reach.beforeMs, reach.afterMs, config.burstWindowMs);
  const window = {
    fromMs: min - widest,
    toMs: max + widest + 1,
    names: ['DeactivateMFADevice'],
    limit: MAX_EVENTS,
  };
  const found = new Map<string, CloudTrailEvent>();
  const add = (list: readonly CloudTrailEvent[]): void => {
    for (const event of list) if (isMfaRemoval(event)) found.set(event.id, event);
  };
  if (targetKeys.size > 0) add(await tx.findEvents({ ...window, targetKeys: [...targetKeys] }));
  if (actorKeys.size > 0) add(await tx.findEvents({ ...window, actorKeys: [...actorKeys] }));
  // A device call names only a serial (DeleteVirtualMFADevice): the account's removals around it are candidates.
  if (deviceAccounts.size > 0) add(await tx.findEvents({ ...window, accounts: [...deviceAccounts] }));
  // A removal can join or split a caller's chain: every removal of the chain may land in another burst.
  for (const removal of [...found.values()]) {
    const actor = actorKeyOf(removal.actor);
    if (actor === null) continue;
    add(
      await burstChain(
        tx,
        actor,
        removal.account,
        removal.timeMs,
        max + config.burstWindowMs,
        config.burstWindowMs,
      ),
    );
  }
  return [...found.values()].sort(byTime);
}

function toApproval(stored: {
  ticket: string;
  user: string;
  actor: string | null;
  account: string | null;
  fromMs: number;
  toMs: number;
  approver: string;
}): Approval {
  return {
    ticket: stored.ticket,
    user: stored.user,
    actor: stored.actor,
    account: stored.account,
    fromMs: stored.fromMs,
    toMs: stored.toMs,
    approver: stored.approver,
  };
}

export interface TriageContext {
  readonly rules: LoadedRuleSet;
  readonly config: TriageConfig;
  /** Time of the newest event the service can assume it has: now minus the delivery allowance. */
  readonly coverageEndMs: number;
}

/**
 * Triage of one stored removal, exactly as `scan` does it, over what the store holds:
 * - the window: the account's MFA device calls, events about the target (its sign-ins too) and by the caller around
 *   the removal, and the caller's chain of removals (bursts) — the selection correlation makes in a scan;
 * - the baseline: the stored sightings (address, client, day) of every caller whose familiarity triage judges, over
 *   the look-back: recorded for every event ingested, as a scan's second pass reads every event of those callers;
 * - approvals: those in the store (API, CLI) and those in the configuration file.
 * Returns the triaged alerts of the removal's incident (the removal's, and its members') and of any burst it is in.
 */
export async function triageStoredRemoval(
  tx: StoreTx,
  removal: CloudTrailEvent,
  context: TriageContext,
): Promise<Alert[]> {
  const { config } = context;
  const window = await incidentWindow(tx, removal, config);
  const events = [...window.values()];

  // The baseline of every caller whose familiarity triage judges.
  const correlation = correlateRemovals(events, config, context.coverageEndMs).find(
    (candidate) => candidate.removal.id === removal.id,
  );
  if (correlation === undefined) return [];
  const baselineActors = new Set<string>();
  let earliest = removal.timeMs;
  for (const event of judgedActors(correlation)) {
    const key = actorId(event);
    if (key !== null) baselineActors.add(key);
    earliest = Math.min(earliest, event.timeMs);
  }
  const sightings = await tx.findSightings({
    actors: [...baselineActors],
    fromMs: earliest - config.lookbackMs,
    toMs: Math.max(...events.map((event) => event.timeMs)) + 1,
  });

  const approvals: Approval[] = [...config.approvals];
  if (correlation.target !== null) {
    const stored = await tx.findApproval({
      user: correlation.target,
      account: removal.account,
      actor: { arn: removal.actor.arn, userName: removal.actor.userName },
      atMs: removal.timeMs,
    });
    if (stored !== null) approvals.unshift(toApproval(stored));
  }
  const alerts = events.flatMap((event) => detectEvent(context.rules.engine, event).alerts);
  return triageRun(
    {
      alerts,
      events,
      baseline: baselineFromSightings(sightings),
      config: { ...config, approvals },
      coverageEndMs: context.coverageEndMs,
    },
    { only: new Set([removal.id]) },
  );
}

/** Fields triage owns; a change in any of them is worth an update (and an audit line on the case). */
export function triageChanged(stored: Alert, next: Alert): boolean {
  const pick = (alert: Alert): string =>
    JSON.stringify([
      alert.classification ?? null,
      alert.severity,
      alert.riskScore,
      alert.reasons ?? [],
      alert.related ?? [],
      alert.correlation ?? null,
      alert.vulnerabilityWindowSeconds ?? null,
      alert.incident ?? null,
      alert.target,
    ]);
  return pick(stored) !== pick(next);
}
