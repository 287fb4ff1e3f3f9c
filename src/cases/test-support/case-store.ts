// An in-memory case store for the lifecycle's unit tests: the rules the real stores keep (the transition table, one
// case per target that is not resolved, only changed fields audited), without a database or a wall clock.

import { CASE_TRANSITIONS, canTransition } from '../../store/index.ts';
import type {
  Case,
  CaseAuditAction,
  CaseDetail,
  CasePatch,
  CaseState,
  OpenOrAttachCaseInput,
  OpenOrAttachCaseResult,
} from '../../store/index.ts';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../store/index.ts';
import { severityRank } from '../../model/index.ts';
import type { CaseStore } from '../lifecycle.ts';

export const ACCOUNT = '111122223333';
/** The fixed clock of these tests: 2026-03-02T10:00:00Z. */
export const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Change = { readonly actor: string; readonly nowMs: number; readonly note?: string };

const PATCHABLE = [
  'classification',
  'severity',
  'riskScore',
  'assignee',
  'resolution',
  'vulnerabilityWindowSeconds',
] as const;

export class FakeCaseStore implements CaseStore {
  readonly #cases = new Map<string, Mutable<CaseDetail>>();
  readonly #caseOfAlert = new Map<string, string>();
  #nextId = 1;
  #nextAudit = 1;
  /** Every store call, in order, as `method:caseId` (or `openOrAttachCase:alertId`). */
  readonly calls: string[] = [];

  /** A case as it is stored now (a copy), for assertions. */
  stored(id: string): CaseDetail {
    const found = this.#cases.get(id);
    if (found === undefined) throw new Error(`no case ${id}`);
    return structuredClone(found);
  }

  /** Puts a case straight into a state, as earlier changes would have left it (no audit entry). */
  force(id: string, fields: Partial<Mutable<Case>>): Case {
    const found = this.#cases.get(id);
    if (found === undefined) throw new Error(`no case ${id}`);
    Object.assign(found, fields);
    return this.#view(found);
  }

