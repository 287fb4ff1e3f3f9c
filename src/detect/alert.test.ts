// Tests alert building: the schema, deterministic ids, severity mapping and readable titles.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledRule } from '../model/index.ts';
import { alertId, alertTitle, buildAlert } from './alert.ts';
import { loadBuiltinRules } from './load-rules.ts';
import { makeEvent } from './test-support/event.ts';

function builtinRule(id: string): CompiledRule {
  const result = loadBuiltinRules().find((r) => r.status === 'ok' && r.rule.meta.id === id);
  assert.ok(result?.status === 'ok', `built-in rule ${id} did not load`);
  return result.rule;
}

describe('buildAlert', () => {
  it('fills the documented schema from the rule and the event', () => {
    const rule = builtinRule('mfaguard-iam-mfa-device-deactivated');
    const event = makeEvent({
      id: 'evt-1',
      origin: { location: 'AWSLogs/x.json.gz', index: 3 },
      actor: {
        accessKeyId: 'ASIAEXAMPLE',
        accessKeyKind: 'temporary',
        mfaAuthenticated: true,
        consoleSession: true,
      },
    });
    const alert = buildAlert(rule, event);
    assert.equal(alert.id, alertId('mfaguard-iam-mfa-device-deactivated', 'evt-1'));
    assert.match(alert.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(alert.rule, {
      id: 'mfaguard-iam-mfa-device-deactivated',
      name: rule.meta.name,
      format: 'builtin',
      severity: 'medium',
      riskScore: 47,
      mitre: rule.meta.mitre,
    });
    assert.equal(alert.severity, 'medium');
    assert.equal(alert.riskScore, 47);
    assert.equal(
      alert.title,
      'MFA device deactivated for user alice by bob (arn:aws:iam::111122223333:user/bob)',
    );
    assert.deepEqual(alert.event, {
      id: 'evt-1',
      name: 'DeactivateMFADevice',
      source: 'iam.amazonaws.com',
      time: '2024-05-14T09:12:40Z',
      outcome: 'success',
      errorCode: null,
      account: '111122223333',
      region: 'us-east-1',
      location: 'AWSLogs/x.json.gz',
      index: 3,
    });
    assert.deepEqual(alert.actor, {
      arn: 'arn:aws:iam::111122223333:user/bob',
      type: 'IAMUser',
      userName: 'bob',
      accessKeyId: 'ASIAEXAMPLE',
      accessKeyKind: 'temporary',
      sourceIp: '198.51.100.23',
      userAgent: 'aws-cli/2.15.40',
      mfaAuthenticated: true,
      consoleSession: true,
    });
    assert.deepEqual(alert.target, {
      userName: 'alice',
      serialNumber: 'arn:aws:iam::111122223333:mfa/alice',
    });
    assert.equal('aggregate' in alert, false);
    assert.equal('reasons' in alert, false);
  });

  it('ids are deterministic per (rule, event) and differ when either differs', () => {
    assert.equal(alertId('r', 'e'), alertId('r', 'e'));
    assert.notEqual(alertId('r', 'e'), alertId('r', 'e2'));
    assert.notEqual(alertId('r', 'e'), alertId('r2', 'e'));
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    assert.notEqual(alertId('ab', 'c'), alertId('a', 'bc'));
  });

  it("applies a rule's severity mapping: root signing in without MFA is critical, with MFA high", () => {
    const rule = builtinRule('mfaguard-root-console-sign-in');
    const signIn = {
      name: 'ConsoleLogin',
      source: 'signin.amazonaws.com',
      actor: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', userName: 'root' },
    };
    const without = buildAlert(rule, makeEvent({ ...signIn, mfaUsed: false }));
    assert.deepEqual([without.severity, without.riskScore, without.rule.severity], ['critical', 99, 'high']);
    assert.deepEqual(without.reasons, [{ code: 'severity-mapping', message: 'root signed in without MFA' }]);
    assert.equal(
      without.title,
      'Console sign-in by root (arn:aws:iam::111122223333:root) without MFA from 198.51.100.23',
    );
    const withMfa = buildAlert(rule, makeEvent({ ...signIn, mfaUsed: true }));
    assert.deepEqual([withMfa.severity, withMfa.riskScore], ['high', 73]);
    const unknown = buildAlert(rule, makeEvent({ ...signIn, mfaUsed: null }));
    assert.equal(unknown.severity, 'high');
  });

  it('carries the aggregate summary for aggregate hits', () => {
    const rule = builtinRule('mfaguard-iam-mfa-device-deactivated');
    const alert = buildAlert(rule, makeEvent(), {
      aggregate: { summary: '3 removals in 10m', eventIds: ['a', 'b', 'c'] },
    });
    assert.deepEqual(alert.aggregate, { summary: '3 removals in 10m', eventIds: ['a', 'b', 'c'] });
  });
});

describe('alertTitle', () => {
  it('words each MFA event readably', () => {
    const root = { type: 'Root', arn: 'arn:aws:iam::111122223333:root', userName: 'root' };
    const cases: [Parameters<typeof makeEvent>[0], string][] = [
      [
        { outcome: 'failure', errorCode: 'AccessDenied' },
        'Attempt to deactivate MFA device for user alice by bob (arn:aws:iam::111122223333:user/bob) (refused: AccessDenied)',
      ],
      [
        { actor: root, target: { userName: 'root' } },
        'MFA device deactivated for the root user by root (arn:aws:iam::111122223333:root)',
      ],
      [
        { name: 'DeleteVirtualMFADevice', target: { userName: null } },
        'Virtual MFA device arn:aws:iam::111122223333:mfa/alice deleted by bob (arn:aws:iam::111122223333:user/bob)',
      ],
      [
        {
          name: 'CreateVirtualMFADevice',
          requestParameters: { virtualMFADeviceName: 'bob-phone' },
          actor: {
            type: 'AssumedRole',
            userName: 'mallory',
            arn: 'arn:aws:sts::111122223333:assumed-role/Admin/mallory',
            accessKeyKind: 'temporary',
          },
        },
        'Virtual MFA device bob-phone created by AssumedRole mallory (arn:aws:sts::111122223333:assumed-role/Admin/mallory) with temporary credentials outside the console',
      ],
      [
        { name: 'EnableMFADevice' },
        'MFA device arn:aws:iam::111122223333:mfa/alice enabled for user alice by bob (arn:aws:iam::111122223333:user/bob)',
      ],
      [
        {
          name: 'ConsoleLogin',
          source: 'signin.amazonaws.com',
          outcome: 'failure',
          mfaUsed: false,
          target: { userName: null, serialNumber: null },
        },
        'Failed console sign-in by bob (arn:aws:iam::111122223333:user/bob) without MFA from 198.51.100.23',
      ],
      [
        { name: 'PutBucketPolicy', actor: { arn: null, userName: null, principalId: null } },
        'Some rule: PutBucketPolicy by an unknown identity',
      ],
    ];
    for (const [overrides, expected] of cases)
      assert.equal(alertTitle('Some rule', makeEvent(overrides)), expected);
  });

  it('shortens very long attacker-controlled parts', () => {
    const title = alertTitle('r', makeEvent({ target: { userName: 'x'.repeat(500) } }));
    assert.ok(title.length < 300, `title is ${title.length} characters`);
    assert.match(title, /x…/);
  });
});
