import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleNotification } from '../../test-support/fixtures.ts';
import { NOW_MS, WEBHOOK_SECRET, testDeps } from '../../test-support/harness-kit.ts';
import { webhookConfig } from './test-support/harness.ts';
import { startHttpReceiver } from '../../test-support/http-receiver.ts';
import { signWebhookBody, verifyWebhookSignature } from './signature.ts';
import { createWebhookNotifier } from './webhook.ts';

describe('webhook notifier', () => {
  it('POSTs {version, notification} signed over timestamp.body', async () => {
    const receiver = await startHttpReceiver();
    try {
      const n = sampleNotification();
      const result = await createWebhookNotifier(webhookConfig(receiver.url), testDeps()).send(n);
      assert.deepEqual(result, { ok: true, detail: 'HTTP 200' });
      const [request] = receiver.requests;
      assert.ok(request !== undefined);
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/hook');
      assert.equal(request.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(request.headers['x-mfaguard-timestamp'], String(NOW_MS / 1000));
      assert.equal(request.headers['x-mfaguard-delivery'], 'case-opened:case-42');
      assert.equal(request.headers['x-mfaguard-event'], 'case-opened');
      assert.equal(
        request.headers['x-mfaguard-signature'],
        signWebhookBody(request.body, NOW_MS / 1000, WEBHOOK_SECRET),
      );
      assert.match(String(request.headers['x-mfaguard-signature']), /^sha256=[0-9a-f]{64}$/);
      assert.deepEqual(JSON.parse(request.body), { version: 1, notification: n });
    } finally {
      await receiver.close();
    }
  });

  it('passes Retry-After of a 429 on, in milliseconds (seconds and HTTP-date forms)', async () => {
    const receiver = await startHttpReceiver();
    try {
      receiver.script.push({ status: 429, headers: { 'retry-after': '120' } });
      receiver.script.push({
        status: 503,
        headers: { 'retry-after': new Date(NOW_MS + 45_000).toUTCString() },
      });
      const notifier = createWebhookNotifier(webhookConfig(receiver.url), testDeps());
      const first = await notifier.send(sampleNotification());
      assert.deepEqual(first, {
        ok: false,
        retryable: true,
        error: `webhook 'hook' at http://127.0.0.1:${receiver.port}: HTTP 429`,
        retryAfterMs: 120_000,
      });
      const second = await notifier.send(sampleNotification());
      assert.equal(!second.ok && second.retryAfterMs, 45_000);
    } finally {
      await receiver.close();
    }
  });

  it('quotes a 4xx body in the error, one line and log-safe', async () => {
    const receiver = await startHttpReceiver({ status: 422, body: 'bad\nfield \u001b[31m' });
    try {
      const result = await createWebhookNotifier(webhookConfig(receiver.url), testDeps()).send(
        sampleNotification(),
      );
      assert.deepEqual(result, {
        ok: false,
        retryable: false,
        error: `webhook 'hook' at http://127.0.0.1:${receiver.port}: HTTP 422: bad\\nfield \\u001b[31m`,
      });
    } finally {
      await receiver.close();
    }
  });

  it('does not follow redirects (the signed body would go somewhere nobody configured)', async () => {
    const receiver = await startHttpReceiver({
      status: 302,
      headers: { location: 'http://127.0.0.1:1/elsewhere' },
    });
    try {
      const result = await createWebhookNotifier(webhookConfig(receiver.url), testDeps()).send(
        sampleNotification(),
      );
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.retryable, false);
      assert.match(!result.ok ? result.error : '', /HTTP 302 redirect not followed/);
      assert.equal(receiver.requests.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('times out a receiver that never answers, retryably', async () => {
    const receiver = await startHttpReceiver('hang');
    try {
      const notifier = createWebhookNotifier(webhookConfig(receiver.url, { timeoutMs: 150 }), testDeps());
      const result = await notifier.send(sampleNotification());
      assert.deepEqual(result, {
        ok: false,
        retryable: true,
        error: `webhook 'hook' at http://127.0.0.1:${receiver.port}: no answer within 150 ms (timeout)`,
      });
    } finally {
      await receiver.close();
    }
  });

  it('stops when the caller aborts (shutdown), retryably', async () => {
    const receiver = await startHttpReceiver('hang');
    try {
      const controller = new AbortController();
      const pending = createWebhookNotifier(webhookConfig(receiver.url), testDeps()).send(
        sampleNotification(),
        controller.signal,
      );
      setTimeout(() => controller.abort(), 50);
      const result = await pending;
      assert.deepEqual(result, {
        ok: false,
        retryable: true,
        error: `webhook 'hook' at http://127.0.0.1:${receiver.port}: cancelled before an answer arrived`,
      });
    } finally {
      await receiver.close();
    }
  });

  it('leaves out the owner links unless verificationLinks is set', async () => {
    const receiver = await startHttpReceiver();
    try {
      const n = sampleNotification({
        kind: 'verification-request',
        links: { case: 'https://x.example/c', confirm: 'https://x.example/y', deny: 'https://x.example/n' },
      });
      await createWebhookNotifier(webhookConfig(receiver.url), testDeps()).send(n);
      await createWebhookNotifier(webhookConfig(receiver.url, { verificationLinks: true }), testDeps()).send(
        n,
      );
      const [without, withLinks] = receiver.requests.map(
        (r) => (JSON.parse(r.body) as { notification: { links: unknown } }).notification.links,
      );
      assert.deepEqual(without, { case: 'https://x.example/c' });
      assert.deepEqual(withLinks, n.links);
    } finally {
      await receiver.close();
    }
  });

  it('refuses to start without its secret', () => {
    assert.throws(
      () => createWebhookNotifier(webhookConfig('http://127.0.0.1:1/'), { env: {}, now: () => 0 }),
      /environment variable WEBHOOK_SECRET is not set/,
    );
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"version":1,"notification":{}}';
  const ts = 1_760_000_000;
  const headers = {
    'X-Mfaguard-Timestamp': String(ts),
    'X-Mfaguard-Signature': signWebhookBody(body, ts, 'secret-1'),
  };
  const now = ts * 1000 + 1000;

  it('accepts the exact body, from a record or a Headers object, with any rotated secret', () => {
    assert.deepEqual(verifyWebhookSignature(body, headers, 'secret-1', now), { ok: true });
    assert.deepEqual(
      verifyWebhookSignature(Buffer.from(body), new Headers(headers), ['old', 'secret-1'], now),
      { ok: true },
    );
    const lower = {
      'x-mfaguard-timestamp': [String(ts)],
      'x-mfaguard-signature': `sha256=00, ${headers['X-Mfaguard-Signature']}`,
    };
    assert.deepEqual(verifyWebhookSignature(body, lower, 'secret-1', now), { ok: true });
  });

  it('rejects a changed body, a wrong secret, a replay outside the tolerance and missing headers', () => {
    assert.deepEqual(verifyWebhookSignature(`${body} `, headers, 'secret-1', now), {
      ok: false,
      reason: 'signature does not match the body',
    });
    assert.deepEqual(verifyWebhookSignature(body, headers, 'secret-2', now), {
      ok: false,
      reason: 'signature does not match the body',
    });
    assert.deepEqual(verifyWebhookSignature(body, headers, 'secret-1', now + 10 * 60_000), {
      ok: false,
      reason: 'X-Mfaguard-Timestamp is outside the tolerance (replayed or clock skew)',
    });
    // A fresh timestamp with the old signature fails: the timestamp is signed with the body.
    const moved = { ...headers, 'X-Mfaguard-Timestamp': String(ts + 600) };
    assert.deepEqual(verifyWebhookSignature(body, moved, 'secret-1', (ts + 600) * 1000), {
      ok: false,
      reason: 'signature does not match the body',
    });
    assert.deepEqual(verifyWebhookSignature(body, {}, 'secret-1', now), {
      ok: false,
      reason: 'missing X-Mfaguard-Timestamp header',
    });
    assert.deepEqual(verifyWebhookSignature(body, { 'X-Mfaguard-Timestamp': 'soon' }, 'secret-1', now), {
      ok: false,
      reason: 'X-Mfaguard-Timestamp is not Unix seconds',
    });
    assert.deepEqual(
      verifyWebhookSignature(
        body,
        { 'X-Mfaguard-Timestamp': String(ts), 'X-Mfaguard-Signature': 'md5=abc' },
        'secret-1',
        now,
      ),
      { ok: false, reason: 'missing or malformed X-Mfaguard-Signature header' },
    );
    assert.deepEqual(verifyWebhookSignature(body, headers, '', now), {
      ok: false,
      reason: 'signature does not match the body',
    });
  });
});
