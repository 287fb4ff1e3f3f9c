// The owner's verification links: GET shows a confirmation page with a form (mail scanners prefetch links), POST answers.

import type { VerificationLinkState, VerificationResponse } from '../app/index.ts';
import { SYSTEM_ACTOR } from '../cases/index.ts';
import type { CaseClosing } from '../cases/index.ts';
import { forTerminal } from '../report/index.ts';
import { bytesBody } from './body.ts';
import type { RequestContext, Route } from './context.ts';
import { HttpError } from './problem.ts';
import type { Reply } from './reply.ts';

type Answer = 'confirmed' | 'denied';

/** The page is ours and static except for escaped values; no script, styles inline, forms only to ourselves. */
export const VERIFY_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Controls and bidi overrides become visible escapes (a name cannot reorder the sentence it sits in), then entities. */
export function escapeHtml(value: string): string {
  return forTerminal(value).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Accepts what a link or a form may carry: `confirmed`/`denied` and the short forms people type. */
export function parseAnswer(value: string | null | undefined): Answer | null {
  switch ((value ?? '').toLowerCase()) {
    case 'confirmed':
    case 'confirm':
    case 'yes':
      return 'confirmed';
    case 'denied':
    case 'deny':
    case 'no':
      return 'denied';
    default:
      return null;
  }
}

/**
 * The answer a signed link carries (`base64url(payload).signature`, see cases' verification tokens), read
 * without checking the signature: only to show the right button. The live service checks it on POST.
 */
export function answerInToken(token: string): Answer | null {
  const payload = token.split('.')[0] ?? '';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null) return null;
    const answer = (claims as Record<string, unknown>)['answer'];
    return typeof answer === 'string' ? parseAnswer(answer) : null;
  } catch {
    return null;
  }
}

