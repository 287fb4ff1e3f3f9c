// Chaos: hostile records mixed with good ones. A 10,000-deep record in the same HTTP request, file or queue message
// as valid removals: the valid ones are stored and alert, the deep one is dead-lettered with its bytes and a reason.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { E2E_ENV, removalEvent } from '../../src/api/test-support/e2e.ts';
import type { RunningService } from '../../src/app/index.ts';
import { startService } from '../../src/api/index.ts';

const DEPTH = 10_000;
const ingestHeaders = {
  'content-type': 'application/json',
  authorization: `Bearer ${E2E_ENV.MFAGUARD_INGEST_TOKEN}`,
};
const admin = { authorization: `Bearer ${E2E_ENV.MFAGUARD_ADMIN_TOKEN}` };

/** A DeactivateMFADevice record whose requestParameters hold DEPTH nested arrays, as JSON text (no object is built). */
function deepRecordText(eventId: string): string {
  const { detail } = removalEvent(Date.now(), eventId) as { detail: Record<string, unknown> };
  const text = JSON.stringify({ ...detail, requestParameters: { nest: '__deep__' } });
  return text.replace('"__deep__"', '['.repeat(DEPTH) + ']'.repeat(DEPTH));
}

/** The same wrapped as EventBridge delivers it. */
function deepRemovalText(eventId: string): string {
  const { detail: _detail, ...envelope } = removalEvent(Date.now(), eventId);
  return `${JSON.stringify(envelope).slice(0, -1)},"detail":${deepRecordText(eventId)}}`;
}

describe('hostile records among good ones', () => {
  let dir: string;
  let running: RunningService;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mfaguard-chaos-'));
    running = await startService({
      storeUrl: `sqlite:${join(dir, 'm.db')}`,
      host: '127.0.0.1',
      port: 0,
      env: E2E_ENV,
      webRoot: null,
      log: () => undefined,
      tickIntervalMs: 3_600_000,
    });
  });
  after(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function storedIds(ids: readonly string[]): Promise<string[]> {
    const found = await running.store.findEvents({ fromMs: 0, toMs: Date.now() + 3_600_000, limit: 100_000 });
    return found.map((event) => event.id).filter((id) => ids.includes(id));
  }

  it('HTTP: one request, two good removals and a 10,000-deep one: 202, two stored and alerting, one dead letter', async () => {
    const goodIds = [randomUUID(), randomUUID()];
    const deepId = randomUUID();
    const body = `[${JSON.stringify(removalEvent(Date.now(), goodIds[0]))},${deepRemovalText(deepId)},${JSON.stringify(removalEvent(Date.now(), goodIds[1]))}]`;
    const response = await fetch(`${running.url}/ingest/eventbridge`, {
      method: 'POST',
      headers: ingestHeaders,
      body,
    });
    const answer = (await response.json()) as {
      received: number;
      stored: number;
      rejected: number;
      alerts: number;
      issues?: { index: number; message: string }[];
    };
    assert.equal(response.status, 202, JSON.stringify(answer));
    assert.equal(answer.received, 3);
    assert.equal(answer.stored, 2);
    assert.equal(answer.rejected, 1);
    assert.ok(answer.alerts >= 2, `both good removals alert: ${JSON.stringify(answer)}`);
    assert.equal(answer.issues?.[0]?.index, 1);
    assert.match(answer.issues?.[0]?.message ?? '', /nested deeper than 64 levels/);
    assert.deepEqual((await storedIds([...goodIds, deepId])).sort(), [...goodIds].sort());

    const letters = await running.store.listDeadLetters({ limit: 10 });
    const letter = letters.find((entry) => entry.raw.toString('utf8').includes(deepId));
    assert.ok(letter !== undefined, 'the deep record is dead-lettered');
    assert.match(letter.reason, /too-deep/);
    assert.equal(letter.raw.length, Buffer.byteLength(deepRemovalText(deepId)), 'with all its bytes');

    // The same request again: nothing new, still 202 (the sender's retry is harmless).
    const again = await fetch(`${running.url}/ingest/eventbridge`, {
      method: 'POST',
      headers: ingestHeaders,
      body,
    });
    assert.equal(again.status, 202);
  });

  it('a file or queue message (bytes, parsed objects): the good record is stored, the deep one dead-lettered', async () => {
    const goodId = randomUUID();
    const deepId = randomUUID();
    const deep: unknown = JSON.parse(deepRemovalText(deepId));
    const good = (removalEvent(Date.now(), goodId) as { detail: unknown }).detail;
    // A CloudTrail file from S3: the records are parsed by the decoder, then checked before normalisation.
    const fileText = `{"Records":[${JSON.stringify(good)},${deepRecordText(deepId)}]}`;
    const fromFile = await running.live.ingestBytes(Buffer.from(fileText), {
      source: 's3',
      location: 's3://b/k.json',
    });
    assert.equal(fromFile.stored, 1);
    assert.equal(fromFile.rejected.length, 1);
    assert.match(fromFile.rejected[0]!.message, /nested deeper/);

    // An SQS message or a Lambda event arrives parsed: the iterative check stops it before anything recursive.
    const otherGood = randomUUID();
    const fromQueue = await running.live.ingestRecords([removalEvent(Date.now(), otherGood), deep], {
      source: 'sqs',
      location: 'message m-1',
    });
    assert.equal(fromQueue.stored, 1);
    assert.equal(fromQueue.rejected.length, 1);
    assert.ok(fromQueue.alerts.length >= 1);
    assert.deepEqual((await storedIds([goodId, otherGood, deepId])).sort(), [goodId, otherGood].sort());
  });

  it('API bodies past the nesting limit are a 400 naming the limit (a comment with a deep text included)', async () => {
    const deepText = '{"text":' + '['.repeat(DEPTH) + ']'.repeat(DEPTH) + '}';
    const response = await fetch(`${running.url}/api/cases/some-case/comments`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: deepText,
    });
    const problem = (await response.json()) as { detail: string };
    assert.equal(response.status, 400, JSON.stringify(problem));
    assert.match(problem.detail, /nests 10001 levels deep; at most 64/);
  });
});
