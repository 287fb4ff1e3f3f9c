// Chaos: three `mfaguard serve` workers share one PostgreSQL and one SQS queue (a real SQS server on loopback), one of
// them `kill -9`ed twice mid-run. 20,000 events, with duplicates across messages, files and workers: every event is
// stored once, every alert and case exists exactly once, the receiver (dropping repeats by the idempotency key, as
// receivers are told to) acts on each notification exactly once, and nothing is left in flight on the queue, in the
// work claims or in the outbox.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeRecord } from '../../src/ingest/index.ts';
import { detectEvent } from '../../src/app/pipeline.ts';
import { BURST_RULE } from '../../src/detect/correlate/index.ts';
import { loadRuleSet } from '../../src/app/rule-set.ts';
import { postgresProblem } from '../../src/store/test-support/postgres.ts';
import { skipReasonOrFail } from '../../src/test-support/requirements.ts';
import type { ServeProcess } from './test-support/serve-process.ts';
import type { Workload, WorkersWorld } from './test-support/workers-world.ts';
import {
  prepareWorkload,
  readOutcome,
  sendWorkload,
  startWorker,
  startWorkersWorld,
  storedEventCount,
} from './test-support/workers-world.ts';

const problem = await postgresProblem();
const skip = problem === null ? false : skipReasonOrFail('pg', 'multi-worker chaos test', problem);
const WORKERS = 3;
/** The webhook lane's concurrency: at most this many sends are in flight in one worker when it is killed. */
const LANE_CONCURRENCY = 4;

