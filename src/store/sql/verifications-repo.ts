// Owner verifications ("was this you?"): single-use answers, expiry and escalation marks.

import { sql } from 'kysely';
import { ConflictError, NotFoundError } from '../errors.ts';
import type {
  ConsumeVerificationResult,
  CreateVerificationInput,
  Verification,
  VerificationAnswer,
} from '../store.ts';
import { invalid, requireText, requireTime, numericId, SqlRepository } from './sql-helpers.ts';
import { toVerification, lockCase, audit } from './case-rows.ts';
import { queryBuilder, queryRows } from './query-builder.ts';

/** Owner verifications. */
export class VerificationsRepo extends SqlRepository {
  async createVerification(input: CreateVerificationInput): Promise<Verification> {
    requireText(input.owner, 'owner');
    requireText(input.tokenHash, 'tokenHash');
    requireTime(input.nowMs, 'nowMs');
    requireTime(input.expiresAtMs, 'expiresAtMs');
    if (input.expiresAtMs <= input.nowMs) throw invalid('expiresAtMs', 'must be later than nowMs');
    const row = await lockCase(this.conn, this.dialect, input.caseId);
    const inserted = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .insertInto('verifications')
        .values({
          case_id: row.id,
          owner: input.owner,
          token_hash: input.tokenHash,
          state: 'pending',
          created_at: input.nowMs,
          expires_at: input.expiresAtMs,
          answered_at: null,
          escalated_at: null,
        })
        .onConflict((conflict) => conflict.column('token_hash').doNothing())
        .returningAll(),
    );
    const created = inserted[0];
    if (created === undefined) throw new ConflictError('a verification with this token already exists');
    await audit(this.conn, this.dialect, {
      caseId: input.caseId,
      at: input.nowMs,
      actor: 'system',
      action: 'verification-requested',
      before: null,
      after: { verificationId: String(created.id), owner: input.owner, expiresAt: input.expiresAtMs },
    });
    return toVerification(created);
  }

  async consumeVerification(input: {
    readonly tokenHash: string;
    readonly answer: VerificationAnswer;
    readonly nowMs: number;
  }): Promise<ConsumeVerificationResult> {
    if (input.answer !== 'confirmed' && input.answer !== 'denied') {
      throw invalid('answer', `expected confirmed or denied, got ${JSON.stringify(input.answer)}`);
    }
    requireTime(input.nowMs, 'nowMs');
    // One conditional UPDATE is the single-use guarantee: of two concurrent answers only one matches `pending`.
    const db = queryBuilder(this.dialect);
    const rows = await queryRows(
      this.conn,
      db
        .updateTable('verifications')
        .set({ state: input.answer, answered_at: input.nowMs })
        .where('token_hash', '=', input.tokenHash)
        .where('state', '=', 'pending')
        .where('expires_at', '>', input.nowMs)
        .returningAll(),
    );
    const row = rows[0];
    if (row !== undefined) {
      const verification = toVerification(row);
      await audit(this.conn, this.dialect, {
        caseId: verification.caseId,
        at: input.nowMs,
        actor: `owner:${row.owner}`,
        action: 'verification-answered',
        before: { state: 'pending' },
        after: { verificationId: verification.id, state: input.answer },
      });
      return { ok: true, verification };
    }
    const existing = await queryRows(
      this.conn,
      db
        .selectFrom('verifications')
        .select(['state', 'expires_at'])
        .where('token_hash', '=', input.tokenHash),
    );
    const found = existing[0];
    if (found === undefined) return { ok: false, reason: 'unknown' };
    if (found.state === 'confirmed' || found.state === 'denied') return { ok: false, reason: 'used' };
    return { ok: false, reason: 'expired' };
  }

  async findVerification(tokenHash: string): Promise<Verification | null> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect).selectFrom('verifications').selectAll().where('token_hash', '=', tokenHash),
    );
    return rows[0] === undefined ? null : toVerification(rows[0]);
  }

  async listExpiredVerifications(nowMs: number): Promise<Verification[]> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('verifications')
        .selectAll()
        // A literal, not a bound value: it must match the partial index verifications_pending's predicate.
        .where('state', '=', sql.lit('pending'))
        .where('expires_at', '<=', requireTime(nowMs, 'nowMs'))
        .orderBy('expires_at')
        .orderBy('id'),
    );
    return rows.map(toVerification);
  }

  async markVerificationEscalated(id: string, nowMs: number): Promise<boolean> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('verification', id);
    requireTime(nowMs, 'nowMs');
    const db = queryBuilder(this.dialect);
    const rows = await queryRows(
      this.conn,
      db
        .updateTable('verifications')
        .set({ state: 'expired', escalated_at: nowMs })
        .where('id', '=', numeric)
        .where('state', '=', 'pending')
        .where('expires_at', '<=', nowMs)
        .returningAll(),
    );
    const row = rows[0];
    if (row === undefined) {
      const exists = await queryRows(
        this.conn,
        db.selectFrom('verifications').select('id').where('id', '=', numeric),
      );
      if (exists.length === 0) throw new NotFoundError('verification', id);
      return false;
    }
    await audit(this.conn, this.dialect, {
      caseId: String(row.case_id),
      at: nowMs,
      actor: 'system',
      action: 'verification-expired',
      before: { state: 'pending' },
      after: { verificationId: id, state: 'expired' },
    });
    return true;
  }
}
