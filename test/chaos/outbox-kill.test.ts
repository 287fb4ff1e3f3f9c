// Chaos: `kill -9` of a serve process while it sends notifications, several times, then a hanging receiver, on SQLite
// and on PostgreSQL (a new database per run). Real receivers on loopback (webhook, Slack stub, PagerDuty stub, an SMTP
// sink) count each notification by its key; kills are triggered by counts of sends in flight, never by timings.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { E2E_ENV, removalEvent } from '../../src/api/test-support/e2e.ts';
import { parseMail, startSmtpReceiver } from '../../src/notify/test-support/smtp-receiver.ts';
import type { SmtpReceiver } from '../../src/notify/test-support/smtp-receiver.ts';
import { createThrowawayDatabase, postgresProblem } from '../../src/store/test-support/postgres.ts';
import { missing } from '../../src/test-support/requirements.ts';
import type { ServeProcess } from './test-support/serve-process.ts';
import { startServeProcess } from './test-support/serve-process.ts';

const ENV = { ...E2E_ENV, PD_KEY: 'chaos-routing-key-0123456789abcdef' };
const TARGETS = ['ana', 'ben', 'cai', 'dee', 'eli', 'fay', 'gus', 'hal'];
const KILLS = 3;

/** One receiver's view: every delivery's key, in arrival order. */
interface KeyCounter {
  readonly keys: string[];
  distinct(): Set<string>;
  duplicates(): number;
}

function keyCounter(): KeyCounter {
  const keys: string[] = [];
  return {
    keys,
    distinct: () => new Set(keys),
    duplicates: () => keys.length - new Set(keys).size,
  };
}

interface HttpStub {
  readonly url: string;
  readonly counter: KeyCounter;
  /**
   * Act on each request (its key counted) but never answer: the sender, killed then, cannot know it was received,
   * so every kill lands with sends in flight, whatever the machine's speed.
   */
  hold: boolean;
  /** Never answer nor act (a hanging receiver). */
  hang: boolean;
  /** Called as a request arrives. */
  onRequest: (() => void) | null;
  close(): Promise<void>;
}

