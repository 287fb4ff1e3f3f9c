// POST /ingest/eventbridge: EventBridge events (one or an array) from an API destination, answered 2xx only once stored.

import { randomUUID } from 'node:crypto';
import { UnreadableRecord } from '../ingest/index.ts';
import type { InputIssue } from '../model/index.ts';
import { UsageError } from '../model/index.ts';
import { jsonBody } from './body.ts';
import type { RequestContext, Route } from './context.ts';
import { json } from './reply.ts';

/** More than this in one request is a misconfiguration, not a burst: EventBridge sends one event per call. */
export const MAX_EVENTS_PER_REQUEST = 10_000;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Checks the shape at the edge: every item is an EventBridge event whose `detail` is a CloudTrail record,
 * or a bare CloudTrail record. Deeper problems (a field of the wrong type) are the live service's to
 * dead-letter; what cannot be an event at all is the sender's mistake and gets a 400 naming the item.
 */
export function checkEventBatch(body: unknown): unknown[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0)
    throw new UsageError('the request body is an empty array; send one event or a non-empty array');
  if (items.length > MAX_EVENTS_PER_REQUEST) {
    throw new UsageError(`at most ${MAX_EVENTS_PER_REQUEST} events per request; got ${items.length}`);
  }
  const issues: InputIssue[] = [];
  items.forEach((item, index) => {
    const path = Array.isArray(body) ? `[${index}]` : '(body)';
    const problem = (message: string) =>
      issues.push({
        level: 'error',
        code: 'event-shape',
        location: 'body',
        index,
        path,
        message: `${path}: ${message}`,
      });
    // Refused over its bytes already (too deep, too large): the live service dead-letters it with them.
    if (item instanceof UnreadableRecord) return;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problem(`expected an EventBridge event (a JSON object), got ${describe(item)}`);
      return;
    }
    const record = item as Record<string, unknown>;
    if ('detail' in record || 'detail-type' in record) {
      const detail = record['detail'];
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        problem(`detail must be the CloudTrail record (an object), got ${describe(detail)}`);
      } else if (typeof (detail as Record<string, unknown>)['eventName'] !== 'string') {
        problem('detail.eventName is missing: the rule must match "AWS API Call via CloudTrail" events');
      }
    } else if (typeof record['eventName'] !== 'string') {
      problem('neither an EventBridge event (no detail) nor a CloudTrail record (no eventName)');
    }
  });
  if (issues.length > 0) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new UsageError(`malformed event: ${issues[0]!.message}${more}`, issues);
  }
  return items;
}

export const INGEST_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/ingest/eventbridge',
    access: 'ingest',
    tag: 'ingest',
    summary:
      'One EventBridge event or an array (CloudTrail records also accepted). Answers 202 only after the events are durably stored.',
    body: { '(event or array)': 'EventBridge "AWS API Call via CloudTrail" event(s)*' },
    // Up to the server's maxBodyBytes; items past the nesting or size limits reach the handler as their bytes.
    accepts: { kind: 'records' },
    responses: {
      '202': 'stored: {received, stored, duplicates, ignored, rejected, alerts, caseIds}',
      '401': 'wrong or missing ingest token; nothing stored',
      '413': 'body larger than the limit',
      '415': 'not application/json',
      '503': 'ingestion not configured (no MFAGUARD_INGEST_TOKEN) or the store is unavailable',
    },
    async handle(ctx: RequestContext) {
      const records = checkEventBatch(jsonBody(ctx));
      const requestId = ctx.req.headers['x-request-id'];
      const location =
        typeof requestId === 'string' && requestId !== '' ? requestId.slice(0, 100) : randomUUID();
      const outcome = await ctx.options.live.ingestRecords(records, { source: 'eventbridge', location });
      return json(202, {
        received: outcome.received,
        stored: outcome.stored,
        duplicates: outcome.duplicates,
        ignored: outcome.ignored,
        rejected: outcome.rejected.length,
        alerts: outcome.alerts.length,
        alertIds: outcome.alerts.map((alert) => alert.id),
        caseIds: outcome.caseIds,
        ...(outcome.rejected.length === 0
          ? {}
          : {
              issues: outcome.rejected
                .slice(0, 20)
                .map((issue) => ({ index: issue.index, message: issue.message })),
            }),
      });
    },
  },
];
