// The HTTP layer over a real SQLite store with a fake live service: auth, ingestion limits, errors, every resource.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ExternalError } from '../model/index.ts';
import type { Harness } from './test-support/harness.ts';
import {
  INGEST_TOKEN,
  JSON_HEADERS,
  NOW,
  auth,
  sampleAlert,
  seedCase,
  startHarness,
} from './test-support/harness.ts';

const EVENT = {
  version: '0',
  id: 'eb-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  account: '111122223333',
  time: '2026-11-23T11:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventName: 'DeactivateMFADevice', eventID: 'e-1', eventTime: '2026-11-23T11:00:00Z' },
};

async function problemOf(response: Response): Promise<{
  status: number;
  title: string;
  detail: string;
  type: string;
  instance: string;
  issues?: { path?: string; message: string }[];
}> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return (await response.json()) as never;
}

describe('api server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  const ingest = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${h.base}/ingest/eventbridge`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${INGEST_TOKEN}`, ...headers },
      body,
    });

  describe('healthz', () => {
    it('answers without a token, naming the store and version', async () => {
      const response = await fetch(`${h.base}/healthz`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok', store: 'ok', version: '0.0.0-test' });
    });
  });

  describe('POST /ingest/eventbridge', () => {
    it('stores one event and answers 202 with the outcome', async () => {
      const before = h.live.ingested.length;
      const response = await ingest(JSON.stringify(EVENT));
      assert.equal(response.status, 202);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body['received'], 1);
      assert.equal(body['stored'], 1);
      assert.equal(h.live.ingested.length, before + 1);
      assert.equal(h.live.ingested.at(-1)?.origin.source, 'eventbridge');
      assert.deepEqual(h.live.ingested.at(-1)?.records, [EVENT]);
    });

    it('accepts an array of events and bare CloudTrail records', async () => {
      const response = await ingest(JSON.stringify([EVENT, EVENT.detail]), {
        'content-type': 'application/json; charset=utf-8',
      });
      assert.equal(response.status, 202);
      assert.equal(h.live.ingested.at(-1)?.records.length, 2);
    });

    for (const [name, headers] of [
      ['missing', { authorization: '' }],
      ['wrong', { authorization: 'Bearer nope' }],
      ['another scheme', { authorization: `Basic ${INGEST_TOKEN}` }],
      ['a prefix of the right one', { authorization: `Bearer ${INGEST_TOKEN.slice(0, -1)}` }],
    ] as const) {
      it(`answers 401 and stores nothing for a ${name} token`, async () => {
        const before = h.live.ingested.length;
        const response = await ingest(JSON.stringify(EVENT), headers);
        assert.equal(response.status, 401);
        assert.equal((await problemOf(response)).status, 401);
        assert.equal(h.live.ingested.length, before);
      });
    }

    it('answers 415 for a body that is not JSON', async () => {
      const response = await ingest(JSON.stringify(EVENT), { 'content-type': 'text/plain' });
      assert.equal(response.status, 415);
      assert.match((await problemOf(response)).detail, /application\/json/);
    });

    it('answers 400 naming the problem for malformed JSON', async () => {
      const response = await ingest('{"detail": ');
      assert.equal(response.status, 400);
      const problem = await problemOf(response);
      assert.match(problem.detail, /not valid JSON/);
      assert.equal(problem.instance, '/ingest/eventbridge');
    });

    it('answers 400 naming the item for events of the wrong shape, storing none of the batch', async () => {
      const before = h.live.ingested.length;
      const response = await ingest(JSON.stringify([EVENT, 42, { ...EVENT, detail: 'x' }, { hello: 1 }]));
      assert.equal(response.status, 400);
      const problem = await problemOf(response);
      assert.match(problem.detail, /\[1\]: expected an EventBridge event/);
      assert.deepEqual(
        problem.issues?.map((issue) => issue.path),
        ['[1]', '[2]', '[3]'],
      );
      assert.equal(h.live.ingested.length, before);
    });

    for (const body of ['[]', '"text"', 'null']) {
      it(`answers 400 for ${body}`, async () => {
        const response = await ingest(body);
        assert.equal(response.status, 400);
      });
    }

    it('answers 413 for an announced oversized body without reading it', async () => {
      const before = h.live.ingested.length;
      const big = JSON.stringify({ ...EVENT, padding: 'x'.repeat(70 * 1024) });
      const response = await ingest(big);
      assert.equal(response.status, 413);
      assert.match((await problemOf(response)).detail, /65536 bytes/);
      assert.equal(h.live.ingested.length, before);
    });

    it('answers 413 for a chunked body that passes the limit, stopping the upload', async () => {
      const before = h.live.ingested.length;
      const url = new URL(`${h.base}/ingest/eventbridge`);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              ...JSON_HEADERS,
              authorization: `Bearer ${INGEST_TOKEN}`,
              'transfer-encoding': 'chunked',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          // Keeps sending well past the limit; the server must answer without waiting for the end.
          while (sent < 40) {
            sent++;
            if (!req.write(chunk)) {
              req.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
      assert.equal(status, 413);
      assert.equal(h.live.ingested.length, before);
    });

    it('answers 503 without internals when the store is unavailable', async () => {
      h.live.failure = new ExternalError('store', 'connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
      try {
        const response = await ingest(JSON.stringify(EVENT));
        assert.equal(response.status, 503);
        const text = JSON.stringify(await problemOf(response));
        assert.doesNotMatch(text, /hunter2|10\.0\.0\.5/);
      } finally {
        h.live.failure = null;
      }
    });

    it('answers 500 for a bug, without the message or stack', async () => {
      h.live.failure = new Error('secret internal detail at /srv/app/x.ts:12');
      try {
        const response = await ingest(JSON.stringify(EVENT));
        assert.equal(response.status, 500);
        const problem = await problemOf(response);
        assert.doesNotMatch(JSON.stringify(problem), /secret internal|x\.ts/);
        assert.equal(problem.title, 'Internal error');
      } finally {
        h.live.failure = null;
      }
    });
  });

  describe('API tokens and roles', () => {
    it('answers 401 without a token and with an unknown one', async () => {
      const none = await fetch(`${h.base}/api/alerts`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
      const unknown = await fetch(`${h.base}/api/alerts`, { headers: auth('nope') });
      assert.equal(unknown.status, 401);
    });

    it('answers 403 when the role is too low', async () => {
      const response = await fetch(`${h.base}/api/outbox/1/retry`, {
        method: 'POST',
        headers: auth(h.tokens.responder),
      });
      assert.equal(response.status, 403);
      assert.match((await problemOf(response)).detail, /admin role; the token has responder/);
      const above = await fetch(`${h.base}/api/tokens`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ name: 'more', role: 'admin' }),
      });
      assert.equal(above.status, 403);
      assert.match((await problemOf(above)).detail, /you hold responder/);
      const write = await fetch(`${h.base}/api/approvals`, {
        method: 'POST',
        headers: auth(h.tokens.viewer, JSON_HEADERS),
        body: '{}',
      });
      assert.equal(write.status, 403);
    });

    it('creates a token once, which then works, and revokes it', async () => {
      const created = await fetch(`${h.base}/api/tokens`, {
        method: 'POST',
        headers: auth(h.tokens.admin, JSON_HEADERS),
        body: JSON.stringify({ name: 'grafana', role: 'viewer' }),
      });
      assert.equal(created.status, 201);
      const body = (await created.json()) as { token: string; id: string; role: string };
      assert.match(body.token, /^mfg_/);
      assert.equal(body.role, 'viewer');
      const me = await fetch(`${h.base}/api/whoami`, { headers: auth(body.token) });
      assert.deepEqual(await me.json(), {
        id: body.id,
        name: 'grafana',
        role: 'viewer',
        kind: 'token',
        subject: null,
        displayName: null,
        csrfToken: null,
      });
      const list = (await (
        await fetch(`${h.base}/api/tokens`, { headers: auth(h.tokens.admin) })
      ).json()) as { items: unknown[] };
      assert.ok(!JSON.stringify(list).includes(body.token), 'the secret is never listed');
      const revoked = await fetch(`${h.base}/api/tokens/${body.id}`, {
        method: 'DELETE',
        headers: auth(h.tokens.admin),
      });
      assert.equal(revoked.status, 200);
      assert.equal((await fetch(`${h.base}/api/whoami`, { headers: auth(body.token) })).status, 401);
    });

    it('rejects a token body with an unknown role, naming the field', async () => {
      const response = await fetch(`${h.base}/api/tokens`, {
        method: 'POST',
        headers: auth(h.tokens.admin, JSON_HEADERS),
        body: JSON.stringify({ name: 'x', role: 'root', extra: 1 }),
      });
      assert.equal(response.status, 400);
      const problem = await problemOf(response);
      assert.deepEqual(problem.issues?.map((issue) => issue.path).sort(), ['extra', 'role']);
    });
  });

  describe('alerts and cases', () => {
    let caseId = '';
    before(async () => {
      caseId = await seedCase(h.store, sampleAlert({ user: 'bob', severity: 'high' }));
      await seedCase(h.store, sampleAlert({ user: 'carol', severity: 'critical' }));
    });

    it('lists alerts in the scan schema with filters', async () => {
      const all = (await (
        await fetch(`${h.base}/api/alerts`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        items: {
          alert: { id: string; rule: { id: string }; target: { userName: string } };
          caseId: string;
          detectedAt: string;
        }[];
        nextCursor: string | null;
      };
      assert.equal(all.items.length, 2);
      assert.equal(all.items[0]?.detectedAt, new Date(NOW).toISOString());
      const critical = (await (
        await fetch(`${h.base}/api/alerts?severity=critical`, { headers: auth(h.tokens.viewer) })
      ).json()) as typeof all;
      assert.deepEqual(
        critical.items.map((item) => item.alert.target.userName),
        ['carol'],
      );
      const bob = (await (
        await fetch(`${h.base}/api/alerts?targetUser=BOB&limit=1`, { headers: auth(h.tokens.viewer) })
      ).json()) as typeof all;
      assert.equal(bob.items[0]?.caseId, caseId);
    });

    it('pages alerts with the cursor', async () => {
      const first = (await (
        await fetch(`${h.base}/api/alerts?limit=1`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        items: { alert: { id: string } }[];
        nextCursor: string;
      };
      assert.equal(first.items.length, 1);
      const second = (await (
        await fetch(`${h.base}/api/alerts?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`, {
          headers: auth(h.tokens.viewer),
        })
      ).json()) as typeof first;
      assert.equal(second.items.length, 1);
      assert.notEqual(second.items[0]?.alert.id, first.items[0]?.alert.id);
    });

    it('names every bad filter', async () => {
      const response = await fetch(`${h.base}/api/alerts?severity=urgent&limit=0&since=yesterday&color=red`, {
        headers: auth(h.tokens.viewer),
      });
      assert.equal(response.status, 400);
      const problem = await problemOf(response);
      assert.deepEqual(problem.issues?.map((issue) => issue.path).sort(), [
        'color',
        'limit',
        'severity',
        'since',
      ]);
    });

    it('gets one alert, and 404 for an unknown one', async () => {
      const one = await fetch(`${h.base}/api/alerts/alert-bob`, { headers: auth(h.tokens.viewer) });
      assert.equal(one.status, 200);
      assert.equal(((await one.json()) as { alert: { id: string } }).alert.id, 'alert-bob');
      const missing = await fetch(`${h.base}/api/alerts/nope`, { headers: auth(h.tokens.viewer) });
      assert.equal(missing.status, 404);
    });

    it('lists cases and shows one with its audit log', async () => {
      const list = (await (
        await fetch(`${h.base}/api/cases?state=open`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        items: { id: string; userName: string }[];
      };
      assert.equal(list.items.length, 2);
      const detail = (await (
        await fetch(`${h.base}/api/cases/${caseId}`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        alertIds: string[];
        audit: { action: string }[];
      };
      assert.deepEqual(detail.alertIds, ['alert-bob']);
      assert.ok(detail.audit.some((entry) => entry.action === 'opened'));
      assert.equal((await fetch(`${h.base}/api/cases/nope`, { headers: auth(h.tokens.viewer) })).status, 404);
    });

    it('changes a case: patch, comment, transition; audited with the token name', async () => {
      const patch = await fetch(`${h.base}/api/cases/${caseId}`, {
        method: 'PATCH',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ assignee: 'dana', severity: 'critical' }),
      });
      assert.equal(patch.status, 200);
      assert.equal(((await patch.json()) as { assignee: string }).assignee, 'dana');
      const comment = await fetch(`${h.base}/api/cases/${caseId}/comments`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ text: 'called bob <b>' }),
      });
      assert.equal(comment.status, 201);
      const escalate = await fetch(`${h.base}/api/cases/${caseId}/transition`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ to: 'escalated', note: 'no answer' }),
      });
      assert.equal(escalate.status, 200);
      assert.equal(((await escalate.json()) as { state: string }).state, 'escalated');
      const detail = (await (
        await fetch(`${h.base}/api/cases/${caseId}`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        comments: { author: string; text: string }[];
        audit: { actor: string; action: string }[];
      };
      assert.deepEqual(
        detail.comments.map((c) => [c.author, c.text]),
        [['api:responder-token', 'called bob <b>']],
      );
      assert.ok(
        detail.audit.some((entry) => entry.action === 'transition' && entry.actor === 'api:responder-token'),
      );
    });

    it('answers 409 for a transition the lifecycle forbids, 404 for an unknown case, 400 for a bad target', async () => {
      const back = await fetch(`${h.base}/api/cases/${caseId}/transition`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ to: 'verifying' }),
      });
      assert.equal(back.status, 409);
      assert.match((await problemOf(back)).detail, /cannot go from escalated to verifying/);
      const unknown = await fetch(`${h.base}/api/cases/nope/transition`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ to: 'resolved' }),
      });
      assert.equal(unknown.status, 404);
      const bad = await fetch(`${h.base}/api/cases/${caseId}/transition`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ to: 'closed' }),
      });
      assert.equal(bad.status, 400);
      assert.match((await problemOf(bad)).detail, /to: expected one of open, verifying, escalated, resolved/);
    });

    it('rejects an empty patch and a comment without text', async () => {
      const patch = await fetch(`${h.base}/api/cases/${caseId}`, {
        method: 'PATCH',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: '{}',
      });
      assert.equal(patch.status, 400);
      const comment = await fetch(`${h.base}/api/cases/${caseId}/comments`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ text: '' }),
      });
      assert.equal(comment.status, 400);
      assert.match((await problemOf(comment)).detail, /text: expected a non-empty string/);
    });
  });

  describe('approvals', () => {
    it('creates, lists and revokes an approval', async () => {
      const created = await fetch(`${h.base}/api/approvals`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ user: 'bob', ticket: 'CHG-123', approver: 'erin', window: '2h' }),
      });
      assert.equal(created.status, 201);
      const approval = (await created.json()) as { id: string; from: string; to: string; createdBy: string };
      assert.equal(approval.from, new Date(NOW).toISOString());
      assert.equal(approval.to, new Date(NOW + 2 * 3_600_000).toISOString());
      assert.equal(approval.createdBy, 'api:responder-token');
      const active = (await (
        await fetch(`${h.base}/api/approvals?active=true`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        items: { id: string }[];
      };
      assert.deepEqual(
        active.items.map((a) => a.id),
        [approval.id],
      );
      const revoked = await fetch(`${h.base}/api/approvals/${approval.id}`, {
        method: 'DELETE',
        headers: auth(h.tokens.responder),
      });
      assert.equal(revoked.status, 200);
      const after = (await (
        await fetch(`${h.base}/api/approvals?active=true`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        items: unknown[];
      };
      assert.equal(after.items.length, 0);
      assert.equal(
        (await fetch(`${h.base}/api/approvals/nope`, { method: 'DELETE', headers: auth(h.tokens.responder) }))
          .status,
        404,
      );
    });

    it('names every missing or wrong field', async () => {
      const response = await fetch(`${h.base}/api/approvals`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ user: 'bob', window: 'two hours', account: '12' }),
      });
      assert.equal(response.status, 400);
      const problem = await problemOf(response);
      assert.deepEqual(problem.issues?.map((issue) => issue.path).sort(), [
        'account',
        'approver',
        'ticket',
        'window',
      ]);
    });

    it('refuses an approval whose window is null and that has no end', async () => {
      const response = await fetch(`${h.base}/api/approvals`, {
        method: 'POST',
        headers: auth(h.tokens.responder, JSON_HEADERS),
        body: JSON.stringify({ user: 'bob', ticket: 'CHG-1', approver: 'ann', window: null }),
      });
      assert.equal(response.status, 400);
      const problem = await problemOf(response);
      assert.deepEqual(
        problem.issues?.map((issue) => issue.path),
        ['window'],
      );
    });
  });

  describe('KPIs, outbox, dead letters, metrics', () => {
    // The KPI endpoint's figures are checked by value over a known data set in kpis.test.ts.

    it('shows dead notifications and dead letters', async () => {
      await h.store.enqueueNotification({
        kind: 'case-opened',
        channel: 'slack',
        payload: { a: 1 },
        dedupeKey: 'k1',
        nowMs: NOW,
      });
      const [claimed] = await h.store.claimNotifications({
        nowMs: NOW,
        limit: 1,
        workerId: 'w',
        leaseMs: 1000,
      });
      await h.store.markNotificationFailed(claimed!.id, 'w', { error: 'HTTP 400', nowMs: NOW, dead: true });
      await h.store.addDeadLetter({
        source: 'eventbridge',
        location: 'req-1',
        reason: 'not JSON',
        raw: 'garbage',
        nowMs: NOW,
      });
      const outbox = (await (
        await fetch(`${h.base}/api/outbox?state=dead`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        depth: { dead: number };
        items: { lastError: string; state: string }[];
      };
      assert.equal(outbox.depth.dead, 1);
      assert.deepEqual(
        outbox.items.map((n) => [n.state, n.lastError]),
        [['dead', 'HTTP 400']],
      );
      const letters = (await (
        await fetch(`${h.base}/api/dead-letters`, { headers: auth(h.tokens.viewer) })
      ).json()) as {
        items: { reason: string; raw: string }[];
      };
      assert.equal(letters.items[0]?.reason, 'not JSON');
      assert.equal(Buffer.from(letters.items[0].raw, 'base64').toString(), 'garbage');
      assert.equal(
        (await fetch(`${h.base}/api/outbox?state=lost`, { headers: auth(h.tokens.viewer) })).status,
        400,
      );
    });

    it('exposes Prometheus metrics to a viewer token only', async () => {
      assert.equal((await fetch(`${h.base}/metrics`)).status, 401);
      const response = await fetch(`${h.base}/metrics`, { headers: auth(h.tokens.viewer) });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.match(text, /# TYPE mfaguard_http_requests_total counter/);
      assert.match(
        text,
        /mfaguard_http_requests_total\{method="POST",route="\/ingest\/eventbridge",status="202"\} \d+/,
      );
      assert.match(text, /mfaguard_outbox_dead 1/);
      assert.match(text, /mfaguard_cases_open\{severity="critical"\} \d/);
      assert.match(text, /mfaguard_store_up\{kind="sqlite"\} 1/);
    });

    it('an admin re-queues a dead notification once; viewers may not; a pending or unknown one is refused', async () => {
      await h.store.enqueueNotification({
        kind: 'case-opened',
        channel: 'pager',
        payload: { a: 2 },
        dedupeKey: 'k-retry',
        nowMs: NOW,
      });
      const [claimed] = await h.store.claimNotifications({
        nowMs: NOW,
        limit: 1,
        workerId: 'w',
        leaseMs: 1000,
        channels: ['pager'],
      });
      await h.store.markNotificationFailed(claimed!.id, 'w', { error: 'HTTP 401', nowMs: NOW, dead: true });
      const retry = (token: string, id = claimed!.id) =>
        fetch(`${h.base}/api/outbox/${id}/retry`, { method: 'POST', headers: auth(token) });
      assert.equal((await retry(h.tokens.viewer)).status, 403);
      assert.equal((await retry(h.tokens.responder)).status, 403);
      const ok = await retry(h.tokens.admin);
      assert.equal(ok.status, 200);
      const body = (await ok.json()) as { id: string; state: string; attempts: number; dedupeKey: string };
      assert.deepEqual(
        [body.id, body.state, body.attempts, body.dedupeKey],
        [claimed!.id, 'pending', 0, 'k-retry'],
      );
      const again = await retry(h.tokens.admin);
      assert.equal(again.status, 409);
      assert.match(await again.text(), /still pending/);
      assert.equal((await retry(h.tokens.admin, '999999')).status, 404);
      const pending = await h.store.listNotifications({ state: 'pending', limit: 100 });
      assert.ok(pending.some((n) => n.id === claimed!.id));
    });
  });

  describe('verification links', () => {
    /** Shaped like the live service's links: base64url(claims).signature (the signature is the service's to check). */
    const linkToken = (answer: string) =>
      `${Buffer.from(JSON.stringify({ v: 'nonce', answer, exp: NOW + 3_600_000 })).toString('base64url')}.c2ln`;
    const deny = linkToken('denied');

    it('GET shows a confirmation form for the answer in the link and does not answer (mail scanners prefetch links)', async () => {
      const before = h.live.answers.length;
      const response = await fetch(`${h.base}/verify/${deny}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      const html = await response.text();
      assert.ok(
        html.includes(
          `<form method="post" action="/verify/${deny}"><input type="hidden" name="answer" value="denied">`,
        ),
        html,
      );
      assert.doesNotMatch(html, /value="confirmed"/);
      const confirm = await (await fetch(`${h.base}/verify/${linkToken('confirmed')}`)).text();
      assert.match(confirm, /value="confirmed"/);
      assert.doesNotMatch(confirm, /value="denied"/);
      assert.equal(h.live.answers.length, before);
    });

    it('GET of a link that is not ours says so without asking the live service', async () => {
      const before = h.live.answers.length;
      for (const token of [
        'garbage',
        `${Buffer.from('{"answer":"maybe"}').toString('base64url')}.x`,
        '<script>',
      ]) {
        const response = await fetch(`${h.base}/verify/${encodeURIComponent(token)}`);
        assert.equal(response.status, 404, token);
        assert.doesNotMatch(await response.text(), /<script>/);
      }
      assert.equal(h.live.answers.length, before);
    });

    it('POST answers once through the live service and escapes what it shows', async () => {
      h.live.verification = {
        ok: true,
        caseId: '<script>alert(1)</script>',
        answer: 'denied',
        classification: 'unauthorized',
      };
      const response = await fetch(`${h.base}/verify/${deny}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'answer=denied',
      });
      assert.equal(response.status, 200);
      const html = await response.text();
      assert.match(html, /unauthorized/);
      assert.doesNotMatch(html, /<script>/);
      assert.match(html, /&#60;script&#62;/);
      assert.deepEqual(h.live.answers.at(-1), { token: deny, answer: 'denied' });
    });

    it('POST without a form leaves the answer to the signed token', async () => {
      await fetch(`${h.base}/verify/${deny}`, { method: 'POST' });
      assert.deepEqual(h.live.answers.at(-1), { token: deny, answer: undefined });
    });

    it('says why a link cannot be used', async () => {
      for (const [reason, status] of [
        ['used', 409],
        ['expired', 410],
        ['forged', 404],
        ['unknown', 404],
      ] as const) {
        h.live.verification = { ok: false, reason };
        const response = await fetch(`${h.base}/verify/${deny}`, { method: 'POST' });
        assert.equal(response.status, status, reason);
        assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      }
    });

    it('refuses an answer that is neither confirmed nor denied', async () => {
      const before = h.live.answers.length;
      const response = await fetch(`${h.base}/verify/${deny}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'answer=maybe',
      });
      assert.equal(response.status, 400);
      assert.equal(h.live.answers.length, before);
    });
  });
  describe('routing', () => {
    it('answers 405 with Allow for a known path and another method', async () => {
      const response = await fetch(`${h.base}/api/approvals`, {
        method: 'PUT',
        headers: auth(h.tokens.admin),
      });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'GET, POST');
    });

    it('answers 404 problem for unknown paths (no dashboard configured)', async () => {
      const response = await fetch(`${h.base}/nothing-here`);
      assert.equal(response.status, 404);
      await problemOf(response);
    });
  });
});
