// The query strings and bodies of the case, approval, KPI and outbox routes (resources.ts), as the route schemas
// fastify checks before the handlers run.

import { CASE_STATES } from '../store/index.ts';
import { bodySchema, field, querySchema } from './validate.ts';
import type { Problem } from './validate.ts';

export const DAY_MS = 86_400_000;
const DURATION = /^(\d{1,6})(m|h|d)$/;
const DURATION_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: DAY_MS };

function parseWindow(value: string | undefined, problem: Problem): number | undefined {
  if (value === undefined) return undefined;
  const match = DURATION.exec(value);
  if (match === null) {
    problem('window', `expected a duration such as 30m, 2h or 1d, got ${JSON.stringify(value.slice(0, 40))}`);
    return undefined;
  }
  return Number(match[1]) * (DURATION_MS[match[2]!] ?? 0);
}

const LIMIT = field.integer(1, 1000).describe('1..1000, default 100');

export const LIMIT_QUERY = querySchema({ limit: LIMIT });

export const CASES_QUERY = querySchema({
  state: field.choice(CASE_STATES).optional().describe('open, verifying, escalated, resolved'),
  severity: field.severity().describe('info, low, medium, high, critical'),
  assignee: field.optionalString().describe('assignee name, or `none` for unassigned'),
  limit: LIMIT,
  cursor: field.optionalString({ max: 1000 }).describe('nextCursor of the previous page'),
});

export const TRANSITION_BODY = bodySchema({
  to: field.choice(CASE_STATES).describe('open, verifying, escalated or resolved'),
  note: field.optionalString({ max: 2000 }).describe('why (kept in the audit log)'),
});

export const CASE_PATCH_BODY = bodySchema(
  {
    assignee: field.nullableString(200).describe('a name, or null to unassign'),
    severity: field.severity().describe('info, low, medium, high, critical'),
    classification: field
      .classification()
      .describe('rotation, approved, admin-reset, verified, suspicious, unauthorized, unresolved, or null'),
  },
  {
    check(_valid, problem, raw) {
      if (['assignee', 'severity', 'classification'].every((key) => raw[key] === undefined))
        problem('(body)', 'give at least one of assignee, severity, classification');
    },
  },
);

export const COMMENT_BODY = bodySchema({
  text: field.string({ required: true, max: 10_000 }).describe('the comment (up to 10 000 characters)'),
});

export const APPROVALS_QUERY = querySchema({
  active: field
    .choice(['true', 'false'])
    .optional()
    .describe('true: only approvals not revoked whose window contains now'),
});

interface ApprovalTimes {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly window?: string | undefined;
}

/** An approval's window: from `from` (default now) to `to` or `from + window`, at most 30 days, never empty. */
export function approvalWindow(
  body: ApprovalTimes,
  nowMs: number,
  problem: Problem,
): { fromMs: number; toMs: number } {
  const fromMs = body.from ?? nowMs;
  const windowMs = parseWindow(body.window, problem);
  const end = body.to ?? (windowMs === undefined ? undefined : fromMs + windowMs);
  if (end !== undefined && end <= fromMs) problem('to', 'must be after `from`');
  if (end !== undefined && end - fromMs > 30 * DAY_MS) problem('window', 'at most 30 days');
  return { fromMs, toMs: end ?? fromMs };
}

export const APPROVAL_BODY = bodySchema(
  {
    user: field.string({ required: true, max: 128 }).describe('target IAM user name'),
    ticket: field.string({ required: true, max: 200 }).describe('change ticket, e.g. CHG-123'),
    approver: field.string({ required: true, max: 200 }).describe('who approved it'),
    window: field.optionalString({ max: 20 }).describe('duration from `from`, e.g. 2h (or give `to`)'),
    from: field.time().describe('start (ISO 8601; default now)'),
    to: field.time().describe('end (ISO 8601)'),
    actor: field
      .optionalString({ max: 2048 })
      .describe('only this identity may remove the device (user name or ARN)'),
    account: field.optionalString({ max: 12 }).describe('AWS account id'),
  },
  {
    check(body, problem, _raw, nowMs) {
      if (body.account !== undefined && !/^\d{12}$/.test(body.account))
        problem('account', 'expected a 12-digit AWS account id');
      approvalWindow(body, nowMs, problem);
      // The parsed values, not the raw ones: `"window": null` is no window either, and an approval must end.
      if (body.to === undefined && body.window === undefined)
        problem('window', 'give `window` (e.g. 2h) or `to` (a date-time)');
    },
  },
);

export const KPI_QUERY = querySchema(
  {
    from: field.time().describe('window start (ISO 8601 or epoch ms; default 30 days before `to`)'),
    to: field.time().describe('window end, exclusive (default now)'),
  },
  (given, problem, _raw, nowMs) => {
    const end = given.to ?? nowMs;
    if ((given.from ?? end - 30 * DAY_MS) >= end) problem('from', 'must be before `to`');
  },
);

export const OUTBOX_QUERY = querySchema({
  state: field
    .choice(['pending', 'sent', 'dead'])
    .optional()
    .describe('pending, sent or dead (default pending)'),
  limit: LIMIT,
});
