// End to end on loopback, once on SQLite and once on PostgreSQL: EventBridge event in, alert and case out, the owner's
// message at a local receiver, "not me" through the link, the escalation at the receiver; duplicates, bad tokens, limits.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Receiver } from '../api/test-support/e2e.ts';
import {
  E2E_ENV,
  e2eConfigYaml,
  notificationOf,
  removalEvent,
  startReceiver,
  throwawayPostgres,
} from '../api/test-support/e2e.ts';
import { parseConfig } from './config.ts';
import type { RunningService } from './serve.ts';
import { startService } from '../api/index.ts';
import { missing } from '../test-support/requirements.ts';

interface Backend {
  readonly name: string;
  /** A store URL, or why this backend cannot run here. */
  open(): Promise<{ url: string; cleanup: () => Promise<void> } | { unavailable: string }>;
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'mfaguard-e2e-'));
      return Promise.resolve({
        url: `sqlite:${join(dir, 'mfaguard.db')}`,
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await throwawayPostgres();
      return 'unavailable' in db ? db : { url: db.url, cleanup: db.drop };
    },
  },
];

const admin = { authorization: `Bearer ${E2E_ENV.MFAGUARD_ADMIN_TOKEN}` };
const ingestHeaders = {
  'content-type': 'application/json',
  authorization: `Bearer ${E2E_ENV.MFAGUARD_INGEST_TOKEN}`,
};

