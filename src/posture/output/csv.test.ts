// Tests for the audit CSV: Prowler-like columns, one row per finding, formula injection neutralised.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_CSV_COLUMNS, renderAuditCsv } from './csv.ts';
import { findingUid } from './finding-id.ts';
import { sampleReport } from '../test-support/output.ts';

/** A small RFC 4180 reader for the test: quoted cells with doubled quotes, CRLF rows. */
function parse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

void test('the columns Prowler users expect, one row per finding, every field filled where known', () => {
  const report = sampleReport();
  const rows = parse(renderAuditCsv(report, { region: 'eu-west-1' }));
  assert.deepEqual(rows[0], [...AUDIT_CSV_COLUMNS]);
  assert.deepEqual(rows[0], [
    'timestamp',
    'account_uid',
    'account_name',
    'region',
    'check_id',
    'check_title',
    'status',
    'status_extended',
    'severity',
    'resource_type',
    'resource_uid',
    'resource_name',
    'compliance',
    'remediation_recommendation_text',
    'remediation_recommendation_url',
    'finding_uid',
  ]);
  assert.equal(rows.length, report.findings.length + 1);
  const at = (name: string) => rows[0]!.indexOf(name);
  const bob = rows.find(
    (r) => r[at('check_id')] === 'iam_user_mfa_enabled_console_access' && r[at('resource_name')] === 'bob',
  )!;
  assert.equal(bob[at('timestamp')], '2024-06-01T00:00:00.000Z');
  assert.equal(bob[at('account_uid')], '111122223333');
  assert.equal(bob[at('region')], 'eu-west-1');
  assert.equal(bob[at('status')], 'FAIL');
  assert.equal(bob[at('severity')], 'high');
  assert.equal(bob[at('resource_uid')], 'arn:aws:iam::111122223333:user/bob');
  assert.match(bob[at('compliance')]!, /CIS 7\.0 2\.10 \| .*IAM\.5 \| IAM\.19/);
  assert.match(bob[at('remediation_recommendation_url')]!, /iam-controls\.html#iam-5$/);
  const finding = report.findings.find(
    (f) => f.checkId === 'iam_user_mfa_enabled_console_access' && f.resource.name === 'bob',
  )!;
  assert.equal(bob[at('finding_uid')], findingUid(finding));
  // IAM is global: without a region the cell is empty, not made up.
  const noRegion = parse(renderAuditCsv(report));
  assert.ok(noRegion.slice(1).every((r) => r[at('region')] === ''));
});

void test('a cell that could start a formula is neutralised', () => {
  const text = renderAuditCsv(sampleReport());
  // The leading = is defused with a quote; the bidi override is written out, not applied.
  assert.match(text, /,'=cmd\|evil\\u202e,/);
  assert.doesNotMatch(text, /,=cmd/);
  assert.ok(!text.includes('\u202e'));
});
