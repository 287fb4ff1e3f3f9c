// The store's part of the KPI trends: the raw facts (removals, cases, denials) the pure trend functions in cases/ bucket.

import type { CloudTrailEvent, Severity } from '../model/index.ts';
import type { CaseState } from './store.ts';

/** One successful DeactivateMFADevice event, with its earliest detection and its case's outcome. */
export interface RemovalFact {
  readonly eventId: string;
  readonly eventTimeMs: number;
  /** detectedAt of the earliest alert on this event. */
  readonly detectedAt: number;
  /** The case's classification (verification answers land there), else the earliest alert's; null if neither. */
  readonly classification: string | null;
  readonly caseId: string | null;
  readonly caseResolvedAt: number | null;
  readonly caseResolution: string | null;
  /** Seconds from the removal to re-enrolment, as the case records it; null while MFA is still off. */
  readonly vulnerabilityWindowSeconds: number | null;
  /** When the first response action on its case was applied (containment); null when none was. */
  readonly containedAt: number | null;
}

export interface CaseFact {
  readonly id: string;
  /** What the case is about (e.g. `provisioned-without-mfa`); null for MFA removal cases and stores without kinds. */
  readonly kind: string | null;
  readonly state: CaseState;
  readonly severity: Severity;
  readonly classification: string | null;
  readonly firstEventAt: number;
  readonly detectedAt: number;
  readonly resolvedAt: number | null;
  readonly resolution: string | null;
  readonly vulnerabilityWindowSeconds: number | null;
  readonly containedAt: number | null;
}

/**
 * One access denial that is, or may become, MFA-related: what the classifier in cases/ needs, not its verdict, so the
 * figures follow the `mfaPolicies` configured when they are read (a policy added later counts its past denies too).
 * Recorded at ingestion when the request was made without MFA by an IAM user or root, or an explicit deny names a
 * policy; other denials can never count, whatever the configuration. Small on purpose: the events table keeps only
 * the MFA-relevant slice, so most denials are never stored as events, and a row per denial (deduplicated by eventID)
 * costs far less than the event's body.
 */
export interface DenialFact {
  readonly eventId: string;
  readonly timeMs: number;
  /** The account the request was made in; null when the record does not say. */
  readonly account: string | null;
  readonly errorCode: string;
  /** The policy named in an explicit deny (ARN or name); null when the message names none. */
  readonly policy: string | null;
  /**
   * An IAM user or root made the request without MFA. Null when unknown: rows recorded before this was kept (as an
   * explicit deny by an MFA policy, their session was not looked at).
   */
  readonly withoutMfa: boolean | null;
}

export interface KpiFactsQuery {
  /** Inclusive, epoch ms. */
  readonly fromMs: number;
  /** Exclusive, epoch ms. */
  readonly toMs: number;
}

export interface KpiFacts {
  /** Removals whose event is in the window, or whose case was resolved in it (MTTR counts by remediation time). */
  readonly removals: RemovalFact[];
  /** Cases detected, first seen or resolved in the window, and every case not resolved. */
  readonly cases: CaseFact[];
  /** Stored events in the window whose error code is an access denial; which are MFA-related is decided in cases/. */
  readonly denialCandidates: CloudTrailEvent[];
  /** Denials recorded at ingestion in the window (each eventID once), oldest first; cases/ decides which count. */
  readonly denials: DenialFact[];
  /** The denial candidates or the recorded denials were cut at the limit: the figures are a lower bound. */
  readonly denialsTruncated: boolean;
}

export interface KpiFactsTx {
  /** Reads the facts the KPI trends are computed from; nothing is aggregated here, so both databases agree. */
  kpiFacts(query: KpiFactsQuery): Promise<KpiFacts>;
  /** Records access denials; an eventID already recorded is left as it is (redelivery counts once). */
  recordDenials(denials: readonly DenialFact[]): Promise<void>;
}
