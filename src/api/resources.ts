// The JSON API over the store (alerts are in alert-routes.ts): cases, approvals, KPIs, outbox, dead letters and tokens.

import { transitionByResponder, updateByResponder } from '../cases/index.ts';
import type { OutboxNotification, Case, CaseDetail, CasePatch, StoredApproval } from '../store/index.ts';
import { UsageError } from '../model/index.ts';
import type { RequestContext, Route } from './context.ts';
import { actorOf } from './context.ts';
import { HttpError } from './problem.ts';
import { iso, json } from './reply.ts';
import { TOKEN_ROUTES } from './token-routes.ts';
import {
  APPROVAL_BODY,
  APPROVALS_QUERY,
  approvalWindow,
  CASE_PATCH_BODY,
  CASES_QUERY,
  COMMENT_BODY,
  DAY_MS,
  KPI_QUERY,
  LIMIT_QUERY,
  OUTBOX_QUERY,
  TRANSITION_BODY,
} from './resource-schemas.ts';

export function caseJson(item: Case): Record<string, unknown> {
  return {
    id: item.id,
    targetKey: item.targetKey,
    account: item.account,
    userName: item.userName,
    kind: item.kind ?? null,
    state: item.state,
    classification: item.classification,
    severity: item.severity,
    riskScore: item.riskScore,
    assignee: item.assignee,
    openedAt: iso(item.openedAt),
    firstEventAt: iso(item.firstEventAt),
    detectedAt: iso(item.detectedAt),
    resolvedAt: iso(item.resolvedAt),
    resolution: item.resolution,
    vulnerabilityWindowSeconds: item.vulnerabilityWindowSeconds,
    updatedAt: iso(item.updatedAt),
  };
}

function caseDetailJson(detail: CaseDetail): Record<string, unknown> {
  return {
    ...caseJson(detail),
    alertIds: detail.alertIds,
    comments: detail.comments.map((c) => ({ id: c.id, author: c.author, text: c.text, at: iso(c.at) })),
    audit: detail.audit.map((entry) => ({
      id: entry.id,
      at: iso(entry.at),
      actor: entry.actor,
      action: entry.action,
      before: entry.before,
      after: entry.after,
    })),
    // Never the link token: only its state.
    verifications: detail.verifications.map((v) => ({
      id: v.id,
      owner: v.owner,
      state: v.state,
      createdAt: iso(v.createdAt),
      expiresAt: iso(v.expiresAt),
      answeredAt: iso(v.answeredAt),
      escalatedAt: iso(v.escalatedAt),
    })),
  };
}

function outboxJson(n: OutboxNotification): Record<string, unknown> {
  return {
    id: n.id,
    kind: n.kind,
    channel: n.channel,
    dedupeKey: n.dedupeKey,
    state: n.state,
    attempts: n.attempts,
    nextAttemptAt: iso(n.nextAttemptAt),
    lastError: n.lastError,
    createdAt: iso(n.createdAt),
    updatedAt: iso(n.updatedAt),
    sentAt: iso(n.sentAt),
  };
}

function approvalJson(a: StoredApproval): Record<string, unknown> {
  return {
    id: a.id,
    ticket: a.ticket,
    user: a.user,
    actor: a.actor,
    account: a.account,
    from: iso(a.fromMs),
    to: iso(a.toMs),
    approver: a.approver,
    createdBy: a.createdBy,
    createdAt: iso(a.createdAt),
    revokedAt: iso(a.revokedAt),
    revokedBy: a.revokedBy,
  };
}

function param(ctx: RequestContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined || value === '' || value.length > 200) {
    throw new HttpError(404, 'Not found', `no such ${name}`);
  }
  return value;
}

async function getCases(ctx: RequestContext) {
  const q = CASES_QUERY.of(ctx);
  const { state, severity, assignee, cursor } = q;
  const limit = q.limit ?? 100;
  const page = await ctx.options.store.listCases({
    limit,
    ...(state === undefined ? {} : { state }),
    ...(severity === undefined ? {} : { severity }),
    // `assignee=none` lists the unassigned cases.
    ...(assignee === undefined ? {} : { assignee: assignee === 'none' ? null : assignee }),
    ...(cursor === undefined ? {} : { cursor }),
  });
  return json(200, { items: page.items.map(caseJson), nextCursor: page.nextCursor });
}

