// Server settings: a custom ingest header (EventBridge API-key connections), ingestion off, public metrics, a store that is down.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, DEFAULT_SERVE_CONFIG } from '../app/index.ts';
import type { ServeConfig } from '../app/index.ts';
import { createHttpDoor } from './serve.ts';
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

describe('the HTTP door’s connection settings', () => {
  /** Opens the door with `http` settings through a createServer that hands the real server back to the test. */
  async function doorWith(http: Partial<ServeConfig['http']> | undefined) {
    let server: Server | undefined;
    let listenArgs: unknown;
    const create = ((...args: Parameters<typeof createServer>) => {
      server = createServer(...args);
      const listen = server.listen.bind(server) as (...a: unknown[]) => Server;
      server.listen = ((...a: unknown[]) => ((listenArgs = a[0]), listen(...a))) as typeof server.listen;
      return server;
    }) as typeof createServer;
    const config =
      http === undefined
        ? undefined
        : {
            ...DEFAULT_CONFIG,
            serve: { ...DEFAULT_SERVE_CONFIG, http: { ...DEFAULT_SERVE_CONFIG.http, ...http } },
          };
    const door = createHttpDoor(
      {
        storeUrl: 'sqlite::memory:',
        host: '127.0.0.1',
        port: 0,
        env: {},
        ...(config === undefined ? {} : { config }),
      },
      create,
    );
    const address = await door.listen();
    return { server: server!, listenArgs, address, close: () => door.close() };
  }

  it('keeps idle connections longer than a load balancer and queues more than Node’s 511 by default', async () => {
    const door = await doorWith(undefined);
    try {
      assert.equal(door.server.keepAliveTimeout, 65_000);
      assert.equal(door.server.headersTimeout, 20_000);
      assert.equal(door.server.requestTimeout, 60_000);
      assert.deepEqual(door.listenArgs, { port: 0, host: '127.0.0.1', backlog: 2048 });
      assert.ok(door.address.port > 0);
    } finally {
      await door.close();
    }
  });

  it('takes the configured backlog and timeouts', async () => {
    const door = await doorWith({
      listenBacklog: 4096,
      keepAliveTimeoutMs: 75_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
    });
    try {
      assert.equal(door.server.keepAliveTimeout, 75_000);
      assert.equal(door.server.headersTimeout, 10_000);
      assert.equal(door.server.requestTimeout, 30_000);
      assert.equal((door.listenArgs as { backlog: number }).backlog, 4096);
    } finally {
      await door.close();
    }
  });
});
