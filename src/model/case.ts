// A case: the incident record people work on, its states and the changes allowed between them (one table, used by
// both stores, the API and cases/).

import type { Classification } from './alert.ts';
import type { Severity } from './severity.ts';

export type CaseState = 'open' | 'verifying' | 'resolved' | 'escalated';

export interface Case {
  readonly id: string;
  /** `account/username`, see `targetKeyOf`: at most one case per target is not resolved. */
  readonly targetKey: string;
  readonly account: string | null;
  readonly userName: string;
  /** What the case is about when it is not an MFA removal (e.g. `provisioned-without-mfa`); absent for removals. */
  readonly kind?: string;
  readonly state: CaseState;
  readonly classification: Classification | null;
  /** The highest severity of its alerts unless a responder changed it. */
  readonly severity: Severity;
  readonly riskScore: number;
  readonly assignee: string | null;
  readonly openedAt: number;
  /** Time of the earliest event among its alerts. */
  readonly firstEventAt: number;
  /** detectedAt of its first alert: MTTR is measured from here. */
  readonly detectedAt: number;
  readonly resolvedAt: number | null;
  readonly resolution: string | null;
  readonly vulnerabilityWindowSeconds: number | null;
  readonly updatedAt: number;
}

/**
 * - open → verifying: the owner was asked; open → resolved (explained, e.g. rotation or approved);
 *   open → escalated (suspicious, no owner to ask).
 * - verifying → resolved (owner confirmed), → escalated (owner denied, or no answer by the deadline),
 *   → open (verification withdrawn, e.g. the wrong owner was asked; the case goes back to triage).
 * - escalated → resolved: a responder closes it.
 * - resolved is final: a later removal opens a new case, so every incident keeps its own timeline and MTTR.
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseState, readonly CaseState[]>> = {
  open: ['verifying', 'resolved', 'escalated'],
  verifying: ['open', 'resolved', 'escalated'],
  escalated: ['resolved'],
  resolved: [],
};

/**
 * Resolutions the service sets when a case explains itself (a rotation, an approved change, an administrator's reset
 * the owner re-enrolled after). Nothing was remediated, so MTTR leaves these cases out and counts them apart.
 */
export const AUTO_RESOLUTIONS = ['rotation', 'approved', 'admin-reset-re-enrolled'] as const;
export type AutoResolution = (typeof AUTO_RESOLUTIONS)[number];

export const CASE_STATES: readonly CaseState[] = ['open', 'verifying', 'escalated', 'resolved'];

export function isCaseState(value: unknown): value is CaseState {
  return typeof value === 'string' && (CASE_STATES as readonly string[]).includes(value);
}

export function canTransition(from: CaseState, to: CaseState): boolean {
  return CASE_TRANSITIONS[from].includes(to);
}
