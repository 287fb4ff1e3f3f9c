// Chaos: `kill -9` of a serve process while it sends notifications, several times, then a hanging receiver. Real
// receivers on loopback (webhook, Slack stub, PagerDuty stub, an SMTP sink) count each notification by its key.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { E2E_ENV, removalEvent } from '../../src/api/test-support/e2e.ts';
import { parseMail, startSmtpReceiver } from '../../src/notify/test-support/smtp-receiver.ts';
import type { SmtpReceiver } from '../../src/notify/test-support/smtp-receiver.ts';

const BIN = fileURLToPath(new URL('../../bin/mfaguard.js', import.meta.url));
const ENV = { ...E2E_ENV, PD_KEY: 'chaos-routing-key-0123456789abcdef' };
const TARGETS = ['ana', 'ben', 'cai', 'dee', 'eli', 'fay', 'gus', 'hal'];

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
  /** Each answer waits this long, so kills land while sends are in flight. */
  delayMs: number;
  /** Never answer (a hanging receiver). */
  hang: boolean;
  /** Called as a request arrives. */
  onRequest: (() => void) | null;
  close(): Promise<void>;
}

async function startHttpStub(
  keyOf: (body: unknown, headers: Record<string, unknown>) => string,
): Promise<HttpStub> {
  const counter = keyCounter();
  const stub: { delayMs: number; hang: boolean; onRequest: (() => void) | null } = {
    delayMs: 0,
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
      setTimeout(() => {
        // Counted when the receiver acts on it, as a real one would just before answering.
        counter.keys.push(keyOf(JSON.parse(Buffer.concat(chunks).toString('utf8')), req.headers));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
      }, stub.delayMs);
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

function configYaml(r: Receivers, webhookTimeout: string): string {
  return `
notify:
  notifiers:
    - { id: hook, kind: webhook, url: ${r.webhook.url}/hook, secretEnv: E2E_WEBHOOK_SECRET, concurrency: 2, timeout: ${webhookTimeout} }
    - { id: chat, kind: slack, url: ${r.slack.url}/services/T0/B0/x, concurrency: 2 }
    - { id: pager, kind: pagerduty, url: ${r.pager.url}/v2/enqueue, routingKeyEnv: PD_KEY, concurrency: 2 }
    - { id: mail, kind: email, host: 127.0.0.1, port: ${r.smtp.port}, starttls: 'off', from: "mfaguard <mfaguard@example.com>", to: [secops@example.com], concurrency: 2 }
  routes:
    - { name: everything, notify: [hook, chat, pager, mail] }
`;
}

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  output(): string;
}

async function startServe(args: readonly string[], home: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-web', '--tick-interval', '1h', ...args],
    { env: { PATH: process.env['PATH'] ?? '', HOME: home, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 60 s:\n${out}`)), 60_000);
    const check = (): void => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[1]!);
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${out}`));
    });
  });
  return { child, url, exited, output: () => out };
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

describe('chaos: kill -9 while sending notifications', () => {
  let home = '';
  let receivers: Receivers;
  const children: ChildProcess[] = [];

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'mfaguard-chaos-'));
    receivers = {
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
  });
  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all([
      receivers.webhook.close(),
      receivers.slack.close(),
      receivers.pager.close(),
      receivers.smtp.close(),
    ]);
    rmSync(home, { recursive: true, force: true });
  });

  it('each notification reaches each receiver, by its key, across three kill -9s; repeats only of what was in flight', async () => {
    const configPath = join(home, 'kill.yaml');
    writeFileSync(configPath, configYaml(receivers, '10s'));
    const store = `sqlite:${join(home, 'kill.db')}`;
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
    for (const stub of [receivers.webhook, receivers.slack, receivers.pager]) stub.delayMs = 300;

    let serve = await startServe(args, home);
    children.push(serve.child);
    const now = Date.now();
    for (const [index, target] of TARGETS.entries())
      await post(serve.url, removalFor(target, now - 120_000 + index));
    const kills: number[] = [];
    for (let round = 0; round < 3; round++) {
      // The moment a send reaches a receiver, the process dies with sends in flight on every lane.
      const arrived = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 30_000);
        receivers.slack.onRequest = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      receivers.slack.onRequest = null;
      if (!arrived) break; // everything went out before this round: nothing left to kill during
      serve.child.kill('SIGKILL');
      assert.equal(await serve.exited, null, 'killed, not exited');
      kills.push(receivers.slack.counter.keys.length);
      serve = await startServe(args, home);
      children.push(serve.child);
    }
    assert.ok(kills.length >= 1, 'at least one kill landed during sending');
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
      kills: kills.length,
      webhook: receivers.webhook.counter.duplicates(),
      slack: receivers.slack.counter.duplicates(),
      pager: receivers.pager.counter.duplicates(),
      mail: mail.duplicates(),
    };
    console.error(`chaos: deliveries repeated after ${report.kills} kill -9s: ${JSON.stringify(report)}`);
    for (const [receiver, repeats] of Object.entries(report)) {
      if (receiver === 'kills') continue;
      assert.ok(repeats <= 2 * kills.length, `${receiver}: ${repeats} repeats for ${kills.length} kills`);
    }
    current.child.kill('SIGTERM');
    assert.equal(await current.exited, 0, current.output());
  });

  it('a hanging webhook delays no other channel: Slack, PagerDuty and email get everything while it hangs', async () => {
    for (const stub of [receivers.webhook, receivers.slack, receivers.pager]) {
      stub.counter.keys.length = 0;
      stub.delayMs = 0;
    }
    receivers.smtp.mails.length = 0;
    receivers.webhook.hang = true;
    let hookRequests = 0;
    receivers.webhook.onRequest = () => hookRequests++;
    const configPath = join(home, 'hang.yaml');
    // The webhook's own timeout is far longer than this test may run: other lanes cannot be waiting for it.
    writeFileSync(configPath, configYaml(receivers, '10m'));
    const args = [
      '--store',
      `sqlite:${join(home, 'hang.db')}`,
      '--config',
      configPath,
      '--outbox-interval',
      '100ms',
    ];
    const serve = await startServe(args, home);
    children.push(serve.child);
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
});
