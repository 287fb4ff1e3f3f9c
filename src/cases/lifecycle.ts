// The case lifecycle's changes: every change to a case (open/attach, fields kept in step with alerts, asking the owner,
// the owner's answer, escalation, resolution, a responder's hand) goes through here, over a narrow case store. The
// changes that must tell people return the notifications (what to tell whom); the caller queues them in its transaction.
//
// The allowed states and moves are data (model/case.ts); the store enforces them and audits each change. Callers give
// the clock's reading (`nowMs`) and who acts. A test (lifecycle.test.ts) fails if anything outside cases/ and store/
// changes a case directly.

import type { Alert, Case, CaseState, Classification, Severity } from '../model/index.ts';
import { severityRank } from '../model/index.ts';
import type { Notification } from '../notify/index.ts';
import type {
  CaseDetail,
  CasePatch,
  OpenOrAttachCaseInput,
  OpenOrAttachCaseResult,
  StoreTx,
} from '../store/index.ts';
import {
  caseEscalatedNotification,
  caseOpenedNotification,
  caseResolvedNotification,
  verificationAnsweredNotification,
  verificationRequestNotification,
} from './case-notifications.ts';
import type { NoticeContext } from './case-notifications.ts';

/** What the lifecycle needs of a store (or of one of its transactions). */
export type CaseStore = Pick<
  StoreTx,
  'getCase' | 'openOrAttachCase' | 'reopenCase' | 'transitionCase' | 'updateCase'
>;

/** The actor of the service's own changes in the audit log. */
export const SYSTEM_ACTOR = 'system';

/** Who acts and when. */
export interface CaseActor {
  readonly actor: string;
  readonly nowMs: number;
}

/** A stored alert joins its target's open case, or opens one. */
export function openOrAttachCase(
  store: CaseStore,
  input: OpenOrAttachCaseInput,
): Promise<OpenOrAttachCaseResult> {
  return store.openOrAttachCase(input);
}

/** The fields a case takes from its alerts (severity, risk, classification...), changed by the service. */
export async function syncCaseFields(
  store: CaseStore,
  kase: Case,
  patch: CasePatch,
  nowMs: number,
): Promise<Case> {
  if (Object.keys(patch).length === 0) return kase;
  return store.updateCase(kase.id, patch, { actor: SYSTEM_ACTOR, nowMs });
}

/** Closes a case with its resolution (explained by triage, or confirmed by the owner). */
export async function resolveCase(
  store: CaseStore,
  kase: Case,
  resolution: string,
  by: CaseActor,
  note: string,
): Promise<Case> {
  const resolved = await store.updateCase(kase.id, { resolution }, by);
  return store.transitionCase(resolved.id, 'resolved', { ...by, note });
}

/** The owner was asked "was this you?". */
export function markVerifying(store: CaseStore, kase: Case, owner: string, nowMs: number): Promise<Case> {
  return store.transitionCase(kase.id, 'verifying', {
    actor: SYSTEM_ACTOR,
    nowMs,
    note: `asked the owner ${owner}`,
  });
}

/** Escalates a case still open or being verified; `moved` is false when it already was escalated (or closed). */
export async function escalateCase(
  store: CaseStore,
  kase: Case,
  by: CaseActor,
  reason: string,
): Promise<{ readonly case: Case; readonly moved: boolean }> {
  if (kase.state !== 'open' && kase.state !== 'verifying') return { case: kase, moved: false };
  return { case: await store.transitionCase(kase.id, 'escalated', { ...by, note: reason }), moved: true };
}

/** The owner's answer on the case: its classification, and at least high severity for a "not me". */
export function recordOwnerAnswer(
  store: CaseStore,
  detail: Case,
  classification: Classification,
  by: CaseActor,
): Promise<Case> {
  const raised: Severity =
    classification === 'unauthorized' && severityRank(detail.severity) < severityRank('high')
      ? 'high'
      : detail.severity;
  return store.updateCase(
    detail.id,
    { classification, ...(raised === detail.severity ? {} : { severity: raised }) },
    by,
  );
}

