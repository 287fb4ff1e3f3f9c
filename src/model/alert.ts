// What a detection produces: the alert schema of `scan`, kept by the service and the API.

import type { AccessKeyKind, Outcome } from './cloudtrail.ts';
import type { MitreMapping, RuleFormat } from './rule.ts';
import type { Severity } from './severity.ts';

export type Classification =
  'rotation' | 'approved' | 'admin-reset' | 'verified' | 'suspicious' | 'unauthorized' | 'unresolved';

/** Every classification, explained ones first; the one list the stores, the API and the KPIs check against. */
export const CLASSIFICATIONS: readonly Classification[] = [
  'rotation',
  'approved',
  'admin-reset',
  'verified',
  'suspicious',
  'unauthorized',
  'unresolved',
];

/**
 * Worst first, the one order in which classifications outrank each other: a case with a rotation and a suspicious
 * removal is suspicious, and a burst over a takeover and an administrator's resets reads as the takeover.
 */
export const CLASSIFICATIONS_WORST_FIRST: readonly Classification[] = [
  'unauthorized',
  'suspicious',
  'unresolved',
  'admin-reset',
  'verified',
  'approved',
  'rotation',
];

/** The worst classification of a list (see `CLASSIFICATIONS_WORST_FIRST`); null for an empty list. */
export function worstClassification(list: readonly Classification[]): Classification | null {
  for (const candidate of CLASSIFICATIONS_WORST_FIRST) if (list.includes(candidate)) return candidate;
  return null;
}

export interface Reason {
  /** Stable code, e.g. `root-target`, `no-mfa-session`, `new-source-ip`. */
  readonly code: string;
  readonly message: string;
  /** Contribution to the risk score, where the reason is a scored factor. */
  readonly weight?: number;
}

export interface RelatedEvent {
  readonly eventId: string;
  readonly name: string;
  readonly time: string;
  readonly actor: string | null;
  readonly relation?: string;
}

/**
 * A burst (one caller removing MFA from several users). The burst's own alert is its one summary: every target and the
 * whole span. A member removal's alert refers to it by id and carries the burst as it stood at that removal (users so
 * far, seconds since the first): later removals change only the summary, never the members already written, so a
 * burst of n removals costs n alert writes and n summary updates, not n² rewrites.
 */
export interface Correlation {
  readonly kind: string;
  /** The burst's alert; on that alert itself, absent. */
  readonly burstAlertId?: string;
  /**
   * The burst's alert: its target users, sorted, at most the first 100 (`count` has them all; each removal's alert
   * names the burst); absent on a member's alert (read the burst's alert).
   */
  readonly targets?: readonly string[];
  /** Distinct target users: of the whole burst on its alert; on a member's, up to and including that removal. */
  readonly count: number;
  /** Seconds from the burst's first removal to its last (its alert) or to this removal (a member's). */
  readonly windowSeconds: number;
}

/**
 * The MFA removal an alert belongs to: the removal itself, or an event of its story (the deleted device, the new
 * device, a follow-up) whose alert carries the removal's classification.
 */
export interface IncidentRef {
  /** eventID of the DeactivateMFADevice the incident is about. */
  readonly removalEventId: string;
  readonly role: 'removal' | 'member';
}

export interface Alert {
  /** Deterministic from (rule id, event id): the same event never alerts twice for one rule. */
  readonly id: string;
  readonly rule: {
    readonly id: string;
    readonly name: string;
    readonly format: RuleFormat;
    readonly severity: Severity;
    readonly riskScore: number;
    readonly mitre: readonly MitreMapping[];
  };
  readonly severity: Severity;
  readonly riskScore: number;
  /** One line a person can read, built from the event (contains attacker-controlled text: escape at the sink). */
  readonly title: string;
  readonly event: {
    readonly id: string;
    readonly name: string;
    readonly source: string;
    readonly time: string;
    readonly outcome: Outcome;
    readonly errorCode: string | null;
    readonly account: string | null;
    readonly region: string | null;
    readonly location: string;
    readonly index: number;
  };
  readonly actor: {
    readonly arn: string | null;
    readonly type: string;
    readonly userName: string | null;
    readonly accessKeyId: string | null;
    readonly accessKeyKind: AccessKeyKind | null;
    readonly sourceIp: string | null;
    readonly userAgent: string | null;
    readonly mfaAuthenticated: boolean | null;
    readonly consoleSession: boolean;
  };
  readonly target: {
    readonly userName: string | null;
    readonly serialNumber: string | null;
  };
  /** For aggregate rules: what made the hit. */
  readonly aggregate?: { readonly summary: string; readonly eventIds: readonly string[] };
  // Triage (correlation, scoring, classification) fills these.
  readonly classification?: Classification;
  readonly reasons?: readonly Reason[];
  readonly related?: readonly RelatedEvent[];
  readonly correlation?: Correlation;
  readonly vulnerabilityWindowSeconds?: number;
  readonly incident?: IncidentRef;
  readonly investigation?: Readonly<Record<string, unknown>>;
}