/** Waits with a generous bound: the assertions are on counts, never on speed. */
async function until(what: string, condition: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for: ${what}`);
    await sleep(250);
  }
}

/** The rule alerts a single process gives for the distinct events (pure detection, no store). */
function expectedRuleAlerts(workload: Workload): Set<string> {
  const rules = loadRuleSet({ builtin: true, paths: [] });
  const ids = new Set<string>();
  for (const [index, record] of workload.records.entries()) {
    const normalized = normalizeRecord(record, { location: 'workload', index });
    if (!normalized.ok) throw new Error(normalized.issue.message);
    for (const alert of detectEvent(rules.engine, normalized.event).alerts) ids.add(alert.id);
  }
  return ids;
}

describe('chaos: several serve workers on one PostgreSQL fed by SQS', { skip, timeout: 600_000 }, () => {
  let world: WorkersWorld;
  const workers: ServeProcess[] = [];

  before(async () => {
    world = await startWorkersWorld();
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await world?.close();
  });

  it('3 workers, 20,000 events with duplicates, one worker kill -9ed twice: everything once, nothing in flight', async () => {
    // A slow receiver, so that sends are in flight when a worker dies.
    world.receiver.delayMs = 250;
    const workload = await prepareWorkload(world, { events: 20_000, removals: 40 });
    await sendWorkload(world, workload);
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(world));
    const victim = (): ServeProcess => workers[0]!;

    // Two kills of the same worker, each once a share of the events is stored, while the others keep going.
    const kills: number[] = [];
    for (const share of [0.25, 0.6]) {
      await until(
        `${share * 100}% of the events stored`,
        async () => (await storedEventCount(world.db.url)) >= share * workload.keptIds.size,
        240_000,
      );
      victim().child.kill('SIGKILL');
      await until('the killed worker is gone', () => Promise.resolve(victim().ended() !== null), 10_000);
      assert.equal(victim().ended()?.signal, 'SIGKILL');
      kills.push(await storedEventCount(world.db.url));
      workers[0] = await startWorker(world);
    }

    let last = '';
    await until(
      'the queue drained, every event stored and every notification sent',
      async () => {
        const depth = await world.queueDepth();
        const outcome = await readOutcome(world.db.url);
        const pending = outcome.outbox.filter((row) => row.state === 'pending').length;
        last = `queue ${JSON.stringify(depth)}, events ${outcome.eventIds.length}/${workload.keptIds.size}, outbox pending ${pending}`;
        return (
          depth.visible === 0 &&
          depth.inFlight === 0 &&
          outcome.eventIds.length >= workload.keptIds.size &&
          outcome.outbox.length > 0 &&
          pending === 0
        );
      },
      300_000,
    ).catch((error: unknown) => {
      const logs = workers.map((w) => w.output().slice(-2000)).join('\n---\n');
      throw new Error(`${String(error)} (${last})\n${logs}`);
    });
    for (const worker of workers) assert.equal(worker.ended(), null, `a worker died:\n${worker.output()}`);
    const outcome = await readOutcome(world.db.url);

    // Every kept event once (the primary key makes "once" structural; none may be missing or extra).
    assert.equal(outcome.eventIds.length, workload.keptIds.size);
    assert.deepEqual(new Set(outcome.eventIds), workload.keptIds);

    // Every rule alert a single process gives, once; every removal has its alert.
    const ruleAlerts = outcome.alerts.filter((alert) => alert.ruleId !== BURST_RULE.meta.id);
    assert.deepEqual(new Set(ruleAlerts.map((alert) => alert.id)), expectedRuleAlerts(workload));
    for (const eventId of workload.removals.keys()) {
      assert.ok(
        outcome.alerts.some((alert) => alert.eventId === eventId),
        `removal ${eventId} has an alert`,
      );
    }

    // One case per target, holding that target's alerts; every alert about a user is in exactly one case.
    const targets = [...workload.removals.values()].map((user) => `111122223333/${user}`).sort();
    assert.deepEqual(outcome.cases.map((kase) => kase.targetKey).sort(), targets);
    const attached = outcome.cases.reduce((sum, kase) => sum + kase.alerts, 0);
    assert.equal(attached, ruleAlerts.length, 'each rule alert attached to one case');

    // Notifications: every outbox row sent, none dead. Delivery is at-least-once: a send in flight at a kill (the
    // receiver answered, the worker died before recording it) is sent again with the same X-Mfaguard-Delivery key.
    // The receiver, verifying the signature and dropping keys it has already acted on as docs/workers.md tells
    // receivers to, must act on each notification exactly once.
    assert.deepEqual(
      outcome.outbox.filter((row) => row.state !== 'sent'),
      [],
      'nothing pending or dead',
    );
    const hookRows = outcome.outbox.filter((row) => row.channel === 'hook');
    const expectedKeys = hookRows.map((row) => row.dedupeKey.slice(0, row.dedupeKey.lastIndexOf('@'))).sort();
    assert.ok(expectedKeys.length >= targets.length, 'at least a case-opened per target');
    // One key per notification: were two notifications under one key, dropping repeats would lose one of them.
    assert.equal(new Set(expectedKeys).size, expectedKeys.length, 'each notification has its own key');
    const { receiver } = world;
    assert.deepEqual(receiver.refused, [], 'every delivery carried a valid signature');
    assert.deepEqual(
      [...receiver.actedOn.keys()].sort(),
      expectedKeys,
      'each notification acted on exactly once',
    );
    // A repeat is the same notification; only the case as of the send (`caseNow`) may be newer.
    assert.deepEqual(receiver.conflicts, [], 'a repeated key always carried the same notification');
    const received = receiver.keys;
    const repeats = received.length - receiver.actedOn.size;
    assert.ok(
      repeats <= LANE_CONCURRENCY * kills.length,
      `${repeats} repeated deliveries for ${kills.length} kills`,
    );

    // Nothing in flight: no claim left open, nothing dead-lettered, the queue empty.
    assert.equal(outcome.unfinishedWork, 0, 'every claimed S3 object completed');
    assert.ok(
      outcome.workOwners >= WORKERS,
      `the files were shared: ${outcome.workOwners} workers completed some`,
    );
    assert.equal(outcome.deadLetters, 0);
    assert.deepEqual(await world.queueDepth(), { visible: 0, inFlight: 0 });
    console.error(
      `workers chaos: ${workload.bodies.length} messages (${workload.files} files), ${workload.keptIds.size} kept events, ` +
        `${outcome.alerts.length} alerts, ${outcome.cases.length} cases, ${received.length} deliveries ` +
        `(${repeats} repeats), kills at ${kills.join(' and ')} stored events`,
    );
  });
});
