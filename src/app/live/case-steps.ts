// A batch's cases: new alerts join (or open) their user's case in time order; each case is brought in step with its
// alerts, then closed, its owner asked, or left as it is.

import {
  caseFieldsFromAlerts,
  nextCaseAction,
  openOrAttachCase,
  openedNotices,
  resolveExplained,
  syncCaseFields,
  SYSTEM_ACTOR,
} from '../../cases/index.ts';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import type { Case, StoreTx } from '../../store/index.ts';
import { caseAlerts, isTargetAlert, leadAlert } from './case-alerts.ts';
import { enqueue, requestVerification } from './escalation.ts';
import type { EscalationContext } from './escalation.ts';
import { count } from './live-context.ts';
import type { BatchEffects, Retriaged } from './live-context.ts';
import { caseTargetOfAlert } from './live-triage.ts';

/** What the cases step needs of the service (asking and escalating included). */
export type CaseStepContext = EscalationContext;

/**
 * Brings a case in step with its alerts, then closes it, asks the owner, or leaves it (see nextCaseAction). True
 * when the case changed (a field, or its state): what a response plan depends on.
 */
export async function syncCase(
  ctx: CaseStepContext,
  tx: StoreTx,
  effects: BatchEffects,
  caseId: string,
  owners: ReadonlyMap<string, string | null>,
  now: number,
): Promise<boolean> {
  const detail = await tx.getCase(caseId);
  if (detail === null) return false;
  const alerts = await caseAlerts(tx, detail);
  const severityLocked = detail.audit.some(
    (entry) =>
      entry.action === 'updated' &&
      entry.actor !== SYSTEM_ACTOR &&
      entry.after !== null &&
      'severity' in entry.after,
  );
  const patch = caseFieldsFromAlerts(detail, alerts, { severityLocked });
  let kase: Case = await syncCaseFields(tx, detail, patch, now);
  const lastEscalation = detail.audit.findLast(
    (entry) => entry.action === 'transition' && entry.after?.['state'] === 'escalated',
  );
  const action = nextCaseAction(kase, alerts, detail.verifications.length > 0, {
    escalatedBySystem: lastEscalation?.actor === SYSTEM_ACTOR,
  });
  const lead = leadAlert(alerts);
  if (action.kind === 'resolve') {
    const resolved = await resolveExplained(tx, kase, action.resolution, now, lead, ctx.notifyContext);
    kase = resolved.case;
    count(effects, 'casesAutoResolved');
    await enqueue(ctx, tx, effects, resolved.notifications, now);
  } else if (action.kind === 'verify' && lead !== undefined) {
    await requestVerification(ctx, tx, effects, kase, lead, owners.get(kase.targetKey) ?? null, now, alerts);
  }
  effects.caseIds.add(caseId);
  return Object.keys(patch).length > 0 || action.kind === 'resolve' || action.kind === 'verify';
}

/** Announces a new case with the case as its alerts make it; the verification request (if any) follows. */
async function announceOpened(
  ctx: CaseStepContext,
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
  await enqueue(ctx, tx, effects, openedNotices({ ...detail, ...patch }, lead, ctx.notifyContext), now);
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

/**
 * Cases: every new alert about a user joins (or opens) that user's case, a burst's removals included. Incidents
 * join in time order, each case brought in step before the next incident: a rotation closes its case before a
 * later removal of the same user opens another, exactly as when the events arrive one request at a time.
 * Returns the cases brought in step.
 */
export async function joinCases(
  ctx: CaseStepContext,
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
    group.sort((a, b) => (a.incident?.role === 'removal' ? 0 : 1) - (b.incident?.role === 'removal' ? 0 : 1));
    for (const alert of group) {
      const target = caseTargetOfAlert(alert, eventOf(alert.event.id));
      if (target === null) continue;
      if (!(await incidentStillOpen(tx, alert, retriaged))) continue;
      const result = await openOrAttachCase(tx, {
        alert,
        targetKey: target.key,
        nowMs: now,
        actor: SYSTEM_ACTOR,
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
      if (opened.has(caseId)) await announceOpened(ctx, tx, effects, caseId, now);
      await syncCase(ctx, tx, effects, caseId, owners, now);
      synced.add(caseId);
    }
  }
  return synced;
}
