// Incremental triage: the same triageAlerts as `scan`, fed with the window of events and the baseline the store holds.

import { buildAlert } from '../../detect/index.ts';
import { BURST_RULE, isMfaRemoval, targetUserName } from '../../detect/correlate/index.ts';
import { Baseline, BaselineBuilder, triageAlerts } from '../../enrich/index.ts';
import type { Approval, TriageConfig } from '../../enrich/index.ts';
import { createEventViews } from '../../ingest/index.ts';
import type { Alert, CloudTrailEvent, Reason } from '../../model/index.ts';
import { severityFromRiskScore } from '../../model/index.ts';
import type { StoreTx } from '../../store/index.ts';
import { actorKeyOf, eventTargetKey, targetKeyOf } from '../../store/index.ts';
import type { LoadedRuleSet } from '../rule-set.ts';

/** How far around an event its correlations reach: the widest of the triage windows. */
export function correlationReachMs(config: TriageConfig): number {
  return Math.max(
    config.graceWindowMs,
    config.followUpWindowMs,
    config.precursorWindowMs,
    config.burstWindowMs,
  );
}

/** The alerts the event rules raise on one event, as the rules make them (before triage). */
export function ruleAlertsFor(rules: LoadedRuleSet, event: CloudTrailEvent): Alert[] {
  const outcome = rules.engine.match(createEventViews(event));
  return outcome.rules.flatMap((rule) => (rule.kind === 'event' ? [buildAlert(rule, event)] : []));
}

/** The target key a case and the store use for whom an event was about (sign-ins: the user who signed in). */
export function caseTargetOf(event: CloudTrailEvent): { key: string; userName: string } | null {
  const user = targetUserName(event);
  return user === null ? null : { key: targetKeyOf(event.account, user), userName: user };
}

/**
 * The stored removals that events arriving now may change: re-enrolments and follow-ups after them, precursors and
 * burst members around them (late, out-of-order delivery included). Over-inclusion is harmless: re-triage is idempotent.
 */
export async function affectedRemovals(
  tx: StoreTx,
  events: readonly CloudTrailEvent[],
  config: TriageConfig,
): Promise<CloudTrailEvent[]> {
  if (events.length === 0) return [];
  const targetKeys = new Set<string>();
  const actorKeys = new Set<string>();
  let min = Infinity;
  let max = -Infinity;
  for (const event of events) {
    const stored = eventTargetKey(event);
    if (stored !== null) targetKeys.add(stored);
    const target = caseTargetOf(event);
    if (target !== null) targetKeys.add(target.key);
    const actor = actorKeyOf(event.actor);
    if (actor !== null) actorKeys.add(actor);
    min = Math.min(min, event.timeMs);
    max = Math.max(max, event.timeMs);
  }
  const reach = correlationReachMs(config);
  const window = { fromMs: min - reach, toMs: max + reach + 1, names: ['DeactivateMFADevice'] };
  const found = new Map<string, CloudTrailEvent>();
  const add = (list: readonly CloudTrailEvent[]): void => {
    for (const event of list) if (isMfaRemoval(event)) found.set(event.id, event);
  };
  if (targetKeys.size > 0) add(await tx.findEvents({ ...window, targetKeys: [...targetKeys] }));
  if (actorKeys.size > 0) add(await tx.findEvents({ ...window, actorKeys: [...actorKeys] }));
  return [...found.values()].sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : 1));
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
 * - the window: events about the target and by the actor around the removal, and the target's own sign-ins;
 * - the baseline: the stored events of the actors involved in the look-back. The store keeps only the
 *   MFA-relevant slice, so a live baseline sees fewer addresses and clients than a scan of full logs does;
 * - approvals: those in the store (API, CLI) and those in the configuration file.
 * Returns the triaged alerts of every rule that fires on the removal, and any burst alert it belongs to.
 */
export async function triageStoredRemoval(
  tx: StoreTx,
  removal: CloudTrailEvent,
  context: TriageContext,
): Promise<Alert[]> {
  const { config } = context;
  const alerts = ruleAlertsFor(context.rules, removal);
  if (alerts.length === 0) return [];
  const before = Math.max(config.precursorWindowMs, 2 * config.burstWindowMs);
  const after = Math.max(config.graceWindowMs, config.followUpWindowMs, config.burstWindowMs);
  const fromMs = removal.timeMs - before;
  const toMs = removal.timeMs + after + 1;
  const target = targetUserName(removal);
  const window = new Map<string, CloudTrailEvent>([[removal.id, removal]]);
  const add = (list: readonly CloudTrailEvent[]): void => {
    for (const event of list) window.set(event.id, event);
  };
  if (target !== null) {
    add(await tx.findEvents({ fromMs, toMs, targetKeys: [targetKeyOf(removal.account, target)] }));
    const logins = await tx.findEvents({
      fromMs,
      toMs,
      names: ['ConsoleLogin'],
      ...(removal.account === null ? {} : { accounts: [removal.account] }),
    });
    add(logins.filter((event) => targetUserName(event)?.toLowerCase() === target.toLowerCase()));
  }
  const actor = actorKeyOf(removal.actor);
  if (actor !== null) add(await tx.findEvents({ fromMs, toMs, actorKeys: [actor] }));

  // The baseline of every caller whose familiarity triage judges: the remover and whoever registered a device.
  const baselineActors = new Set<string>();
  for (const event of window.values()) {
    const key = actorKeyOf(event.actor);
    if (key === null) continue;
    if (
      event.id === removal.id ||
      event.name === 'EnableMFADevice' ||
      event.name === 'CreateVirtualMFADevice'
    )
      baselineActors.add(key);
  }
  const builder = new BaselineBuilder();
  if (baselineActors.size > 0) {
    const history = await tx.findEvents({
      fromMs: removal.timeMs - config.lookbackMs,
      toMs,
      actorKeys: [...baselineActors],
      limit: 100_000,
    });
    for (const event of history) builder.observe(event);
  }
  for (const event of window.values()) builder.observe(event);

  const approvals: Approval[] = [...config.approvals];
  if (target !== null) {
    const stored = await tx.findApproval({
      user: target,
      account: removal.account,
      actor: { arn: removal.actor.arn, userName: removal.actor.userName },
      atMs: removal.timeMs,
    });
    if (stored !== null) approvals.unshift(toApproval(stored));
  }
  const triaged = triageAlerts({
    alerts,
    events: [...window.values()],
    baseline: new Baseline(builder.data),
    config: { ...config, approvals },
    coverageEndMs: context.coverageEndMs,
    ecs: (event) => createEventViews(event).ecs(),
    burstAlert: (first) => buildAlert(BURST_RULE, first),
  });
  return triaged.map((alert) => raisePrivileged(alert, config));
}

/** A privileged or break-glass user's removal without an approval is raised, with the reason said. */
export function raisePrivileged(alert: Alert, config: TriageConfig): Alert {
  const user = alert.target.userName;
  if (user === null || alert.correlation?.kind === 'burst' || alert.classification === undefined)
    return alert;
  if (alert.classification === 'approved') return alert;
  if (!config.privilegedUsers.has(user) && !config.breakGlassUsers.has(user)) return alert;
  const reason: Reason = {
    code: 'privileged-without-approval',
    weight: 10,
    message: `no approved change covers this removal for the privileged user ${user}`,
  };
  const riskScore = Math.min(100, alert.riskScore + (reason.weight ?? 0));
  return {
    ...alert,
    riskScore,
    severity: severityFromRiskScore(riskScore),
    reasons: [...(alert.reasons ?? []), reason].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0)),
  };
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
    ]);
  return pick(stored) !== pick(next);
}
