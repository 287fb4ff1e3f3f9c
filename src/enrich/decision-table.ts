// The triage decision table: every piece of named evidence with its weight and role, and the rules that turn it into a classification and a score. The one place the numbers live (docs/triage.md explains them).

import type { Classification } from '../model/index.ts';

/**
 * - `takeover`: a sign of account takeover. Their weights add up to the takeover score; past TAKEOVER_THRESHOLD the
 *   removal is `suspicious`, whatever else is true. No single signal reaches the threshold: takeover is a combination.
 * - `risk`: raises the score and keeps a re-enrolled removal from being called a routine rotation.
 * - `raise`: raises the score only (who the target is); never changes the classification.
 * - `context`: explains, weighs nothing.
 */
export type EvidenceRole = 'takeover' | 'risk' | 'raise' | 'context';

export interface EvidenceSpec {
  readonly weight: number;
  readonly role: EvidenceRole;
}

export const EVIDENCE = {
  // Who
  'root-target': { weight: 40, role: 'raise' },
  'privileged-target': { weight: 15, role: 'raise' },
  'privileged-without-approval': { weight: 10, role: 'raise' },
  'actor-not-target': { weight: 10, role: 'takeover' },
  'known-administrator': { weight: 0, role: 'context' },
  'target-unknown': { weight: 5, role: 'risk' },
  // The removing session
  'no-mfa-session': { weight: 15, role: 'takeover' },
  'mfa-unknown-federated': { weight: 0, role: 'context' },
  'temporary-key-not-console': { weight: 10, role: 'takeover' },
  'new-source-ip': { weight: 15, role: 'takeover' },
  'new-client': { weight: 5, role: 'takeover' },
  'no-baseline': { weight: 5, role: 'risk' },
  'outside-working-hours': { weight: 10, role: 'risk' },
  // Before
  'console-context': { weight: 0, role: 'context' },
  'precursor-reconnaissance': { weight: 10, role: 'takeover' },
  'precursor-failed-attempts': { weight: 10, role: 'takeover' },
  burst: { weight: 20, role: 'takeover' },
  // After
  'follow-up-credentials': { weight: 15, role: 'takeover' },
  'follow-up-password-reset': { weight: 15, role: 'takeover' },
  'follow-up-privilege': { weight: 20, role: 'takeover' },
  'follow-up-sign-in-without-mfa': { weight: 15, role: 'takeover' },
  'owner-follow-up': { weight: 0, role: 'context' },
  'attacker-device': { weight: 25, role: 'takeover' },
  'untrusted-enrolment': { weight: 0, role: 'context' },
  'device-deleted': { weight: 0, role: 'context' },
  'device-deleted-not-replaced': { weight: 5, role: 'risk' },
  're-enrolled': { weight: 0, role: 'context' },
  're-enrolled-before': { weight: 0, role: 'context' },
  unresolved: { weight: 15, role: 'risk' },
  'grace-window-open': { weight: 0, role: 'context' },
  approved: { weight: 0, role: 'context' },
} as const satisfies Record<string, EvidenceSpec>;

export type EvidenceCode = keyof typeof EVIDENCE;

/** Takeover signals adding up to this make a removal `suspicious`: two strong signals, or three weaker ones. */
export const TAKEOVER_THRESHOLD = 40;
/** A takeover is at least high severity. */
export const TAKEOVER_MIN_SCORE = 70;
/** Root is always critical. */
export const ROOT_MIN_SCORE = 90;
/** A rotation is low severity (the `raise` evidence comes on top). */
export const ROTATION_MAX_SCORE = 15;
/** An approved change is low severity, unless root. */
export const APPROVED_MAX_SCORE = 20;
/** An administrator's reset pending the owner is medium severity... */
export const ADMIN_RESET_MAX_SCORE = 47;
/** ...and high once the grace window passed with no device at all. */
export const ADMIN_RESET_UNRESOLVED_MAX_SCORE = 60;

