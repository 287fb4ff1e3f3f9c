// Tests for the audit table: failures first by severity, then errors; the credential report's age in plain words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderAuditTable } from './table.ts';
import { plainDuration } from '../summary.ts';
import { sampleReport, sampleSnapshot } from '../test-support/output.ts';

void test('FAIL rows come first, most severe first, then ERROR; PASS and N/A only with --all', () => {
  const text = renderAuditTable(sampleReport());
  const rows = text
    .split('\n')
    .filter((l) => /^ {2}(FAIL|ERROR|PASS|NOT_APPLICABLE) /.test(l))
    .map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '));
  assert.deepEqual(rows, [
    'FAIL high iam_root_hardware_mfa_enabled',
    'FAIL high iam_user_mfa_enabled_console_access',
    'FAIL medium iam_rotate_access_key_90_days',
    'FAIL medium iam_user_mfa_enforced_by_policy',
    'FAIL medium iam_user_mfa_enforced_by_policy',
    'ERROR medium iam_user_hardware_mfa_enabled',
  ]);
  const all = renderAuditTable(sampleReport(), { all: true });
  const statuses = all
    .split('\n')
    .map((l) => /^ {2}(FAIL|ERROR|PASS|NOT_APPLICABLE) /.exec(l)?.[1])
    .filter((s) => s !== undefined);
  const firstPass = statuses.indexOf('PASS');
  assert.ok(firstPass > statuses.lastIndexOf('ERROR'));
  assert.ok(statuses.lastIndexOf('FAIL') < statuses.indexOf('ERROR'));
});

void test('the credential report line says how old it is in plain words', () => {
  assert.match(
    renderAuditTable(sampleReport()),
    /^ {2}credential report: generated 3 h 12 min ago; up to 4 h stale$/m,
  );
  // A file exported two days ago says what that means.
  const old = sampleSnapshot();
  const report = old.credentialReport.state === 'collected' ? old.credentialReport.value : null;
  assert.ok(report);
  const stale = sampleReport({
    ...old,
    credentialReport: {
      state: 'collected',
      location: 'report.csv',
      value: { ...report, generatedAt: '2024-05-29T19:00:00Z' },
    },
  });
  assert.match(
    renderAuditTable(stale),
    /credential report: generated 2 d 5 h ago; MFA changes since then are not in it/,
  );
  // Live: the age when AWS handed it over, and AWS's four-hour rule.
  const live = sampleReport({ ...old, source: 'live' });
  assert.match(
    renderAuditTable(live),
    /generated 3 h 12 min ago; up to 4 h stale \(AWS regenerates it at most every 4 h/,
  );
});

void test('plainDuration reads as people say durations', () => {
  assert.deepEqual(
    [0, 59_999, 14 * 60_000, 3 * 3_600_000, 3 * 3_600_000 + 12 * 60_000, 53 * 3_600_000, 48 * 3_600_000].map(
      plainDuration,
    ),
    ['0 min', '0 min', '14 min', '3 h', '3 h 12 min', '2 d 5 h', '2 d'],
  );
});
