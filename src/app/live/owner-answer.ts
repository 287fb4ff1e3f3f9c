// The owner's answer ("yes, this was me" / "not me"): how it marks the case's alerts, and how re-triage keeps it.

import {
  ANSWERED_CLASSIFICATIONS,
  answeredNotices,
  caseClosing,
  checkVerificationToken,
  isRemovalAlert,
  isRootCase,
  recordOwnerAnswer,
  reopenAfterDenial,
  resolveCase,
  verificationTokenHash,
} from '../../cases/index.ts';
import type { VerificationClaims } from '../../cases/index.ts';
import type { Alert, Classification } from '../../model/index.ts';
import { severityRank } from '../../model/index.ts';
import type { CaseDetail, StoreTx } from '../../store/index.ts';
import { ConflictError } from '../../store/index.ts';
import { caseAlerts, leadAlert } from './case-alerts.ts';
import type { VerificationResponse } from './contract.ts';
import { enqueue, escalate } from './escalation.ts';
import type { EscalationContext } from './escalation.ts';
import { count } from './live-context.ts';
import type { BatchEffects, LiveContext } from './live-context.ts';

/** What taking an answer needs of the service. */
export type AnswerContext = EscalationContext &
  Pick<LiveContext, 'clock' | 'metrics' | 'inTransaction' | 'responder'>;

/**
 * The owner followed a link: the token is checked, spent, and the answer recorded on the case and its alerts; a "not
 * me" escalates, a "yes" closes the case unless policy (root, severity) wants a responder to.
 */
export async function answerVerification(
  ctx: AnswerContext,
  token: string,
  answer: 'confirmed' | 'denied' | undefined,
): Promise<VerificationResponse> {
  const { metrics } = ctx;
  const now = ctx.clock();
  metrics.inc('verificationAnswers');
  const checked = checkVerificationToken(ctx.secret, token, now);
  if (!checked.ok || (answer !== undefined && answer !== checked.claims.answer)) {
    metrics.inc('verificationRejected');
    return { ok: false, reason: checked.ok ? 'forged' : checked.reason };
  }
  const claims = checked.claims;
  const response = await answerOrClosed(() =>
    ctx.inTransaction((tx, effects) => recordAnswer(ctx, tx, effects, claims, now)),
  );
  if (!response.ok) metrics.inc('verificationRejected');
  else await ctx.responder?.caseChanged([response.caseId]);
  return response;
}

/** The answer inside its transaction: the verification spent, the case and its alerts changed, people told. */
async function recordAnswer(
  ctx: AnswerContext,
  tx: StoreTx,
  effects: BatchEffects,
  claims: VerificationClaims,
  now: number,
): Promise<VerificationResponse> {
  const { serve } = ctx;
  const consumed = await tx.consumeVerification({
    tokenHash: verificationTokenHash(claims.v),
    answer: claims.answer,
    nowMs: now,
  });
  if (!consumed.ok) return { ok: false, reason: consumed.reason };
  const verification = consumed.verification;
  const actor = `owner:${verification.owner}`;
  const classification: Classification = claims.answer === 'confirmed' ? 'verified' : 'unauthorized';
  const found = await tx.getCase(verification.caseId);
  if (found === null) return { ok: false, reason: 'unknown' };
  const reopened = await answerOnClosedCase(tx, effects, found, claims.answer, actor, now);
  // Rolled back so the link stays unspent: the owner may still follow the "not me" link of the same request.
  if ('closed' in reopened) throw new ClosedCaseAnswer(reopened.closed);
  const detail = reopened.detail;
  const alerts = await caseAlerts(tx, detail);
  for (const alert of alerts.filter(isRemovalAlert)) {
    await tx.updateAlert(withOwnerAnswer(alert, classification, verification.owner), now);
  }
  let kase = await recordOwnerAnswer(tx, detail, classification, { actor, nowMs: now });
  const lead = leadAlert(alerts);
  if (classification === 'unauthorized') {
    kase = await escalate(
      ctx,
      tx,
      effects,
      kase,
      {
        key: `denied:${verification.id}`,
        reason: `the owner ${verification.owner} said "this was not me"`,
      },
      actor,
      now,
      lead,
    );
  } else {
    const policy = serve.escalateConfirmedAt;
    const mustEscalate =
      isRootCase(kase) || (policy !== null && severityRank(kase.severity) >= severityRank(policy));
    if (mustEscalate && (kase.state === 'open' || kase.state === 'verifying')) {
      kase = await escalate(
        ctx,
        tx,
        effects,
        kase,
        {
          key: `confirmed:${verification.id}`,
          reason: isRootCase(kase)
            ? 'the owner confirmed, but root is never closed automatically'
            : `the owner confirmed a ${kase.severity} case; policy asks a responder to close it`,
        },
        actor,
        now,
        lead,
      );
    } else if (kase.state === 'open' || kase.state === 'verifying') {
      kase = await resolveCase(tx, kase, 'owner-confirmed', { actor, nowMs: now }, 'the owner confirmed');
    }
    await enqueue(
      ctx,
      tx,
      effects,
      answeredNotices(kase, verification, classification, ctx.notifyContext),
      now,
    );
  }
  effects.caseIds.add(kase.id);
  return { ok: true, caseId: kase.id, answer: claims.answer, classification };
}

/**
 * An answer on a case that is already closed (by a responder, or by itself). A "yes" changes nothing: the link is
 * spent and the owner sees who closed the case. A "no" is never ignored: the case reopens as escalated in its own
 * store operation, or, when a newer case is open for the same user, stays closed while the escalation goes out.
 */
async function answerOnClosedCase(
  tx: StoreTx,
  effects: BatchEffects,
  detail: CaseDetail,
  answer: 'confirmed' | 'denied',
  actor: string,
  now: number,
): Promise<{ detail: CaseDetail } | { closed: VerificationResponse }> {
  const closing = caseClosing(detail);
  if (closing === null) return { detail };
  if (answer === 'confirmed') {
    return {
      closed: {
        ok: false,
        reason: 'closed',
        caseId: detail.id,
        closedBy: closing.by,
        closedAt: closing.at,
      },
    };
  }
  try {
    await reopenAfterDenial(
      tx,
      detail,
      { actor, nowMs: now },
      'the owner said "this was not me" after it was closed',
    );
    count(effects, 'casesEscalated');
    effects.logs.push({ level: 'warn', msg: 'case reopened: the owner said "not me"', caseId: detail.id });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    effects.logs.push({
      level: 'warn',
      msg: 'closed case not reopened',
      caseId: detail.id,
      error: error.message,
    });
  }
  const after = await tx.getCase(detail.id);
  return { detail: after ?? detail };
}

/** Carries a "yes" on a closed case out of its transaction, which then rolls back. */
class ClosedCaseAnswer extends Error {
  readonly response: VerificationResponse;
  constructor(response: VerificationResponse) {
    super('answer on a closed case');
    this.response = response;
  }
}

async function answerOrClosed(run: () => Promise<VerificationResponse>): Promise<VerificationResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ClosedCaseAnswer) return error.response;
    throw error;
  }
}

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
