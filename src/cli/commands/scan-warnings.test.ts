// A real `mfaguard scan` process prints no Node warning (MaxListenersExceededWarning, deprecations...) on a long run.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

it('scan writes thousands of alerts to --out with worker threads and prints nothing but its summary', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-warnings-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A rule that fires on every object read: thousands of alerts, so the output stream waits for the disk many times.
  writeFileSync(
    join(dir, 'every-get-object.yml'),
    [
      'title: Every GetObject',
      'id: 5f0c7a52-95c4-4f57-9a0e-2a4f8b1c0e11',
      'logsource: { product: aws, service: cloudtrail }',
      'detection:',
      '  selection:',
      '    eventName: GetObject',
      '  condition: selection',
      'level: low',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'alerts.json');
  const run = spawnSync(
    process.execPath,
    [
      join(ROOT, 'bin', 'mfaguard.js'),
      'scan',
      join(ROOT, 'samples', 'demo', 'AWSLogs'),
      '--rules',
      join(dir, 'every-get-object.yml'),
      '--workers',
      '2',
      '--format',
      'json',
      '--out',
      out,
      '--no-triage',
    ],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  assert.equal(run.status, 0, run.stderr);
  const alerts = (JSON.parse(readFileSync(out, 'utf8')) as { alerts: unknown[] }).alerts;
  assert.ok(alerts.length > 1000, `${alerts.length} alerts`);
  assert.doesNotMatch(run.stderr, /Warning|DeprecationWarning|\(node:\d+\)/);
  // Everything on standard error is the scan's own: notes on skipped digests and the summary.
  for (const line of run.stderr.trim().split('\n')) assert.match(line, /^(note: |Scanned )/, line);
});
