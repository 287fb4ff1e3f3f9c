// Posture over HTTP: the latest stored state of each account with its age and the facts events changed, and trends.

import type { PostureSnapshotSummary, StoredPostureSnapshot } from '../store/index.ts';
import type { Route } from './context.ts';
import { iso, json } from './reply.ts';
import { field, querySchema } from './validate.ts';
import type { Problem } from './validate.ts';

const DAY_MS = 86_400_000;
/** Failing findings listed per account; the counts cover them all. */
const MAX_LISTED_FINDINGS = 500;
const ACCOUNT_ID = /^\d{12}$/;

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}

function summaryJson(summary: PostureSnapshotSummary): Record<string, unknown> {
  return {
    id: summary.id,
    accountId: summary.accountId,
    takenAt: iso(summary.takenAt),
    source: summary.source,
    consoleUsers: summary.consoleUsers,
    consoleUsersWithMfa: summary.consoleUsersWithMfa,
    consoleMfaPercent: percent(summary.consoleUsersWithMfa, summary.consoleUsers),
    mfaEnforcedByPolicy: summary.mfaEnforcedByPolicy,
    cisScore: summary.cisScore,
  };
}

/** When the audit the state rests on collected it (event-updated states keep their audit's time). */
function auditedAt(snapshot: StoredPostureSnapshot): number | null {
  const state = snapshot.state as { collectedAt?: unknown } | null;
  const ms = typeof state?.collectedAt === 'string' ? Date.parse(state.collectedAt) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

function accountJson(
  snapshot: StoredPostureSnapshot,
  nowMs: number,
  auditError: string | null,
): Record<string, unknown> {
  const audited = auditedAt(snapshot) ?? snapshot.takenAt;
  const counts: Record<string, number> = { PASS: 0, FAIL: 0, ERROR: 0, NOT_APPLICABLE: 0 };
  for (const finding of snapshot.findings) counts[finding.status] = (counts[finding.status] ?? 0) + 1;
  const failing = snapshot.findings.filter((f) => f.status === 'FAIL' || f.status === 'ERROR');
  const since = snapshot.eventFacts.reduce<number | null>(
    (min, f) => (min === null || f.at < min ? f.at : min),
    null,
  );
  let lastAuditError: unknown = null;
  try {
    lastAuditError = auditError === null || auditError === '' ? null : (JSON.parse(auditError) as unknown);
  } catch {
    lastAuditError = { reason: auditError };
  }
  return {
    ...summaryJson(snapshot),
    ageSeconds: Math.max(0, Math.round((nowMs - snapshot.takenAt) / 1000)),
    auditedAt: iso(audited),
    auditAgeSeconds: Math.max(0, Math.round((nowMs - audited) / 1000)),
    lastAuditError,
    fromEvents: {
      since: since === null ? null : iso(since),
      facts: snapshot.eventFacts.map((f) => ({ ...f, at: iso(f.at) })),
    },
    findings: {
      counts,
      failing: failing.slice(0, MAX_LISTED_FINDINGS).map((f) => ({
        checkId: f.checkId,
        status: f.status,
        severity: f.severity,
        resource: { type: f.resource.type, name: f.resource.name, arn: f.resource.arn },
        message: f.message,
      })),
      truncated: failing.length > MAX_LISTED_FINDINGS,
    },
  };
}

const ACCOUNT = field
  .optionalString({ max: 12 })
  .describe('one 12-digit account ID (default: every account)');

function checkAccount(account: string | undefined, problem: Problem): void {
  if (account !== undefined && !ACCOUNT_ID.test(account))
    problem('account', 'expected a 12-digit account ID');
}

const POSTURE_QUERY = querySchema({ account: ACCOUNT }, (given, problem) =>
  checkAccount(given.account, problem),
);

const HISTORY_QUERY = querySchema(
  {
    from: field.time().describe('window start (ISO 8601 or epoch ms; default 90 days before `to`)'),
    to: field.time().describe('window end, exclusive (default now)'),
    account: ACCOUNT,
  },
  (given, problem, _raw, nowMs) => {
    const end = given.to ?? nowMs + 1;
    if ((given.from ?? end - 90 * DAY_MS) >= end) problem('from', 'must be before `to`');
    checkAccount(given.account, problem);
  },
);

export const POSTURE_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/posture',
    access: 'viewer',
    tag: 'posture',
    summary:
      'The latest posture of each account: figures, age, the audit it rests on, the facts CloudTrail events changed since (and from when), and the failing findings.',
    querySchema: POSTURE_QUERY,
    responses: { '200': '{now, accounts: [account posture]}', '400': 'a malformed account ID' },
    async handle(ctx) {
      const q = POSTURE_QUERY.of(ctx);
      const nowMs = ctx.options.now();
      const latest = await ctx.options.store.latestPostureSnapshots(
        q.account === undefined ? {} : { accountId: q.account },
      );
      const accounts = [];
      for (const snapshot of latest) {
        const error = await ctx.options.store.getCheckpoint(`posture:audit-error:${snapshot.accountId}`);
        accounts.push(accountJson(snapshot, nowMs, error));
      }
      return json(200, { now: iso(nowMs), accounts });
    },
  },
  {
    method: 'GET',
    path: '/api/posture/history',
    access: 'viewer',
    tag: 'posture',
    summary: 'Stored posture snapshots (audits and event-updated states), oldest first, for trends.',
    querySchema: HISTORY_QUERY,
    responses: { '200': '{from, to, items: [snapshot summary]}', '400': 'a malformed window or account' },
    async handle(ctx) {
      const q = HISTORY_QUERY.of(ctx);
      // The default end takes in a snapshot stored this very millisecond.
      const to = q.to ?? ctx.options.now() + 1;
      const from = q.from ?? to - 90 * DAY_MS;
      const items = await ctx.options.store.listPostureSnapshots({
        from,
        to,
        ...(q.account === undefined ? {} : { accountId: q.account }),
      });
      return json(200, { from: iso(from), to: iso(to), items: items.map(summaryJson) });
    },
  },
];
