import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLiveMetrics } from '../app/live/index.ts';
import type { IngestOutcome } from '../app/index.ts';
import type { Store } from '../store/index.ts';
import { Metrics, meterLiveService } from './metrics.ts';
import { auth, fakeLive, sampleAlert, startHarness } from './test-support/harness.ts';

/** Every sample line of an exposition: `name{labels} value`. */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('metrics', () => {
  it('times each request by route, method and status, next to the process metrics', async () => {
    const h = await startHarness();
    try {
      assert.equal((await fetch(`${h.base}/healthz`)).status, 200);
      const text = await (await fetch(`${h.base}/metrics`, { headers: auth(h.tokens.viewer) })).text();
      assert.match(text, /# TYPE mfaguard_http_request_duration_seconds histogram/);
      assert.match(
        text,
        /mfaguard_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1\n/,
      );
      assert.match(
        text,
        /mfaguard_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/healthz",status="200"\} 1\n/,
      );
      assert.match(text, /^process_cpu_user_seconds_total \d/m);
      assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
      for (const line of samples(text))
        assert.match(line, /^[a-z_:][a-z0-9_:]*(\{.*\})? -?[\d.e+-]+$|NaN$/i, line);
    } finally {
      await h.close();
    }
  });

  it('observes ingest-to-alert time per alert, by severity, and counts what came in', async () => {
    const metrics = new Metrics();
    const fake = fakeLive();
    const alert = sampleAlert();
    const live = meterLiveService(
      {
        ...fake,
        ingestRecords: (records): Promise<IngestOutcome> =>
          Promise.resolve({
            received: records.length,
            stored: 1,
            duplicates: 0,
            ignored: 0,
            rejected: [],
            alerts: [alert],
            caseIds: [],
          }),
      },
      metrics,
    );
    await live.ingestRecords([{}], { source: 'sqs', location: 'm-1' });
    assert.equal(await metrics.value('mfaguard_events_received_total', { source: 'sqs' }), 1);
    assert.equal(await metrics.value('mfaguard_alerts_total', { severity: alert.severity }), 1);
    const failing = { store: { kind: 'sqlite', outboxDepth: () => Promise.reject(new Error('down')) } };
    const text = await metrics.render(failing.store as unknown as Store, 0);
    assert.match(
      text,
      new RegExp(`mfaguard_ingest_to_alert_seconds_count\\{severity="${alert.severity}"\\} 1\\n`),
    );
    // A store that does not answer shows as down, without gauges that would read as zeros.
    assert.match(text, /mfaguard_store_up\{kind="sqlite"\} 0/);
    assert.doesNotMatch(text, /mfaguard_outbox_pending|mfaguard_cases_open/);
  });

  it('keeps the live core counters and the outbox delivery age in a registry of their own', async () => {
    const live = createLiveMetrics();
    live.inc('outboxSent');
    live.inc('outboxSent', 2);
    live.observeDeliveryAge(42);
    assert.equal(live.value('outboxSent'), 3);
    const text = await live.registry.metrics();
    assert.match(text, /^mfaguard_live_outbox_sent_total 3$/m);
    assert.match(text, /^mfaguard_live_cases_opened_total 0$/m);
    assert.match(text, /^mfaguard_outbox_delivery_age_seconds_bucket\{le="60"\} 1$/m);
    assert.match(text, /^mfaguard_outbox_delivery_age_seconds_bucket\{le="15"\} 0$/m);
    assert.match(text, /^mfaguard_outbox_delivery_age_seconds_sum 42$/m);
  });
});
