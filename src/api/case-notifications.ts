// A case's notifications for its timeline: what was sent to whom and when, never the payload (a verification request
// carries the owner's signed link).

import type { OutboxNotification } from '../store/index.ts';
import type { Route } from './context.ts';
import { HttpError } from './problem.ts';
import { iso, json } from './reply.ts';

/** A case page shows its story, not a mailbox: past this many the oldest are the ones shown. */
const MAX_PER_CASE = 500;

function titleOf(n: OutboxNotification): string | null {
  const title = (n.payload as { title?: unknown } | null)?.title;
  return typeof title === 'string' ? title.slice(0, 500) : null;
}

export const CASE_NOTIFICATION_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/cases/{id}/notifications',
    access: 'viewer',
    tag: 'cases',
    summary:
      "The case's notifications, oldest first: kind, notifier, state, attempts, title, created and sent times, last error (never the payload).",
    responses: {
      '200': '{items: [{id, kind, channel, state, attempts, title, createdAt, sentAt, lastError}]}',
    },
    async handle(ctx) {
      const id = ctx.params['id'] ?? '';
      if ((await ctx.options.store.getCase(id)) === null)
        throw new HttpError(404, 'Not found', `case ${JSON.stringify(id.slice(0, 200))} not found`);
      const items = await ctx.options.store.listCaseNotifications(id, MAX_PER_CASE);
      return json(200, {
        items: items.map((n) => ({
          id: n.id,
          kind: n.kind,
          channel: n.channel,
          state: n.state,
          attempts: n.attempts,
          title: titleOf(n),
          createdAt: iso(n.createdAt),
          sentAt: iso(n.sentAt),
          lastError: n.lastError,
        })),
      });
    },
  },
];
