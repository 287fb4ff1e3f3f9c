import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countAlertsBySeverity, countIssues, renderIssue, renderSummary, summaryToJson } from './summary.ts';
import type { ScanSummary } from './summary.ts';
import { FIXTURE_ALERTS } from './test-support/alerts.ts';

const SUMMARY: ScanSummary = {
  files: 12,
  skippedFiles: 2,
  events: 20000,
  bytes: 26_500_000,
  alerts: FIXTURE_ALERTS.length,
  alertsBySeverity: countAlertsBySeverity(FIXTURE_ALERTS),
  unreadable: 1,
  warnings: 0,
  duplicates: 40,
  elapsedMs: 1234,
};

void test('renderSummary gives one line with files, events, bytes, time, alerts by severity, unreadable, duplicates', () => {
  assert.equal(
    renderSummary(SUMMARY, false),
    'Scanned 12 files (2 skipped), 20,000 events, 25.3 MB in 1.2 s — 4 alerts: 2 critical, 1 medium, 1 low · 1 unreadable input · 40 duplicates dropped',
  );
  const none = {
    ...SUMMARY,
    alerts: 0,
    alertsBySeverity: {},
    unreadable: 0,
    duplicates: 0,
    skippedFiles: 0,
    files: 1,
  };
  assert.equal(renderSummary(none, false), 'Scanned 1 file, 20,000 events, 25.3 MB in 1.2 s — no alerts');
  assert.match(renderSummary(SUMMARY, true), /\u001b\[1;97;41m2 critical\u001b\[0m/);
});

void test('summaryToJson has a stable key order, severities from critical down', () => {
  const json = summaryToJson(SUMMARY);
  assert.deepEqual(Object.keys(json), [
    'files',
    'skippedFiles',
    'events',
    'bytes',
    'alerts',
    'alertsBySeverity',
    'unreadable',
    'warnings',
    'duplicates',
    'elapsedMs',
  ]);
  assert.deepEqual(json['alertsBySeverity'], { critical: 2, high: 0, medium: 1, low: 1, info: 0 });
  assert.equal(json['alerts'], 4);
});

void test('countIssues counts errors as unreadable and warnings apart', () => {
  const issues = [
    { level: 'error', code: 'not-json', location: 'a', message: 'm' },
    { level: 'warning', code: 'x', location: 'b', message: 'm' },
    { level: 'note', code: 'digest-skipped', location: 'c', message: 'm' },
    { level: 'error', code: 'gzip-truncated', location: 'd', message: 'm' },
  ] as const;
  assert.deepEqual(countIssues(issues), { unreadable: 2, warnings: 1 });
});

void test('renderIssue names level, place, record, reason and hint, all terminal-safe', () => {
  assert.equal(
    renderIssue({
      level: 'warning',
      code: 'record-shape',
      location: 'path/to/file.json.gz',
      index: 12,
      message: 'expected an object, got "abc"',
      hint: 'hint',
    }),
    'warning: path/to/file.json.gz:record 12: expected an object, got "abc" — hint',
  );
  assert.equal(
    renderIssue({
      level: 'error',
      code: 'not-json',
      location: 'x.json',
      line: 3,
      column: 7,
      message: 'unexpected token',
    }),
    'error: x.json:3:7: unexpected token',
  );
  const hostile = renderIssue({
    level: 'error',
    code: 'record-shape',
    location: 'evil\u001b[2J.json',
    path: '$.Records[0]',
    message: 'got "\u001b]0;pwned\u0007"\nfake: line',
    hint: '\u202eoops',
  });
  assert.equal(
    hostile,
    'error: evil\\x1b[2J.json at $.Records[0]: got "\\x1b]0;pwned\\x07"\\nfake: line — \\u202eoops',
  );
  assert.ok(!hostile.includes('\n'), 'one line');
});
