// The JSON API over the store (alerts are in alert-routes.ts): cases, approvals, KPIs, outbox, dead letters and tokens.

import { transitionByResponder, updateByResponder } from '../cases/index.ts';
import type { OutboxNotification, Case, CaseDetail, CasePatch, StoredApproval } from '../store/index.ts';
import { CASE_STATES } from '../store/index.ts';
import { jsonBody } from './body.ts';
import type { RequestContext, Route } from './context.ts';
import { actorOf } from './context.ts';
import { HttpError } from './problem.ts';
import { iso, json } from './reply.ts';
import { TOKEN_ROUTES } from './token-routes.ts';
import { field, parseBody, parseQuery } from './validate.ts';
import type { Problem } from './validate.ts';

const DAY_MS = 86_400_000;
const DURATION = /^(\d{1,6})(m|h|d)$/;
const DURATION_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: DAY_MS };

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

const LIMIT_QUERY = { name: 'limit', description: '1..1000, default 100' } as const;
const CURSOR_QUERY = { name: 'cursor', description: 'nextCursor of the previous page' } as const;

async function getCases(ctx: RequestContext) {
  const q = parseQuery(ctx.url.searchParams, {
    state: field.choice(CASE_STATES).optional(),
    severity: field.severity(),
    assignee: field.optionalString(),
    limit: field.integer(1, 1000),
    cursor: field.optionalString({ max: 1000 }),
  });
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

function parseWindow(value: string | undefined, problem: Problem): number | undefined {
  if (value === undefined) return undefined;
  const match = DURATION.exec(value);
  if (match === null) {
    problem('window', `expected a duration such as 30m, 2h or 1d, got ${JSON.stringify(value.slice(0, 40))}`);
    return undefined;
  }
  return Number(match[1]) * (DURATION_MS[match[2]!] ?? 0);
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
    query: [
      { name: 'state', description: 'open, verifying, escalated, resolved' },
      { name: 'severity', description: 'info, low, medium, high, critical' },
      { name: 'assignee', description: 'assignee name, or `none` for unassigned' },
      LIMIT_QUERY,
      CURSOR_QUERY,
    ],
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
    body: { to: 'open, verifying, escalated or resolved*', note: 'why (kept in the audit log)' },
    accepts: JSON_BODY,
    responses: {
      '200': 'the case',
      '404': 'no such case',
      '409': 'transition not allowed from the current state',
    },
    async handle(ctx) {
      const id = param(ctx, 'id');
      const { to, note } = parseBody(jsonBody(ctx), {
        to: field.choice(CASE_STATES),
        note: field.optionalString({ max: 2000 }),
      });
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
    body: {
      assignee: 'a name, or null to unassign',
      severity: 'info, low, medium, high, critical',
      classification:
        'rotation, approved, admin-reset, verified, suspicious, unauthorized, unresolved, or null',
    },
    accepts: JSON_BODY,
    responses: { '200': 'the case', '404': 'no such case' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      const body = parseBody(
        jsonBody(ctx),
        {
          assignee: field.nullableString(200),
          severity: field.severity(),
          classification: field.classification(),
        },
        (_valid, problem, raw) => {
          if (['assignee', 'severity', 'classification'].every((key) => raw[key] === undefined))
            problem('(body)', 'give at least one of assignee, severity, classification');
        },
      );
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
    body: { text: 'the comment (up to 10 000 characters)*' },
    accepts: JSON_BODY,
    responses: { '201': 'the comment', '404': 'no such case' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      const { text } = parseBody(jsonBody(ctx), {
        text: field.string({ required: true, max: 10_000 }),
      });
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
    query: [{ name: 'active', description: 'true: only approvals not revoked whose window contains now' }],
    responses: { '200': '{items: [approval]}' },
    async handle(ctx) {
      const { active } = parseQuery(ctx.url.searchParams, {
        active: field.choice(['true', 'false']).optional(),
      });
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
    body: {
      user: 'target IAM user name*',
      ticket: 'change ticket, e.g. CHG-123*',
      approver: 'who approved it*',
      window: 'duration from `from`, e.g. 2h (or give `to`)',
      from: 'start (ISO 8601; default now)',
      to: 'end (ISO 8601)',
      actor: 'only this identity may remove the device (user name or ARN)',
      account: 'AWS account id',
    },
    accepts: JSON_BODY,
    responses: { '201': 'the approval' },
    async handle(ctx) {
      let fromMs = ctx.options.now();
      let toMs = fromMs;
      const { user, ticket, approver, actor, account } = parseBody(
        jsonBody(ctx),
        {
          user: field.string({ required: true, max: 128 }),
          ticket: field.string({ required: true, max: 200 }),
          approver: field.string({ required: true, max: 200 }),
          window: field.optionalString({ max: 20 }),
          from: field.time(),
          to: field.time(),
          actor: field.optionalString({ max: 2048 }),
          account: field.optionalString({ max: 12 }),
        },
        (body, problem, raw) => {
          if (body.account !== undefined && !/^\d{12}$/.test(body.account))
            problem('account', 'expected a 12-digit AWS account id');
          fromMs = body.from ?? fromMs;
          const windowMs = parseWindow(body.window, problem);
          if (raw['to'] === undefined && raw['window'] === undefined)
            problem('window', 'give `window` (e.g. 2h) or `to` (a date-time)');
          const end = body.to ?? (windowMs === undefined ? undefined : fromMs + windowMs);
          if (end !== undefined && end <= fromMs) problem('to', 'must be after `from`');
          if (end !== undefined && end - fromMs > 30 * DAY_MS) problem('window', 'at most 30 days');
          toMs = end ?? toMs;
        },
      );
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
    query: [
      { name: 'from', description: 'window start (ISO 8601 or epoch ms; default 30 days before `to`)' },
      { name: 'to', description: 'window end, exclusive (default now)' },
    ],
    responses: { '200': 'KPI snapshot' },
    async handle(ctx) {
      const q = parseQuery(
        ctx.url.searchParams,
        { from: field.time(), to: field.time() },
        (given, problem) => {
          const end = given.to ?? ctx.options.now();
          if ((given.from ?? end - 30 * DAY_MS) >= end) problem('from', 'must be before `to`');
        },
      );
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
    query: [{ name: 'state', description: 'pending, sent or dead (default pending)' }, LIMIT_QUERY],
    responses: { '200': '{depth: {pending, dead, oldestPendingAt}, items: [notification]}' },
    async handle(ctx) {
      const q = parseQuery(ctx.url.searchParams, {
        state: field.choice(['pending', 'sent', 'dead']).optional(),
        limit: field.integer(1, 1000),
      });
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
    query: [LIMIT_QUERY],
    responses: { '200': '{items: [{id, source, location, reason, createdAt, size, raw}]}' },
    async handle(ctx) {
      const limit = parseQuery(ctx.url.searchParams, { limit: field.integer(1, 1000) }).limit ?? 100;
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
