// The store contract's part on baseline sightings: merging per (caller, value, day) and reading a window back.

import assert from 'node:assert/strict';
import type { SightingRow } from '../baseline-sightings.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import type { Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;

const DAY = 86_400_000;
const D0 = 20_000; // 2024-10-04
const row = (
  actor: string,
  value: string,
  day: number,
  firstMs: number,
  lastMs = firstMs,
  count = 1,
): SightingRow => ({
  actor,
  value,
  day,
  firstMs,
  lastMs,
  count,
});

export function defineSightingsContract(
  test: ContractTest,
  { makeEvent }: { readonly makeEvent: (id: string, timeMs: number) => CloudTrailEvent },
): void {
  test('baseline sightings: the same (caller, value, day) merges into the earliest first, latest last, summed count', async (open) => {
    const store = await open();
    const alice = 'arn:aws:iam::111122223333:user/alice';
    const t = D0 * DAY;
    await store.recordSightings([row(alice, 'ip:198.51.100.7', D0, t + 5_000, t + 9_000, 3)]);
    await store.transaction(async (tx) => {
      await tx.recordSightings([
        row(alice, 'ip:198.51.100.7', D0, t + 1_000, t + 2_000, 2),
        row(alice, 'ua:aws-cli', D0, t + 1_000),
        row(alice, 'ip:198.51.100.7', D0 + 1, t + DAY + 10),
        row('arn:aws:iam::111122223333:user/bob', 'ip:203.0.113.9', D0, t + 7),
      ]);
    });
    const found = await store.findSightings({ actors: [alice], fromMs: t, toMs: t + DAY });
    assert.deepEqual(found, [
      row(alice, 'ip:198.51.100.7', D0, t + 1_000, t + 9_000, 5),
      row(alice, 'ua:aws-cli', D0, t + 1_000),
    ]);
    // A window reaching into the next day returns that day whole; no actors, nothing.
    const twoDays = await store.findSightings({ actors: [alice], fromMs: t + 500, toMs: t + DAY + 1 });
    assert.equal(twoDays.length, 3);
    assert.deepEqual(await store.findSightings({ actors: [], fromMs: t, toMs: t + DAY }), []);
  });

  test('baseline sightings: recorded with insertEvents, merged the same way, over several chunks and with no events', async (open) => {
    const store = await open();
    const t = D0 * DAY;
    const carol = 'arn:aws:iam::111122223333:user/carol';
    // More rows than one statement takes (500), so the statement riding with the events is not the only one.
    const many = Array.from({ length: 1_201 }, (_, i) =>
      row(`actor-${String(i).padStart(4, '0')}`, 'ip:x', D0, t + i),
    );
    await store.recordSightings([row(carol, 'ip:198.51.100.7', D0, t + 5_000)]);
    const result = await store.transaction((tx) =>
      tx.insertEvents([makeEvent('sighted-1', t), makeEvent('sighted-2', t)], {
        sightings: [...many, row(carol, 'ip:198.51.100.7', D0, t + 1_000, t + 1_000, 2)],
      }),
    );
    assert.equal(result.inserted.length, 2);
    assert.deepEqual(await store.findSightings({ actors: [carol], fromMs: t, toMs: t + DAY }), [
      row(carol, 'ip:198.51.100.7', D0, t + 1_000, t + 5_000, 3),
    ]);
    const actors = many.map((entry) => entry.actor);
    assert.equal((await store.findSightings({ actors, fromMs: t, toMs: t + DAY })).length, 1_201);
    // No events: the sightings are still recorded.
    await store.insertEvents([], { sightings: [row(carol, 'ua:console', D0, t + 9)] });
    assert.equal((await store.findSightings({ actors: [carol], fromMs: t, toMs: t + DAY })).length, 2);
  });
}
