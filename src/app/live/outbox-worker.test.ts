// The outbox worker against a real webhook receiver on loopback (retry with backoff, then sent; permanent failures
// dead), and its lanes: a hanging notifier holds only its own few rows, heartbeats keep in-flight rows this worker's.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createNotifier, verifyWebhookSignature } from '../../notify/index.ts';
import type { Notification, Notifier, RetryPolicy, SendResult } from '../../notify/index.ts';
import type { Store } from '../../store/index.ts';
import { targetKeyOf } from '../../store/index.ts';
import { sampleAlert } from '../../notify/test-support/fixtures.ts';
import { parseMail, startSmtpReceiver } from '../../notify/test-support/smtp-receiver.ts';
import { createLiveMetrics } from './metrics.ts';
import { ROUTED_CHANNEL, createOutboxWorker } from './outbox-worker.ts';
import { fakeClock, tempSqlite } from './test-support/live.ts';
import type { TempStore } from './test-support/live.ts';

const POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 60_000,
};
const SECRET_ENV = { HOOK_SECRET: 'hook-secret-for-tests' };

interface Receiver {
  readonly url: string;
  readonly bodies: { body: string; headers: Record<string, string | string[] | undefined> }[];
  /** Status codes to answer with, in order; the last one repeats. */
  statuses: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const bodies: Receiver['bodies'] = [];
  const receiver: { statuses: number[] } = { statuses: [200] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      const status = receiver.statuses.length > 1 ? receiver.statuses.shift()! : receiver.statuses[0]!;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function notification(dedupeKey: string): Notification {
  return {
    kind: 'case-escalated',
    caseId: '7',
    severity: 'high',
    classification: 'unauthorized',
    title: 'Case 7 escalated for carol: the owner said "this was not me"',
    summary: 'needs a responder',
    dedupeKey,
  };
}

describe('outbox worker', () => {
  let temp: TempStore;
  let store: Store;
  let receiver: Receiver;
  let webhook: Notifier;
  const clock = fakeClock('2026-11-18T03:00:00Z');

  before(async () => {
    temp = tempSqlite();
    store = await temp.open();
    receiver = await startReceiver();
    webhook = createNotifier(
      {
        kind: 'webhook',
        id: 'security',
        url: receiver.url,
        secretEnv: 'HOOK_SECRET',
        timeoutMs: 5_000,
        verificationLinks: false,
      },
      { env: SECRET_ENV, now: clock },
    );
  });
  after(async () => {
    await receiver.close();
    await store.close();
    temp.cleanup();
  });

  function worker(workerId = 'w1') {
    const metrics = createLiveMetrics();
    return {
      metrics,
      worker: createOutboxWorker({
        store,
        notifiers: new Map([['security', webhook]]),
        routes: [
          { name: 'all', minSeverity: 'info', classifications: null, kinds: null, notify: ['security'] },
        ],
        clock,
        workerId,
        leaseMs: 60_000,
        batch: 10,
        retryPolicy: POLICY,
        random: () => 0,
        metrics,
      }),
    };
  }

  it('a 500 is retried after the backoff, then the 200 marks it sent', async () => {
    receiver.statuses = [500, 200];
    await store.enqueueNotification({
      kind: 'case-escalated',
      channel: 'security',
      payload: notification('case-escalated:7:a'),
      dedupeKey: 'case-escalated:7:a@security',
      nowMs: clock(),
    });
    const { worker: w, metrics } = worker();
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 1, dead: 0 });
    const [row] = await store.listNotifications({ state: 'pending', limit: 10 });
    assert.equal(row?.attempts, 1);
    assert.match(row?.lastError ?? '', /500/);
    assert.equal(row?.nextAttemptAt, clock() + 500, 'equal jitter with random 0: half the base delay');
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 0, dead: 0 }, 'not due yet');
    clock.advance(500);
    assert.deepEqual(await w.runOnce(), { sent: 1, failed: 0, dead: 0 });
    assert.equal((await store.listNotifications({ state: 'sent', limit: 10 })).length, 1);
    assert.equal(receiver.bodies.length, 2);
    const last = receiver.bodies[1]!;
    const signed = verifyWebhookSignature(last.body, last.headers, SECRET_ENV.HOOK_SECRET, clock());
    assert.equal(signed.ok, true);
    assert.equal(metrics.value('outboxFailed'), 1);
    assert.equal(metrics.value('outboxSent'), 1);
  });

  it('a permanent 400 is dead at once; a notifier nobody configured is dead too', async () => {
    receiver.statuses = [400];
    receiver.bodies.length = 0;
    await store.enqueueNotification({
      kind: 'case-escalated',
      channel: 'security',
      payload: notification('case-escalated:7:b'),
      dedupeKey: 'case-escalated:7:b@security',
      nowMs: clock(),
    });
    await store.enqueueNotification({
      kind: 'case-escalated',
      channel: 'pager',
      payload: notification('case-escalated:7:c'),
      dedupeKey: 'case-escalated:7:c@pager',
      nowMs: clock(),
    });
    const { worker: w } = worker();
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 0, dead: 2 });
    const dead = await store.listNotifications({ state: 'dead', limit: 10 });
    assert.equal(dead.length, 2);
    assert.match(
      dead.find((row) => row.channel === 'pager')?.lastError ?? '',
      /no notifier with the id 'pager'/,
    );
    assert.match(dead.find((row) => row.channel === 'security')?.lastError ?? '', /not retryable/);
    assert.equal(receiver.bodies.length, 1);
  });

  it("a receiver that keeps failing is dead after the policy's attempts", async () => {
    receiver.statuses = [503];
    receiver.bodies.length = 0;
    await store.enqueueNotification({
      kind: 'case-escalated',
      channel: 'security',
      payload: notification('case-escalated:7:d'),
      dedupeKey: 'case-escalated:7:d@security',
      nowMs: clock(),
    });
    const { worker: w } = worker();
    const results = [];
    for (let i = 0; i < POLICY.maxAttempts; i++) {
      results.push(await w.runOnce());
      clock.advance(POLICY.maxDelayMs);
    }
    assert.deepEqual(results, [
      { sent: 0, failed: 1, dead: 0 },
      { sent: 0, failed: 1, dead: 0 },
      { sent: 0, failed: 0, dead: 1 },
    ]);
    assert.equal(receiver.bodies.length, POLICY.maxAttempts);
    assert.match(
      (await store.listNotifications({ state: 'dead', limit: 10 })).at(-1)?.lastError ?? '',
      /gave up after 3 attempts/,
    );
  });

  it('two workers never send one row twice while its lease runs; a row on the routed channel fans out', async () => {
    receiver.statuses = [200];
    receiver.bodies.length = 0;
    await store.enqueueNotification({
      kind: 'case-escalated',
      channel: ROUTED_CHANNEL,
      payload: notification('case-escalated:7:e'),
      dedupeKey: 'case-escalated:7:e',
      nowMs: clock(),
    });
    const one = worker('w1').worker;
    const two = worker('w2').worker;
    const [a, b] = await Promise.all([one.runOnce(), two.runOnce()]);
    assert.equal(a.sent + b.sent, 1, 'the routed row is fanned out once');
    const [c, d] = await Promise.all([one.runOnce(), two.runOnce()]);
    assert.equal(c.sent + d.sent, 1, 'its delivery to the notifier is sent once');
    assert.equal(receiver.bodies.length, 1);
    const sent = await store.listNotifications({ state: 'sent', limit: 100 });
    assert.ok(sent.some((row) => row.dedupeKey === 'case-escalated:7:e@security'));
  });
});