async function loadCase(ctx: RequestContext): Promise<CaseDetail> {
  const id = param(ctx, 'id');
  const detail = await ctx.options.store.getCase(id);
  if (detail === null) throw new HttpError(404, 'Not found', `case ${JSON.stringify(id)} not found`);
  return detail;
}

/** The case and approval bodies are a few fields: 64 KiB is far above any honest one. */
const JSON_BODY = { kind: 'json', maxBytes: 64 * 1024 } as const;

export const RESOURCE_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/cases',
    access: 'viewer',
    tag: 'cases',
    summary: 'Cases, newest first.',
    querySchema: CASES_QUERY,
    responses: { '200': '{items: [case], nextCursor}' },
    handle: getCases,
  },
  {
    method: 'GET',
    path: '/api/cases/{id}',
    access: 'viewer',
    tag: 'cases',
    summary: 'One case with its alert ids, comments, audit log and verifications.',
    responses: { '200': 'case detail', '404': 'no such case' },
    async handle(ctx) {
      return json(200, caseDetailJson(await loadCase(ctx)));
    },
  },
  {
    method: 'POST',
    path: '/api/cases/{id}/transition',
    access: 'responder',
    tag: 'cases',
    summary:
      'Moves a case along its lifecycle (open → verifying → resolved | escalated; escalated → resolved).',
    bodySchema: TRANSITION_BODY,
    accepts: JSON_BODY,
    responses: {
      '200': 'the case',
      '404': 'no such case',
      '409': 'transition not allowed from the current state',
    },
    async handle(ctx) {
      const id = param(ctx, 'id');
      const { to, note } = TRANSITION_BODY.of(ctx);
      const updated = await transitionByResponder(
        ctx.options.store,
        id,
        to,
        { actor: actorOf(ctx), nowMs: ctx.options.now() },
        note,
      );
      return json(200, caseJson(updated));
    },
  },
  {
    method: 'PATCH',
    path: '/api/cases/{id}',
    access: 'responder',
    tag: 'cases',
    summary: 'Changes assignee, severity or classification (audited; only the fields given).',
    bodySchema: CASE_PATCH_BODY,
    accepts: JSON_BODY,
    responses: { '200': 'the case', '404': 'no such case' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      const body = CASE_PATCH_BODY.of(ctx);
      const patch: { -readonly [K in keyof CasePatch]: CasePatch[K] } = {};
      if (body.assignee !== undefined) patch.assignee = body.assignee;
      if (body.severity !== undefined) patch.severity = body.severity;
      if (body.classification !== undefined) patch.classification = body.classification;
      const updated = await updateByResponder(ctx.options.store, id, patch, {
        actor: actorOf(ctx),
        nowMs: ctx.options.now(),
      });
      // A responder's classification (say, unauthorized) calls for the response its rules name.
      if (patch.classification !== undefined) await ctx.options.responder?.caseChanged([id]);
      return json(200, caseJson(updated));
    },
  },
  {
    method: 'POST',
    path: '/api/cases/{id}/comments',
    access: 'responder',
    tag: 'cases',
    summary: 'Adds a comment to a case.',
    bodySchema: COMMENT_BODY,
    accepts: JSON_BODY,
    responses: { '201': 'the comment', '404': 'no such case' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      const { text } = COMMENT_BODY.of(ctx);
      const comment = await ctx.options.store.addComment(id, {
        author: actorOf(ctx),
        text,
        nowMs: ctx.options.now(),
      });
      return json(201, {
        id: comment.id,
        caseId: comment.caseId,
        author: comment.author,
        text: comment.text,
        at: iso(comment.at),
      });
    },
  },
  {
    method: 'GET',
    path: '/api/approvals',
    access: 'viewer',
    tag: 'approvals',
    summary: 'Approvals, newest first; `active=true` lists only those in force now.',
    querySchema: APPROVALS_QUERY,
    responses: { '200': '{items: [approval]}' },
    async handle(ctx) {
      const { active } = APPROVALS_QUERY.of(ctx);
      const items = await ctx.options.store.listApprovals(
        active === 'true' ? { activeAt: ctx.options.now() } : {},
      );
      return json(200, { items: items.map(approvalJson) });
    },
  },
  {
    method: 'POST',
    path: '/api/approvals',
    access: 'responder',
    tag: 'approvals',
    summary: 'Records an approved MFA change: a matching removal is classified `approved`.',
    bodySchema: APPROVAL_BODY,
    accepts: JSON_BODY,
    responses: { '201': 'the approval' },
    async handle(ctx) {
      const body = APPROVAL_BODY.of(ctx);
      const { user, ticket, approver, actor, account } = body;
      // The same window the check accepted, at the handler's instant; a problem now (the clock moved past a
      // boundary in between) is still the caller's 400.
      const { fromMs, toMs } = approvalWindow(body, ctx.options.now(), (path, message) => {
        throw new UsageError(`invalid request body: ${path}: ${message}`);
      });
      const approval = await ctx.options.store.createApproval({
        user,
        ticket,
        approver,
        actor: actor ?? null,
        account: account ?? null,
        fromMs,
        toMs,
        createdBy: actorOf(ctx),
        nowMs: ctx.options.now(),
      });
      return json(201, approvalJson(approval));
    },
  },
  {
    method: 'DELETE',
    path: '/api/approvals/{id}',
    access: 'responder',
    tag: 'approvals',
    summary: 'Revokes an approval: it never matches again.',
    responses: { '200': 'the revoked approval', '404': 'no such approval' },
    async handle(ctx) {
      const revoked = await ctx.options.store.revokeApproval(
        param(ctx, 'id'),
        actorOf(ctx),
        ctx.options.now(),
      );
      return json(200, approvalJson(revoked));
    },
  },
  {
    method: 'GET',
    path: '/api/kpis',
    access: 'viewer',
    tag: 'kpis',
    summary:
      'MTTD, MTTR (cases that closed themselves left out, counted in autoResolved), removals per month by classification, open cases by severity, vulnerability windows, verification answer times (durations in ms).',
    querySchema: KPI_QUERY,
    responses: { '200': 'KPI snapshot' },
    async handle(ctx) {
      const q = KPI_QUERY.of(ctx);
      const toMs = q.to ?? ctx.options.now();
      const fromMs = q.from ?? toMs - 30 * DAY_MS;
      const snapshot = await ctx.options.store.kpiSnapshot({ fromMs, toMs });
      return json(200, { ...snapshot, from: iso(fromMs), to: iso(toMs) });
    },
  },
  {
    method: 'GET',
    path: '/api/outbox',
    access: 'viewer',
    tag: 'outbox',
    summary:
      'Notifications in the outbox by state (`dead` are the ones given up on), oldest first, with the depth.',
    querySchema: OUTBOX_QUERY,
    responses: { '200': '{depth: {pending, dead, oldestPendingAt}, items: [notification]}' },
    async handle(ctx) {
      const q = OUTBOX_QUERY.of(ctx);
      const state = q.state ?? 'pending';
      const limit = q.limit ?? 100;
      const [depth, items] = await Promise.all([
        ctx.options.store.outboxDepth(),
        ctx.options.store.listNotifications({ state, limit }),
      ]);
      return json(200, {
        depth: { pending: depth.pending, dead: depth.dead, oldestPendingAt: iso(depth.oldestPendingAt) },
        items: items.map(outboxJson),
      });
    },
  },
  {
    method: 'POST',
    path: '/api/outbox/{id}/retry',
    access: 'admin',
    tag: 'outbox',
    summary:
      'Queues a dead notification again (after fixing the receiver or its configuration): pending, due now, attempts counted afresh, same idempotency key.',
    responses: {
      '200': 'the notification, pending again',
      '404': 'no such notification',
      '409': 'the notification is not dead (still pending, or sent)',
    },
    async handle(ctx) {
      const retried = await ctx.options.store.retryNotification(param(ctx, 'id'), ctx.options.now());
      return json(200, outboxJson(retried));
    },
  },
  {
    method: 'GET',
    path: '/api/dead-letters',
    access: 'viewer',
    tag: 'outbox',
    summary: 'Records no source could read, newest first, with the reason and the raw bytes (base64).',
    querySchema: LIMIT_QUERY,
    responses: { '200': '{items: [{id, source, location, reason, createdAt, size, raw}]}' },
    async handle(ctx) {
      const limit = LIMIT_QUERY.of(ctx).limit ?? 100;
      const items = await ctx.options.store.listDeadLetters({ limit });
      return json(200, {
        items: items.map((d) => ({
          id: d.id,
          source: d.source,
          location: d.location,
          reason: d.reason,
          createdAt: iso(d.createdAt),
          size: d.raw.length,
          raw: d.raw.toString('base64'),
        })),
      });
    },
  },
  ...TOKEN_ROUTES,
];
