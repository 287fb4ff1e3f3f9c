// The alerts API: the filtered, sorted, paged list, one alert, its stored CloudTrail record, and bulk triage of cases.

import { z } from 'zod';
import { transitionByResponder, updateByResponder } from '../cases/index.ts';
import { alertToJson } from '../report/index.ts';
import type { AlertQuery, CaseChange, Case, StoredAlert, StoreTx } from '../store/index.ts';
import { ALERT_SORTS, CASE_STATES } from '../store/index.ts';
import type { RequestContext, Route } from './context.ts';
import { actorOf } from './context.ts';
import { HttpError } from './problem.ts';
import { iso, json } from './reply.ts';
import { bodySchema, field, querySchema } from './validate.ts';

/** Bulk triage touches at most this many cases per call: one page of the dashboard's list, with room. */
const BULK_MAX = 200;

/**
 * An alert keeps the `scan` schema under `alert`; the service's own facts sit beside it: when the event happened
 * (`eventTime`), when it was detected, its case, and the incident it belongs to (the removal's eventID, as
 * correlation set it; an alert outside any incident is its own).
 */
export function storedAlertJson(stored: StoredAlert): Record<string, unknown> {
  return {
    alert: alertToJson(stored.alert),
    eventTime: stored.alert.event.time,
    detectedAt: iso(stored.detectedAt),
    updatedAt: iso(stored.updatedAt),
    caseId: stored.caseId,
    ...(stored.caseState === undefined ? {} : { caseState: stored.caseState }),
    ...(stored.caseClassification === undefined ? {} : { caseClassification: stored.caseClassification }),
    incidentId: stored.alert.incident?.removalEventId ?? stored.alert.event.id,
  };
}

const ALERT_QUERY = querySchema(
  {
    from: field.time().describe('event time at or after (ISO 8601 or epoch ms)'),
    to: field.time().describe('event time before (ISO 8601 or epoch ms)'),
    since: field.time().describe('detected at or after (ISO 8601 or epoch ms)'),
    until: field.time().describe('detected before (ISO 8601 or epoch ms)'),
    severity: field.severity().describe('info, low, medium, high, critical'),
    classification: field
      .classification()
      .describe('rotation, approved, admin-reset, verified, suspicious, unauthorized, unresolved'),
    ruleId: field.optionalString().describe('rule id'),
    targetUser: field.optionalString().describe('IAM user name (any case)'),
    account: field.optionalString({ max: 12 }).describe('12-digit AWS account id'),
    region: field.optionalString({ max: 64 }).describe('AWS region of the event'),
    actor: field.optionalString({ max: 2048 }).describe('an ARN (exactly) or an IAM user name (any case)'),
    sourceIp: field.optionalString({ max: 128 }).describe('source IP address, exactly'),
    caseState: field
      .choice([...CASE_STATES, 'none'])
      .optional()
      .describe('open, verifying, escalated, resolved, or none (in no case)'),
    incident: field
      .optionalString({ max: 200 })
      .describe('an incident id: its removal and the alerts correlated with it'),
    sort: field
      .choice(ALERT_SORTS)
      .optional()
      .describe('detectedAt (default), eventTime or severity (then newest)'),
    order: field.choice(['asc', 'desc']).optional().describe('desc (default) or asc'),
    limit: field.integer(1, 1000).describe('1..1000, default 100'),
    cursor: field
      .optionalString({ max: 1000 })
      .describe('nextCursor of the previous page (same sort and order)'),
  },
  (given, problem) => {
    if (given.account !== undefined && !/^\d{12}$/.test(given.account))
      problem('account', 'expected a 12-digit AWS account id');
    if (given.from !== undefined && given.to !== undefined && given.from >= given.to)
      problem('from', 'must be before `to`');
    if (given.since !== undefined && given.until !== undefined && given.since >= given.until)
      problem('since', 'must be before `until`');
  },
);

/** The query string as a store query: absent values left out (exactOptionalPropertyTypes), `from`/`to` on event time. */
function alertQuery(ctx: RequestContext): AlertQuery {
  const q = ALERT_QUERY.of(ctx);
  const { from, to, classification, limit, ...rest } = q;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return {
    ...(defined as Omit<AlertQuery, 'limit' | 'classification' | 'eventFrom' | 'eventTo'>),
    limit: limit ?? 100,
    ...(from === undefined ? {} : { eventFrom: from }),
    ...(to === undefined ? {} : { eventTo: to }),
    ...(classification === undefined || classification === null ? {} : { classification }),
  };
}

async function loadAlert(ctx: RequestContext): Promise<StoredAlert> {
  const id = ctx.params['id'] ?? '';
  const stored = id === '' || id.length > 200 ? null : await ctx.options.store.getAlertWithCase(id);
  if (stored === null)
    throw new HttpError(404, 'Not found', `alert ${JSON.stringify(id.slice(0, 200))} not found`);
  return stored;
}

/**
 * The CloudTrail record as delivered, from the events the service keeps for correlation. The store finds events by
 * time window, so the alert's event is looked up in the one millisecond it happened in, then by its id.
 */
