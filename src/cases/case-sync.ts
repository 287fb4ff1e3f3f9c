// Keeps a case in step with its alerts: severity, risk, classification and vulnerability window, and what to do next.

import { BURST_RULE, isMfaRemoval } from '../detect/index.ts';
import type { Alert, Classification, Severity } from '../model/index.ts';
import { severityRank, worstClassification } from '../model/index.ts';
import type { AutoResolution, Case, CasePatch } from '../store/index.ts';

/** Classifications that come from a person (the owner's answer): triage never overrides them. */
export const ANSWERED_CLASSIFICATIONS: ReadonlySet<Classification> = new Set(['verified', 'unauthorized']);

/**
 * An alert on a successful MFA removal: a burst's removals included (each is about its own user), not the burst's
 * own correlated alert, which is about the caller.
 */
export function isRemovalAlert(alert: Alert): boolean {
  return (
    alert.event.name === 'DeactivateMFADevice' &&
    alert.event.source === 'iam.amazonaws.com' &&
    alert.event.outcome === 'success' &&
    alert.rule.id !== BURST_RULE.meta.id
  );
}

export { isMfaRemoval };

export function isRootCase(kase: Pick<Case, 'userName'>): boolean {
  return kase.userName.toLowerCase() === 'root';
}

/**
 * The alerts that speak for the case: its removals, plus every other alert whose event is not already part of a
 * removal's story (the old device deleted, the new one registered: triage weighed those into the removal's risk).
 */
export function decisiveAlerts(alerts: readonly Alert[]): Alert[] {
  const removals = alerts.filter(isRemovalAlert);
  const covered = new Set<string>();
  for (const removal of removals) {
    covered.add(removal.event.id);
    for (const related of removal.related ?? []) covered.add(related.eventId);
  }
  return alerts.filter((alert) => isRemovalAlert(alert) || !covered.has(alert.event.id));
}

/**
 * The case fields its alerts imply, as a patch of what differs from `current`:
 * - severity: the highest among its alerts (root: always critical), unless a responder set it (`severityLocked`);
 * - riskScore: the highest;
 * - classification: an owner's answer stays; else the worst among its removals, else among all its alerts;
 * - vulnerabilityWindowSeconds: the longest known among its removals.
 * Lowering is allowed: a removal first seen alone and later re-enrolled drops from medium to low.
 */
export function caseFieldsFromAlerts(
  current: Case,
  alerts: readonly Alert[],
  options: { readonly severityLocked?: boolean } = {},
): CasePatch {
  if (alerts.length === 0) return {};
  alerts = decisiveAlerts(alerts);
  let severity: Severity = 'info';
  let riskScore = 0;
  for (const alert of alerts) {
    if (severityRank(alert.severity) > severityRank(severity)) severity = alert.severity;
    riskScore = Math.max(riskScore, alert.riskScore);
  }
  if (isRootCase(current)) severity = 'critical';
  const removals = alerts.filter(isRemovalAlert);
  const pool = removals.length > 0 ? removals : alerts;
  const derived = worstClassification(
    pool.flatMap((alert) => (alert.classification === undefined ? [] : [alert.classification])),
  );
  const classification =
    current.classification !== null && ANSWERED_CLASSIFICATIONS.has(current.classification)
      ? current.classification
      : derived;
  const windows = removals.flatMap((alert) =>
    alert.vulnerabilityWindowSeconds === undefined ? [] : [alert.vulnerabilityWindowSeconds],
  );
  const window = windows.length === 0 ? null : Math.max(...windows);

  const patch: {
    -readonly [K in keyof CasePatch]: CasePatch[K];
  } = {};
  if (!options.severityLocked && severity !== current.severity) patch.severity = severity;
  if (riskScore !== current.riskScore) patch.riskScore = riskScore;
  if (classification !== null && classification !== current.classification)
    patch.classification = classification;
  if (window !== null && window !== current.vulnerabilityWindowSeconds)
    patch.vulnerabilityWindowSeconds = window;
  return patch;
}

export type CaseAction =
  | { readonly kind: 'none' }
  /** Explained by itself (rotation, approved change, an administrator's reset the owner re-enrolled after): closes. */
  | { readonly kind: 'resolve'; readonly resolution: AutoResolution }
  /** Ask the owner "was this you?". */
  | { readonly kind: 'verify' };

/** What explains a removal by itself, or null: an administrator's reset explains itself once the owner re-enrolled in a trustworthy session. */
function explanationOf(alert: Alert): AutoResolution | null {
  if (alert.classification === 'rotation') return 'rotation';
  if (alert.classification === 'approved') return 'approved';
  if (alert.classification === 'admin-reset' && alert.vulnerabilityWindowSeconds !== undefined)
    return 'admin-reset-re-enrolled';
  return null;
}

/**
 * True while a case's removals still wait for their grace window (a trustworthy re-enrolment may yet explain them)
 * and none is a takeover: a case with nobody to ask waits this long before it escalates.
 */
export function awaitsGraceWindow(alerts: readonly Alert[]): boolean {
  const removals = decisiveAlerts(alerts).filter(isRemovalAlert);
  return (
    removals.some((alert) => (alert.reasons ?? []).some((reason) => reason.code === 'grace-window-open')) &&
    !removals.some((alert) => alert.classification === 'suspicious')
  );
}

/**
 * What the service does with a case after its alerts changed. Root is never closed automatically; only a case
 * still `open` is sent to verification (once); a case being verified can still close as a rotation when the
 * re-enrolment arrives late, and so can a case the system escalated for want of an answer (no owner, no reply).
 * Owners' answers are final, and so is a person's escalation: those cases are left to people.
 */
export function nextCaseAction(
  kase: Pick<Case, 'state' | 'classification' | 'userName'>,
  alerts: readonly Alert[],
  hasVerification: boolean,
  options: { readonly escalatedBySystem?: boolean } = {},
): CaseAction {
  if (kase.state === 'resolved') return { kind: 'none' };
  if (kase.state === 'escalated' && options.escalatedBySystem !== true) return { kind: 'none' };
  if (kase.classification !== null && ANSWERED_CLASSIFICATIONS.has(kase.classification))
    return { kind: 'none' };
  alerts = decisiveAlerts(alerts);
  const removals = alerts.filter(isRemovalAlert);
  if (removals.length === 0) return { kind: 'none' };
  const root = isRootCase(kase);
  const explanations = removals.map(explanationOf);
  const explained = explanations.every((explanation) => explanation !== null);
  if (
    explained &&
    !root &&
    alerts.every((alert) => isRemovalAlert(alert) || severityRank(alert.severity) <= 1)
  ) {
    const resolution = (['approved', 'admin-reset-re-enrolled', 'rotation'] as const).find((candidate) =>
      explanations.includes(candidate),
    );
    return { kind: 'resolve', resolution: resolution ?? 'rotation' };
  }
  // Approved root changes are planned: nobody to ask, but a person still closes the case.
  if (explained || kase.state === 'escalated') return { kind: 'none' };
  if (kase.state === 'open' && !hasVerification) return { kind: 'verify' };
  return { kind: 'none' };
}
