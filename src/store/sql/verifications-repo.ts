// Owner verifications ("was this you?"): single-use answers, expiry and escalation marks.

import { ConflictError, NotFoundError } from '../errors.ts';
import type {
  ConsumeVerificationResult,
  CreateVerificationInput,
  Verification,
  VerificationAnswer,
} from '../store.ts';
import { invalid, requireText, requireTime, numericId, SqlRepository } from './sql-helpers.ts';
import { toVerification, lockCase, audit } from './case-rows.ts';
import type { VerificationRow } from './case-rows.ts';

/** Owner verifications. */
export class VerificationsRepo extends SqlRepository {
  async createVerification(input: CreateVerificationInput): Promise<Verification> {
    requireText(input.owner, 'owner');
    requireText(input.tokenHash, 'tokenHash');
    requireTime(input.nowMs, 'nowMs');
    requireTime(input.expiresAtMs, 'expiresAtMs');
    if (input.expiresAtMs <= input.nowMs) throw invalid('expiresAtMs', 'must be later than nowMs');
    const row = await lockCase(this.conn, this.dialect, input.caseId);
    const inserted = await this.conn.query<VerificationRow>(
      `INSERT INTO verifications (case_id, owner, token_hash, state, created_at, expires_at, answered_at, escalated_at)
       VALUES (?, ?, ?, 'pending', ?, ?, NULL, NULL)
       ON CONFLICT (token_hash) DO NOTHING
       RETURNING *`,
      [row.id, input.owner, input.tokenHash, input.nowMs, input.expiresAtMs],
    );
    const created = inserted[0];
    if (created === undefined) throw new ConflictError('a verification with this token already exists');
    await audit(this.conn, input.caseId, input.nowMs, 'system', 'verification-requested', null, {
      verificationId: String(created.id),
      owner: input.owner,
      expiresAt: input.expiresAtMs,
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
    const rows = await this.conn.query<VerificationRow>(
      `UPDATE verifications SET state = ?, answered_at = ?
       WHERE token_hash = ? AND state = 'pending' AND expires_at > ?
       RETURNING *`,
      [input.answer, input.nowMs, input.tokenHash, input.nowMs],
    );
    const row = rows[0];
    if (row !== undefined) {
      const verification = toVerification(row);
      await audit(
        this.conn,
        verification.caseId,
        input.nowMs,
        `owner:${row.owner}`,
        'verification-answered',
        { state: 'pending' },
        {
          verificationId: verification.id,
          state: input.answer,
        },
      );
      return { ok: true, verification };
    }
    const existing = await this.conn.query<{ state: string; expires_at: number }>(
      `SELECT state, expires_at FROM verifications WHERE token_hash = ?`,
      [input.tokenHash],
    );
    const found = existing[0];
    if (found === undefined) return { ok: false, reason: 'unknown' };
    if (found.state === 'confirmed' || found.state === 'denied') return { ok: false, reason: 'used' };
    return { ok: false, reason: 'expired' };
  }

  async findVerification(tokenHash: string): Promise<Verification | null> {
    const rows = await this.conn.query<VerificationRow>(`SELECT * FROM verifications WHERE token_hash = ?`, [
      tokenHash,
    ]);
    return rows[0] === undefined ? null : toVerification(rows[0]);
  }

  async listExpiredVerifications(nowMs: number): Promise<Verification[]> {
    const rows = await this.conn.query<VerificationRow>(
      `SELECT * FROM verifications WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at, id`,
      [requireTime(nowMs, 'nowMs')],
    );
    return rows.map(toVerification);
  }

  async markVerificationEscalated(id: string, nowMs: number): Promise<boolean> {
    const numeric = numericId(id);
    if (numeric === null) throw new NotFoundError('verification', id);
    requireTime(nowMs, 'nowMs');
    const rows = await this.conn.query<VerificationRow>(
      `UPDATE verifications SET state = 'expired', escalated_at = ?
       WHERE id = ? AND state = 'pending' AND expires_at <= ?
       RETURNING *`,
      [nowMs, numeric, nowMs],
    );
    const row = rows[0];
    if (row === undefined) {
      const exists = await this.conn.query(`SELECT id FROM verifications WHERE id = ?`, [numeric]);
      if (exists.length === 0) throw new NotFoundError('verification', id);
      return false;
    }
    await audit(
      this.conn,
      String(row.case_id),
      nowMs,
      'system',
      'verification-expired',
      { state: 'pending' },
      {
        verificationId: id,
        state: 'expired',
      },
    );
    return true;
  }
}