async function alertRecord(ctx: RequestContext) {
  const { alert } = await loadAlert(ctx);
  const at = Date.parse(alert.event.time);
  const events = Number.isFinite(at)
    ? await ctx.options.store.findEvents({
        fromMs: at,
        toMs: at + 1,
        names: [alert.event.name],
        ...(alert.event.account === null ? {} : { accounts: [alert.event.account] }),
      })
    : [];
  const event = events.find((e) => e.id === alert.event.id);
  if (event === undefined)
    throw new HttpError(
      404,
      'Not found',
      `the CloudTrail record of alert ${JSON.stringify(alert.id)} is not stored (events older than the retention, or from a scan, are not kept)`,
    );
  return json(200, { alertId: alert.id, eventId: event.id, record: event.raw });
}

const BULK_BODY = bodySchema(
  {
    caseIds: z
      .array(field.string({ max: 200 }), {
        error: (issue) => `expected a list of case ids, got ${typeof issue.input}`,
      })
      .min(1, { error: 'give at least one case id' })
      .max(BULK_MAX, { error: `at most ${BULK_MAX} cases per call` })
      .describe(`case ids (1..${BULK_MAX})`),
    action: field.choice(['assign', 'classify', 'resolve']).describe('assign, classify or resolve'),
    assignee: field.nullableString(200).describe('assign: a name, or null to unassign'),
    classification: field
      .classification()
      .describe(
        'classify: rotation, approved, admin-reset, verified, suspicious, unauthorized, unresolved, or null',
      ),
    note: field.optionalString({ max: 2000 }).describe('resolve: why (kept in each case’s audit log)'),
  },
  {
    check(_valid, problem, raw) {
      if (raw['action'] === 'assign' && raw['assignee'] === undefined)
        problem('assignee', 'give the assignee (a name, or null to unassign)');
      if (raw['action'] === 'classify' && raw['classification'] === undefined)
        problem('classification', 'give the classification (or null to clear it)');
      if (raw['action'] === 'resolve' && (typeof raw['note'] !== 'string' || raw['note'].trim() === ''))
        problem('note', 'say why the cases are resolved (kept in each case’s audit log)');
    },
  },
);

type BulkBody = ReturnType<typeof BULK_BODY.of>;

/** One case's change, through the case lifecycle the single-case routes use (audited there, per case). */
function applyToCase(tx: StoreTx, id: string, body: BulkBody, change: CaseChange): Promise<Case> {
  switch (body.action) {
    case 'assign':
      return updateByResponder(tx, id, { assignee: body.assignee ?? null }, change);
    case 'classify':
      return updateByResponder(tx, id, { classification: body.classification ?? null }, change);
    case 'resolve':
      return transitionByResponder(tx, id, 'resolved', change, body.note ?? '');
  }
}

async function bulkTriage(ctx: RequestContext) {
  const body = BULK_BODY.of(ctx);
  const ids = [...new Set(body.caseIds)];
  const change = { actor: actorOf(ctx), nowMs: ctx.options.now() };
  // All or nothing: a case that cannot change (unknown, already resolved) fails the call and names itself.
  const updated = await ctx.options.store.transaction(async (tx) => {
    const cases: Case[] = [];
    for (const id of ids) cases.push(await applyToCase(tx, id, body, change));
    return cases;
  });
  // A responder's classification (say, unauthorized) calls for the response its rules name, as for one case.
  if (body.action === 'classify') await ctx.options.responder?.caseChanged(ids);
  return json(200, {
    updated: updated.map((c) => ({
      id: c.id,
      state: c.state,
      classification: c.classification,
      assignee: c.assignee,
    })),
  });
}

export const ALERT_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/alerts',
    access: 'viewer',
    tag: 'alerts',
    summary:
      'Alerts, filtered and sorted on the server, paged by cursor; each keeps the `scan` schema under `alert`.',
    querySchema: ALERT_QUERY,
    responses: {
      '200':
        '{items: [{alert, eventTime, detectedAt, updatedAt, caseId, caseState, caseClassification, incidentId}], nextCursor}',
      '400': 'a parameter is not valid (named in `issues`)',
    },
    async handle(ctx) {
      const page = await ctx.options.store.listAlerts(alertQuery(ctx));
      return json(200, { items: page.items.map(storedAlertJson), nextCursor: page.nextCursor });
    },
  },
  {
    method: 'GET',
    path: '/api/alerts/{id}',
    access: 'viewer',
    tag: 'alerts',
    summary: 'One alert, with its case as it stands now (as in the list).',
    responses: {
      '200': '{alert, eventTime, detectedAt, updatedAt, caseId, caseState, caseClassification, incidentId}',
      '404': 'no such alert',
    },
    async handle(ctx) {
      return json(200, storedAlertJson(await loadAlert(ctx)));
    },
  },
  {
    method: 'GET',
    path: '/api/alerts/{id}/record',
    access: 'viewer',
    tag: 'alerts',
    summary:
      'The CloudTrail record of an alert, as delivered (attacker-controlled text: escape it where shown).',
    responses: { '200': '{alertId, eventId, record}', '404': 'no such alert, or its record is not stored' },
    handle: alertRecord,
  },
  {
    method: 'POST',
    path: '/api/cases/bulk',
    access: 'responder',
    tag: 'cases',
    summary:
      'Assigns, classifies or resolves many cases in one call, all or none; each case is audited as if changed alone.',
    bodySchema: BULK_BODY,
    accepts: { kind: 'json', maxBytes: 256 * 1024 },
    responses: {
      '200': '{updated: [{id, state, classification, assignee}]}',
      '404': 'a case does not exist (nothing changed)',
      '409': 'a case cannot be resolved from its state (nothing changed)',
    },
    handle: bulkTriage,
  },
];
