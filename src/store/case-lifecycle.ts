// The allowed case state changes, in one table shared by both stores and the API.

import type { CaseState } from './store.ts';

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
