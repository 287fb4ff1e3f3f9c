import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../model/index.ts';
import { parseConfig } from './config.ts';

function problems(text: string): string[] {
  try {
    parseConfig(text, 'mfaguard.yml');
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return error.issues.map((issue) => `${issue.line ?? '?'}: ${issue.message}`);
  }
  assert.fail('expected the configuration to be refused');
}

describe('config: respond', () => {
  it('defaults to dry-run: plans for unauthorized and suspicious cases, nothing applied', () => {
    const config = parseConfig('', 'mfaguard.yml');
    assert.equal(config.respond?.mode, 'dry-run');
    assert.deepEqual(config.respond?.rules[0]?.actions, ['quarantine', 'revoke-sessions']);
    assert.equal(config.respond?.rateLimit.count, 3);
    assert.equal(config.respond?.partition, null);
  });

  it('reads the policy: mode, rules with delay and approver, protected names, rate limit', () => {
    const config = parseConfig(
      [
        'respond:',
        '  mode: enforce',
        '  quarantinePolicy: arn:aws:iam::{account}:policy/security/quarantine',
        '  protected: [ops-admin, arn:aws:iam::111122223333:role/Automation]',
        '  breakGlassRoles: [BreakGlass]',
        '  rateLimit: { count: 5, window: 2h }',
        '  liftOnReEnrolment: false',
        '  partition: aws-us-gov',
        '  rules:',
        '    - when: [unauthorized]',
        '      actions: [quarantine, disable-console]',
        '      after: 10m',
        '      approve: admin',
      ].join('\n'),
      'mfaguard.yml',
    );
    assert.deepEqual(config.respond, {
      mode: 'enforce',
      quarantinePolicy: 'arn:aws:iam::{account}:policy/security/quarantine',
      protected: ['ops-admin', 'arn:aws:iam::111122223333:role/Automation'],
      breakGlassRoles: ['BreakGlass'],
      rateLimit: { count: 5, windowMs: 7_200_000 },
      liftOnReEnrolment: false,
      assumeRole: null,
      partition: 'aws-us-gov',
      rules: [
        {
          classifications: ['unauthorized'],
          actions: ['quarantine', 'disable-console'],
          delayMs: 600_000,
          approval: 'admin',
        },
      ],
    });
  });

  it('names every problem with its path and line', () => {
    const found = problems(
      [
        'respond:',
        '  mode: yes-please',
        '  rules:',
        '    - when: [unauthorised]',
        '      actions: [lockout]',
        '      approve: boss',
        '  rateLimit: { count: -1 }',
        '  partition: aws-eu',
      ].join('\n'),
    );
    assert.deepEqual(found, [
      '2: respond.mode: expected dry-run or enforce, got "yes-please"',
      "4: respond.rules.0.when.0: unknown classification 'unauthorised'",
      "5: respond.rules.0.actions.0: unknown action 'lockout'",
      '6: respond.rules.0.approve: expected none, responder, admin, got "boss"',
      '7: respond.rateLimit.count: expected a whole number from 0 to 10000, got -1',
      '8: respond.partition: expected aws, aws-cn, aws-us-gov, got "aws-eu"',
    ]);
  });

  it('reads the role assumed per account: a name or an ARN with {account}, external id, session name', () => {
    const named = parseConfig(
      ['respond:', '  role: mfaguard-responder', '  externalId: ext-42'].join('\n'),
      'mfaguard.yml',
    );
    assert.deepEqual(named.respond?.assumeRole, {
      role: 'mfaguard-responder',
      externalId: 'ext-42',
      sessionName: 'mfaguard-responder',
    });
    const arn = parseConfig(
      [
        'respond:',
        '  role: arn:aws-us-gov:iam::{account}:role/security/responder',
        '  roleSessionName: soc-containment',
      ].join('\n'),
      'mfaguard.yml',
    );
    assert.deepEqual(arn.respond?.assumeRole, {
      role: 'arn:aws-us-gov:iam::{account}:role/security/responder',
      externalId: null,
      sessionName: 'soc-containment',
    });
    assert.equal(parseConfig('', 'mfaguard.yml').respond?.assumeRole, null);
  });

  it('refuses a role ARN fixed to one account, and an external id without a role', () => {
    assert.deepEqual(problems(['respond:', '  role: arn:aws:iam::111122223333:role/responder'].join('\n')), [
      '2: respond.role: expected a role name (mfaguard-responder) or an ARN with {account} (arn:aws:iam::{account}:role/mfaguard-responder)',
    ]);
    assert.deepEqual(problems(['respond:', '  externalId: ext-42'].join('\n')), [
      '2: respond.externalId: externalId needs respond.role',
    ]);
  });
});
