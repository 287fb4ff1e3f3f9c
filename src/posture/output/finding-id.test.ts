// Tests for stable finding ids and first-seen times read back from earlier exports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingUid, firstSeenOf, readFirstSeen } from './finding-id.ts';
import { sampleReport } from '../test-support/output.ts';

void test('the id depends on account, check and resource, not on status or message', () => {
  const f = sampleReport().findings.find((x) => x.status === 'FAIL')!;
  const id = findingUid(f);
  assert.match(id, /^mfaguard\/111122223333\/[a-z_0-9]+\/[0-9a-f]{20}$/);
  assert.equal(findingUid({ ...f, status: 'PASS', message: 'fixed' }), id);
  assert.notEqual(
    findingUid({ ...f, resource: { ...f.resource, name: 'other', arn: 'arn:aws:iam::1:user/other' } }),
    id,
  );
  assert.notEqual(findingUid({ ...f, checkId: 'iam_root_mfa_enabled' }), id);
});

void test('first-seen times are read from ASFF and OCSF exports, the earliest wins, and bad files are issues', () => {
  const seen = new Map<string, string>();
  const asff = JSON.stringify({
    Findings: [
      { Id: 'a/IAM.5', CreatedAt: '2024-03-01T00:00:00Z', ProductFields: { 'mfaguard/FindingUid': 'a' } },
      {
        Id: 'a/IAM.19',
        FirstObservedAt: '2024-02-01T00:00:00Z',
        ProductFields: { 'mfaguard/FindingUid': 'a' },
      },
      { Id: 'x', CreatedAt: '2024-01-01T00:00:00Z' },
    ],
  });
  const ocsf = JSON.stringify([
    { finding_info: { uid: 'b', first_seen_time: Date.parse('2024-04-01T00:00:00Z') } },
  ]);
  assert.deepEqual(readFirstSeen(asff, 'old.asff.json', seen), []);
  assert.deepEqual(readFirstSeen(ocsf, 'old.ocsf.json', seen), []);
  assert.deepEqual(Object.fromEntries(seen), {
    a: '2024-02-01T00:00:00.000Z',
    b: '2024-04-01T00:00:00.000Z',
  });
  const bad = readFirstSeen('{"Findings":', 'broken.json', seen);
  assert.equal(bad[0]?.code, 'previous-output-unreadable');
  assert.equal(bad[0]?.location, 'broken.json');
  assert.equal(readFirstSeen('{"other": 1}', 'other.json', seen)[0]?.level, 'warning');
});

void test('firstSeenOf: a later or missing first-seen time falls back to now', () => {
  const f = sampleReport().findings[0]!;
  const now = '2024-06-01T00:00:00.000Z';
  assert.equal(
    firstSeenOf(f, new Map([[findingUid(f), '2024-05-01T00:00:00.000Z']]), now),
    '2024-05-01T00:00:00.000Z',
  );
  assert.equal(firstSeenOf(f, new Map([[findingUid(f), '2025-01-01T00:00:00.000Z']]), now), now);
  assert.equal(firstSeenOf(f, undefined, now), now);
});
