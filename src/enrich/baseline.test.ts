// Tests of the familiarity baseline's flat form: what crosses from a worker merges exactly as the maps it came from.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Baseline, BaselineBuilder, baselineFromSightings, baselineSightings } from './baseline.ts';
import { makeEvent } from './test-support/events.ts';
import { assertProperty } from '../test-support/property.ts';

const ACTORS = ['alice', 'bob', 'root', 'carol'];
const IPS = ['198.51.100.7', '203.0.113.9', '192.0.2.1'];
const AGENTS = ['aws-cli/2.15 Python/3.11', 'Boto3/1.34', 'AWS Internal', 'console.amazonaws.com'];
const BASE_MS = Date.parse('2024-03-01T00:00:00Z');

const sighting = fc.record({
  actor: fc.constantFrom(...ACTORS),
  ip: fc.constantFrom(...IPS),
  agent: fc.constantFrom(...AGENTS),
  offsetMs: fc.integer({ min: 0, max: 10 * 86_400_000 }),
});

function chunkBuilder(sightings: readonly { actor: string; ip: string; agent: string; offsetMs: number }[]) {
  const builder = new BaselineBuilder();
  for (const s of sightings) {
    const at = new Date(BASE_MS + s.offsetMs).toISOString();
    builder.observe(makeEvent({ name: 'ListUsers', at, actor: s.actor, ip: s.ip, userAgent: s.agent }));
  }
  return builder;
}

describe('baseline transfer', () => {
  it('merges chunks through encode/structuredClone/mergeTransfer as merge does, order and values alike', () => {
    assertProperty(
      fc.property(fc.array(fc.array(sighting, { maxLength: 25 }), { maxLength: 5 }), (chunks) => {
        const direct = new BaselineBuilder();
        const transferred = new BaselineBuilder();
        for (const chunk of chunks) {
          const builder = chunkBuilder(chunk);
          direct.merge(builder.data);
          transferred.mergeTransfer(structuredClone(builder.encode()));
        }
        assert.deepEqual(transferred.data, direct.data);
        // Map order too: the same keys, values and days, inserted in the same order.
        const order = (data: BaselineBuilder['data']) =>
          [...data].map(([key, values]) => [key, [...values].map(([value, days]) => [value, [...days]])]);
        assert.deepEqual(order(transferred.data), order(direct.data));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the earliest sighting of a day when a later chunk brings an earlier one', () => {
    const late = chunkBuilder([{ actor: 'alice', ip: IPS[0]!, agent: AGENTS[0]!, offsetMs: 50_000 }]);
    const early = chunkBuilder([{ actor: 'alice', ip: IPS[0]!, agent: AGENTS[0]!, offsetMs: 1_000 }]);
    const merged = new BaselineBuilder();
    merged.mergeTransfer(late.encode());
    merged.mergeTransfer(early.encode());
    const [alice] = [...merged.data.keys()];
    assert.equal(
      merged.data
        .get(alice!)
        ?.get(`ip:${IPS[0]}`)
        ?.get(Math.floor(BASE_MS / 86_400_000)),
      BASE_MS + 1_000,
    );
    assert.equal(merged.data.size, 1);
  });

  it('encodes an empty baseline as empty tables', () => {
    const encoded = new BaselineBuilder().encode();
    assert.deepEqual([encoded.actors, encoded.values, [...encoded.numbers]], [[], [], []]);
  });
});

describe('baseline sightings (what the live store keeps)', () => {
  it('give the same baseline as observing the events, split into batches any way, and count each sighting', () => {
    assertProperty(
      fc.property(fc.array(sighting, { maxLength: 40 }), fc.nat({ max: 40 }), (sightings, cut) => {
        const events = sightings.map((s) =>
          makeEvent({
            name: 'ListUsers',
            at: new Date(BASE_MS + s.offsetMs).toISOString(),
            actor: s.actor,
            ip: s.ip,
            userAgent: s.agent,
          }),
        );
        const rows = [...baselineSightings(events.slice(0, cut)), ...baselineSightings(events.slice(cut))];
        assert.deepEqual(baselineFromSightings(rows), new Baseline(chunkBuilder(sightings).data));
        const anyCount = rows.filter((row) => row.value === 'any').reduce((sum, row) => sum + row.count, 0);
        assert.equal(anyCount, events.length);
        for (const row of rows) assert.ok(row.firstMs <= row.lastMs);
      }),
    );
  });
});
