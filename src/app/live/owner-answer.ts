// The owner's answer ("yes, this was me" / "not me"): how it marks the case's alerts, and how re-triage keeps it.

import { ANSWERED_CLASSIFICATIONS } from '../../cases/index.ts';
import type { Alert, Classification } from '../../model/index.ts';

/** The owner's answer on an alert: the classification, and the reason that says who answered. */
export function withOwnerAnswer(alert: Alert, classification: Classification, owner: string): Alert {
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
export function keepOwnerAnswer(stored: Alert, triaged: Alert): Alert {
  if (stored.classification === undefined || !ANSWERED_CLASSIFICATIONS.has(stored.classification))
    return triaged;
  const answers = (stored.reasons ?? []).filter((reason) => reason.code.startsWith('owner-'));
  return {
    ...triaged,
    classification: stored.classification,
    reasons: [...answers, ...(triaged.reasons ?? []).filter((reason) => !reason.code.startsWith('owner-'))],
  };
}
