// Cases, their alerts, comments and audit: open-or-attach, transitions, patches, reads.

import type { Severity } from '../../model/index.ts';
import { severityRank } from '../../model/index.ts';
import { CASE_TRANSITIONS, canTransition, isCaseState } from '../case-lifecycle.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../errors.ts';
import type {
  Case,
  CaseAuditAction,
  CaseAuditEntry,
  CaseChange,
  CaseComment,
  CaseDetail,
  CasePatch,
  CaseQuery,
  CaseState,
  OpenOrAttachCaseInput,
  OpenOrAttachCaseResult,
  Page,
} from '../store.ts';
import type { SqlValue } from './driver.ts';
import {
  invalid,
  requireText,
  requireTime,
  requireLimit,
  requireSeverity,
  requireClassification,
  numericId,
  SqlRepository,
} from './sql-helpers.ts';
import { toCase, toVerification, activeCaseOf, lockCase, requireCase, audit } from './case-rows.ts';
import type { CaseRow, VerificationRow } from './case-rows.ts';

/** Cases (with their alerts, comments and audit log). */
export class CasesRepo extends SqlRepository {
  // eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
  async openOrAttachCase(input: OpenOrAttachCaseInput): Promise<OpenOrAttachCaseResult> {
    const { alert, nowMs } = input;
    const targetKey = requireText(input.targetKey, 'targetKey');
    const actor = requireText(input.actor, 'actor');
    requireTime(nowMs, 'nowMs');
    const stored = await this.conn.query<{
      detected_at: number;
      event_time_ms: number;
      case_id: number | null;
    }>(
      `SELECT a.detected_at, a.event_time_ms, ca.case_id
       FROM alerts a LEFT JOIN case_alerts ca ON ca.alert_id = a.id
       WHERE a.id = ?`,
      [alert.id],
    );
    const alertRow = stored[0];
    if (alertRow === undefined) throw new NotFoundError('alert', alert.id);
    if (alertRow.case_id !== null) {
      // A replay (restart, second worker): the alert already belongs to a case.
      return {
        case: await requireCase(this.conn, String(alertRow.case_id)),
        created: false,
        attached: false,
      };
    }

    let row = await activeCaseOf(this.conn, this.dialect, targetKey);
    let created = false;
    if (row === undefined) {
      const userName = alert.target.userName ?? targetKey.slice(targetKey.indexOf('/') + 1);
      // The partial unique index allows one case per target that is not resolved. When another process
      // opens it first, DO NOTHING (after waiting for that transaction on PostgreSQL) and we attach to theirs.
      const inserted = await this.conn.query<CaseRow>(
        `INSERT INTO cases (target_key, account, user_name, kind, state, classification, severity, risk_score, assignee,
                            opened_at, first_event_at, detected_at, resolved_at, resolution,
                            vulnerability_window_seconds, updated_at)
         VALUES (?, ?, ?, ?, 'open', ?, ?, ?, NULL, ?, ?, ?, NULL, NULL, ?, ?)
         ON CONFLICT (target_key) WHERE state <> 'resolved' DO NOTHING
         RETURNING *`,
        [
          targetKey,
          alert.event.account,
          userName,
          input.kind ?? null,
          alert.classification ?? null,
          requireSeverity(alert.severity, 'alert.severity'),
          alert.riskScore,
          nowMs,
          alertRow.event_time_ms,
          alertRow.detected_at,
          alert.vulnerabilityWindowSeconds ?? null,
          nowMs,
        ],
      );
      row = inserted[0];
      if (row !== undefined) {
        created = true;
        await audit(this.conn, String(row.id), nowMs, actor, 'opened', null, {
          state: 'open',
          severity: row.severity,
          classification: row.classification,
          alertId: alert.id,
        });
      } else {
        row = await activeCaseOf(this.conn, this.dialect, targetKey);
        if (row === undefined)
          throw new ConflictError(`case for ${targetKey} changed concurrently; retry`, { retryable: true });
      }
    }
    const caseId = String(row.id);
    const attachedRows = await this.conn.query<{ case_id: number }>(
      `INSERT INTO case_alerts (alert_id, case_id, attached_at) VALUES (?, ?, ?)
       ON CONFLICT (alert_id) DO NOTHING
       RETURNING case_id`,
      [alert.id, row.id, nowMs],
    );
    if (attachedRows.length === 0) {
      // The same alert was attached by a concurrent call meanwhile.
      const owner = await this.conn.query<{ case_id: number }>(
        `SELECT case_id FROM case_alerts WHERE alert_id = ?`,
        [alert.id],
      );
      return {
        case: await requireCase(this.conn, String(owner[0]?.case_id ?? caseId)),
        created: false,
        attached: false,
      };
    }
    if (created) return { case: toCase(row), created: true, attached: true };

    // Attaching to an existing case: it escalates to the worst alert and reaches back to the earliest event.
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = { alertId: alert.id };
    const next = { ...row };
    if (severityRank(alert.severity) > severityRank(row.severity as Severity)) {
      before['severity'] = row.severity;
      after['severity'] = next.severity = alert.severity;
    }
    if (alert.riskScore > row.risk_score) {
      before['riskScore'] = row.risk_score;
      after['riskScore'] = next.risk_score = alert.riskScore;
    }
    if (alertRow.event_time_ms < row.first_event_at) {
      before['firstEventAt'] = row.first_event_at;
      after['firstEventAt'] = next.first_event_at = alertRow.event_time_ms;
    }
    if (alertRow.detected_at < row.detected_at) {
      before['detectedAt'] = row.detected_at;
      after['detectedAt'] = next.detected_at = alertRow.detected_at;
    }
    if (row.classification === null && alert.classification !== undefined) {
      before['classification'] = null;
      after['classification'] = next.classification = alert.classification;
    }
    next.updated_at = nowMs;
    await this.conn.execute(
      `UPDATE cases SET severity = ?, risk_score = ?, first_event_at = ?, detected_at = ?, classification = ?, updated_at = ?
       WHERE id = ?`,
      [
        next.severity,
        next.risk_score,
        next.first_event_at,
        next.detected_at,
        next.classification,
        nowMs,
        row.id,
      ],
    );
    await audit(
      this.conn,
      caseId,
      nowMs,
      actor,
      'alert-attached',
      Object.keys(before).length === 0 ? null : before,
      after,
    );
    return { case: toCase(next), created: false, attached: true };
  }

