import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKS } from './index.ts';
import { runChecks } from './run.ts';
import type { Check } from './check.ts';
import { DEFAULT_POSTURE_CONFIG } from './check.ts';
import {
  controlsFor,
  mappedCheckIds,
  securityHubControl,
  securityHubDataProblems,
} from '../frameworks/controls.ts';
import { emptySnapshot, NOW, withReport } from '../test-support/posture.ts';
import type { MfaDevice } from '../collect/snapshot.ts';

const ctx = { now: NOW, config: DEFAULT_POSTURE_CONFIG, analyze: null };

void describe('the check registry (all checks at once)', () => {
  void it('is alphabetical, keyed by id, one folder per check with its own test', () => {
    const ids = Object.keys(CHECKS);
    assert.deepEqual(ids, [...ids].sort());
    const offenders = Object.entries(CHECKS).flatMap(([key, check]) => {
      const problems: string[] = [];
      if (key !== check.id) problems.push(`${key}: id is ${check.id}`);
      if (!existsSync(new URL(`./${key}/index.ts`, import.meta.url))) problems.push(`${key}: no folder`);
      if (!existsSync(new URL(`./${key}/index.test.ts`, import.meta.url))) problems.push(`${key}: no test`);
      // The title is what CSV, OCSF and ASFF exports show for a check without a Security Hub control.
      if (check.title.length < 20) problems.push(`${key}: title too thin`);
      if (check.remediation.length < 30) problems.push(`${key}: remediation too thin`);
      if (!/^https:\/\/docs\.aws\.amazon\.com\/\S+$/.test(check.remediationUrl))
        problems.push(`${key}: remediation URL ${check.remediationUrl}`);
      // A check mapped to a Security Hub control points at that control's page.
      const control = controlsFor(key).find((c) => c.framework === 'aws-securityhub');
      if (control !== undefined && check.remediationUrl !== securityHubControl(control.id)?.url)
        problems.push(`${key}: remediation URL is not the ${control.id} page`);
      return problems;
    });
    assert.deepEqual(offenders, []);
    assert.equal(ids.length, 11);
  });

  void it('describes every mapped Security Hub control, with known standards', () => {
    assert.deepEqual(securityHubDataProblems(), []);
    assert.deepEqual(
      securityHubControl('IAM.5')?.standards.map((s) => s.standardsId),
      [
        'standards/aws-foundational-security-best-practices/v/1.0.0',
        'ruleset/cis-aws-foundations-benchmark/v/1.2.0',
        'standards/cis-aws-foundations-benchmark/v/1.4.0',
        'standards/cis-aws-foundations-benchmark/v/3.0.0',
        'standards/cis-aws-foundations-benchmark/v/5.0.0',
      ],
    );
    assert.equal(securityHubControl('IAM.99'), null);
  });

  void it('maps only real check ids in the framework data', () => {
    assert.deepEqual(
      mappedCheckIds().filter((id) => !(id in CHECKS)),
      [],
    );
  });

  void it('every finding names its resource in the message', () => {
    const devices: MfaDevice[] = [
      {
        serialNumber: 'arn:aws:iam::111122223333:mfa/root',
        kind: 'virtual',
        userName: '<root_account>',
        userArn: null,
        enableDate: null,
      },
    ];
    const on = { active: true, rotated: '2020-01-01T00:00:00+00:00' };
    const snapshot = withReport(
      [
        { user: '<root_account>', mfa: true, key1: on },
        { user: 'alice', password: 'true', key1: on, key2: on },
        { user: 'bob', password: 'false', key1: on },
      ],
      {
        virtualMfaDevices: { state: 'collected', location: 'v', value: devices },
        mfaDevices: { state: 'collected', location: 'm', value: devices },
      },
    );
    const findings = runChecks(CHECKS, snapshot, ctx);
    const offenders = findings
      .filter((f) => !f.message.includes(f.resource.name) && !f.message.includes(f.resource.account ?? '@@'))
      .map((f) => `${f.checkId}: ${f.message}`);
    assert.deepEqual(offenders, []);
    assert.ok(findings.length >= 14, String(findings.length));
  });
});

void describe('the runner', () => {
  void it('turns a check that throws into an ERROR finding and keeps going', () => {
    const boom: Check = {
      id: 'boom',
      title: 't',
      severity: 'high',
      requires: [],
      remediationUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/',
      remediation: 'r',
      run: () => {
        throw new Error('kaboom');
      },
    };
    const findings = runChecks(
      { boom, iam_root_mfa_enabled: CHECKS['iam_root_mfa_enabled']! },
      withReport([{ user: '<root_account>', mfa: true }]),
      ctx,
    );
    assert.deepEqual(
      findings.map((f) => [f.checkId, f.status]),
      [
        ['boom', 'ERROR'],
        ['iam_root_mfa_enabled', 'PASS'],
      ],
    );
    assert.match(findings[0]?.message ?? '', /Check boom failed on account 111122223333: kaboom/);
  });

  void it('gives ERROR for a failed input, NOT_APPLICABLE naming the flag for a missing one, ERROR for every check of an unreachable account', () => {
    const failed = runChecks(
      CHECKS,
      emptySnapshot({
        credentialReport: {
          state: 'failed',
          reason: 'AccessDenied: no',
          location: 'aws:GetCredentialReport',
        },
      }),
      ctx,
    );
    const console = failed.find((f) => f.checkId === 'iam_user_mfa_enabled_console_access');
    assert.equal(console?.status, 'ERROR');
    assert.match(console?.message ?? '', /Could not collect credentialReport .*AccessDenied: no/);
    const missing = runChecks(CHECKS, emptySnapshot(), ctx);
    assert.ok(missing.every((f) => f.status === 'NOT_APPLICABLE'));
    assert.match(
      missing.find((f) => f.checkId === 'iam_user_mfa_enforced_by_policy')?.message ?? '',
      /--authorization-details/,
    );
    const down = runChecks(CHECKS, emptySnapshot({ unreachable: 'cannot assume role' }), ctx);
    assert.equal(down.length, 11);
    assert.ok(down.every((f) => f.status === 'ERROR' && f.message.includes('cannot assume role')));
  });
});
