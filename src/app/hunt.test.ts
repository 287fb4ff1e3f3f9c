// `hunt --engine duckdb` against `scan`: the same alerts, on the demo sample and on a generated 100k-event archive.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateArchive } from '../generate/index.ts';
import { FULL_SCOPE, loadDuckdbEngine } from '../hunt/index.ts';
import type { Alert } from '../model/index.ts';
import { runHunt } from './hunt.ts';
import { runScan } from './scan.ts';

const DEMO = new URL('../../samples/demo/', import.meta.url).pathname;

/** Everything an alert says, except the record's index in its file, which rows from an engine do not carry. */
function comparable(alerts: readonly Alert[]): unknown[] {
  return alerts.map((alert) => ({ ...alert, event: { ...alert.event, index: null } }));
}

async function huntDuckdb(path: string, scope = FULL_SCOPE): Promise<Awaited<ReturnType<typeof runHunt>>> {
  const { openDuckdbEngine } = await loadDuckdbEngine();
  return runHunt({ engine: await openDuckdbEngine({ paths: [path] }), scope });
}

describe('hunt --engine duckdb gives the alerts scan gives', () => {
  it('on the demo sample', async () => {
    const scan = await runScan({ inputs: [DEMO], workers: 0 });
    const hunt = await huntDuckdb(DEMO);
    assert.ok(scan.alerts.length >= 20, `the demo holds its planted stories (${scan.alerts.length} alerts)`);
    assert.deepEqual(comparable(hunt.alerts), comparable(scan.alerts));
    assert.equal(hunt.stats.events, scan.stats.events);
    assert.equal(hunt.stats.lastEventTime, scan.stats.lastEventTime);
    assert.equal(hunt.queries.length, 1, 'without --since there is no earlier history to fetch');
    // Only the slice came back, not the archive.
    assert.ok(hunt.queries[0]!.rows < scan.stats.events / 10);
  });

  describe('on a generated archive of 100,000 events', () => {
    let dir = '';
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mfaguard-hunt-100k-'));
      // Hourly deliveries: the same events in fewer, larger files, as a busy trail writes them.
      await generateArchive({
        outDir: dir,
        seed: 7,
        events: 100_000,
        start: '2024-03-04',
        days: 3,
        deliveryMinutes: 60,
        recordsPerFile: 5000,
      });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('gives identical alerts, classifications and reasons', async () => {
      const scan = await runScan({ inputs: [dir], workers: 0 });
      const hunt = await huntDuckdb(dir);
      assert.ok(scan.stats.events >= 100_000, `${scan.stats.events} events`);
      assert.ok(scan.alerts.some((alert) => alert.classification !== undefined));
      assert.deepEqual(comparable(hunt.alerts), comparable(scan.alerts));
      assert.equal(hunt.stats.events, scan.stats.events);
    });
  });

  it('with --since, fetches what the callers did before it for their baseline, and alerts only inside the window', async () => {
    const scan = await runScan({ inputs: [DEMO], workers: 0 });
    const since = '2024-03-05T00:00:00Z';
    const hunt = await huntDuckdb(DEMO, { ...FULL_SCOPE, since });
    assert.equal(hunt.queries.length, 2);
    const baseline = hunt.queries[1]!;
    assert.equal(baseline.purpose, 'baseline');
    assert.match(baseline.sql, /useridentity\.arn IN \('arn:aws:iam::/);
    assert.ok(baseline.rows > 0, 'the callers have history before the window');
    assert.ok(hunt.alerts.length > 0);
    assert.ok(hunt.alerts.every((alert) => alert.event.time >= since));
    // With the callers' history, no removal in the window lacks a baseline that the whole archive gives it.
    const noBaseline = (alerts: readonly Alert[]): string[] =>
      alerts
        .filter((a) => a.event.time >= since && (a.reasons ?? []).some((r) => r.code === 'no-baseline'))
        .map((a) => a.id)
        .sort();
    assert.deepEqual(noBaseline(hunt.alerts), noBaseline(scan.alerts));
  });
});