  async getCase(id: string): Promise<CaseDetail | null> {
    const numeric = numericId(id);
    if (numeric === null) return null;
    const rows = await this.conn.query<CaseRow>(`SELECT * FROM cases WHERE id = ?`, [numeric]);
    const row = rows[0];
    if (row === undefined) return null;
    const alertIds = await this.conn.query<{ alert_id: string }>(
      `SELECT alert_id FROM case_alerts WHERE case_id = ? ORDER BY attached_at, alert_id`,
      [numeric],
    );
    const comments = await this.conn.query<{ id: number; author: string; text: string; at: number }>(
      `SELECT id, author, text, at FROM case_comments WHERE case_id = ? ORDER BY at, id`,
      [numeric],
    );
    const audit = await this.conn.query<{
      id: number;
      at: number;
      actor: string;
      action: string;
      before_json: string | null;
      after_json: string | null;
    }>(
      `SELECT id, at, actor, action, before_json, after_json FROM case_audit WHERE case_id = ? ORDER BY id`,
      [numeric],
    );
    const verifications = await this.conn.query<VerificationRow>(
      `SELECT * FROM verifications WHERE case_id = ? ORDER BY id`,
      [numeric],
    );
    return {
      ...toCase(row),
      alertIds: alertIds.map((entry) => entry.alert_id),
      comments: comments.map((entry) => ({
        id: String(entry.id),
        caseId: id,
        author: entry.author,
        text: entry.text,
        at: entry.at,
      })),
      audit: audit.map((entry): CaseAuditEntry => ({
        id: String(entry.id),
        caseId: id,
        at: entry.at,
        actor: entry.actor,
        action: entry.action as CaseAuditAction,
        before:
          entry.before_json === null ? null : (JSON.parse(entry.before_json) as Record<string, unknown>),
        after: entry.after_json === null ? null : (JSON.parse(entry.after_json) as Record<string, unknown>),
      })),
      verifications: verifications.map(toVerification),
    };
  }

