// The kept slice a scan hands to correlation: every removal, and only what lies within an incident's reach of one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { incidentReach, isMfaRemoval } from '../detect/index.ts';
import { DEFAULT_TRIAGE_CONFIG } from '../enrich/index.ts';
import { packSlice } from './kept-slice.ts';
import { runScan } from './scan.ts';

const DEMO = fileURLToPath(new URL('../../samples/demo/AWSLogs', import.meta.url));

describe('kept slice', () => {
  it('holds the removals and only the events within reach of one, once each, oldest first', async () => {
    const result = await runScan({ inputs: [DEMO], workers: 0 });
    const removals = result.events.filter(isMfaRemoval);
    assert.ok(removals.length >= 3, 'the demo holds removals');
    const reach = incidentReach(DEFAULT_TRIAGE_CONFIG);
    const outside = result.events.filter(
      (event) =>
        !removals.some(
          (removal) =>
            event.timeMs >= removal.timeMs - reach.beforeMs && event.timeMs <= removal.timeMs + reach.afterMs,
        ),
    );
    assert.deepEqual(outside, []);
    assert.equal(new Set(result.events.map((event) => event.id)).size, result.events.length);
    for (let i = 1; i < result.events.length; i++)
      assert.ok(result.events[i - 1]!.timeMs <= result.events[i]!.timeMs);
    // Every removal alert was triaged from this slice.
    const removalAlerts = result.alerts.filter((alert) => alert.incident?.role === 'removal');
    assert.equal(new Set(removalAlerts.map((alert) => alert.event.id)).size, removals.length);
  });

  it('packs events into a buffer smaller than their JSON, with their ids, span and removals', async () => {
    const result = await runScan({ inputs: [DEMO], workers: 0 });
    const pack = packSlice(result.events)!;
    assert.ok(pack.packed.byteLength * 3 < JSON.stringify(result.events).length);
    assert.deepEqual(
      pack.ids,
      result.events.map((event) => event.id),
    );
    assert.equal(pack.firstMs, result.events[0]!.timeMs);
    assert.equal(pack.lastMs, result.events.at(-1)!.timeMs);
    assert.deepEqual(pack.removals, result.events.filter(isMfaRemoval));
    assert.equal(packSlice([]), null);
  });
});
