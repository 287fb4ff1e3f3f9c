// Counters of the live core (ingestion, cases, verification, outbox), for the HTTP layer to expose as Prometheus metrics.

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

export interface LiveMetricSample {
  /** Prometheus name, e.g. `mfaguard_live_events_received_total`. */
  readonly name: string;
  readonly help: string;
  readonly type: 'counter';
  readonly value: number;
}

export interface LiveMetrics {
  inc(counter: LiveCounter, by?: number): void;
  value(counter: LiveCounter): number;
  /** Every counter, zeros included, in a stable order. */
  snapshot(): LiveMetricSample[];
}

function promName(counter: string): string {
  return `mfaguard_live_${counter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
}

export function createLiveMetrics(): LiveMetrics {
  const values = new Map<LiveCounter, number>();
  return {
    inc(counter, by = 1) {
      if (by !== 0) values.set(counter, (values.get(counter) ?? 0) + by);
    },
    value: (counter) => values.get(counter) ?? 0,
    snapshot: () =>
      (Object.keys(LIVE_COUNTERS) as LiveCounter[]).map((counter) => ({
        name: promName(counter),
        help: LIVE_COUNTERS[counter],
        type: 'counter' as const,
        value: values.get(counter) ?? 0,
      })),
  };
}

/** The Prometheus text exposition of a snapshot (no labels: these are process totals). */
export function formatLiveMetrics(samples: readonly LiveMetricSample[]): string {
  return samples
    .map(
      (sample) =>
        `# HELP ${sample.name} ${sample.help}\n# TYPE ${sample.name} counter\n${sample.name} ${sample.value}\n`,
    )
    .join('');
}
