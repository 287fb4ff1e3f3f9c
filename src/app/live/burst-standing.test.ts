// What a removal by a burst's caller makes the live service re-triage: only the removals whose burst standing it
// changes (the members of a burst it completes, or itself), never the whole chain of that caller.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TRIAGE_CONFIG } from '../../enrich/index.ts';
import type { Store } from '../../store/index.ts';
import { affectedRemovals } from './live-triage.ts';
import { ORIGIN, fakeClock, makeService, rawRecord, tempSqlite } from './test-support/live.ts';

const START = Date.parse('2026-11-18T13:00:00Z');

const removal = (i: number) =>
  rawRecord({
    name: 'DeactivateMFADevice',
    at: new Date(START + i * 20_000).toISOString(),
    actor: 'mallory',
    target: `u${i}`,
    id: `removal-${i}`,
  });

async function storedRemoval(store: Store, i: number) {
  const events = await store.findEvents({
    fromMs: START - 1,
    toMs: START + 3_600_000,
    names: ['DeactivateMFADevice'],
    limit: 100,
  });
  const event = events.find((candidate) => candidate.id === `removal-${i}`);
  assert.ok(event, `removal-${i} stored`);
  return event;
}

describe('what a removal by a burst caller re-triages', () => {
  it('the members of the burst it completes, then only itself', async () => {
    const temp = tempSqlite();
    const store = await temp.open();
    try {
      const live = makeService(store, fakeClock('2026-11-18T14:00:00Z'));
      const ids = async (i: number) =>
        (await affectedRemovals(store, [await storedRemoval(store, i)], DEFAULT_TRIAGE_CONFIG)).map(
          (event) => event.id,
        );
      for (let i = 0; i < 4; i++) await live.ingestRecords([removal(i)], ORIGIN);
      assert.deepEqual(await ids(3), ['removal-3'], 'four users are not a burst: only its own incident');
      await live.ingestRecords([removal(4)], ORIGIN);
      // The fifth user forms the burst: every member joins it, once.
      assert.deepEqual(
        await ids(4),
        [0, 1, 2, 3, 4].map((i) => `removal-${i}`),
      );
      for (let i = 5; i < 12; i++) {
        await live.ingestRecords([removal(i)], ORIGIN);
        assert.deepEqual(await ids(i), [`removal-${i}`], `removal ${i} changes no earlier member`);
      }
    } finally {
      await store.close();
      temp.cleanup();
    }
  });
});
