// Server settings: a custom ingest header (EventBridge API-key connections), ingestion off, public metrics, a store that is down.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INGEST_TOKEN, JSON_HEADERS, NOW, startHarness } from './test-support/harness.ts';

const EVENT = {
  detail: { eventName: 'DeactivateMFADevice', eventID: 'e-9' },
  'detail-type': 'AWS API Call via CloudTrail',
};

describe('api server options', () => {
  it('takes the ingest token from a configured header, raw or with Bearer, and not from Authorization', async () => {
    const h = await startHarness({ ingestHeader: 'x-mfaguard-api-key' });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${h.base}/ingest/eventbridge`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, ...headers },
          body: JSON.stringify(EVENT),
        });
      assert.equal((await post({ 'x-mfaguard-api-key': INGEST_TOKEN })).status, 202);
      assert.equal((await post({ 'X-Mfaguard-Api-Key': `Bearer ${INGEST_TOKEN}` })).status, 202);
      assert.equal((await post({ authorization: `Bearer ${INGEST_TOKEN}` })).status, 401);
      assert.equal((await post({ 'x-mfaguard-api-key': 'wrong' })).status, 401);
      assert.equal(h.live.ingested.length, 2);
    } finally {
      await h.close();
    }
  });

  it('answers 503 on ingestion when no ingest token is configured, storing nothing', async () => {
    const h = await startHarness({ ingestToken: null });
    try {
      const response = await fetch(`${h.base}/ingest/eventbridge`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, authorization: `Bearer ${INGEST_TOKEN}` },
        body: JSON.stringify(EVENT),
      });
      assert.equal(response.status, 503);
      assert.match(((await response.json()) as { detail: string }).detail, /MFAGUARD_INGEST_TOKEN/);
      assert.equal(h.live.ingested.length, 0);
    } finally {
      await h.close();
    }
  });

  it('serves /metrics without a token when configured public, and appends the live core metrics', async () => {
    const h = await startHarness({
      metricsPublic: true,
      extraMetrics: () => '# TYPE mfaguard_live_x_total counter\nmfaguard_live_x_total 3',
    });
    try {
      const response = await fetch(`${h.base}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(await response.text(), /mfaguard_live_x_total 3\n$/);
      // Data stays behind a token.
      assert.equal((await fetch(`${h.base}/api/alerts`)).status, 401);
    } finally {
      await h.close();
    }
  });

  it('stays alive on /healthz, answers 503 on /readyz and maps store errors on the API to 503', async () => {
    const h = await startHarness();
    try {
      const ready = await fetch(`${h.base}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(await h.store.getCheckpoint('serve:readyz'), new Date(NOW).toISOString(), 'a real write');
      await h.store.close();
      const health = await fetch(`${h.base}/healthz`);
      assert.equal(health.status, 200, 'liveness does not depend on the database');
      assert.deepEqual(await health.json(), {
        status: 'degraded',
        store: 'unavailable',
        version: '0.0.0-test',
      });
      const notReady = await fetch(`${h.base}/readyz`);
      assert.equal(notReady.status, 503);
      assert.equal(notReady.headers.get('retry-after'), '5');
      assert.equal(((await notReady.json()) as { status: string }).status, 'not-ready');
      const api = await fetch(`${h.base}/api/alerts`, {
        headers: { authorization: `Bearer ${h.tokens.viewer}` },
      });
      assert.equal(api.status, 503);
      assert.equal(api.headers.get('retry-after'), '5');
    } finally {
      await h.close();
    }
  });
});
