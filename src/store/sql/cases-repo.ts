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
import { sql } from 'kysely';
import type { Alert } from '../../model/index.ts';
import { PreparedQuery } from './prepared-query.ts';
import { queryBuilder, queryChanges, queryRows } from './query-builder.ts';
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
import type { CaseRow } from './case-rows.ts';

type StoredAlert = {
  readonly detected_at: number;
  readonly event_time_ms: number;
  readonly case_id: number | null;
};

// Opening or joining a case runs for every alert, so its statements are compiled once (prepared-query.ts).
const ALERT_AND_CASE = new PreparedQuery<{ alertId: string }, StoredAlert>((db, v) =>
  db
    .selectFrom('alerts as a')
    .leftJoin('case_alerts as ca', 'ca.alert_id', 'a.id')
    .select(['a.detected_at', 'a.event_time_ms', 'ca.case_id'])
    .where('a.id', '=', v.alertId),
);

type NewCase = {
  targetKey: string;
  account: string | null;
  userName: string;
  kind: string | null;
  classification: string | null;
  severity: string;
  riskScore: number;
  firstEventAt: number;
  detectedAt: number;
  vulnerabilityWindowSeconds: number | null;
  nowMs: number;
};

// The partial unique index allows one case per target that is not resolved. When another process opens it first,
// DO NOTHING (after waiting for that transaction on PostgreSQL) and the caller attaches to theirs. The conflict
// target repeats the index's predicate as a literal (`sql.lit`): with a bound value PostgreSQL finds the index only
// when it plans with the value in hand, and fails with "no unique or exclusion constraint" under a generic plan.
const INSERT_CASE = new PreparedQuery<NewCase, CaseRow>((db, v) =>
  db
    .insertInto('cases')
    .values({
      target_key: v.targetKey,
      account: v.account,
      user_name: v.userName,
      kind: v.kind,
      state: sql.lit('open'),
      classification: v.classification,
      severity: v.severity,
      risk_score: v.riskScore,
      assignee: null,
      opened_at: v.nowMs,
      first_event_at: v.firstEventAt,
      detected_at: v.detectedAt,
      resolved_at: null,
      resolution: null,
      vulnerability_window_seconds: v.vulnerabilityWindowSeconds,
      updated_at: v.nowMs,
    })
    .onConflict((conflict) =>
      conflict.column('target_key').where('state', '<>', sql.lit('resolved')).doNothing(),
    )
    .returningAll(),
);

const ATTACH_ALERT = new PreparedQuery<
  { alertId: string; caseId: number; nowMs: number },
  { case_id: number }
>((db, v) =>
  db
    .insertInto('case_alerts')
    .values({ alert_id: v.alertId, case_id: v.caseId, attached_at: v.nowMs })
    .onConflict((conflict) => conflict.column('alert_id').doNothing())
    .returning('case_id'),
);

const CASE_OF_ALERT = new PreparedQuery<{ alertId: string }, { case_id: number }>((db, v) =>
  db.selectFrom('case_alerts').select('case_id').where('alert_id', '=', v.alertId),
);

type Escalation = Pick<
  CaseRow,
  'severity' | 'risk_score' | 'first_event_at' | 'detected_at' | 'classification'
>;

const ESCALATE_CASE = new PreparedQuery<Escalation & { id: number; nowMs: number }>((db, v) =>
  db
    .updateTable('cases')
    .set({
      severity: v.severity,
      risk_score: v.risk_score,
      first_event_at: v.first_event_at,
      detected_at: v.detected_at,
      classification: v.classification,
      updated_at: v.nowMs,
    })
    .where('id', '=', v.id),
);

// Compare-and-set on the state as a second guard: the row lock already makes this the only writer.
const TRANSITION_CASE = new PreparedQuery<{
  id: number;
  from: string;
  to: string;
  resolvedAt: number | null;
  nowMs: number;
}>((db, v) =>
  db
    .updateTable('cases')
    .set({ state: v.to, resolved_at: v.resolvedAt, updated_at: v.nowMs })
    .where('id', '=', v.id)
    .where('state', '=', v.from),
);

// A case with its alerts, comments, audit and verifications: read for every case notification, so compiled once.
const CASE_DETAIL = {
  case: new PreparedQuery((db, v: { caseId: number }) =>
    db.selectFrom('cases').selectAll().where('id', '=', v.caseId),
  ),
  alertIds: new PreparedQuery((db, v: { caseId: number }) =>
    db
      .selectFrom('case_alerts')
      .select('alert_id')
      .where('case_id', '=', v.caseId)
      .orderBy('attached_at')
      .orderBy('alert_id'),
  ),
  comments: new PreparedQuery((db, v: { caseId: number }) =>
    db
      .selectFrom('case_comments')
      .select(['id', 'author', 'text', 'at'])
      .where('case_id', '=', v.caseId)
      .orderBy('at')
      .orderBy('id'),
  ),
  audit: new PreparedQuery((db, v: { caseId: number }) =>
    db
      .selectFrom('case_audit')
      .select(['id', 'at', 'actor', 'action', 'before_json', 'after_json'])
      .where('case_id', '=', v.caseId)
      .orderBy('id'),
  ),
  verifications: new PreparedQuery((db, v: { caseId: number }) =>
    db.selectFrom('verifications').selectAll().where('case_id', '=', v.caseId).orderBy('id'),
  ),
};

