// Prometheus metrics: in-process counters fed by a metering wrapper around the live service, gauges read from the store at scrape time.

import type { IngestOutcome, LiveService, RecordOrigin, VerificationResponse } from '../app/index.ts';
import type { Store } from '../store/index.ts';
import { SEVERITIES } from '../model/index.ts';

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly values: Map<string, { labels: Labels; value: number }>;
}

const COUNTERS = {
  mfaguard_events_received_total: 'Records received by source.',
  mfaguard_events_stored_total: 'Events stored for the first time (new eventIDs), by source.',
  mfaguard_events_duplicate_total: 'Events already seen (retries, other trails, restarts), by source.',
  mfaguard_events_ignored_total: 'Events outside the MFA-relevant slice (scanned, not stored), by source.',
  mfaguard_events_rejected_total: 'Records that could not be read and were dead-lettered, by source.',
  mfaguard_alerts_total: 'Alerts raised for the first time, by severity.',
  mfaguard_verification_answers_total: 'Owner answers through verification links, by result.',
  mfaguard_errors_total: 'Errors by where they happened (ingest, tick, outbox, http).',
  mfaguard_http_requests_total: 'HTTP requests by route, method and status.',
} as const;

export type CounterName = keyof typeof COUNTERS;

/** A tiny registry: enough for counters with labels and an exposition in the Prometheus text format. */
export class Metrics {
  private readonly families = new Map<string, Family>();

  constructor() {
    for (const [name, help] of Object.entries(COUNTERS)) {
      this.families.set(name, { help, type: 'counter', values: new Map() });
    }
  }

  inc(name: CounterName, labels: Labels = {}, by = 1): void {
    const family = this.families.get(name);
    if (family === undefined) throw new Error(`unknown metric ${name}`);
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    const entry = family.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    family.values.set(key, entry);
  }

  /** The current value of one series (tests and health output). */
  value(name: string, labels: Labels = {}): number {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    return this.families.get(name)?.values.get(key)?.value ?? 0;
  }

  recordIngest(outcome: IngestOutcome, origin: RecordOrigin): void {
    const source = { source: origin.source };
    this.inc('mfaguard_events_received_total', source, outcome.received);
    this.inc('mfaguard_events_stored_total', source, outcome.stored);
    this.inc('mfaguard_events_duplicate_total', source, outcome.duplicates);
    this.inc('mfaguard_events_ignored_total', source, outcome.ignored);
    this.inc('mfaguard_events_rejected_total', source, outcome.rejected.length);
    for (const alert of outcome.alerts) this.inc('mfaguard_alerts_total', { severity: alert.severity });
  }

  /** Counters plus the gauges read from the store now; a store that fails shows as `mfaguard_store_up 0`. */
  async render(store: Store, nowMs: number): Promise<string> {
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const { labels, value } of family.values.values())
        lines.push(`${name}${formatLabels(labels)} ${value}`);
    }
    const gauge = (name: string, help: string, series: readonly [Labels, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [labels, value] of series) lines.push(`${name}${formatLabels(labels)} ${value}`);
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
    return lines.join('\n') + '\n';
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([key, value]) => `${key}="${escape(value)}"`).join(',')}}`;
}

/** Wraps the live service so that every source (HTTP, SQS, polling, Lambda) is counted the same way. */
export function meterLiveService(live: LiveService, metrics: Metrics): LiveService {
  const counted = async (run: () => Promise<IngestOutcome>, origin: RecordOrigin) => {
    try {
      const outcome = await run();
      metrics.recordIngest(outcome, origin);
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
