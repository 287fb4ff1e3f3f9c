// Tests for the OCSF writer: every emitted event validates against the shipped OCSF 1.4.0 Compliance Finding schema subset.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { toOcsfEvent, toOcsfEvents } from './ocsf.ts';
import { findingUid } from './finding-id.ts';
import { sampleReport, sampleSnapshot } from '../test-support/output.ts';
import { buildAuditReport } from '../summary.ts';
import { unreachableSnapshot } from '../collect/organization.ts';
import { auditSnapshot } from '../index.ts';
import { SAMPLE_NOW } from '../test-support/output.ts';

const SCHEMA = JSON.parse(
  readFileSync(new URL('./ocsf-1.4.0-compliance-finding.schema.json', import.meta.url), 'utf8'),
) as object;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  return ajv.compile(SCHEMA);
}

void test('every emitted finding validates against the OCSF 1.4.0 Compliance Finding schema (with and without a region)', () => {
  const validate = validator();
  // An unreachable organisation member adds account-level ERROR findings to the sample's PASS/FAIL/N/A/ERROR.
  const down = unreachableSnapshot(
    { id: '222222222222', name: 'member', status: 'ACTIVE' },
    'cannot assume role',
    SAMPLE_NOW,
  );
  const report = buildAuditReport(
    [sampleSnapshot(), down],
    [auditSnapshot(sampleSnapshot(), SAMPLE_NOW), auditSnapshot(down, SAMPLE_NOW)],
    SAMPLE_NOW,
  );
  const statuses = new Set(report.findings.map((f) => f.status));
  assert.deepEqual([...statuses].sort(), ['ERROR', 'FAIL', 'NOT_APPLICABLE', 'PASS']);
  const problems: string[] = [];
  for (const region of [null, 'eu-west-1']) {
    for (const event of toOcsfEvents(report, { region })) {
      if (!validate(event))
        problems.push(
          `${String((event['finding_info'] as { uid: string }).uid)}: ${JSON.stringify(validate.errors)}`,
        );
    }
  }
  assert.deepEqual(problems, []);
});

void test('the schema subset is not vacuous: it rejects what OCSF 1.4.0 rejects', () => {
  const validate = validator();
  const good = toOcsfEvents(sampleReport())[0]!;
  assert.equal(validate(good), true);
  const broken: [string, Record<string, unknown>][] = [
    ['no compliance', { ...good, compliance: undefined }],
    ['compliance without standards', { ...good, compliance: { status_id: 1 } }],
    ['unknown attribute', { ...good, evidence: { x: 1 } }],
    ['wrong class', { ...good, class_uid: 2004 }],
    ['profiles without cloud', { ...good, metadata: { ...(good['metadata'] as object), profiles: [] } }],
    ['version 1.3.0', { ...good, metadata: { ...(good['metadata'] as object), version: '1.3.0' } }],
    ['evidences with nothing in them', { ...good, evidences: [{}] }],
    ['time as text', { ...good, time: '2024-06-01T00:00:00Z' }],
    ['no cloud', { ...good, cloud: undefined }],
  ];
  for (const [why, event] of broken) {
    const cleaned = JSON.parse(JSON.stringify(event)) as object;
    assert.equal(validate(cleaned), false, why);
  }
});

void test('profiles, region, control, status codes and evidence are as pipelines expect', () => {
  const report = sampleReport();
  const byCheck = (checkId: string, name: string) => {
    const f = report.findings.find((x) => x.checkId === checkId && x.resource.name === name);
    assert.ok(f, `${checkId} ${name}`);
    return f;
  };
  const bob = toOcsfEvent(byCheck('iam_user_mfa_enabled_console_access', 'bob'), report, {
    region: 'eu-west-1',
  });
  assert.deepEqual((bob['metadata'] as { profiles: string[] }).profiles, ['cloud']);
  assert.equal((bob['cloud'] as { region: string }).region, 'eu-west-1');
  assert.equal(bob['status_code'], 'FAIL');
  const compliance = bob['compliance'] as Record<string, unknown>;
  assert.equal(compliance['control'], 'IAM.5');
  assert.equal(compliance['status_id'], 3);
  assert.ok((compliance['standards'] as string[]).includes('CIS AWS Foundations Benchmark v7.0'));
  assert.ok((compliance['requirements'] as string[]).includes('CIS 7.0 2.10'));
  const evidences = bob['evidences'] as { data: Record<string, unknown> }[];
  assert.equal(evidences[0]?.data['passwordEnabled'], true);
  assert.equal(
    (bob['remediation'] as { references: string[] }).references[0],
    'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-5',
  );
  // No region given: none written, and never a made-up "global".
  const noRegion = toOcsfEvents(report);
  assert.ok(noRegion.every((e) => !('region' in (e['cloud'] as object))));
  assert.doesNotMatch(JSON.stringify(noRegion), /"global"/);
  // ERROR is a warning in compliance terms, with the reason.
  const error = toOcsfEvent(byCheck('iam_user_hardware_mfa_enabled', '111122223333'), report);
  assert.equal(error['status_code'], 'ERROR');
  assert.equal((error['compliance'] as { status_id: number }).status_id, 2);
  assert.equal((error['compliance'] as { status: string }).status, 'Warning');
  assert.match((error['compliance'] as { status_details: string[] }).status_details[0]!, /AccessDenied/);
  // A check without a framework mapping still names its standard, and has no control.
  const policy = toOcsfEvent(byCheck('iam_user_mfa_enforced_by_policy', 'bob'), report);
  assert.equal('control' in (policy['compliance'] as object), false);
  assert.deepEqual((policy['compliance'] as { standards: string[] }).standards, [
    'mfaguard MFA posture checks',
  ]);
  // Root findings: CIS-only mapping still gives a Security Hub control where one exists.
  const root = toOcsfEvent(byCheck('iam_root_mfa_enabled', '<root_account>'), report);
  assert.equal((root['compliance'] as { control: string }).control, 'IAM.9');
  // The user resource carries what the snapshot knows.
  const alice = toOcsfEvent(byCheck('iam_user_mfa_enabled_console_access', 'alice'), report);
  const resource = (alice['resources'] as { data: Record<string, unknown>; uid: string }[])[0]!;
  assert.equal(resource.uid, 'arn:aws:iam::111122223333:user/alice');
  assert.equal(resource.data['user_id'], 'AIDAALICEEXAMPLE');
  assert.deepEqual(resource.data['groups'], ['humans']);
});

void test('first_seen_time comes from an earlier export; finding uids are stable across runs', () => {
  const report = sampleReport();
  const f = report.findings.find((x) => x.status === 'FAIL')!;
  const again = sampleReport();
  assert.deepEqual(again.findings.map(findingUid), report.findings.map(findingUid));
  assert.equal(new Set(report.findings.map(findingUid)).size, report.findings.length, 'unique per finding');
  const firstSeen = new Map([[findingUid(f), '2024-01-15T08:00:00.000Z']]);
  const event = toOcsfEvent(f, report, { firstSeen });
  const info = event['finding_info'] as Record<string, number>;
  assert.equal(info['first_seen_time'], Date.parse('2024-01-15T08:00:00Z'));
  assert.equal(info['created_time'], Date.parse('2024-01-15T08:00:00Z'));
  assert.equal(info['last_seen_time'], SAMPLE_NOW.getTime());
});