/** What attaching an alert to an existing case changes: it escalates to the worst alert, reaches back to the earliest event. */
function escalation(row: CaseRow, alert: Alert, stored: StoredAlert) {
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
  if (stored.event_time_ms < row.first_event_at) {
    before['firstEventAt'] = row.first_event_at;
    after['firstEventAt'] = next.first_event_at = stored.event_time_ms;
  }
  if (stored.detected_at < row.detected_at) {
    before['detectedAt'] = row.detected_at;
    after['detectedAt'] = next.detected_at = stored.detected_at;
  }
  if (row.classification === null && alert.classification !== undefined) {
    before['classification'] = null;
    after['classification'] = next.classification = alert.classification;
  }
  return { next, before: Object.keys(before).length === 0 ? null : before, after };
}

/** Cases (with their alerts, comments and audit log). */
export class CasesRepo extends SqlRepository {
  async openOrAttachCase(input: OpenOrAttachCaseInput): Promise<OpenOrAttachCaseResult> {
    const { alert, nowMs } = input;
    const targetKey = requireText(input.targetKey, 'targetKey');
    const actor = requireText(input.actor, 'actor');
    requireTime(nowMs, 'nowMs');
    const stored = (await ALERT_AND_CASE.rows(this.conn, this.dialect, { alertId: alert.id }))[0];
    if (stored === undefined) throw new NotFoundError('alert', alert.id);
    // A replay (restart, second worker): the alert already belongs to a case.
    if (stored.case_id !== null) return this.#unchanged(String(stored.case_id));
    const { row, created } = await this.#activeOrNewCase(input, targetKey, actor, stored);
    const attached = await ATTACH_ALERT.rows(this.conn, this.dialect, {
      alertId: alert.id,
      caseId: row.id,
      nowMs,
    });
    if (attached.length === 0) {
      // The same alert was attached by a concurrent call meanwhile.
      const owner = await CASE_OF_ALERT.rows(this.conn, this.dialect, { alertId: alert.id });
      return this.#unchanged(String(owner[0]?.case_id ?? row.id));
    }
    if (created) return { case: toCase(row), created: true, attached: true };
    const { next, before, after } = escalation(row, alert, stored);
    next.updated_at = nowMs;
    await ESCALATE_CASE.changes(this.conn, this.dialect, { ...next, id: row.id, nowMs });
    await this.#audit(String(row.id), nowMs, actor, 'alert-attached', before, after);
    return { case: toCase(next), created: false, attached: true };
  }

