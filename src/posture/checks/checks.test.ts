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
import type { AccountSnapshot, MfaDevice } from '../collect/snapshot.ts';
import { parseAuthorizationDetails } from '../collect/parse-aws.ts';

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
  void it('turns a check that throws into an ERROR finding and keeps going', () => {
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

  void it('names an account without an id "unknown" in its own messages', () => {
    const root = { iam_root_mfa_enabled: CHECKS['iam_root_mfa_enabled']! };
    const failed = {
      state: 'failed' as const,
      reason: 'AccessDenied: no',
      location: 'aws:GetCredentialReport',
    };
    assert.deepEqual(
      [
        ...runChecks({ boom }, emptySnapshot({ accountId: null }), ctx),
        ...runChecks(root, emptySnapshot({ accountId: null, unreachable: 'cannot assume role' }), ctx),
        ...runChecks(root, emptySnapshot({ accountId: null, credentialReport: failed }), ctx),
      ].map((f) => f.message),
      [
        'Check boom failed on account unknown: kaboom',
        'Account unknown could not be audited: cannot assume role',
        'Could not collect credentialReport for account unknown (aws:GetCredentialReport): AccessDenied: no',
      ],
    );
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

void describe('each check, called directly', () => {
  const device = (serial: string, userName: string): MfaDevice => ({
    serialNumber: `arn:aws:iam::111122223333:mfa/${serial}`,
    kind: 'virtual',
    userName,
    userArn: null,
    enableDate: null,
  });
  const devices = [device('root', '<root_account>'), device('alice', 'alice')];
  const on = { active: true, rotated: '2020-01-01T00:00:00+00:00' };
  const admin = {
    PolicyName: 'AdministratorAccess',
    PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
  };
  const authorization = parseAuthorizationDetails(
    {
      UserDetailList: [
        { UserName: 'alice', Arn: 'arn:aws:iam::111122223333:user/alice', AttachedManagedPolicies: [admin] },
      ],
    },
    'authz.json',
  );
  const full = (overrides: Partial<AccountSnapshot> = {}): AccountSnapshot =>
    withReport(
      [
        { user: '<root_account>', mfa: true, key1: on },
        { user: 'alice', password: 'true', mfa: true, key1: on },
      ],
      {
        mfaDevices: { state: 'collected', location: 'm', value: devices },
        virtualMfaDevices: { state: 'collected', location: 'v', value: devices },
        authorization: { state: 'collected', location: 'authz.json', value: authorization },
        ...overrides,
      },
    );

  // What users filter findings on and exports carry: Prowler's severities, but for root's virtual MFA (Prowler and
  // Security Hub IAM.6 say critical; root without any MFA is the critical finding here).
  void it('has the severity its findings carry', () => {
    assert.deepEqual(Object.fromEntries(Object.values(CHECKS).map((check) => [check.id, check.severity])), {
      iam_administrator_access_with_mfa: 'high',
      iam_no_root_access_key: 'critical',
      iam_root_hardware_mfa_enabled: 'high',
      iam_root_mfa_enabled: 'critical',
      iam_rotate_access_key_90_days: 'medium',
      iam_user_accesskey_unused: 'medium',
      iam_user_console_access_unused: 'medium',
      iam_user_hardware_mfa_enabled: 'medium',
      iam_user_mfa_enabled_console_access: 'high',
      iam_user_mfa_enforced_by_policy: 'medium',
      iam_user_two_active_access_key: 'medium',
    });
  });

  // The runner never calls a check whose input is missing (it reports the gap itself), but a check must not read a
  // missing input as an empty one: a missing device list is not "no device".
  void it('judges nothing without one of the inputs it requires, and something with all of them', () => {
    const problems: string[] = [];
    for (const check of Object.values(CHECKS)) {
      if (check.run(full(), ctx).length === 0) problems.push(`${check.id}: no finding with every input`);
      for (const part of check.requires) {
        const found = check.run(full({ [part]: { state: 'not-collected' } }), ctx);
        if (found.length > 0) problems.push(`${check.id} without ${part}: ${found.length} finding(s)`);
      }
    }
    assert.deepEqual(problems, []);
  });

  // A check that forgot an input in `requires` would be run without it and say nothing instead of "not evaluated".
  void it('is gated on each input it reads: one NOT_APPLICABLE per check on an empty snapshot, naming the flag', () => {
    assert.deepEqual(
      runChecks(CHECKS, emptySnapshot(), ctx).map((f) => [
        f.checkId,
        f.status,
        f.message.replace(/^.*: /, ''),
      ]),
      [
        [
          'iam_administrator_access_with_mfa',
          'NOT_APPLICABLE',
          'no authorization or credentialReport was given (--authorization-details, --credential-report).',
        ],
        ['iam_no_root_access_key', 'NOT_APPLICABLE', 'no credentialReport was given (--credential-report).'],
        [
          'iam_root_hardware_mfa_enabled',
          'NOT_APPLICABLE',
          'no credentialReport or virtualMfaDevices was given (--credential-report, --virtual-mfa-devices).',
        ],
        ['iam_root_mfa_enabled', 'NOT_APPLICABLE', 'no credentialReport was given (--credential-report).'],
        [
          'iam_rotate_access_key_90_days',
          'NOT_APPLICABLE',
          'no credentialReport was given (--credential-report).',
        ],
        [
          'iam_user_accesskey_unused',
          'NOT_APPLICABLE',
          'no credentialReport was given (--credential-report).',
        ],
        [
          'iam_user_console_access_unused',
          'NOT_APPLICABLE',
          'no credentialReport was given (--credential-report).',
        ],
        [
          'iam_user_hardware_mfa_enabled',
          'NOT_APPLICABLE',
          'no credentialReport or mfaDevices was given (--credential-report, --mfa-devices).',
        ],
        [
          'iam_user_mfa_enabled_console_access',
          'NOT_APPLICABLE',
          'no credentialReport was given (--credential-report).',
        ],
        [
          'iam_user_mfa_enforced_by_policy',
          'NOT_APPLICABLE',
          'no authorization was given (--authorization-details).',
        ],
        [
          'iam_user_two_active_access_key',
          'NOT_APPLICABLE',
          'no credentialReport was given (--credential-report).',
        ],
      ],
    );
    const reportOnly = withReport([{ user: '<root_account>', mfa: true }]);
    assert.deepEqual(
      runChecks(CHECKS, reportOnly, ctx)
        .filter((f) => f.status === 'NOT_APPLICABLE' && f.message.startsWith('Not evaluated'))
        .map((f) => [f.checkId, f.message.replace(/^.*: /, '')]),
      [
        ['iam_administrator_access_with_mfa', 'no authorization was given (--authorization-details).'],
        ['iam_root_hardware_mfa_enabled', 'no virtualMfaDevices was given (--virtual-mfa-devices).'],
        ['iam_user_hardware_mfa_enabled', 'no mfaDevices was given (--mfa-devices).'],
        ['iam_user_mfa_enforced_by_policy', 'no authorization was given (--authorization-details).'],
      ],
    );
  });

  void it('names an account without an id "unknown" in every message about the account', () => {
    const messages = (snapshot: AccountSnapshot): string[] =>
      runChecks(CHECKS, { ...snapshot, accountId: null }, ctx)
        .map((f) => f.message)
        .filter((message) => /\baccount\b/.test(message));
    const centralized = {
      state: 'collected' as const,
      location: 's',
      value: {
        centralizedManagement: true,
        passwordPresent: false,
        accessKeysPresent: false,
        mfaEnabled: false,
      },
    };
    const noRootMfa = withReport([{ user: '<root_account>', mfa: false }]);
    const noRootRow = withReport([{ user: 'a' }], {
      rootAccess: {
        ...centralized,
        value: { ...centralized.value, passwordPresent: true, accessKeysPresent: true },
      },
    });
    const all = [
      ...messages(
        full({
          authorization: { state: 'collected', location: 'a', value: { ...authorization, users: [] } },
        }),
      ),
      ...messages({ ...full(), virtualMfaDevices: { state: 'collected', location: 'v', value: [] } }),
      ...messages(noRootMfa),
      ...messages({ ...noRootMfa, rootAccess: centralized }),
      ...messages(noRootRow),
    ];
    assert.deepEqual([...new Set(all)].sort(), [
      'No IAM user in account unknown has AdministratorAccess attached directly or through a group.',
      'Not evaluated for account unknown: no authorization was given (--authorization-details).',
      'Not evaluated for account unknown: no mfaDevices was given (--mfa-devices).',
      'Not evaluated for account unknown: no virtualMfaDevices was given (--virtual-mfa-devices).',
      'The root user of account unknown has 1 active access key(s).',
      'The root user of account unknown has MFA and no virtual MFA device.',
      'The root user of account unknown has MFA.',
      'The root user of account unknown has an access key (account summary).',
      'The root user of account unknown has no MFA.',
      'The root user of account unknown has no active access key.',
      'The root user of account unknown has no password and no access keys (centralized root access management): there is nothing to protect with MFA.',
      'The root user of account unknown uses a virtual MFA device (arn:aws:iam::111122223333:mfa/root).',
    ]);
  });
});
