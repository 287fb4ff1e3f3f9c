// The byte prefilter must change nothing but the speed: the prefiltered and the full-parse (--strict) scans give the same alerts.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateArchive } from '../generate/index.ts';
import { runScan } from './scan.ts';
import type { ScanOptions, ScanResult } from './scan.ts';

const DEMO = fileURLToPath(new URL('../../samples/demo/AWSLogs', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const TRAILS = [
  `${CORPUS}stratus-red-team/docs/detonation-logs`,
  `${CORPUS}otrf-security-datasets`,
  `${CORPUS}elastic-beats`,
  `${CORPUS}awsdocs`,
];

async function bothWays(options: ScanOptions): Promise<{ fast: ScanResult; full: ScanResult }> {
  const fast = await runScan({ ...options, workers: 0 });
  const full = await runScan({ ...options, workers: 0, strict: true });
  return { fast, full };
}

/** Same alerts to the byte: ids, classification, reasons, the event and where it came from. */
function assertSameAlerts(fast: ScanResult, full: ScanResult): void {
  assert.ok(full.alerts.length > 0, 'the comparison needs alerts');
  assert.deepEqual(
    fast.alerts.map((alert) => alert.id),
    full.alerts.map((alert) => alert.id),
  );
  assert.deepEqual(fast.alerts, full.alerts);
  assert.equal(fast.stats.events, full.stats.events);
  assert.equal(fast.stats.lastEventTime, full.stats.lastEventTime);
  assert.equal(fast.stats.firstEventTime, full.stats.firstEventTime);
}

describe('prefiltered scan = full-parse scan', () => {
  it('on the demo sample', async () => {
    const { fast, full } = await bothWays({ inputs: [DEMO] });
    assertSameAlerts(fast, full);
    // The prefilter did its job: far fewer records were parsed into the kept slice than exist.
    assert.ok(fast.stats.events > 10 * fast.events.length);
  });

  it('on the public corpus trails (arrays, JSON Lines, single records: whole-file fallback where needed)', async (t) => {
    const present = TRAILS.filter((path) => existsSync(path));
    if (present.length === 0) return t.skip('corpus absent (../shared/corpus)');
    const { fast, full } = await bothWays({ inputs: present });
    assertSameAlerts(fast, full);
    assert.deepEqual(fast.issues, full.issues);
  });

  it('on a generated archive, with the corpus rules loaded too', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-parity-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const truth = await generateArchive({
      outDir: dir,
      seed: 11,
      events: 6000,
      start: '2024-05-01',
      days: 3,
      deliveryMinutes: 60,
      mfaShare: 0.02,
    });
    const sigma = `${CORPUS}sigma/rules/cloud/aws/cloudtrail`;
    const rulePaths = existsSync(sigma) ? [sigma] : [];
    const { fast, full } = await bothWays({ inputs: [join(dir, 'AWSLogs')], rulePaths });
    assertSameAlerts(fast, full);
    const removals = new Set(
      fast.alerts.filter((alert) => alert.event.name === 'DeactivateMFADevice').map((a) => a.event.id),
    );
    assert.ok(truth.records.unique > 5000);
    assert.ok(removals.size > 0);
  });

  it('a Sigma rule written in lower case (eventName: deactivatemfadevice) fires on both paths', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-sigma-case-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rule = (name: string, id: string, value: string): void =>
      writeFileSync(
        join(dir, `${name}.yml`),
        [
          `title: ${name}`,
          `id: ${id}`,
          'logsource: { product: aws, service: cloudtrail }',
          'detection:',
          '  selection:',
          `    ${value}`,
          '  condition: selection',
          'level: high',
          '',
        ].join('\n'),
      );
    rule('lower-case', '0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a01', 'eventName: deactivatemfadevice');
    rule('cased', '0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a02', "eventName|cased: 'deactivatemfadevice'");
    const { fast, full } = await bothWays({ inputs: [DEMO], rulePaths: [dir], builtinRules: false });
    for (const result of [fast, full]) {
      const fired = (id: string): number => result.alerts.filter((alert) => alert.rule.id === id).length;
      assert.ok(fired('0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a01') > 0, 'the case-insensitive rule fired');
      assert.equal(fired('0b6a1c6e-3f55-4d9c-9a41-3c9f3c1f0a02'), 0, 'the |cased rule did not');
    }
    assertSameAlerts(fast, full);
  });
});