  async #unchanged(caseId: string): Promise<OpenOrAttachCaseResult> {
    return { case: await requireCase(this.conn, this.dialect, caseId), created: false, attached: false };
  }

  /** The target's case that is not resolved, or a new one (then `created`, and its opening audited). */
  async #activeOrNewCase(
    input: OpenOrAttachCaseInput,
    targetKey: string,
    actor: string,
    stored: StoredAlert,
  ): Promise<{ row: CaseRow; created: boolean }> {
    const active = await activeCaseOf(this.conn, this.dialect, targetKey);
    if (active !== undefined) return { row: active, created: false };
    const { alert } = input;
    const inserted = await INSERT_CASE.rows(this.conn, this.dialect, {
      targetKey,
      account: alert.event.account,
      userName: alert.target.userName ?? targetKey.slice(targetKey.indexOf('/') + 1),
      kind: input.kind ?? null,
      classification: alert.classification ?? null,
      severity: requireSeverity(alert.severity, 'alert.severity'),
      riskScore: alert.riskScore,
      firstEventAt: stored.event_time_ms,
      detectedAt: stored.detected_at,
      vulnerabilityWindowSeconds: alert.vulnerabilityWindowSeconds ?? null,
      nowMs: input.nowMs,
    });
    const row = inserted[0];
    if (row !== undefined) {
      await this.#audit(String(row.id), input.nowMs, actor, 'opened', null, {
        state: 'open',
        severity: row.severity,
        classification: row.classification,
        alertId: alert.id,
      });
      return { row, created: true };
    }
    const theirs = await activeCaseOf(this.conn, this.dialect, targetKey);
    if (theirs === undefined)
      throw new ConflictError(`case for ${targetKey} changed concurrently; retry`, { retryable: true });
    return { row: theirs, created: false };
  }

  #audit(
    caseId: string,
    at: number,
    actor: string,
    action: CaseAuditAction,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
  ): Promise<void> {
    return audit(this.conn, this.dialect, { caseId, at, actor, action, before, after });
  }

  async getCase(id: string): Promise<CaseDetail | null> {
    const numeric = numericId(id);
    if (numeric === null) return null;
    const byCase = { caseId: numeric };
    const row = (await CASE_DETAIL.case.rows(this.conn, this.dialect, byCase))[0];
    if (row === undefined) return null;
    const alertIds = await CASE_DETAIL.alertIds.rows(this.conn, this.dialect, byCase);
    const comments = await CASE_DETAIL.comments.rows(this.conn, this.dialect, byCase);
    const audit = await CASE_DETAIL.audit.rows(this.conn, this.dialect, byCase);
    const verifications = await CASE_DETAIL.verifications.rows(this.conn, this.dialect, byCase);
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
    if (query.state !== undefined && !isCaseState(query.state))
      throw invalid(
        'state',
        `expected one of open, verifying, escalated, resolved, got ${JSON.stringify(query.state)}`,
      );
    const severity = query.severity === undefined ? undefined : requireSeverity(query.severity, 'severity');
    let after: { at: number; id: number } | undefined;
    if (query.cursor !== undefined) {
      const position = decodeCursor('cases', query.cursor);
      const id = numericId(position.id);
      if (id === null) throw invalid('cursor', 'expected a cursor returned by the cases list');
      after = { at: position.at, id };
    }
    const { state, assignee } = query;
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('cases')
        .selectAll()
        .$if(state !== undefined, (q) => q.where('state', '=', state!))
        .$if(severity !== undefined, (q) => q.where('severity', '=', severity!))
        .$if(assignee !== undefined, (q) =>
          assignee === null ? q.where('assignee', 'is', null) : q.where('assignee', '=', assignee!),
        )
        .$if(after !== undefined, (q) =>
          q.where((eb) =>
            eb.or([
              eb('opened_at', '<', after!.at),
              eb.and([eb('opened_at', '=', after!.at), eb('id', '<', after!.id)]),
            ]),
          ),
        )
        .orderBy('opened_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1),
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
    const changed = await TRANSITION_CASE.changes(this.conn, this.dialect, {
      id: row.id,
      from,
      to,
      resolvedAt,
      nowMs: change.nowMs,
    });
    if (changed === 0) throw new ConflictError(`case ${id} changed concurrently; retry`, { retryable: true });
    const after: Record<string, unknown> = { state: to };
    if (to === 'resolved') after['resolvedAt'] = resolvedAt;
    if (change.note !== undefined) after['note'] = change.note;
    await this.#audit(id, change.nowMs, change.actor, 'transition', { state: from }, after);
    return toCase({ ...row, state: to, resolved_at: resolvedAt, updated_at: change.nowMs });
  }

  async reopenCase(id: string, change: CaseChange & { readonly note: string }): Promise<Case> {
    requireText(change.actor, 'actor');
    requireText(change.note, 'note');
    requireTime(change.nowMs, 'nowMs');
    const row = await lockCase(this.conn, this.dialect, id);
    if (row.state !== 'resolved') throw new InvalidTransitionError(id, row.state, 'escalated', []);
    const db = queryBuilder(this.dialect);
    const active = await queryRows(
      this.conn,
      db
        .selectFrom('cases')
        .select('id')
        .where('target_key', '=', row.target_key)
        .where('state', '<>', sql.lit('resolved'))
        .where('id', '<>', row.id),
    );
    if (active[0] !== undefined) {
      throw new ConflictError(
        `case ${id} cannot reopen: case ${active[0].id} is already open for ${row.target_key}`,
      );
    }
    const changed = await queryChanges(
      this.conn,
      db
        .updateTable('cases')
        .set({ state: 'escalated', resolved_at: null, resolution: null, updated_at: change.nowMs })
        .where('id', '=', row.id)
        .where('state', '=', 'resolved'),
    );
    if (changed === 0) throw new ConflictError(`case ${id} changed concurrently; retry`, { retryable: true });
    await this.#audit(
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
    const set = <K extends keyof CaseRow>(field: string, column: K, value: CaseRow[K] | undefined): void => {
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
    await queryChanges(
      this.conn,
      queryBuilder(this.dialect)
        .updateTable('cases')
        .set({
          classification: next.classification,
          severity: next.severity,
          risk_score: next.risk_score,
          assignee: next.assignee,
          resolution: next.resolution,
          vulnerability_window_seconds: next.vulnerability_window_seconds,
          updated_at: change.nowMs,
        })
        .where('id', '=', row.id),
    );
    await this.#audit(id, change.nowMs, change.actor, 'updated', before, after);
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
    const db = queryBuilder(this.dialect);
    const inserted = await queryRows(
      this.conn,
      db
        .insertInto('case_comments')
        .values({ case_id: row.id, author: comment.author, text: comment.text, at: comment.nowMs })
        .returning('id'),
    );
    const commentId = String(inserted[0]?.id);
    await queryChanges(
      this.conn,
      db.updateTable('cases').set({ updated_at: comment.nowMs }).where('id', '=', row.id),
    );
    await this.#audit(id, comment.nowMs, comment.author, 'commented', null, { commentId });
    return { id: commentId, caseId: id, author: comment.author, text: comment.text, at: comment.nowMs };
  }
}