/** A notifier whose sends wait until the test releases them (or the lane cancels them). */
function stuckNotifier(id: string) {
  const waiting: { key: string; release: (result: SendResult) => void }[] = [];
  const notifier: Notifier = {
    id,
    kind: 'webhook',
    send(n, signal) {
      return new Promise<SendResult>((resolve) => {
        waiting.push({ key: n.dedupeKey, release: resolve });
        signal?.addEventListener('abort', () =>
          resolve({ ok: false, retryable: true, error: `${id}: cancelled` }),
        );
      });
    },
  };
  return {
    notifier,
    waiting,
    releaseAll(): number {
      const released = waiting.splice(0);
      for (const entry of released) entry.release({ ok: true });
      return released.length;
    },
  };
}

function countingNotifier(id: string) {
  const keys: string[] = [];
  const notifier: Notifier = {
    id,
    kind: 'slack',
    send(n) {
      keys.push(n.dedupeKey);
      return Promise.resolve({ ok: true });
    },
  };
  return { notifier, keys };
}

/** Waits for a condition with a generous bound: the tests assert on events, not on how fast they come. */
async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('messages say what is true when they are sent (issue 17)', () => {
  it('a case classified while its e-mail waited in the outbox is shown with its new classification', async () => {
    const temp = tempSqlite();
    const store = await temp.open();
    const smtp = await startSmtpReceiver();
    const clock = fakeClock('2026-11-18T03:00:00Z');
    try {
      const alert = { ...sampleAlert(), classification: 'unresolved' as const };
      await store.insertAlerts([alert], clock());
      const opened = await store.openOrAttachCase({
        alert,
        targetKey: targetKeyOf(alert.event.account, alert.target.userName ?? ''),
        nowMs: clock(),
        actor: 'system',
      });
      const caseId = opened.case.id;
      assert.equal(opened.case.classification, 'unresolved');
      await store.enqueueNotification({
        kind: 'case-opened',
        channel: 'mail',
        payload: {
          kind: 'case-opened',
          caseId,
          severity: 'high',
          classification: 'unresolved',
          title: `Case ${caseId} opened for alice`,
          summary: 'mallory removed the MFA device of alice, classified unresolved (high).',
          alert,
          dedupeKey: `case-opened:${caseId}`,
        } satisfies Notification,
        dedupeKey: `case-opened:${caseId}@mail`,
        nowMs: clock(),
      });
      clock.advance(60_000);
      await store.updateCase(
        caseId,
        { classification: 'suspicious' },
        { actor: 'api:alice', nowMs: clock() },
      );
      clock.advance(1_000);
      const mail = createNotifier(
        {
          kind: 'email',
          id: 'mail',
          host: '127.0.0.1',
          port: smtp.port,
          secure: false,
          starttls: 'opportunistic',
          user: null,
          passwordEnv: null,
          from: 'mfaguard@example.com',
          to: ['secops@example.com'],
          subjectPrefix: '[mfaguard]',
          timeoutMs: 5_000,
          verificationLinks: true,
        },
        { env: {}, now: clock },
      );
      const worker = createOutboxWorker({
        store,
        notifiers: new Map([['mail', mail]]),
        clock,
        workerId: 'w1',
        leaseMs: 60_000,
        batch: 10,
        retryPolicy: POLICY,
        random: () => 0,
      });
      assert.deepEqual(await worker.runOnce(), { sent: 1, failed: 0, dead: 0 });
      assert.equal(smtp.mails.length, 1);
      const text = parseMail(smtp.mails[0]!.raw).text;
      const lines = text.split(/\r?\n/);
      assert.ok(lines.includes('Classification: suspicious'), text);
      assert.ok(!lines.includes('Classification: unresolved'), text);
      assert.ok(lines.includes('Case state: open as of 2026-11-18T03:01:01.000Z'), text);
      assert.ok(lines.includes('Summary written: 2026-11-18T03:00:00.000Z'), text);
    } finally {
      await smtp.close();
      await store.close();
      temp.cleanup();
    }
  });
});

