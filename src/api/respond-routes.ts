// The response over HTTP: a case's actions (planned, applied, undone), planning, approving, retrying and undoing them.

import { RESPONSE_ACTIONS, isActionKind } from '../respond/index.ts';
import type { Responder } from '../respond/index.ts';
import type { StoredResponseAction } from '../store/index.ts';
import type { RequestContext, Route } from './context.ts';
import { actorOf } from './context.ts';
import { HttpError } from './problem.ts';
import { iso, json } from './reply.ts';
import { bodySchema, field } from './validate.ts';

export function responseActionJson(action: StoredResponseAction): Record<string, unknown> {
  const known = isActionKind(action.kind) ? RESPONSE_ACTIONS[action.kind] : null;
  return {
    id: action.id,
    caseId: action.caseId,
    kind: action.kind,
    title: known?.title ?? action.kind,
    target: { kind: action.targetKind, account: action.account, name: action.targetName },
    state: action.state,
    hold: action.hold,
    holdReason: action.holdReason,
    undoable: known?.undoable ?? false,
    caution: known?.caution ?? null,
    plan: action.plan,
    calls: action.calls,
    notes: action.notes,
    reason: action.reason,
    requestedBy: action.requestedBy,
    approvedBy: action.approvedBy,
    notBefore: iso(action.notBefore),
    attempts: action.attempts,
    error: action.error,
    createdAt: iso(action.createdAt),
    updatedAt: iso(action.updatedAt),
    appliedAt: action.appliedAt === null ? null : iso(action.appliedAt),
    undoneAt: action.undoneAt === null ? null : iso(action.undoneAt),
    undoneBy: action.undoneBy,
  };
}

function param(ctx: RequestContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined || value === '' || value.length > 200)
    throw new HttpError(404, 'Not found', `no such ${name}`);
  return value;
}

function responderOf(ctx: RequestContext): Responder {
  const responder = ctx.options.responder;
  if (responder === undefined)
    throw new HttpError(503, 'Service unavailable', 'the response is not configured in this process');
  return responder;
}

async function caseMustExist(ctx: RequestContext, id: string): Promise<void> {
  if ((await ctx.options.store.getCase(id)) === null)
    throw new HttpError(404, 'Not found', `case ${JSON.stringify(id)} not found`);
}

/** An optional body with an optional note: a request without a body is fine. */
const NOTE_BODY = bodySchema(
  { note: field.optionalString({ max: 2000 }).describe('why (kept in the audit log)') },
  { optional: true },
);

export const RESPOND_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/cases/{id}/actions',
    access: 'viewer',
    tag: 'respond',
    summary: "The case's response actions: planned (and why they wait), applied, undone, refused.",
    responses: { '200': '{items: [action]}', '404': 'no such case' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      await caseMustExist(ctx, id);
      const items = await ctx.options.store.listResponseActions({ caseId: id });
      return json(200, { items: items.map(responseActionJson) });
    },
  },
  {
    method: 'POST',
    path: '/api/cases/{id}/actions/plan',
    access: 'responder',
    tag: 'respond',
    summary:
      "Records the plan the case's classification calls for (dry-run: shown, not applied); due actions apply on the next tick.",
    responses: { '200': '{items: [action]}', '404': 'no such case', '503': 'no responder in this process' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      await caseMustExist(ctx, id);
      const items = await responderOf(ctx).plan(id);
      return json(200, { items: items.map(responseActionJson) });
    },
  },
  {
    method: 'POST',
    path: '/api/cases/{id}/actions/undo',
    access: 'responder',
    tag: 'respond',
    summary: 'Undoes every applied, undoable action of the case, newest first.',
    responses: { '200': '{undone: [action], refused: [reason]}', '404': 'no such case' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      await caseMustExist(ctx, id);
      const result = await responderOf(ctx).undoCase(id, actorOf(ctx));
      return json(200, { undone: result.undone.map(responseActionJson), refused: result.refused });
    },
  },
  {
    method: 'POST',
    path: '/api/actions/{id}/approve',
    access: 'responder',
    tag: 'respond',
    summary:
      'A person approves a held action (approval, last administrator, no posture, rate limit); it is applied at once.',
    responses: {
      '200': 'the action',
      '400': 'the rule asks for a higher role',
      '404': 'no such action',
      '409': 'nothing to approve (dry-run, refused, already applied)',
    },
    async handle(ctx) {
      const action = await responderOf(ctx).approve(
        param(ctx, 'id'),
        actorOf(ctx),
        ctx.caller?.role ?? 'viewer',
      );
      return json(200, responseActionJson(action));
    },
  },
  {
    method: 'POST',
    path: '/api/cases/{id}/actions/retry',
    access: 'responder',
    tag: 'respond',
    summary:
      'Retries every failed action of the case (the role as for approving each); recorded calls are resent, never applied twice.',
    responses: { '200': '{retried: [action], refused: [reason]}', '404': 'no such case' },
    async handle(ctx) {
      const id = param(ctx, 'id');
      await caseMustExist(ctx, id);
      const result = await responderOf(ctx).retryCase(id, actorOf(ctx), ctx.caller?.role ?? 'viewer');
      return json(200, { retried: result.retried.map(responseActionJson), refused: result.refused });
    },
  },
  {
    method: 'POST',
    path: '/api/actions/{id}/retry',
    access: 'responder',
    tag: 'respond',
    summary:
      'Retries a failed action now: its recorded calls are resent (IAM is read first, so nothing is applied twice), else it is resolved again.',
    responses: {
      '200': 'the action (applied, or planned again after a transient error, or failed with the new reason)',
      '400': 'the rule asks for a higher role',
      '404': 'no such action',
      '409': 'not failed, dry-run, or the target is protected now',
    },
    async handle(ctx) {
      const action = await responderOf(ctx).retry(
        param(ctx, 'id'),
        actorOf(ctx),
        ctx.caller?.role ?? 'viewer',
      );
      return json(200, responseActionJson(action));
    },
  },
  {
    method: 'POST',
    path: '/api/actions/{id}/undo',
    access: 'responder',
    tag: 'respond',
    summary: 'Undoes an applied action (or cancels a planned one).',
    bodySchema: NOTE_BODY,
    accepts: { kind: 'json', maxBytes: 16 * 1024 },
    responses: { '200': 'the action', '404': 'no such action', '409': 'not undoable, or not applied' },
    async handle(ctx) {
      const note = NOTE_BODY.of(ctx).note;
      const action = await responderOf(ctx).undo(
        param(ctx, 'id'),
        actorOf(ctx),
        note ?? 'undone by a person',
      );
      return json(200, responseActionJson(action));
    },
  },
];
