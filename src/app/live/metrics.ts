// Counters of the live core (ingestion, cases, verification, outbox), kept in a prom-client registry that the HTTP
// layer exposes on /metrics.

import { Counter, Histogram, Registry } from 'prom-client';

export const LIVE_COUNTERS = {
  eventsReceived: 'Records received by the live service.',
  eventsStored: 'Events stored for the first time (new eventIDs).',
  eventsDuplicate: 'Events already stored (retries, other trails, restarts).',
  eventsIgnored: 'Events outside the MFA-relevant slice: scanned by the rules, not stored.',
  recordsRejected: 'Records that could not be read and were dead-lettered.',
  alertsRaised: 'Alerts raised for the first time.',
  alertsUpdated: 'Alerts re-triaged into a different classification, severity or score.',
  casesOpened: 'Cases opened.',
  casesAutoResolved: 'Cases closed by themselves (rotation or approved change).',
  casesEscalated: 'Cases escalated (owner said no, no answer by the deadline, no owner on record).',
  verificationsRequested: 'Owner verifications requested.',
  verificationAnswers: 'Verification links followed, whatever the result.',
  verificationRejected: 'Verification links refused (forged, expired, used or unknown).',
  notificationsQueued: 'Notifications written to the outbox (one per notifier).',
  notificationsUnrouted: 'Notifications no route sends anywhere (nothing queued).',
  outboxSent: 'Notifications delivered.',
  outboxFailed: 'Delivery attempts that failed and will be retried.',
  outboxDead: 'Notifications given up on (dead letters).',
  errors: 'Errors in the live core (ingestion, tick, outbox).',
} as const;

export type LiveCounter = keyof typeof LIVE_COUNTERS;

export interface LiveMetrics {
  inc(counter: LiveCounter, by?: number): void;
  /** The current total (synchronous: the live core and its tests read it; prom-client's own reads are async). */
  value(counter: LiveCounter): number;
  /** How long a notification waited in the outbox, from queued to taken by its receiver. */
  observeDeliveryAge(seconds: number): void;
  /** The same figures for Prometheus: the HTTP layer adds this registry to /metrics. */
  readonly registry: Registry;
}

function promName(counter: string): string {
  return `mfaguard_live_${counter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
}

/** From seconds (a prompt receiver) to a day (a receiver down overnight). */
const DELIVERY_AGE_BUCKETS = [0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

export function createLiveMetrics(): LiveMetrics {
  const registry = new Registry();
  const values = new Map<LiveCounter, number>();
  const counters = new Map(
    (Object.keys(LIVE_COUNTERS) as LiveCounter[]).map((counter) => [
      counter,
      new Counter({ name: promName(counter), help: LIVE_COUNTERS[counter], registers: [registry] }),
    ]),
  );
  const deliveryAge = new Histogram({
    name: 'mfaguard_outbox_delivery_age_seconds',
    help: 'Time from a notification queued in the outbox to its receiver taking it.',
    buckets: DELIVERY_AGE_BUCKETS,
    registers: [registry],
  });
  return {
    inc(counter, by = 1) {
      if (by === 0) return;
      values.set(counter, (values.get(counter) ?? 0) + by);
      counters.get(counter)?.inc(by);
    },
    value: (counter) => values.get(counter) ?? 0,
    observeDeliveryAge: (seconds) => deliveryAge.observe(Math.max(0, seconds)),
    registry,
  };
}