function page(status: number, title: string, bodyHtml: string): Reply {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} · mfaguard</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
button{font-size:1rem;padding:.6rem 1rem;margin:.3rem .5rem .3rem 0;cursor:pointer}
.deny{background:#b00020;color:#fff;border:0}.confirm{background:#1b5e20;color:#fff;border:0}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${bodyHtml}
</body></html>
`;
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': VERIFY_CSP,
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
    body: html,
  };
}

function tokenOf(ctx: RequestContext): string {
  const token = ctx.params['token'] ?? '';
  if (token === '' || token.length > 1000 || !/^[\w.~:+/=-]+$/.test(token)) {
    throw new HttpError(404, 'Not found', 'this verification link is not valid');
  }
  return token;
}

/** The one button a link stands for, posting to itself. */
function answerForm(token: string, answer: Answer): string {
  const action = `/verify/${encodeURIComponent(token)}`;
  const [label, cls] =
    answer === 'denied' ? ['No, this was not me', 'deny'] : ['Yes, this was me / planned', 'confirm'];
  return (
    `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="answer" value="${answer}">` +
    `<button type="submit" class="${cls}">${escapeHtml(label)}</button></form>`
  );
}

function confirmationPage(token: string, answer: Answer): Reply {
  const intro =
    answer === 'denied'
      ? '<p>You are about to report that <strong>you did not</strong> remove this MFA device. The security team will be alerted at once.</p>'
      : '<p>You are about to confirm that <strong>you</strong> removed this MFA device, or that it was planned.</p>';
  return page(
    200,
    'Was this you?',
    `${intro}\n${answerForm(token, answer)}\n<p><small>This link works once and expires.</small></p>`,
  );
}

/** Who closed the case and when, as the owner reads it. */
function closedSentence(closing: CaseClosing): string {
  const by =
    closing.by === SYSTEM_ACTOR
      ? 'mfaguard itself (the removal explained itself, e.g. a device swap)'
      : closing.by;
  return `<p>This case was closed by <strong>${escapeHtml(by)}</strong> on ${escapeHtml(new Date(closing.at).toISOString())}.</p>`;
}

/** A "yes" (GET or POST) on a case already closed: refused, nothing recorded; the "no" link still counts. */
function closedCasePage(caseId: string, closing: CaseClosing): Reply {
  return page(
    409,
    'Case already closed',
    `${closedSentence(closing)}\n<p>This link no longer changes anything: no answer was recorded.</p>\n` +
      '<p>If this was <strong>not</strong> you after all, use the other link ("No, this was not me"): it reopens the case and alerts the security team.</p>\n' +
      `<p><small>Case ${escapeHtml(caseId)}</small></p>`,
  );
}

/** The "no" link of a closed case: it still counts, because a takeover must never stay closed. */
function closedDenyPage(token: string, caseId: string, closing: CaseClosing): Reply {
  return page(
    200,
    'Was this you?',
    `${closedSentence(closing)}\n<p>If you did <strong>not</strong> remove this MFA device, say so below: the case reopens and the security team is alerted at once. Opening this page changed nothing.</p>\n` +
      `${answerForm(token, 'denied')}\n<p><small>Case ${escapeHtml(caseId)}</small></p>`,
  );
}

const NOT_VALID = 'This link is not valid.';

function resultPage(response: VerificationResponse): Reply {
  if (response.ok) {
    const body =
      response.answer === 'denied'
        ? '<p>Thank you. The case has been marked <strong>unauthorized</strong> and the security team has been alerted. If you still can, sign in and re-enable MFA, and change your password.</p>'
        : '<p>Thank you. The case has been marked <strong>verified</strong>. Please re-enable MFA on your identity.</p>';
    return page(200, 'Answer recorded', `${body}\n<p><small>Case ${escapeHtml(response.caseId)}</small></p>`);
  }
  if (response.reason === 'closed') {
    // A responder (or the case itself) got there first.
    return closedCasePage(response.caseId, { by: response.closedBy, at: response.closedAt });
  }
  return unusablePage(response.reason);
}

function unusablePage(reason: 'used' | 'expired' | 'forged' | 'unknown'): Reply {
  const why: Record<typeof reason, [number, string]> = {
    used: [409, 'This link has already been used: an answer was recorded before.'],
    expired: [410, 'This link has expired. The security team has been told that no answer came in time.'],
    forged: [404, NOT_VALID],
    unknown: [404, NOT_VALID],
  };
  const [status, message] = why[reason];
  return page(status, 'Link not usable', `<p>${escapeHtml(message)}</p>`);
}

/** What a GET shows for the link's state: the question, why it cannot be used, or who closed the case. */
function linkPage(token: string, state: VerificationLinkState): Reply {
  if (!state.ok) return unusablePage(state.reason);
  if (state.closed === null) return confirmationPage(token, state.answer);
  return state.answer === 'confirmed'
    ? closedCasePage(state.caseId, state.closed)
    : closedDenyPage(token, state.caseId, state.closed);
}

/** The answer the form names, null when none, `invalid` when it is neither confirmed nor denied. */
function submittedAnswer(ctx: RequestContext): Answer | null | 'invalid' {
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const raw = bytesBody(ctx).toString('utf8');
  const given = type === 'application/x-www-form-urlencoded' ? new URLSearchParams(raw).get('answer') : null;
  if (given === null || given === '') return null;
  return parseAnswer(given) ?? 'invalid';
}

/** Null when the request is within the limits; else the page saying when to try again (429, Retry-After). */
async function overLimit(ctx: RequestContext, token: string): Promise<Reply | null> {
  try {
    await ctx.options.rateLimiter?.verifyRequest(ctx.req, token);
    return null;
  } catch (error) {
    if (!(error instanceof HttpError) || error.status !== 429) throw error;
    const reply = page(429, 'Too many attempts', `<p>${escapeHtml(error.message)}.</p>`);
    return { ...reply, headers: { ...reply.headers, ...error.headers } };
  }
}

/** Shows the one button the link stands for; a GET changes nothing, whoever (or whatever) follows the link. */
async function getPage(ctx: RequestContext): Promise<Reply> {
  // Counted before the token is looked at, so malformed guesses spend the budget too.
  const limited = await overLimit(ctx, ctx.params['token'] ?? '');
  if (limited !== null) return limited;
  const token = tokenOf(ctx);
  const answer = answerInToken(token);
  // Not shaped like ours: refused without a store read.
  if (answer === null) return unusablePage('forged');
  return linkPage(token, await ctx.options.live.inspectVerification(token));
}

/** The signed token carries the answer; one named by the form must agree with it (the live service checks). */
async function postAnswer(ctx: RequestContext): Promise<Reply> {
  // Counted before the token is looked at, so malformed guesses spend the budget too.
  const limited = await overLimit(ctx, ctx.params['token'] ?? '');
  if (limited !== null) return limited;
  const token = tokenOf(ctx);
  const answer = submittedAnswer(ctx);
  if (answer === 'invalid') {
    return page(400, 'Answer not understood', '<p>Use the button on the previous page.</p>');
  }
  return resultPage(await ctx.options.live.answerVerification(token, answer ?? undefined));
}

const RESPONSES = {
  '200': 'HTML page',
  '400': 'HTML page: the answer is not confirmed or denied',
  '404': 'HTML page: link not valid',
  '409':
    'HTML page: link already used, or a "yes" on a case already closed (who closed it and when; nothing recorded)',
  '410': 'HTML page: link expired',
  '429':
    'HTML page: too many requests from this address or on this link (Retry-After says when to try again)',
};

export const VERIFY_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/verify/{token}',
    access: 'public',
    tag: 'verification',
    summary:
      "The owner's link: a confirmation page with a POST form. A GET never answers, because mail scanners open links.",
    produces: 'text/html',
    responses: RESPONSES,
    handle: getPage,
  },
  {
    method: 'POST',
    path: '/verify/{token}',
    access: 'public',
    tag: 'verification',
    summary:
      "Records the owner's answer signed into the token (a form field `answer`, if sent, must agree with it); single use.",
    body: { answer: 'confirmed or denied (application/x-www-form-urlencoded; optional)' },
    accepts: { kind: 'bytes', maxBytes: 4096 },
    produces: 'text/html',
    responses: RESPONSES,
    handle: postAnswer,
  },
];
