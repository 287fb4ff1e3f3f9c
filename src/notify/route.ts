// Which notifiers a notification goes to: the routes of the configuration, matched on severity, classification and kind.

import { severityRank } from '../model/index.ts';
import type { Route } from './config.ts';
import type { Notification } from './notification.ts';

export function routeMatches(n: Notification, route: Route): boolean {
  if (severityRank(n.severity) < severityRank(route.minSeverity)) return false;
  if (
    route.classifications !== null &&
    (n.classification === null || !route.classifications.includes(n.classification))
  ) {
    return false;
  }
  return route.kinds === null || route.kinds.includes(n.kind);
}

/**
 * The ids of the notifiers every matching route names, each once, in the order routes are written: the
 * outbox creates one delivery per id, so a notifier named by two routes still sends one message.
 */
export function routeNotification(n: Notification, routes: readonly Route[]): string[] {
  const ids: string[] = [];
  for (const route of routes) {
    if (!routeMatches(n, route)) continue;
    for (const id of route.notify) if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}