/** What the table reads: the evidence found, and the three facts that are not weights. */
export interface DecisionInput {
  readonly evidence: readonly EvidenceCode[];
  /** The rule's risk score: where the score starts. */
  readonly baseRisk: number;
  readonly approved: boolean;
  readonly root: boolean;
  /** Someone other than the target removed it (a known administrator included). */
  readonly byAnother: boolean;
  /** A new device enabled for the target in a trustworthy session (the removal's vulnerability window closed). */
  readonly reEnrolled: boolean;
}

export interface Decision {
  readonly classification: Classification;
  readonly riskScore: number;
  readonly takeoverScore: number;
  /** Which row of the table decided (for docs and tests). */
  readonly rule: string;
}

function sum(codes: readonly EvidenceCode[], roles: readonly EvidenceRole[]): number {
  let total = 0;
  for (const code of codes) if (roles.includes(EVIDENCE[code].role)) total += EVIDENCE[code].weight;
  return total;
}

/**
 * The decision table, first matching row wins:
 * 1. an approval covers it                                  -> approved (at most APPROVED_MAX_SCORE, unless root)
 * 2. takeover signals reach TAKEOVER_THRESHOLD              -> suspicious (at least TAKEOVER_MIN_SCORE)
 * 3. root                                                   -> unresolved when MFA is still off, else suspicious:
 *                                                              root is never resolved automatically
 * 4. someone else removed it                                -> admin-reset (pending the owner's re-enrolment or answer;
 *                                                              at most ADMIN_RESET_MAX_SCORE, or
 *                                                              ADMIN_RESET_UNRESOLVED_MAX_SCORE when no device came)
 * 5. no trustworthy re-enrolment                            -> unresolved
 * 6. re-enrolled, but a takeover or risk signal weighs      -> suspicious
 * 7. re-enrolled by the user in a trustworthy session       -> rotation (at most ROTATION_MAX_SCORE)
 * `raise` evidence is added after the caps; root is raised to ROOT_MIN_SCORE last.
 */
export function decide(input: DecisionInput): Decision {
  const takeoverScore = sum(input.evidence, ['takeover']);
  const weighed = input.baseRisk + sum(input.evidence, ['takeover', 'risk']);
  const raise = sum(input.evidence, ['raise']);
  const blocking = input.evidence.some(
    (code) =>
      (EVIDENCE[code].role === 'takeover' || EVIDENCE[code].role === 'risk') && EVIDENCE[code].weight > 0,
  );
  let classification: Classification;
  let score = weighed;
  let rule: string;
  if (input.approved) {
    classification = 'approved';
    score = Math.min(score, APPROVED_MAX_SCORE);
    rule = 'approved';
  } else if (takeoverScore >= TAKEOVER_THRESHOLD) {
    classification = 'suspicious';
    score = Math.max(score, TAKEOVER_MIN_SCORE);
    rule = 'takeover';
  } else if (input.root) {
    classification = input.reEnrolled ? 'suspicious' : 'unresolved';
    rule = 'root';
  } else if (input.byAnother) {
    classification = 'admin-reset';
    const noDevice = input.evidence.includes('unresolved') && !input.evidence.includes('untrusted-enrolment');
    score = Math.min(score, noDevice ? ADMIN_RESET_UNRESOLVED_MAX_SCORE : ADMIN_RESET_MAX_SCORE);
    rule = 'admin-reset';
  } else if (!input.reEnrolled) {
    classification = 'unresolved';
    rule = 'not-re-enrolled';
  } else if (blocking) {
    classification = 'suspicious';
    rule = 're-enrolled-with-signals';
  } else {
    classification = 'rotation';
    score = Math.min(score, ROTATION_MAX_SCORE);
    rule = 'rotation';
  }
  score += input.approved && !input.root ? 0 : raise;
  if (input.root) score = Math.max(score, ROOT_MIN_SCORE);
  return {
    classification,
    riskScore: Math.max(0, Math.min(100, Math.round(score))),
    takeoverScore,
    rule,
  };
}
