// What an owner's verification link would do now, read without changing anything: the page its GET shows, and who
// closed the case when a responder (or the service itself) got there before the owner.

import type { CaseDetail, StoreTx, VerificationAnswer } from '../store/index.ts';
import { SYSTEM_ACTOR } from './lifecycle.ts';
import { checkVerificationToken, verificationTokenHash } from './verification-token.ts';

/** Who closed a case and when, from its audit log. */
export interface CaseClosing {
  /** The audit actor: `system` for the service itself, else the responder or owner as the API named them. */
  readonly by: string;
  readonly at: number;
}

export type VerificationLinkState =
  | {
      readonly ok: true;
      readonly caseId: string;
      readonly answer: VerificationAnswer;
      /** Null while the case is open. When set, a "yes" changes nothing; a "no" still reopens the case. */
      readonly closed: CaseClosing | null;
    }
  | { readonly ok: false; readonly reason: 'unknown' | 'used' | 'expired' | 'forged' };

/** The last move to `resolved` of a resolved case; null while it is not resolved. */
export function caseClosing(detail: CaseDetail): CaseClosing | null {
  if (detail.state !== 'resolved') return null;
  const closing = detail.audit.findLast(
    (entry) => entry.action === 'transition' && entry.after?.['state'] === 'resolved',
  );
  return {
    by: closing?.actor ?? SYSTEM_ACTOR,
    at: closing?.at ?? detail.resolvedAt ?? detail.updatedAt,
  };
}

/**
 * The state of the link `token` at `nowMs`, decided as an answer through it would be (signature, expiry, single
 * use, the case's state), with reads only: mail scanners and people open links without meaning to answer.
 */
export async function inspectVerificationLink(
  store: Pick<StoreTx, 'findVerification' | 'getCase'>,
  secret: Uint8Array,
  token: string,
  nowMs: number,
): Promise<VerificationLinkState> {
  const checked = checkVerificationToken(secret, token, nowMs);
  if (!checked.ok) return { ok: false, reason: checked.reason };
  const verification = await store.findVerification(verificationTokenHash(checked.claims.v));
  if (verification === null) return { ok: false, reason: 'unknown' };
  if (verification.state === 'confirmed' || verification.state === 'denied')
    return { ok: false, reason: 'used' };
  if (verification.state === 'expired' || verification.expiresAt <= nowMs)
    return { ok: false, reason: 'expired' };
  const detail = await store.getCase(verification.caseId);
  if (detail === null) return { ok: false, reason: 'unknown' };
  return { ok: true, caseId: detail.id, answer: checked.claims.answer, closed: caseClosing(detail) };
}
