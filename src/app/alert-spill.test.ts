// Alerts held on disk come back exactly as they went in, oldest first, each id once; a scan that spills writes what
// one that keeps everything in memory writes, and a rule firing on every record does not grow the kept slice.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BURST_RULE } from '../detect/index.ts';
import { generateArchive } from '../generate/index.ts';
import type { Alert, Severity } from '../model/index.ts';
import { compareAlerts } from './alert-order.ts';
import { alertOfEntry, compareEntries, encodeAlert, entryOfAlert } from './alert-line.ts';
import type { AlertRules } from './alert-line.ts';
import { AlertSpill, arraySource, mergeEntries } from './alert-spill.ts';
import { runScan } from './scan.ts';
import type { ScanResult } from './scan.ts';

const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

function alertOf(n: number, copy: number, title: string): Alert {
  const id = `rule-${n % 3}:event-${n}`;
  return {
    id,
    rule: { id: `rule-${n % 3}`, name: 'r', format: 'builtin', severity: 'low', riskScore: 21, mitre: [] },
    severity: SEVERITIES[n % SEVERITIES.length]!,
    riskScore: 21,
    title,
    event: {
      id: `event-${n}`,
      name: 'AssumeRole',
      source: 'sts.amazonaws.com',
      // Several alerts share a second: the order then falls to severity and id.
      time: new Date(Date.UTC(2024, 4, 1) + (n % 17) * 1000).toISOString(),
      outcome: 'success',
      errorCode: null,
      account: '111122223333',
      region: 'us-east-1',
      // Two trails deliver the same event from two files: the first copy seen is the one written.
      location: `trail-${copy}/file-${n}.json.gz`,
      index: n,
    },
    actor: {
      arn: null,
      type: 'AssumedRole',
      userName: null,
      accessKeyId: null,
      accessKeyKind: null,
      sourceIp: null,
      userAgent: 'ünïcödé ✓ 😀',
      mfaAuthenticated: null,
      consoleSession: false,
    },
    target: { userName: null, serialNumber: null },
  };
}

/** The rule blocks `encodeAlert` leaves out, as the scan's rule set gives them back. */
const RULES: AlertRules = new Map(
  [0, 1, 2].map((n) => [
    `rule-${n}`,
    { id: `rule-${n}`, name: 'r', format: 'builtin', severity: 'low', riskScore: 21, mitre: [] },
  ]),
);

/** What a scan does at the end: the held alerts and `others` (whole, arriving last) merged into one list. */
async function drained(
  spill: AlertSpill,
  others: readonly Alert[],
): Promise<{ out: Alert[]; duplicates: number }> {
  const out: Alert[] = [];
  const tail = others.map((alert, i) => entryOfAlert(alert, Number.MAX_SAFE_INTEGER - others.length + i));
  tail.sort(compareEntries);
  try {
    const duplicates = await mergeEntries([...spill.sources(), arraySource(tail)], (entry) => {
      out.push(alertOfEntry(entry, RULES));
    });
    return { out, duplicates };
  } finally {
    spill.discard();
  }
}

describe('AlertSpill', () => {
  it('merges runs on disk and alerts in memory oldest first, the first copy of an id only', async () => {
    // Titles long enough to cross the 64 KiB read buffer, with multi-byte characters at every offset.
    const long = '😀é'.repeat(12_000);
    const arrivals: Alert[] = [];
    for (let n = 0; n < 200; n++) arrivals.push(alertOf((n * 37) % 200, 0, n % 50 === 0 ? long : `t${n}`));
    for (let n = 0; n < 200; n += 9) arrivals.push(alertOf(n, 1, 'later copy'));
    const others = [alertOf(500, 0, 'triaged'), alertOf(501, 0, 'triaged')];

    const spill = new AlertSpill(3_000);
    for (const alert of arrivals) spill.add(encodeAlert(alert));
    assert.ok(spill.spilledRuns > 20, 'the small threshold wrote runs');
    const { out, duplicates } = await drained(spill, others);
    assert.equal(spill.spilledRuns, 0, 'the runs are removed');

    const firstById = new Map<string, Alert>();
    for (const alert of [...arrivals, ...others])
      if (!firstById.has(alert.id)) firstById.set(alert.id, alert);
    const expected = [...firstById.values()].sort(compareAlerts);
    assert.equal(duplicates, arrivals.length + others.length - expected.length);
    assert.equal(duplicates, 23);
    assert.deepEqual(out, expected);
    assert.ok(out.every((alert) => alert.event.location.startsWith('trail-0/')));
  });

  it('keeps everything in memory below the threshold and gives the same order', async () => {
    const spill = new AlertSpill(1_000_000);
    const alerts = [3, 1, 2, 1].map((n) => alertOf(n, 0, `t${n}`));
    for (const alert of alerts) spill.add(encodeAlert(alert));
    assert.equal(spill.spilledRuns, 0);
    const { out, duplicates } = await drained(spill, []);
    assert.equal(duplicates, 1);
    assert.deepEqual(
      out.map((alert) => alert.id),
      [...new Set(alerts.map((alert) => alert.id))]
        .map((id) => alerts.find((alert) => alert.id === id)!)
        .sort(compareAlerts)
        .map((alert) => alert.id),
    );
  });
});

