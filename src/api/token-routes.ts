// API tokens for scripts, per person: a signed-in person creates, lists and revokes their own (never above their
// role); an admin sees and revokes everyone's. Tokens of nobody (the bootstrap admin token) are for admins only.

import type { ApiRole, ApiToken } from '../store/index.ts';
import { API_ROLES, generateApiToken, hashApiToken, roleAllows } from './auth.ts';
import type { RequestContext, Route } from './context.ts';
import { actorOf } from './context.ts';
import { HttpError } from './problem.ts';
import { iso, json } from './reply.ts';
import { bodySchema, field } from './validate.ts';

export function tokenJson(t: ApiToken): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    kind: t.kind,
    subject: t.subject,
    displayName: t.displayName,
    createdBy: t.createdBy,
    createdAt: iso(t.createdAt),
    expiresAt: iso(t.expiresAt),
    revokedAt: iso(t.revokedAt),
  };
}

function isAdmin(caller: ApiToken): boolean {
  return caller.role === 'admin';
}

/** A token is the caller's own when both name the same person. */
function owns(caller: ApiToken, token: ApiToken): boolean {
  return caller.subject !== null && token.subject === caller.subject;
}

async function listTokens(ctx: RequestContext) {
  const caller = ctx.caller!;
  const nowMs = ctx.options.now();
  // Ended sessions are history nobody acts on (the audit log keeps who did what): only live ones are listed.
  const all = (await ctx.options.store.listApiTokens()).filter(
    (token) =>
      token.kind === 'token' ||
      (token.revokedAt === null && (token.expiresAt === null || token.expiresAt > nowMs)),
  );
  const items = isAdmin(caller) ? all : all.filter((token) => owns(caller, token));
  return json(200, { items: items.map(tokenJson) });
}

const TOKEN_BODY = bodySchema({
  name: field.string({ required: true, max: 100 }).describe('what it is for'),
  role: field.choice(API_ROLES).optional().describe("viewer, responder or admin (default: the caller's)"),
});

async function createToken(ctx: RequestContext) {
  const caller = ctx.caller!;
  const body = TOKEN_BODY.of(ctx);
  const role: ApiRole = body.role ?? caller.role;
  if (!roleAllows(caller.role, role))
    throw new HttpError(403, 'Forbidden', `you hold ${caller.role}: a token cannot have more (${role})`);
  if (caller.subject === null && !isAdmin(caller))
    throw new HttpError(403, 'Forbidden', 'tokens for scripts are created by a signed-in person or an admin');
  const secret = generateApiToken();
  const created = await ctx.options.store.createApiToken({
    name: body.name,
    role,
    tokenHash: hashApiToken(secret),
    createdBy: actorOf(ctx),
    nowMs: ctx.options.now(),
    // The script acts as the person who made the token: the audit log names them.
    subject: caller.subject,
    displayName: caller.displayName,
  });
  return json(201, { token: secret, ...tokenJson(created.token) });
}

async function revokeToken(ctx: RequestContext) {
  const caller = ctx.caller!;
  const id = ctx.params['id'] ?? '';
  const token = (await ctx.options.store.listApiTokens()).find((entry) => entry.id === id);
  // Someone else's token answers as if it did not exist: its id tells nothing.
  if (token === undefined || !(isAdmin(caller) || owns(caller, token)))
    throw new HttpError(404, 'Not found', 'no such token');
  return json(200, tokenJson(await ctx.options.store.revokeApiToken(id, ctx.options.now())));
}

export const TOKEN_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/tokens',
    access: 'viewer',
    tag: 'tokens',
    summary:
      "API tokens and sessions (never the secrets): an admin's list has everyone's, a person's their own.",
    responses: { '200': '{items: [token]}' },
    handle: listTokens,
  },
  {
    method: 'POST',
    path: '/api/tokens',
    access: 'viewer',
    tag: 'tokens',
    summary:
      "Creates an API token for the caller's scripts, acting as the caller (at most the caller's role); the secret is in this answer only.",
    bodySchema: TOKEN_BODY,
    accepts: { kind: 'json', maxBytes: 64 * 1024 },
    responses: { '201': '{token: "mfg_…", ...token}', '403': 'a role above the caller’s' },
    handle: createToken,
  },
  {
    method: 'DELETE',
    path: '/api/tokens/{id}',
    access: 'viewer',
    tag: 'tokens',
    summary: 'Revokes an API token (or session) at once: your own, or anyone’s for an admin.',
    responses: { '200': 'the revoked token', '404': 'no such token (or not yours)' },
    handle: revokeToken,
  },
];