/** "Not me" on a closed case: it reopens as escalated (ConflictError when a newer case is open for the user). */
export function reopenAfterDenial(
  store: CaseStore,
  detail: CaseDetail,
  by: CaseActor,
  note: string,
): Promise<Case> {
  return store.reopenCase(detail.id, { ...by, note });
}

/** A responder moves a case along its lifecycle (InvalidTransitionError when the table does not allow it). */
export function transitionByResponder(
  store: CaseStore,
  id: string,
  to: CaseState,
  by: CaseActor,
  note?: string,
): Promise<Case> {
  return store.transitionCase(id, to, { ...by, ...(note === undefined ? {} : { note }) });
}

/** A responder changes assignee, severity or classification (audited; only the fields given). */
export function updateByResponder(
  store: CaseStore,
  id: string,
  patch: CasePatch,
  by: CaseActor,
): Promise<Case> {
  return store.updateCase(id, patch, by);
}

/** A change of a case and what it must tell people: the case after it, and the notifications to queue with it. */
export interface CaseChange {
  readonly case: Case;
  readonly notifications: readonly Notification[];
}

/** Escalates (when still open or being verified) and tells the responders why, once per cause. */
export async function escalateWithNotice(
  store: CaseStore,
  kase: Case,
  by: CaseActor,
  cause: { readonly key: string; readonly reason: string },
  lead: Alert | undefined,
  context: NoticeContext,
): Promise<CaseChange & { readonly moved: boolean }> {
  const escalated = await escalateCase(store, kase, by, cause.reason);
  return { ...escalated, notifications: [caseEscalatedNotification(escalated.case, cause, lead, context)] };
}

/** Closes a case its alerts explain (rotation, approval...) and says so. */
export async function resolveExplained(
  store: CaseStore,
  kase: Case,
  resolution: string,
  nowMs: number,
  lead: Alert | undefined,
  context: NoticeContext,
): Promise<CaseChange> {
  const by = { actor: SYSTEM_ACTOR, nowMs };
  const resolved = await resolveCase(store, kase, resolution, by, `explained: ${resolution}`);
  return { case: resolved, notifications: [caseResolvedNotification(resolved, resolution, lead, context)] };
}

/** Closes a case the system settled for a stated reason (`note`), telling the responders why. */
export async function resolveNoted(
  store: CaseStore,
  kase: Case,
  resolution: string,
  nowMs: number,
  note: string,
  context: NoticeContext,
): Promise<CaseChange> {
  const resolved = await resolveCase(store, kase, resolution, { actor: SYSTEM_ACTOR, nowMs }, note);
  return {
    case: resolved,
    notifications: [caseResolvedNotification(resolved, resolution, undefined, context)],
  };
}

/** Marks the case as being verified and asks the owner, with the signed links of the stored verification. */
export async function askOwner(
  store: CaseStore,
  kase: Case,
  request: {
    readonly verification: { readonly id: string; readonly owner: string; readonly expiresAt: number };
    readonly links: { readonly confirm: string; readonly deny: string };
    readonly alert: Alert;
    readonly nowMs: number;
  },
  context: NoticeContext,
): Promise<CaseChange> {
  const { verification, links, alert, nowMs } = request;
  const verifying = await markVerifying(store, kase, verification.owner, nowMs);
  return {
    case: verifying,
    notifications: [verificationRequestNotification(verifying, alert, verification, links, context)],
  };
}

/** A new case is announced with the alert that speaks for it (no change of state: the case was just opened). */
export function openedNotices(kase: Case, lead: Alert, context: NoticeContext): readonly Notification[] {
  return [caseOpenedNotification(kase, lead, context)];
}

/** The owner's answer is told to the responders (a "not me" also escalates: see escalateWithNotice). */
export function answeredNotices(
  kase: Case,
  verification: { readonly id: string; readonly owner: string },
  classification: Classification,
  context: NoticeContext,
): readonly Notification[] {
  return [verificationAnsweredNotification(kase, verification, classification, context)];
}