describe('outbox lanes', () => {
  let temp: TempStore;
  let store: Store;
  const clock = fakeClock('2026-11-18T04:00:00Z');

  before(async () => {
    temp = tempSqlite();
    store = await temp.open();
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  async function enqueue(channel: string, count: number, tag: string): Promise<void> {
    for (let index = 0; index < count; index++) {
      const key = `case-escalated:${tag}:${index}`;
      await store.enqueueNotification({
        kind: 'case-escalated',
        channel,
        payload: notification(key),
        dedupeKey: `${key}@${channel}`,
        nowMs: clock(),
      });
    }
  }

  it('a hanging notifier holds only its own lane: the other lane sends everything meanwhile', async (t) => {
    const stuck = stuckNotifier('hook');
    const fast = countingNotifier('chat');
    await enqueue('hook', 5, 'a');
    await enqueue('chat', 6, 'a');
    const w = createOutboxWorker({
      store,
      notifiers: new Map([
        ['hook', stuck.notifier],
        ['chat', fast.notifier],
      ]),
      lanes: new Map([
        ['hook', { concurrency: 2, timeoutMs: 600_000 }],
        ['chat', { concurrency: 1, timeoutMs: 600_000 }],
      ]),
      clock,
      workerId: 'lanes-1',
      leaseMs: 60_000,
      batch: 50,
    });
    const stop = new AbortController();
    const running = w.run(stop.signal, 5);
    // Stopped whatever happens, so a failed assertion cannot leave the worker polling and hang the file.
    t.after(async () => {
      stuck.releaseAll();
      stop.abort();
      await running;
    });
    // Sent means recorded: the notifier returns before the worker writes the row as sent, so wait for the store.
    const chatSent = async (): Promise<number> =>
      (await store.listNotifications({ state: 'sent', limit: 100 })).filter((row) => row.channel === 'chat')
        .length;
    await until('every chat row sent', async () => fast.keys.length === 6 && (await chatSent()) === 6);
    // The hook lane claimed only its two slots; its other rows are nobody's, free for any worker.
    assert.equal(stuck.waiting.length, 2);
    const pending = await store.listNotifications({ state: 'pending', limit: 100 });
    assert.deepEqual(pending.map((row) => `${row.channel}:${row.leaseOwner ?? 'nobody'}`).sort(), [
      'hook:lanes-1',
      'hook:lanes-1',
      'hook:nobody',
      'hook:nobody',
      'hook:nobody',
    ]);
    assert.equal(
      (await store.listNotifications({ state: 'sent', limit: 100 })).filter((row) => row.channel === 'chat')
        .length,
      6,
      'each chat send recorded as it ended',
    );
    // Released, the hook lane refills its slots until its rows are done.
    let released = 0;
    await until('every hook row sent', async () => {
      released += stuck.releaseAll();
      return (await store.listNotifications({ state: 'pending', limit: 100 })).length === 0;
    });
    assert.equal(released, 5);
    stop.abort();
    await running;
    assert.equal(w.inFlight(), 0);
    assert.deepEqual([...new Set(fast.keys)].length, 6, 'no chat row sent twice');
  });

  it("heartbeats keep an in-flight row this worker's past its lease; another worker takes only rows never in flight", async (t) => {
    const stuck = stuckNotifier('hook2');
    await enqueue('hook2', 4, 'b');
    const one = createOutboxWorker({
      store,
      notifiers: new Map([['hook2', stuck.notifier]]),
      lanes: new Map([['hook2', { concurrency: 1, timeoutMs: 600_000 }]]),
      clock,
      workerId: 'lanes-2',
      leaseMs: 30_000,
      heartbeatMs: 5,
      batch: 50,
    });
    const stop = new AbortController();
    const running = one.run(stop.signal, 5);
    t.after(async () => {
      stuck.releaseAll();
      stop.abort();
      await running;
    });
    await until('the first send started', () => stuck.waiting.length === 1);
    const [first] = (await store.listNotifications({ state: 'pending', limit: 100 })).filter(
      (row) => row.leaseOwner === 'lanes-2',
    );
    assert.ok(first !== undefined);
    // The send takes longer than the lease: heartbeats move the lease on with the clock.
    clock.advance(25_000);
    await until('a heartbeat renewed the lease', async () => {
      const row = (await store.listNotifications({ state: 'pending', limit: 100 })).find(
        (r) => r.id === first.id,
      );
      return (row?.leaseUntil ?? 0) >= clock() + 29_000;
    });
    clock.advance(25_000);
    const other = createOutboxWorker({
      store,
      notifiers: new Map([['hook2', countingNotifier('hook2').notifier]]),
      clock,
      workerId: 'lanes-3',
      leaseMs: 30_000,
      batch: 1,
    });
    // Past the original lease, yet still held: the other worker takes a row that was never in flight instead.
    const claimedByOther = await store.claimNotifications({
      nowMs: clock(),
      limit: 10,
      workerId: 'lanes-3',
      leaseMs: 30_000,
      channels: ['hook2'],
    });
    assert.ok(!claimedByOther.some((row) => row.id === first.id));
    assert.equal(claimedByOther.length, 3);
    for (const row of claimedByOther)
      assert.equal(await store.markNotificationSent(row.id, 'lanes-3', clock()), true);

    assert.deepEqual(await other.runOnce(), { sent: 0, failed: 0, dead: 0 }, 'nothing else is due');
    // The slow send ends: it is recorded by the worker that still holds it, and sent once.
    assert.equal(stuck.releaseAll(), 1);
    await until('the slow send recorded', async () => {
      return (await store.listNotifications({ state: 'pending', limit: 100 })).length === 0;
    });
    stop.abort();
    await running;
    const sent = await store.listNotifications({ state: 'sent', limit: 100 });
    assert.equal(sent.find((row) => row.id === first.id)?.attempts, 1, 'claimed once, never taken over');
  });
});