for (const backend of BACKENDS) {
  const opened = await backend.open();
  if ('unavailable' in opened) {
    it(`serve end to end (${backend.name})`, (t) => void missing(t, 'pg', opened.unavailable));
    continue;
  }

  describe(`serve end to end (${backend.name})`, () => {
    let receiver: Receiver;
    let service: RunningService;
    const logs: unknown[] = [];

    before(async () => {
      receiver = await startReceiver();
      service = await startService({
        storeUrl: opened.url,
        host: '127.0.0.1',
        port: 0,
        env: E2E_ENV,
        config: parseConfig(e2eConfigYaml(receiver.url), 'e2e.yaml', { env: E2E_ENV }),
        webRoot: null,
        maxBodyBytes: 64 * 1024,
        outboxIntervalMs: 100,
        tickIntervalMs: 3_600_000,
        log: (entry) => logs.push(entry),
      });
    });
    after(async () => {
      await service?.stop();
      await receiver?.close();
      await opened.cleanup();
    });

    const post = (body: unknown, headers: Record<string, string> = ingestHeaders) =>
      fetch(`${service.url}/ingest/eventbridge`, { method: 'POST', headers, body: JSON.stringify(body) });
    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${service.url}${path}`, { headers: admin });
      assert.equal(response.status, 200, `${path}: ${response.status}`);
      return (await response.json()) as T;
    };

    it('answers /healthz with the store ok', async () => {
      const response = await fetch(`${service.url}/healthz`);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { store: string }).store, 'ok');
    });

    it('refuses a wrong token (401) and an oversized body (413), storing nothing', async () => {
      const event = removalEvent(Date.now() - 60_000);
      const wrong = await post(event, { ...ingestHeaders, authorization: 'Bearer not-the-token-0123456789' });
      assert.equal(wrong.status, 401);
      const missing = await post(event, { 'content-type': 'application/json' });
      assert.equal(missing.status, 401);
      const big = await post([event, { ...event, padding: 'x'.repeat(80 * 1024) }]);
      assert.equal(big.status, 413);
      const alerts = await api<{ items: unknown[] }>('/api/alerts');
      assert.equal(alerts.items.length, 0);
      const metrics = await (await fetch(`${service.url}/metrics`, { headers: admin })).text();
      assert.doesNotMatch(metrics, /mfaguard_events_received_total\{source="eventbridge"\} [1-9]/);
    });

    it('turns a posted removal into one alert and one case, however often it is posted', async () => {
      const event = removalEvent(Date.now() - 60_000);
      const first = await post(event);
      assert.equal(first.status, 202);
      const outcome = (await first.json()) as { stored: number; alerts: number; caseIds: string[] };
      assert.equal(outcome.stored, 1);
      assert.ok(outcome.alerts >= 1, 'the removal raised an alert');
      const again = await post(event);
      assert.equal(again.status, 202);
      const repeat = (await again.json()) as { stored: number; duplicates: number; alerts: number };
      assert.deepEqual([repeat.stored, repeat.duplicates, repeat.alerts], [0, 1, 0]);

      const eventId = (event['detail'] as { eventID: string }).eventID;
      const alerts = await api<{
        items: { alert: { event: { id: string }; rule: { id: string } }; caseId: string }[];
      }>('/api/alerts?targetUser=bob');
      const forEvent = alerts.items.filter((item) => item.alert.event.id === eventId);
      const rules = forEvent.map((item) => item.alert.rule.id);
      assert.equal(
        new Set(rules).size,
        rules.length,
        `one alert per rule for the event: ${rules.join(', ')}`,
      );
      assert.ok(forEvent.length >= 1);
      const caseId = forEvent[0]!.caseId;
      assert.ok(caseId !== null && outcome.caseIds.includes(caseId));
      const cases = await api<{ items: { id: string; userName: string }[] }>('/api/cases');
      assert.deepEqual(
        cases.items.filter((c) => c.userName === 'bob').map((c) => c.id),
        [caseId],
      );
    });

    it('asks the owner, and "not me" through the link marks the case unauthorized and escalates', async () => {
      await receiver.waitFor(
        (all) => all.some((r) => notificationOf(r).kind === 'verification-request'),
        'the verification request',
      );
      const request = receiver.received.map(notificationOf).find((n) => n.kind === 'verification-request')!;
      assert.equal(request.recipient, 'bob@example.com');
      const deny = request.links?.deny;
      const confirm = request.links?.confirm;
      assert.ok(deny !== undefined && confirm !== undefined, 'the message carries both links');
      assert.ok(deny.startsWith(`${service.url}/verify/`), deny);
      const caseId = request.caseId!;

      // Following the link (a GET, as a mail scanner would) only shows the form.
      const page = await fetch(deny);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<form method="post"/);
      const before = await api<{ classification: string | null }>(`/api/cases/${caseId}`);
      assert.notEqual(before.classification, 'unauthorized');

      const action =
        /<form method="post" action="([^"]+)"><input type="hidden" name="answer" value="denied">/.exec(html);
      assert.ok(action !== null, 'the page offers "not me"');
      const answered = await fetch(
        new URL(
          action[1]!.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))),
          service.url,
        ),
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'answer=denied',
        },
      );
      assert.equal(answered.status, 200);
      assert.match(await answered.text(), /unauthorized/);

      const after = await api<{ classification: string; state: string; verifications: { state: string }[] }>(
        `/api/cases/${caseId}`,
      );
      assert.equal(after.classification, 'unauthorized');
      assert.equal(after.state, 'escalated');
      assert.deepEqual(
        after.verifications.map((v) => v.state),
        ['denied'],
      );

      await receiver.waitFor(
        (all) =>
          all.some((r) => notificationOf(r).kind === 'case-escalated' && notificationOf(r).caseId === caseId),
        'the escalation',
      );

      // Single use: the other link, and this one again, no longer work.
      const reuse = await fetch(deny, { method: 'POST' });
      assert.equal(reuse.status, 409);
      const other = await fetch(confirm, { method: 'POST' });
      assert.equal(other.status, 409);
      const stillDenied = await api<{ classification: string }>(`/api/cases/${caseId}`);
      assert.equal(stillDenied.classification, 'unauthorized');
    });

    it('never delivers one notification twice', async () => {
      // Give the outbox a few more passes to misbehave.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const keys = receiver.received.map((r) => String(r.headers['x-mfaguard-delivery']));
      assert.equal(new Set(keys).size, keys.length, `deliveries: ${keys.join(', ')}`);
      const outbox = await api<{ depth: { pending: number; dead: number } }>('/api/outbox?state=dead');
      assert.equal(outbox.depth.dead, 0);
    });
  });
}
