// Notifications routed and queued in the caller's transaction (what to tell whom is decided in cases/case-notifications.ts).

import type { Notification, Route } from '../../notify/index.ts';
import { routeNotification } from '../../notify/index.ts';
import type { StoreTx } from '../../store/index.ts';

export interface NotificationContext {
  readonly routes: readonly Route[];
  readonly publicUrl: string;
}

/** `@` separates the logical message from the notifier: each notifier gets its own outbox row and retries. */
export function deliveryKey(dedupeKey: string, notifierId: string): string {
  return `${dedupeKey}@${notifierId}`;
}

/**
 * Routes `n` and writes one outbox row per notifier, inside `tx` (the transaction of the change it announces).
 * Returns the notifier ids; none when no route matches (the caller counts and logs that).
 */
export async function queueNotification(
  tx: StoreTx,
  n: Notification,
  context: NotificationContext,
  nowMs: number,
): Promise<{ readonly queued: number; readonly notifiers: readonly string[] }> {
  const ids = routeNotification(n, context.routes);
  let queued = 0;
  for (const id of ids) {
    const result = await tx.enqueueNotification({
      kind: n.kind,
      channel: id,
      payload: n,
      dedupeKey: deliveryKey(n.dedupeKey, id),
      nowMs,
    });
    if (result.created) queued++;
  }
  return { queued, notifiers: ids };
}
