// The HTTP layer's edges on fastify: per-route body limits, bodies a route does not read, content types, HEAD.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Harness } from './test-support/harness.ts';
import { auth, INGEST_TOKEN, JSON_HEADERS, startHarness } from './test-support/harness.ts';

describe('http edges', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('limits each route to the body it declares: 413 naming that limit, not the server-wide one', async () => {
    const response = await fetch(`${h.base}/verify/x.y`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `answer=${'d'.repeat(5000)}`,
    });
    assert.equal(response.status, 413);
    assert.match(((await response.json()) as { detail: string }).detail, /limit of 4096 bytes/);
  });

  it('never parses a body the route does not read: malformed JSON on a bodyless action is ignored', async () => {
    const response = await fetch(`${h.base}/api/outbox/999/retry`, {
      method: 'POST',
      headers: auth(h.tokens.admin, JSON_HEADERS),
      body: '{"not json',
    });
    assert.equal(response.status, 404);
  });

  it('asks for JSON (415) before saying a JSON route got no body, and 400 once the type is right', async () => {
    const none = await fetch(`${h.base}/api/tokens`, { method: 'POST', headers: auth(h.tokens.admin) });
    assert.equal(none.status, 415);
    const empty = await fetch(`${h.base}/api/tokens`, {
      method: 'POST',
      headers: auth(h.tokens.admin, JSON_HEADERS),
    });
    assert.equal(empty.status, 400);
    assert.match(((await empty.json()) as { detail: string }).detail, /body is empty/);
  });

  it('refuses JSON nested past the limit before parsing it', async () => {
    const response = await fetch(`${h.base}/api/tokens`, {
      method: 'POST',
      headers: auth(h.tokens.admin, JSON_HEADERS),
      body: '['.repeat(10_000) + ']'.repeat(10_000),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { detail: string }).detail, /nests 10000 levels deep/);
  });

  it('answers HEAD like GET without a body, with the security headers', async () => {
    const head = await fetch(`${h.base}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('x-frame-options'), 'DENY');
    assert.ok(Number(head.headers.get('content-length')) > 0);
    assert.equal(await head.text(), '');
  });

  it('answers 404 for a path whose encoding is broken, as for any unknown path', async () => {
    const response = await fetch(`${h.base}/api/cases/%E0%A4%A`, { headers: auth(h.tokens.viewer) });
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('refuses a JSON route a body of another type (415), whatever its size, and takes any +json type', async () => {
    const plain = await fetch(`${h.base}/api/tokens`, {
      method: 'POST',
      headers: auth(h.tokens.admin, { 'content-type': 'text/plain' }),
      body: JSON.stringify({ name: 'looks like json' }),
    });
    assert.equal(plain.status, 415);
    assert.match(((await plain.json()) as { detail: string }).detail, /application\/json; got text\/plain/);
    const tokens = (await (
      await fetch(`${h.base}/api/tokens`, { headers: auth(h.tokens.admin) })
    ).json()) as {
      items: { name: string }[];
    };
    assert.ok(!tokens.items.some((token) => token.name === 'looks like json'), 'nothing was created');
    const merge = await fetch(`${h.base}/api/cases/no-such-case`, {
      method: 'PATCH',
      headers: auth(h.tokens.responder, { 'content-type': 'application/merge-patch+json; charset=utf-8' }),
      body: JSON.stringify({ severity: 'high' }),
    });
    assert.equal(merge.status, 404, 'read as JSON, checked, then the case was looked for');
  });

  it('gives ingestion the server-wide limit and each API route its own', async () => {
    const small = await startHarness({ maxBodyBytes: 32 * 1024 });
    try {
      const post = (path: string, token: string, bytes: number) =>
        fetch(`${small.base}${path}`, {
          method: 'POST',
          headers: auth(token, JSON_HEADERS),
          body: JSON.stringify({ padding: 'x'.repeat(bytes) }),
        });
      const ingest = await post('/ingest/eventbridge', INGEST_TOKEN, 40 * 1024);
      assert.equal(ingest.status, 413);
      assert.match(((await ingest.json()) as { detail: string }).detail, /limit of 32768 bytes/);
      // Over the server's 32 KiB but under the route's own 64 KiB: read, then refused for its fields (400).
      assert.equal((await post('/api/tokens', small.tokens.admin, 40 * 1024)).status, 400);
      const tokens = await post('/api/tokens', small.tokens.admin, 100 * 1024);
      assert.equal(tokens.status, 413);
      assert.match(((await tokens.json()) as { detail: string }).detail, /limit of 65536 bytes/);
      // Bulk triage carries up to 200 case ids: 256 KiB.
      assert.equal((await post('/api/cases/bulk', small.tokens.responder, 100 * 1024)).status, 400);
    } finally {
      await small.close();
    }
  });
});
