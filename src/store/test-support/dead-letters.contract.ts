// The store contract's part on dead letters: raw bytes and reason kept, newest first.

import assert from 'node:assert/strict';
import { T0 } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineDeadLettersContract(test: ContractTest): void {
  test('dead letters: raw bytes kept exactly, newest first', async (open) => {
    const store = await open();
    const bytes = Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0xfe, 0x7b]);
    await store.addDeadLetter({
      source: 'sqs',
      location: 'msg-1',
      reason: 'not gzip',
      raw: bytes,
      nowMs: T0,
    });
    await store.addDeadLetter({
      source: 'eventbridge',
      location: 'req-2',
      reason: 'not JSON',
      raw: '{"broken',
      nowMs: T0 + 1,
    });
    const listed = await store.listDeadLetters({ limit: 10 });
    assert.deepEqual(
      listed.map((entry) => [entry.source, entry.location, entry.reason, entry.createdAt]),
      [
        ['eventbridge', 'req-2', 'not JSON', T0 + 1],
        ['sqs', 'msg-1', 'not gzip', T0],
      ],
    );
    assert.ok(Buffer.isBuffer(listed[1]?.raw));
    assert.deepEqual([...(listed[1]?.raw ?? [])], [...bytes]);
    assert.equal(listed[0]?.raw.toString('utf8'), '{"broken');
    assert.equal((await store.listDeadLetters({ limit: 1 })).length, 1);
  });
}
