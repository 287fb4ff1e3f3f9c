// Prometheus metrics (prom-client): counters and latency histograms fed by a metering wrapper around the live service
// and the request handler, the process's default metrics, gauges read from the store at scrape time.

import type { IngestOutcome, LiveService, RecordOrigin, VerificationResponse } from '../app/index.ts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../store/index.ts';
import { SEVERITIES } from '../model/index.ts';

type Labels = Readonly<Record<string, string>>;

const COUNTERS = {
  mfaguard_events_received_total: ['Records received by source.', ['source']],
  mfaguard_events_stored_total: ['Events stored for the first time (new eventIDs), by source.', ['source']],
  mfaguard_events_duplicate_total: [
    'Events already seen (retries, other trails, restarts), by source.',
    ['source'],
  ],
  mfaguard_events_ignored_total: [
    'Events outside the MFA-relevant slice (scanned, not stored), by source.',
    ['source'],
  ],
  mfaguard_events_rejected_total: [
    'Records that could not be read and were dead-lettered, by source.',
    ['source'],
  ],
  mfaguard_alerts_total: ['Alerts raised for the first time, by severity.', ['severity']],
  mfaguard_verification_answers_total: ['Owner answers through verification links, by result.', ['result']],
  mfaguard_errors_total: ['Errors by where they happened (ingest, tick, outbox, http).', ['where']],
  mfaguard_http_requests_total: ['HTTP requests by route, method and status.', ['method', 'route', 'status']],
} as const satisfies Record<string, readonly [string, readonly string[]]>;

export type CounterName = keyof typeof COUNTERS;

/** Request times from a millisecond (a cached page) to tens of seconds (a large upload on a slow store). */
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * prom-client keeps labels in the order given; sorted, the exposition names them alphabetically as before. Label names
 * are ASCII identifiers, so code-unit order is alphabetical order (localeCompare went through ICU, several calls per
 * request); one label needs no sorting at all.
 */
function sorted(labels: Labels): Labels {
  const names = Object.keys(labels);
  if (names.length < 2) return labels;
  const ordered: Record<string, string> = {};
  for (const name of names.sort()) ordered[name] = labels[name]!;
  return ordered;
}

/** The service's metrics on prom-client: counters, latency histograms and the process's own (CPU, memory, event loop). */
export class Metrics {
  private readonly registry = new Registry();
  private readonly counters: ReadonlyMap<CounterName, Counter>;
  private readonly requestSeconds = new Histogram({
    name: 'mfaguard_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route, method and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly ingestToAlertSeconds = new Histogram({
    name: 'mfaguard_ingest_to_alert_seconds',
    help: 'Time from a record reaching the service to its alert being stored, by severity.',
    labelNames: ['severity'],
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    this.counters = new Map(
      (Object.keys(COUNTERS) as CounterName[]).map((name) => {
        const [help, labelNames] = COUNTERS[name];
        return [name, new Counter({ name, help, labelNames, registers: [this.registry] })];
      }),
    );
    collectDefaultMetrics({ register: this.registry });
  }

  inc(name: CounterName, labels: Labels = {}, by = 1): void {
    const counter = this.counters.get(name);
    if (counter === undefined) throw new Error(`unknown metric ${name}`);
    counter.inc(sorted(labels), by);
  }

  /** The current value of one series (tests and health output). */
  async value(name: string, labels: Labels = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name);
    if (metric === undefined) return 0;
    const wanted = JSON.stringify(sorted(labels));
    const series = (await metric.get()).values.find(
      (one) => JSON.stringify(sorted(one.labels as Labels)) === wanted,
    );
    return series?.value ?? 0;
  }

  /** The time one request took, from its arrival to the last byte of the answer handed to the socket. */
  observeRequestTime(labels: Labels, seconds: number): void {
    this.requestSeconds.observe(sorted(labels), seconds);
  }

  recordIngest(outcome: IngestOutcome, origin: RecordOrigin, seconds: number): void {
    const source = { source: origin.source };
    this.inc('mfaguard_events_received_total', source, outcome.received);
    this.inc('mfaguard_events_stored_total', source, outcome.stored);
    this.inc('mfaguard_events_duplicate_total', source, outcome.duplicates);
    this.inc('mfaguard_events_ignored_total', source, outcome.ignored);
    this.inc('mfaguard_events_rejected_total', source, outcome.rejected.length);
    for (const alert of outcome.alerts) {
      this.inc('mfaguard_alerts_total', { severity: alert.severity });
      this.ingestToAlertSeconds.observe({ severity: alert.severity }, seconds);
    }
  }

  /** Everything, plus the gauges read from the store now; a store that fails shows as `mfaguard_store_up 0` alone. */
  async render(store: Store, nowMs: number): Promise<string> {
    const scrape = new Registry();
    const gauge = (name: string, help: string, series: readonly [Labels, number][]) => {
      const labelNames = [...new Set(series.flatMap(([labels]) => Object.keys(labels)))];
      const metric = new Gauge({ name, help, labelNames, registers: [scrape] });
      for (const [labels, value] of series) metric.set(sorted(labels), value);
    };
    try {
      const depth = await store.outboxDepth();
      const kpis = await store.kpiSnapshot({ fromMs: nowMs, toMs: nowMs + 1 });
      gauge('mfaguard_store_up', 'Whether the store answered this scrape.', [[{ kind: store.kind }, 1]]);
      gauge(
        'mfaguard_cases_open',
        'Cases not resolved, by severity.',
        SEVERITIES.map((severity) => [{ severity }, kpis.openCasesBySeverity[severity]]),
      );
      gauge('mfaguard_outbox_pending', 'Notifications not yet sent.', [[{}, depth.pending]]);
      gauge('mfaguard_outbox_dead', 'Notifications given up on (dead letters).', [[{}, depth.dead]]);
      gauge('mfaguard_outbox_lag_seconds', 'Age of the oldest due notification not yet sent.', [
        [{}, depth.oldestPendingAt === null ? 0 : Math.max(0, (nowMs - depth.oldestPendingAt) / 1000)],
      ]);
    } catch {
      gauge('mfaguard_store_up', 'Whether the store answered this scrape.', [[{ kind: store.kind }, 0]]);
    }
    const parts = await Promise.all([this.registry, scrape].map((registry) => registry.metrics()));
    return parts.map((part) => (part === '' || part.endsWith('\n') ? part : `${part}\n`)).join('');
  }
}

/** Wraps the live service so that every source (HTTP, SQS, polling, Lambda) is counted the same way. */
export function meterLiveService(live: LiveService, metrics: Metrics): LiveService {
  const counted = async (run: () => Promise<IngestOutcome>, origin: RecordOrigin) => {
    const started = performance.now();
    try {
      const outcome = await run();
      metrics.recordIngest(outcome, origin, (performance.now() - started) / 1000);
      return outcome;
    } catch (error) {
      metrics.inc('mfaguard_errors_total', { where: 'ingest' });
      throw error;
    }
  };
  return {
    ingestRecords: (records, origin) => counted(() => live.ingestRecords(records, origin), origin),
    ingestBytes: (data, origin) => counted(() => live.ingestBytes(data, origin), origin),
    async answerVerification(token, answer): Promise<VerificationResponse> {
      const response = await live.answerVerification(token, answer);
      metrics.inc('mfaguard_verification_answers_total', {
        result: response.ok ? response.answer : response.reason,
      });
      return response;
    },
    inspectVerification: (token) => live.inspectVerification(token),
    async tick() {
      try {
        await live.tick();
      } catch (error) {
        metrics.inc('mfaguard_errors_total', { where: 'tick' });
        throw error;
      }
    },
  };
}