  async listCases(query: CaseQuery): Promise<Page<Case>> {
    const limit = requireLimit(query.limit, 'limit');
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.state !== undefined) {
      if (!isCaseState(query.state))
        throw invalid(
          'state',
          `expected one of open, verifying, escalated, resolved, got ${JSON.stringify(query.state)}`,
        );
      where.push('state = ?');
      params.push(query.state);
    }
    if (query.severity !== undefined) {
      where.push('severity = ?');
      params.push(requireSeverity(query.severity, 'severity'));
    }
    if (query.assignee !== undefined) {
      if (query.assignee === null) where.push('assignee IS NULL');
      else {
        where.push('assignee = ?');
        params.push(query.assignee);
      }
    }
    if (query.cursor !== undefined) {
      const position = decodeCursor('cases', query.cursor);
      const id = numericId(position.id);
      if (id === null) throw invalid('cursor', 'expected a cursor returned by the cases list');
      where.push('(opened_at < ? OR (opened_at = ? AND id < ?))');
      params.push(position.at, position.at, id);
    }
    params.push(limit + 1);
    const rows = await this.conn.query<CaseRow>(
      `SELECT * FROM cases ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY opened_at DESC, id DESC
       LIMIT ?`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toCase),
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeCursor('cases', { at: last.opened_at, id: String(last.id) })
          : null,
    };
  }

  async transitionCase(
    id: string,
    to: CaseState,
    change: CaseChange & { readonly note?: string },
  ): Promise<Case> {
    if (!isCaseState(to))
      throw invalid('to', `expected one of open, verifying, escalated, resolved, got ${JSON.stringify(to)}`);
    requireText(change.actor, 'actor');
    requireTime(change.nowMs, 'nowMs');
    const row = await lockCase(this.conn, this.dialect, id);
    const from = row.state as CaseState;
    if (!canTransition(from, to)) throw new InvalidTransitionError(id, from, to, CASE_TRANSITIONS[from]);
    const resolvedAt = to === 'resolved' ? change.nowMs : row.resolved_at;
    // Compare-and-set on the state as a second guard: the row lock already makes this the only writer.
    const changed = await this.conn.execute(
      `UPDATE cases SET state = ?, resolved_at = ?, updated_at = ? WHERE id = ? AND state = ?`,
      [to, resolvedAt, change.nowMs, row.id, from],
    );
    if (changed === 0) throw new ConflictError(`case ${id} changed concurrently; retry`, { retryable: true });
    const after: Record<string, unknown> = { state: to };
    if (to === 'resolved') after['resolvedAt'] = resolvedAt;
    if (change.note !== undefined) after['note'] = change.note;
    await audit(this.conn, id, change.nowMs, change.actor, 'transition', { state: from }, after);
    return toCase({ ...row, state: to, resolved_at: resolvedAt, updated_at: change.nowMs });
  }

  async reopenCase(id: string, change: CaseChange & { readonly note: string }): Promise<Case> {
    requireText(change.actor, 'actor');
    requireText(change.note, 'note');
    requireTime(change.nowMs, 'nowMs');
    const row = await lockCase(this.conn, this.dialect, id);
    if (row.state !== 'resolved') throw new InvalidTransitionError(id, row.state, 'escalated', []);
    const active = await this.conn.query<{ id: number }>(
      `SELECT id FROM cases WHERE target_key = ? AND state <> 'resolved' AND id <> ?`,
      [row.target_key, row.id],
    );
    if (active[0] !== undefined) {
      throw new ConflictError(
        `case ${id} cannot reopen: case ${active[0].id} is already open for ${row.target_key}`,
      );
    }
    const changed = await this.conn.execute(
      `UPDATE cases SET state = 'escalated', resolved_at = NULL, resolution = NULL, updated_at = ?
       WHERE id = ? AND state = 'resolved'`,
      [change.nowMs, row.id],
    );
    if (changed === 0) throw new ConflictError(`case ${id} changed concurrently; retry`, { retryable: true });
    await audit(
      this.conn,
      id,
      change.nowMs,
      change.actor,
      'transition',
      { state: 'resolved', resolvedAt: row.resolved_at, resolution: row.resolution },
      { state: 'escalated', note: change.note },
    );
    return toCase({
      ...row,
      state: 'escalated',
      resolved_at: null,
      resolution: null,
      updated_at: change.nowMs,
    });
  }

  async updateCase(id: string, patch: CasePatch, change: CaseChange): Promise<Case> {
    requireText(change.actor, 'actor');
    requireTime(change.nowMs, 'nowMs');
    const row = await lockCase(this.conn, this.dialect, id);
    const next = { ...row };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const set = (field: string, column: keyof CaseRow & string, value: unknown): void => {
      if (value === undefined || row[column] === value) return;
      before[field] = row[column];
      after[field] = value;
      next[column] = value;
    };
    if (patch.classification !== undefined && patch.classification !== null)
      requireClassification(patch.classification, 'classification');
    if (patch.severity !== undefined) requireSeverity(patch.severity, 'severity');
    if (patch.riskScore !== undefined && !Number.isFinite(patch.riskScore))
      throw invalid('riskScore', 'expected a number');
    set('classification', 'classification', patch.classification);
    set('severity', 'severity', patch.severity);
    set('riskScore', 'risk_score', patch.riskScore);
    set('assignee', 'assignee', patch.assignee);
    set('resolution', 'resolution', patch.resolution);
    set('vulnerabilityWindowSeconds', 'vulnerability_window_seconds', patch.vulnerabilityWindowSeconds);
    if (Object.keys(after).length === 0) return toCase(row);
    next.updated_at = change.nowMs;
    await this.conn.execute(
      `UPDATE cases SET classification = ?, severity = ?, risk_score = ?, assignee = ?, resolution = ?,
                        vulnerability_window_seconds = ?, updated_at = ?
       WHERE id = ?`,
      [
        next.classification,
        next.severity,
        next.risk_score,
        next.assignee,
        next.resolution,
        next.vulnerability_window_seconds,
        change.nowMs,
        row.id,
      ],
    );
    await audit(this.conn, id, change.nowMs, change.actor, 'updated', before, after);
    return toCase(next);
  }

  async addComment(
    id: string,
    comment: { readonly author: string; readonly text: string; readonly nowMs: number },
  ): Promise<CaseComment> {
    requireText(comment.author, 'author');
    requireText(comment.text, 'text');
    requireTime(comment.nowMs, 'nowMs');
    const row = await lockCase(this.conn, this.dialect, id);
    const inserted = await this.conn.query<{ id: number }>(
      `INSERT INTO case_comments (case_id, author, text, at) VALUES (?, ?, ?, ?) RETURNING id`,
      [row.id, comment.author, comment.text, comment.nowMs],
    );
    const commentId = String(inserted[0]?.id);
    await this.conn.execute(`UPDATE cases SET updated_at = ? WHERE id = ?`, [comment.nowMs, row.id]);
    await audit(this.conn, id, comment.nowMs, comment.author, 'commented', null, { commentId });
    return { id: commentId, caseId: id, author: comment.author, text: comment.text, at: comment.nowMs };
  }
}
