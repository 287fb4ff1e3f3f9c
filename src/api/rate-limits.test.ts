// Rate limits at the edge (verification links, failed ingest and API tokens: 429 with Retry-After) and uploads the
// client aborts (a client error in the log, no stack trace, not counted as a service error).

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { createRateLimiter, DEFAULT_RATE_LIMITS } from './rate-limits.ts';
import type { RateLimitSettings } from './rate-limits.ts';
import { INGEST_TOKEN, JSON_HEADERS, startHarness } from './test-support/harness.ts';
import { testSignIn } from './test-support/sign-in.ts';

const SMALL: RateLimitSettings = {
  verifyPerAddress: { points: 4, seconds: 600 },
  verifyPerToken: { points: 2, seconds: 600 },
  ingestFailuresPerAddress: { points: 2, seconds: 600 },
  apiFailuresPerAddress: { points: 3, seconds: 600 },
  apiFailuresPerToken: { points: 2, seconds: 600 },
};

const FAKE_LINK = `${Buffer.from(JSON.stringify({ v: 'n', answer: 'denied', exp: 1 })).toString('base64url')}.sig`;

describe('rate limits', () => {
  it('verification pages: per link, then per address; 429 as an HTML page with Retry-After', async () => {
    const h = await startHarness({ rateLimiter: createRateLimiter(SMALL) });
    try {
      const get = (token: string) => fetch(`${h.base}/verify/${token}`);
      assert.equal((await get(`${FAKE_LINK}1`)).status, 200);
      assert.equal((await get(`${FAKE_LINK}1`)).status, 200);
      const perLink = await get(`${FAKE_LINK}1`);
      assert.equal(perLink.status, 429, 'a third try on the same link');
      assert.match(perLink.headers.get('content-type') ?? '', /text\/html/);
      assert.ok(Number(perLink.headers.get('retry-after')) > 0);
      assert.match(await perLink.text(), /too many attempts on this verification link/);
      // The address has used 3 of 4: one more link works, then the address is over its budget.
      assert.equal((await get(`${FAKE_LINK}2`)).status, 200);
      const perAddress = await fetch(`${h.base}/verify/${FAKE_LINK}3`, { method: 'POST' });
      assert.equal(perAddress.status, 429);
      assert.match(await perAddress.text(), /from this address/);
      assert.equal(h.live.answers.length, 0, 'the refused POST never reached the live service');
    } finally {
      await h.close();
    }
  });

  it('guessed session cookies count against the address like guessed tokens', async () => {
    let base = '';
    const h = await startHarness({ rateLimiter: createRateLimiter(SMALL), signIn: testSignIn(() => base) });
    base = h.base;
    try {
      const guess = (n: number) =>
        fetch(`${h.base}/api/whoami`, { headers: { cookie: `mfaguard-session=mfg_guess-${n}` } });
      for (const n of [1, 2, 3]) assert.equal((await guess(n)).status, 401);
      const blocked = await guess(4);
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    } finally {
      await h.close();
    }
  });

  it('failed ingest tokens: after the budget, even the right token gets 429 from that address', async () => {
    const h = await startHarness({ rateLimiter: createRateLimiter(SMALL) });
    try {
      const post = (token: string | null) =>
        fetch(`${h.base}/ingest/eventbridge`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
          body: JSON.stringify({ eventName: 'X' }),
        });
      assert.equal((await post(null)).status, 401, 'no token is not a guess and is not counted');
      assert.equal((await post(null)).status, 401);
      assert.equal((await post(INGEST_TOKEN)).status, 202);
      assert.equal((await post('wrong-1')).status, 401);
      assert.equal((await post('wrong-2')).status, 401);
      const blocked = await post(INGEST_TOKEN);
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
      assert.equal(h.live.ingested.length, 1, 'nothing was ingested while blocked');
    } finally {
      await h.close();
    }
  });

  it('failed API tokens: per token, then per address', async () => {
    const h = await startHarness({ rateLimiter: createRateLimiter(SMALL) });
    try {
      const get = (token: string) =>
        fetch(`${h.base}/api/alerts`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await get('guess-a')).status, 401);
      assert.equal((await get('guess-a')).status, 401);
      const sameToken = await get('guess-a');
      assert.equal(sameToken.status, 429, 'the same wrong token a third time');
      assert.equal((await get(h.tokens.viewer)).status, 200, 'the address still has budget left');
      assert.equal((await get('guess-b')).status, 401);
      const address = await get(h.tokens.viewer);
      assert.equal(address.status, 429, 'three failures from this address');
      assert.equal(((await address.json()) as { status: number }).status, 429);
      assert.equal(await h.metrics.value('mfaguard_errors_total', { where: 'http' }), 0);
    } finally {
      await h.close();
    }
  });

  it('has defaults that a person can live with', () => {
    assert.ok(DEFAULT_RATE_LIMITS.verifyPerToken.points >= 5);
    assert.ok(DEFAULT_RATE_LIMITS.apiFailuresPerAddress.points >= 10);
  });
});

describe('aborted uploads', () => {
  it('a client closing mid-upload to /verify is a client error: logged without a stack, not counted', async () => {
    const errors: string[] = [];
    const clientErrors: string[] = [];
    let heard: () => void = () => undefined;
    const logged = new Promise<void>((resolve) => (heard = resolve));
    const h = await startHarness({
      log: (line) => errors.push(line),
      logClientError: (line) => {
        clientErrors.push(line);
        heard();
      },
    });
    try {
      const { port } = new URL(h.base);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST /verify/${FAKE_LINK} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nanswer=de`,
      );
      // Let the server start reading the body, then go away.
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await Promise.race([
        logged,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('no client error logged in 10 s')), 10_000),
        ),
      ]);
      assert.equal(errors.length, 0, `no internal error: ${errors.join('\n')}`);
      assert.match(clientErrors[0] ?? '', /client closed the request POST \/verify\//);
      assert.doesNotMatch(clientErrors[0] ?? '', /\n\s+at /, 'no stack trace');
      assert.equal(await h.metrics.value('mfaguard_errors_total', { where: 'http' }), 0);
      assert.equal(h.live.answers.length, 0);
    } finally {
      await h.close();
    }
  });
});