describe('scan with a rule that fires on every record', () => {
  it('writes the same alerts whether they stay in memory or go to disk, and the kept slice stays the MFA slice', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mfaguard-spill-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await generateArchive({
      outDir: join(dir, 'archive'),
      seed: 5,
      events: 3000,
      start: '2024-05-01',
      days: 2,
      deliveryMinutes: 60,
      mfaShare: 0.02,
    });
    writeFileSync(
      join(dir, 'every-record.yml'),
      [
        'title: every record',
        'id: 2d0c1f4e-5b7a-4f7e-9a3b-0c1d2e3f4a5b',
        'logsource: { product: aws, service: cloudtrail }',
        'detection:',
        '  selection:',
        "    eventSource|endswith: '.amazonaws.com'",
        '  condition: selection',
        'level: low',
        '',
      ].join('\n'),
    );
    const scan = (alertSpillThreshold: number, triage?: false): Promise<ScanResult> =>
      runScan({
        inputs: [join(dir, 'archive', 'AWSLogs')],
        rulePaths: [join(dir, 'every-record.yml')],
        workers: 0,
        alertSpillThreshold,
        ...(triage === false ? { triage } : {}),
      });
    const figures = ({ elapsedMs: _e, ...rest }: ScanResult['stats']): object => rest;
    const memory = await scan(100_000_000);
    const disk = await scan(20_000);
    assert.ok(memory.stats.alerts > memory.stats.events * 0.9, 'the rule fired on (nearly) every record');
    assert.ok(memory.stats.duplicates > 0, 'the archive holds a file delivered twice');
    assert.deepEqual(disk.alerts, memory.alerts);
    assert.deepEqual(figures(disk.stats), figures(memory.stats));
    // Removals were triaged among the spilled alerts.
    assert.ok(disk.alerts.some((alert) => alert.incident?.role === 'removal'));
    // The kept slice holds what correlation reads, not every record the rule hit.
    assert.ok(disk.events.length * 10 < disk.stats.events, `${disk.events.length} of ${disk.stats.events}`);

    const untriagedMemory = await scan(100_000_000, false);
    const untriagedDisk = await scan(20_000, false);
    assert.deepEqual(untriagedDisk.alerts, untriagedMemory.alerts);
    assert.equal(untriagedDisk.stats.duplicates, memory.stats.duplicates);

    // Only the alerts on events correlation read are triaged; every other alert is written as the rule made it.
    const read = new Set(disk.events.map((event) => event.id));
    const untriaged = new Map(untriagedDisk.alerts.map((alert) => [alert.id, alert]));
    let passedThrough = 0;
    for (const alert of disk.alerts) {
      if (alert.rule.id === BURST_RULE.meta.id) continue;
      assert.ok(untriaged.has(alert.id), `${alert.id} was raised without triage too`);
      if (read.has(alert.event.id)) continue;
      assert.deepEqual(alert, untriaged.get(alert.id));
      passedThrough++;
    }
    assert.ok(passedThrough > disk.alerts.length / 2);
    assert.ok(disk.alerts.some((alert) => read.has(alert.event.id) && alert.classification !== undefined));
  });
});
