// `mfaguard serve` as a real process: SIGTERM between storing and sending, and SIGTERM in the middle of a delivery;
// each restart resumes with nothing lost and nothing sent twice. Once on SQLite, once on PostgreSQL.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { missing } from '../test-support/requirements.ts';

const BIN = fileURLToPath(new URL('../../bin/mfaguard.js', import.meta.url));

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** SIGTERM, then the exit code (fails the test after 30 s). */
  terminate(): Promise<number | null>;
}

async function startProcess(args: readonly string[], home: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-web', ...args],
    {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ...E2E_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    async terminate() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

const ingestHeaders = {
  'content-type': 'application/json',
  authorization: `Bearer ${E2E_ENV.MFAGUARD_INGEST_TOKEN}`,
};
const admin = { authorization: `Bearer ${E2E_ENV.MFAGUARD_ADMIN_TOKEN}` };

const BACKENDS = ['sqlite', 'postgres'] as const;

for (const backend of BACKENDS) {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-proc-'));
  const db =
    backend === 'sqlite'
      ? { url: `sqlite:${join(dir, 'mfaguard.db')}`, drop: () => Promise.resolve() }
      : await throwawayPostgres();
  if ('unavailable' in db) {
    it(`serve process restarts (${backend})`, (t) => void missing(t, 'pg', db.unavailable));
    rmSync(dir, { recursive: true, force: true });
    continue;
  }

  describe(`serve process restarts (${backend})`, () => {
    let receiver: Receiver;
    let configPath = '';
    const running: Running[] = [];
    const start = async (outboxInterval: string) => {
      const process = await startProcess(
        [
          '--store',
          db.url,
          '--config',
          configPath,
          '--outbox-interval',
          outboxInterval,
          '--tick-interval',
          '1h',
        ],
        dir,
      );
      running.push(process);
      return process;
    };

    before(async () => {
      receiver = await startReceiver();
      configPath = join(dir, 'mfaguard.yaml');
      writeFileSync(configPath, e2eConfigYaml(receiver.url));
    });
    after(async () => {
      for (const process of running) if (process.child.exitCode === null) process.child.kill('SIGKILL');
      await receiver?.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const event = removalEvent(Date.now() - 60_000);
    let caseId = '';

    it('SIGTERM after storing, before sending: exits 0 and the restart sends everything once', async () => {
      const first = await start('1h');
      const posted = await fetch(`${first.url}/ingest/eventbridge`, {
        method: 'POST',
        headers: ingestHeaders,
        body: JSON.stringify(event),
      });
      assert.equal(posted.status, 202);
      assert.equal(((await posted.json()) as { stored: number }).stored, 1);
      assert.equal(await first.terminate(), 0, first.output());
      assert.match(first.output(), /stopped/);
      assert.equal(receiver.received.length, 0, 'nothing was sent before the restart');

      const second = await start('100ms');
      await receiver.waitFor(
        (all) =>
          all.some((r) => notificationOf(r).kind === 'verification-request') &&
          all.some((r) => notificationOf(r).kind === 'case-opened'),
        'the case-opened and verification-request notifications after the restart',
      );
      // The same event again (EventBridge retries, a second trail): no new alert.
      const again = await fetch(`${second.url}/ingest/eventbridge`, {
        method: 'POST',
        headers: ingestHeaders,
        body: JSON.stringify(event),
      });
      assert.deepEqual(
        (({ stored, duplicates, alerts }) => [stored, duplicates, alerts])(
          (await again.json()) as { stored: number; duplicates: number; alerts: number },
        ),
        [0, 1, 0],
      );
      const alerts = (await (await fetch(`${second.url}/api/alerts`, { headers: admin })).json()) as {
        items: { alert: { rule: { id: string } }; caseId: string }[];
      };
      const rules = alerts.items.map((item) => item.alert.rule.id);
      assert.equal(new Set(rules).size, rules.length, `each rule alerted once: ${rules.join(', ')}`);
      caseId = alerts.items[0]!.caseId;
      assert.equal(await second.terminate(), 0, second.output());
    });

    it('SIGTERM during a delivery: the batch finishes, and the restart does not send it again', async () => {
      const third = await start('100ms');
      const request = receiver.received.map(notificationOf).find((n) => n.kind === 'verification-request')!;
      // The receiver answers slowly; the moment the escalation reaches it, the service is told to stop.
      receiver.delayMs = 1500;
      // Asserted rather than annotated: the callback assigns it, which control-flow narrowing cannot see.
      const stopping = { exit: null as Promise<number | null> | null };
      receiver.onRequest = () => {
        stopping.exit ??= third.terminate();
      };
      // Each start here has its own port; a real deployment has one public URL, so only the path matters.
      const deny = new URL(new URL(request.links!.deny!).pathname, third.url);
      const answered = await fetch(deny, { method: 'POST' });
      assert.equal(answered.status, 200);
      await receiver.waitFor(() => stopping.exit !== null, 'a delivery to begin');
      assert.equal(await stopping.exit, 0, third.output());
      receiver.onRequest = null;
      receiver.delayMs = 0;
      assert.ok(
        receiver.received.some(
          (r) => notificationOf(r).kind === 'case-escalated' && notificationOf(r).caseId === caseId,
        ),
        'the delivery in progress finished before the process exited',
      );

      const fourth = await start('100ms');
      // Several outbox passes: anything not marked sent would go out again now.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const keys = receiver.received.map((r) => String(r.headers['x-mfaguard-delivery']));
      assert.equal(new Set(keys).size, keys.length, `each notification delivered once: ${keys.join(', ')}`);
      const detail = (await (
        await fetch(`${fourth.url}/api/cases/${caseId}`, { headers: admin })
      ).json()) as {
        classification: string;
      };
      assert.equal(detail.classification, 'unauthorized');
      const outbox = (await (await fetch(`${fourth.url}/api/outbox`, { headers: admin })).json()) as {
        depth: { pending: number; dead: number };
      };
      assert.deepEqual(outbox.depth.pending, 0);
      assert.equal(await fourth.terminate(), 0, fourth.output());
    });
  });
}