  openOrAttachCase(input: OpenOrAttachCaseInput): Promise<OpenOrAttachCaseResult> {
    this.calls.push(`openOrAttachCase:${input.alert.id}`);
    const { alert, nowMs } = input;
    const owner = this.#caseOfAlert.get(alert.id);
    if (owner !== undefined)
      return Promise.resolve({ case: this.#view(this.#require(owner)), created: false, attached: false });
    const active = [...this.#cases.values()].find(
      (kase) => kase.targetKey === input.targetKey && kase.state !== 'resolved',
    );
    const eventMs = Date.parse(alert.event.time);
    if (active === undefined) {
      const id = String(this.#nextId++);
      const opened: Mutable<CaseDetail> = {
        id,
        targetKey: input.targetKey,
        account: alert.event.account,
        userName: alert.target.userName ?? input.targetKey.slice(input.targetKey.indexOf('/') + 1),
        ...(input.kind === undefined ? {} : { kind: input.kind }),
        state: 'open',
        classification: alert.classification ?? null,
        severity: alert.severity,
        riskScore: alert.riskScore,
        assignee: null,
        openedAt: nowMs,
        firstEventAt: eventMs,
        detectedAt: nowMs,
        resolvedAt: null,
        resolution: null,
        vulnerabilityWindowSeconds: alert.vulnerabilityWindowSeconds ?? null,
        updatedAt: nowMs,
        alertIds: [alert.id],
        comments: [],
        audit: [],
        verifications: [],
      };
      this.#cases.set(id, opened);
      this.#caseOfAlert.set(alert.id, id);
      this.#audit(opened, nowMs, input.actor, 'opened', null, { state: 'open', alertId: alert.id });
      return Promise.resolve({ case: this.#view(opened), created: true, attached: true });
    }
    if (severityRank(alert.severity) > severityRank(active.severity)) active.severity = alert.severity;
    active.riskScore = Math.max(active.riskScore, alert.riskScore);
    active.firstEventAt = Math.min(active.firstEventAt, eventMs);
    if (active.classification === null && alert.classification !== undefined)
      active.classification = alert.classification;
    active.alertIds.push(alert.id);
    active.updatedAt = nowMs;
    this.#caseOfAlert.set(alert.id, active.id);
    this.#audit(active, nowMs, input.actor, 'alert-attached', null, { alertId: alert.id });
    return Promise.resolve({ case: this.#view(active), created: false, attached: true });
  }

  getCase(id: string): Promise<CaseDetail | null> {
    this.calls.push(`getCase:${id}`);
    const found = this.#cases.get(id);
    return Promise.resolve(found === undefined ? null : structuredClone(found));
  }

  transitionCase(id: string, to: CaseState, change: Change): Promise<Case> {
    this.calls.push(`transitionCase:${id}`);
    const kase = this.#require(id);
    const from = kase.state;
    if (!canTransition(from, to))
      return Promise.reject(new InvalidTransitionError(id, from, to, CASE_TRANSITIONS[from]));
    kase.state = to;
    if (to === 'resolved') kase.resolvedAt = change.nowMs;
    kase.updatedAt = change.nowMs;
    const after: Record<string, unknown> = { state: to };
    if (to === 'resolved') after['resolvedAt'] = change.nowMs;
    if (change.note !== undefined) after['note'] = change.note;
    this.#audit(kase, change.nowMs, change.actor, 'transition', { state: from }, after);
    return Promise.resolve(this.#view(kase));
  }

  reopenCase(id: string, change: Change & { readonly note: string }): Promise<Case> {
    this.calls.push(`reopenCase:${id}`);
    const kase = this.#require(id);
    if (kase.state !== 'resolved')
      return Promise.reject(new InvalidTransitionError(id, kase.state, 'escalated', []));
    const newer = [...this.#cases.values()].find(
      (other) => other.id !== id && other.targetKey === kase.targetKey && other.state !== 'resolved',
    );
    if (newer !== undefined)
      return Promise.reject(
        new ConflictError(`case ${id} cannot reopen: case ${newer.id} is already open for ${kase.targetKey}`),
      );
    const before = { state: 'resolved', resolvedAt: kase.resolvedAt, resolution: kase.resolution };
    Object.assign(kase, { state: 'escalated', resolvedAt: null, resolution: null, updatedAt: change.nowMs });
    this.#audit(kase, change.nowMs, change.actor, 'transition', before, {
      state: 'escalated',
      note: change.note,
    });
    return Promise.resolve(this.#view(kase));
  }

  updateCase(id: string, patch: CasePatch, change: Change): Promise<Case> {
    this.calls.push(`updateCase:${id}`);
    const kase = this.#require(id);
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const field of PATCHABLE) {
      const value = patch[field];
      if (value === undefined || kase[field] === value) continue;
      before[field] = kase[field];
      after[field] = value;
    }
    if (Object.keys(after).length === 0) return Promise.resolve(this.#view(kase));
    Object.assign(kase, after, { updatedAt: change.nowMs });
    this.#audit(kase, change.nowMs, change.actor, 'updated', before, after);
    return Promise.resolve(this.#view(kase));
  }

  #require(id: string): Mutable<CaseDetail> {
    const found = this.#cases.get(id);
    if (found === undefined) throw new NotFoundError('case', id);
    return found;
  }

  #audit(
    kase: Mutable<CaseDetail>,
    at: number,
    actor: string,
    action: CaseAuditAction,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
  ): void {
    kase.audit.push({ id: String(this.#nextAudit++), caseId: kase.id, at, actor, action, before, after });
  }

  /** The case without its detail lists, as the store's changes return it. */
  #view(kase: CaseDetail): Case {
    const { alertIds: _alerts, comments: _comments, audit: _audit, verifications: _v, ...rest } = kase;
    return structuredClone(rest);
  }
}