async function startHttpStub(
  keyOf: (body: unknown, headers: Record<string, unknown>) => string,
): Promise<HttpStub> {
  const counter = keyCounter();
  const stub: { hold: boolean; hang: boolean; onRequest: (() => void) | null } = {
    hold: false,
    hang: false,
    onRequest: null,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    // serve is killed mid-request on purpose: the aborted request and its answer must not crash the test process.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      stub.onRequest?.();
      if (stub.hang) return;
      // Counted when the receiver acts on it, as a real one would before answering.
      counter.keys.push(keyOf(JSON.parse(Buffer.concat(chunks).toString('utf8')), req.headers));
      if (stub.hold) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(stub, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counter,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

interface Receivers {
  readonly webhook: HttpStub;
  readonly slack: HttpStub;
  readonly pager: HttpStub;
  readonly smtp: SmtpReceiver;
}

function mailKeys(smtp: SmtpReceiver): KeyCounter {
  const counter = keyCounter();
  for (const mail of smtp.mails) counter.keys.push(parseMail(mail.raw).headers.get('message-id') ?? '(none)');
  return counter;
}

/** `hookTimeout` for the webhook, `timeout` for the other HTTP receivers. */
function configYaml(r: Receivers, hookTimeout: string, timeout = '10s'): string {
  return `
notify:
  notifiers:
    - { id: hook, kind: webhook, url: ${r.webhook.url}/hook, secretEnv: E2E_WEBHOOK_SECRET, concurrency: 2, timeout: ${hookTimeout} }
    - { id: chat, kind: slack, url: ${r.slack.url}/services/T0/B0/x, concurrency: 2, timeout: ${timeout} }
    - { id: pager, kind: pagerduty, url: ${r.pager.url}/v2/enqueue, routingKeyEnv: PD_KEY, concurrency: 2, timeout: ${timeout} }
    - { id: mail, kind: email, host: 127.0.0.1, port: ${r.smtp.port}, starttls: 'off', from: "mfaguard <mfaguard@example.com>", to: [secops@example.com], concurrency: 2 }
  routes:
    - { name: everything, notify: [hook, chat, pager, mail] }
`;
}

/** Waits for a condition with a generous bound: the assertions are on counts and order, never on speed. */
async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  limitMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function removalFor(target: string, atMs: number): Record<string, unknown> {
  const event = removalEvent(atMs);
  const detail = event['detail'] as Record<string, unknown>;
  const params = { ...(detail['requestParameters'] as Record<string, unknown>), userName: target };
  return { ...event, detail: { ...detail, requestParameters: params } };
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}/ingest/eventbridge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ENV.MFAGUARD_INGEST_TOKEN}` },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 202, await response.text());
}

interface OutboxRow {
  readonly channel: string;
  readonly dedupeKey: string;
  readonly state: string;
}

async function outbox(url: string, state: 'pending' | 'sent' | 'dead'): Promise<OutboxRow[]> {
  const response = await fetch(`${url}/api/outbox?state=${state}&limit=1000`, {
    headers: { authorization: `Bearer ${ENV.MFAGUARD_ADMIN_TOKEN}` },
  });
  return ((await response.json()) as { items: OutboxRow[] }).items;
}

/** The logical key of an outbox row (`<notification key>@<notifier>`). */
function logicalKey(row: OutboxRow): string {
  return row.dedupeKey.slice(0, row.dedupeKey.lastIndexOf('@'));
}

/** Where a run keeps its state: a new SQLite file, or a new PostgreSQL database, removed after the run. */
interface Backend {
  readonly name: string;
  /** Null when usable; else why not (PostgreSQL unreachable). */
  readonly problem: string | null;
  fresh(home: string, label: string): Promise<{ readonly store: string; readonly drop: () => Promise<void> }>;
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'SQLite',
    problem: null,
    fresh: (home, label) =>
      Promise.resolve({ store: `sqlite:${join(home, `${label}.db`)}`, drop: () => Promise.resolve() }),
  },
  {
    name: 'PostgreSQL',
    problem: await postgresProblem(),
    // A database of its own per run (never the cluster stopped): dropped WITH (FORCE), since a killed serve's
    // connections may linger until PostgreSQL notices.
    fresh: async () => {
      const database = await createThrowawayDatabase('mfaguard_chaos');
      return { store: database.url, drop: database.drop };
    },
  },
];

async function startReceivers(): Promise<Receivers> {
  return {
    webhook: await startHttpStub((_, headers) => String(headers['x-mfaguard-delivery'])),
    slack: await startHttpStub((body) =>
      String(
        (body as { metadata?: { event_payload?: { notification_key?: unknown } } }).metadata?.event_payload
          ?.notification_key,
      ),
    ),
    pager: await startHttpStub((body) =>
      String(
        (body as { payload?: { custom_details?: { notification_key?: unknown } } }).payload?.custom_details
          ?.notification_key,
      ),
    ),
    smtp: await startSmtpReceiver(),
  };
}

function startServe(args: readonly string[], home: string): Promise<ServeProcess> {
  return startServeProcess(['--tick-interval', '1h', ...args], { ...ENV, HOME: home });
}

function outboxChaos(backend: Backend): void {
  let home = '';
  let receivers: Receivers;
  const children: ServeProcess[] = [];
  const drops: (() => Promise<void>)[] = [];

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'mfaguard-chaos-'));
    receivers = await startReceivers();
  });
  after(async () => {
    for (const serve of children) if (serve.ended() === null) serve.child.kill('SIGKILL');
    await Promise.all(children.map((serve) => serve.exited));
    // Every clean-up runs even when one fails (a receiver left listening would keep this file's process alive).
    const results = await Promise.allSettled([
      ...drops.map((drop) => drop()),
      receivers.webhook.close(),
      receivers.slack.close(),
      receivers.pager.close(),
      receivers.smtp.close(),
    ]);
    rmSync(home, { recursive: true, force: true });
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });

  async function freshStore(label: string): Promise<string> {
    const fresh = await backend.fresh(home, label);
    drops.push(fresh.drop);
    return fresh.store;
  }

  async function serveWith(args: readonly string[]): Promise<ServeProcess> {
    const serve = await startServe(args, home);
    children.push(serve);
    return serve;
  }

  it('each notification reaches each receiver, by its key, across three kill -9s; repeats only of what was in flight', async () => {
    const configPath = join(home, 'kill.yaml');
    // Held sends never time out: a repeat can then come only from a kill.
    writeFileSync(configPath, configYaml(receivers, '10m', '10m'));
    const store = await freshStore('kill');
    const args = [
      '--store',
      store,
      '--config',
      configPath,
      '--outbox-interval',
      '100ms',
      '--outbox-lease',
      '2s',
    ];
    const held = [receivers.webhook, receivers.slack, receivers.pager];
    for (const stub of held) stub.hold = true;

    const arrivals = (): number[] => held.map((stub) => stub.counter.keys.length);
    let before = arrivals();
    let serve = await serveWith(args);
    const now = Date.now();
    for (const [index, target] of TARGETS.entries())
      await post(serve.url, removalFor(target, now - 120_000 + index));
    for (let kill = 1; kill <= KILLS; kill++) {
      // Each HTTP lane has a send in flight (received, unanswered) that this run made: then the process dies.
      const since = before;
      await until(`kill ${kill}: a send of this run in flight on every HTTP lane`, () =>
        arrivals().every((count, index) => count > since[index]!),
      );
      serve.child.kill('SIGKILL');
      assert.deepEqual(await serve.exited, { code: null, signal: 'SIGKILL' }, 'killed, not exited');
      if (kill === KILLS) for (const stub of held) stub.hold = false;
      before = arrivals();
      serve = await serveWith(args);
    }
    const current = serve;
    await until('every notification sent', async () => (await outbox(current.url, 'pending')).length === 0);
    assert.deepEqual(await outbox(current.url, 'dead'), [], 'nothing given up on');
    const sent = await outbox(current.url, 'sent');
    const expected = (channel: string): Set<string> =>
      new Set(sent.filter((row) => row.channel === channel).map(logicalKey));
    assert.ok(
      expected('chat').size >= TARGETS.length,
      `a case-opened per target: ${[...expected('chat')].join(', ')}`,
    );

    // The key each receiver sees: X-Mfaguard-Delivery, PagerDuty custom_details, Slack metadata, the Message-ID.
    assert.deepEqual(
      receivers.webhook.counter.distinct(),
      expected('hook'),
      'webhook: every delivery, by its key',
    );
    assert.deepEqual(receivers.pager.counter.distinct(), expected('pager'), 'pagerduty: every notification');
    assert.deepEqual(receivers.slack.counter.distinct(), expected('chat'), 'slack: every notification');
    const mail = mailKeys(receivers.smtp);
    assert.equal(mail.distinct().size, expected('mail').size, 'email: one Message-ID per notification');

    // A repeat happens only for a send in flight at a kill: at most the lane's concurrency (2) per kill.
    const report = {
      kills: KILLS,
      webhook: receivers.webhook.counter.duplicates(),
      slack: receivers.slack.counter.duplicates(),
      pager: receivers.pager.counter.duplicates(),
      mail: mail.duplicates(),
      lapsedLeases: children.filter((child) => /leases lapsed/.test(child.output())).length,
    };
    console.error(
      `chaos (${backend.name}): deliveries repeated after ${report.kills} kill -9s: ${JSON.stringify(report)}`,
    );
    for (const [receiver, repeats] of Object.entries(report)) {
      if (receiver === 'kills' || receiver === 'lapsedLeases') continue;
      assert.ok(repeats <= 2 * KILLS, `${receiver}: ${repeats} repeats for ${KILLS} kills`);
    }
    await current.stop();
    assert.deepEqual(current.ended(), { code: 0, signal: null }, current.output());
  });

  it('a hanging webhook delays no other channel: Slack, PagerDuty and email get everything while it hangs', async () => {
    for (const stub of [receivers.webhook, receivers.slack, receivers.pager]) {
      stub.counter.keys.length = 0;
      stub.hold = false;
    }
    receivers.smtp.mails.length = 0;
    receivers.webhook.hang = true;
    let hookRequests = 0;
    receivers.webhook.onRequest = () => hookRequests++;
    const configPath = join(home, 'hang.yaml');
    // The webhook's own timeout is far longer than this test may run: other lanes cannot be waiting for it.
    writeFileSync(configPath, configYaml(receivers, '10m'));
    const store = await freshStore('hang');
    const serve = await serveWith(['--store', store, '--config', configPath, '--outbox-interval', '100ms']);
    const now = Date.now();
    for (const [index, target] of TARGETS.entries())
      await post(serve.url, removalFor(target, now - 120_000 + index));
    const sentOn = async (channel: string): Promise<number> =>
      (await outbox(serve.url, 'sent')).filter((row) => row.channel === channel).length;
    const queued = [...(await outbox(serve.url, 'pending')), ...(await outbox(serve.url, 'sent'))];
    // A row sent between the two reads shows in both: counted once by its key.
    const expected = new Set(queued.filter((row) => row.channel === 'chat').map((row) => row.dedupeKey)).size;
    assert.ok(expected >= TARGETS.length);
    let seen = '';
    await until('slack, pagerduty and email sent everything', async () => {
      const counts = [await sentOn('chat'), await sentOn('pager'), await sentOn('mail')];
      const waiting = (await outbox(serve.url, 'pending')).filter((row) => row.channel !== 'hook');
      seen = `expected ${expected} each, sent ${counts.join('/')}; waiting ${JSON.stringify(waiting)}`;
      return waiting.length === 0 && counts.every((count) => count >= expected);
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}; ${seen}\n${serve.output().slice(-3000)}`);
    });
    assert.equal(receivers.webhook.counter.keys.length, 0, 'the webhook has answered nothing');
    assert.equal(await sentOn('hook'), 0);
    assert.equal(hookRequests, 2, "the webhook's lane holds only its concurrency in flight");
    serve.child.kill('SIGKILL');
    await serve.exited;
    receivers.webhook.hang = false;
    receivers.webhook.onRequest = null;
  });
}

for (const backend of BACKENDS) {
  const problem = backend.problem;
  if (problem === null)
    describe(`chaos: kill -9 while sending notifications (${backend.name})`, () => outboxChaos(backend));
  else
    test(`chaos: kill -9 while sending notifications (${backend.name})`, (t) =>
      void missing(t, 'pg', problem));
}
