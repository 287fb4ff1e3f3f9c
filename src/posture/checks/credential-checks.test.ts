// The credential-report checks at their edges (clock 2024-06-01): a limit day itself, unknown dates, the configured
// limits rather than CIS defaults, and what each finding tells the user (message and evidence).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKS } from './index.ts';
import { runChecks } from './run.ts';
import { DEFAULT_POSTURE_CONFIG, type PostureConfig } from './check.ts';
import type { Finding } from '../../model/index.ts';
import type { AccountSnapshot, MfaDevice, RootAccess } from '../collect/snapshot.ts';
import { ACCOUNT, NOW, withReport, type RowSpec } from '../test-support/posture.ts';

const DAY = 86_400_000;
/** The report's time format, `days` days (and `extraMs`) before the clock. */
const ago = (days: number, extraMs = 0): string =>
  new Date(NOW.getTime() - days * DAY - extraMs).toISOString().replace('.000Z', '+00:00');

function run(
  id: string,
  rows: readonly RowSpec[],
  overrides: Partial<AccountSnapshot> = {},
  config: PostureConfig = DEFAULT_POSTURE_CONFIG,
): Finding[] {
  const check = CHECKS[id]!;
  return runChecks({ [id]: check }, withReport(rows, overrides), { now: NOW, config, analyze: null });
}

const summarize = (findings: readonly Finding[]) =>
  findings.map((f) => ({
    user: f.resource.name,
    status: f.status,
    message: f.message,
    evidence: f.evidence,
  }));

describe('iam_rotate_access_key_90_days', () => {
  const key = (days: number | null, active = true) => ({
    active,
    ...(days === null ? {} : { rotated: ago(days) }),
  });

  it('a key 90 days old passes, one a day older fails, and an active key of unknown age fails', () => {
    const findings = run('iam_rotate_access_key_90_days', [
      { user: 'edge', key1: key(90) },
      { user: 'old', key1: key(91) },
      { user: 'second', key1: key(1), key2: key(200) },
      { user: 'both', key1: key(120), key2: key(95) },
      { user: 'unknown', key2: key(null) },
      { user: 'inactive', key1: key(500, false) },
    ]);
    assert.deepEqual(summarize(findings), [
      {
        user: 'edge',
        status: 'PASS',
        message: "IAM user edge's active access key(s) are at most 90 days old.",
        evidence: { keys: [{ slot: 1, lastRotated: '2024-03-03T00:00:00.000Z', days: 90 }] },
      },
      {
        user: 'old',
        status: 'FAIL',
        message: 'IAM user old has active access key(s) 1 not rotated for more than 90 days.',
        evidence: { keys: [{ slot: 1, lastRotated: '2024-03-02T00:00:00.000Z', days: 91 }] },
      },
      {
        user: 'second',
        status: 'FAIL',
        message: 'IAM user second has active access key(s) 2 not rotated for more than 90 days.',
        evidence: {
          keys: [
            { slot: 1, lastRotated: '2024-05-31T00:00:00.000Z', days: 1 },
            { slot: 2, lastRotated: '2023-11-14T00:00:00.000Z', days: 200 },
          ],
        },
      },
      {
        user: 'both',
        status: 'FAIL',
        message: 'IAM user both has active access key(s) 1 and 2 not rotated for more than 90 days.',
        evidence: {
          keys: [
            { slot: 1, lastRotated: '2024-02-02T00:00:00.000Z', days: 120 },
            { slot: 2, lastRotated: '2024-02-27T00:00:00.000Z', days: 95 },
          ],
        },
      },
      {
        user: 'unknown',
        status: 'FAIL',
        message: 'IAM user unknown has active access key(s) 2 not rotated for more than 90 days.',
        evidence: { keys: [{ slot: 2, lastRotated: 'N/A', days: null }] },
      },
    ]);
  });

  it('the configured age wins over the CIS default', () => {
    const findings = run(
      'iam_rotate_access_key_90_days',
      [{ user: 'a', key1: key(31) }],
      {},
      {
        ...DEFAULT_POSTURE_CONFIG,
        maxKeyAgeDays: 30,
      },
    );
    assert.equal(findings[0]?.status, 'FAIL');
    assert.match(findings[0]?.message ?? '', /more than 30 days/);
  });
});

describe('iam_user_accesskey_unused', () => {
  it('used 44 days ago passes, 45 fails; a never-used key counts from its rotation; unknown both ways fails', () => {
    const findings = run('iam_user_accesskey_unused', [
      { user: 'recent', key1: { active: true, rotated: ago(400), used: ago(44) } },
      { user: 'edge', key1: { active: true, rotated: ago(400), used: ago(45) } },
      { user: 'fresh-unused', key2: { active: true, rotated: ago(44, -1) } },
      {
        user: 'old-unused',
        key1: { active: true, rotated: ago(1) },
        key2: { active: true, rotated: ago(45) },
      },
      { user: 'unknown', key1: { active: true } },
      { user: 'inactive', key1: { active: false, rotated: ago(900) } },
    ]);
    assert.deepEqual(summarize(findings), [
      {
        user: 'recent',
        status: 'PASS',
        message: "IAM user recent's active access key(s) were used within 45 days.",
        evidence: {
          keys: [
            {
              slot: 1,
              lastUsed: '2024-04-18T00:00:00.000Z',
              lastRotated: '2023-04-28T00:00:00.000Z',
              days: 44,
            },
          ],
        },
      },
      {
        user: 'edge',
        status: 'FAIL',
        message: 'IAM user edge has active access key(s) 1 unused for 45 days or more.',
        evidence: {
          keys: [
            {
              slot: 1,
              lastUsed: '2024-04-17T00:00:00.000Z',
              lastRotated: '2023-04-28T00:00:00.000Z',
              days: 45,
            },
          ],
        },
      },
      {
        user: 'fresh-unused',
        status: 'PASS',
        message: "IAM user fresh-unused's active access key(s) were used within 45 days.",
        evidence: { keys: [{ slot: 2, lastUsed: 'N/A', lastRotated: '2024-04-18T00:00:00.001Z', days: 43 }] },
      },
      {
        user: 'old-unused',
        status: 'FAIL',
        message: 'IAM user old-unused has active access key(s) 2 unused for 45 days or more.',
        evidence: {
          keys: [
            { slot: 1, lastUsed: 'N/A', lastRotated: '2024-05-31T00:00:00.000Z', days: 1 },
            { slot: 2, lastUsed: 'N/A', lastRotated: '2024-04-17T00:00:00.000Z', days: 45 },
          ],
        },
      },
      {
        user: 'unknown',
        status: 'FAIL',
        message: 'IAM user unknown has active access key(s) 1 unused for 45 days or more.',
        evidence: { keys: [{ slot: 1, lastUsed: 'N/A', lastRotated: 'N/A', days: null }] },
      },
    ]);
  });

  it('the configured limit wins over the CIS default', () => {
    const findings = run(
      'iam_user_accesskey_unused',
      [{ user: 'a', key1: { active: true, rotated: ago(400), used: ago(10) } }],
      {},
      {
        ...DEFAULT_POSTURE_CONFIG,
        maxUnusedDays: 10,
      },
    );
    assert.equal(findings[0]?.message, 'IAM user a has active access key(s) 1 unused for 10 days or more.');
  });

  it('names both keys when both are stale', () => {
    const stale = { active: true, rotated: ago(400), used: ago(100) };
    const findings = run('iam_user_accesskey_unused', [{ user: 'both', key1: stale, key2: stale }]);
    assert.equal(
      findings[0]?.message,
      'IAM user both has active access key(s) 1 and 2 unused for 45 days or more.',
    );
  });
});

describe('iam_user_console_access_unused', () => {
  it('counts from the last sign-in, else the last password change, else the creation; unknown fails', () => {
    const findings = run('iam_user_console_access_unused', [
      { user: 'recent', password: 'true', passwordLastUsed: ago(44), passwordLastChanged: ago(300) },
      { user: 'set', password: 'true', passwordLastUsed: 'no_information', passwordLastChanged: ago(3) },
      {
        user: 'created',
        password: 'true',
        passwordLastUsed: 'no_information',
        passwordLastChanged: 'N/A',
        created: ago(50),
      },
      {
        user: 'nothing',
        password: 'true',
        passwordLastUsed: 'no_information',
        passwordLastChanged: 'N/A',
        created: 'N/A',
      },
      { user: 'api', password: 'false' },
    ]);
    assert.deepEqual(summarize(findings), [
      {
        user: 'recent',
        status: 'PASS',
        message: 'IAM user recent used or set the console password 44 days ago.',
        evidence: {
          passwordLastUsed: '2024-04-18T00:00:00.000Z',
          passwordLastChanged: '2023-08-06T00:00:00.000Z',
          days: 44,
        },
      },
      {
        user: 'set',
        status: 'PASS',
        message: 'IAM user set used or set the console password 3 days ago.',
        evidence: {
          passwordLastUsed: 'no_information',
          passwordLastChanged: '2024-05-29T00:00:00.000Z',
          days: 3,
        },
      },
      {
        user: 'created',
        status: 'FAIL',
        message: 'IAM user created has not used the console password for 50 days (limit 45).',
        evidence: { passwordLastUsed: 'no_information', passwordLastChanged: 'N/A', days: 50 },
      },
      {
        user: 'nothing',
        status: 'FAIL',
        message: 'IAM user nothing has a console password with no known use or change date.',
        evidence: { passwordLastUsed: 'no_information', passwordLastChanged: 'N/A', days: null },
      },
    ]);
  });
});

describe('iam_user_two_active_access_key', () => {
  it('says how many keys are active', () => {
    const on = { active: true, rotated: ago(1) };
    assert.deepEqual(
      summarize(
        run('iam_user_two_active_access_key', [
          { user: 'one', key2: on },
          { user: 'none' },
          { user: 'two', key1: on, key2: on },
        ]),
      ),
      [
        {
          user: 'one',
          status: 'PASS',
          message: 'IAM user one has 1 active access key(s).',
          evidence: { activeKeys: 1 },
        },
        {
          user: 'none',
          status: 'PASS',
          message: 'IAM user none has 0 active access key(s).',
          evidence: { activeKeys: 0 },
        },
        {
          user: 'two',
          status: 'FAIL',
          message: 'IAM user two has two active access keys.',
          evidence: { activeKeys: 2 },
        },
      ],
    );
  });
});

const ROOT = '<root_account>';
const rootAccess = (value: Partial<RootAccess>): Partial<AccountSnapshot> => ({
  rootAccess: {
    state: 'collected',
    location: 's',
    value: {
      centralizedManagement: null,
      passwordPresent: null,
      accessKeysPresent: null,
      mfaEnabled: null,
      ...value,
    },
  },
});
const NO_CREDENTIALS = rootAccess({ passwordPresent: false, accessKeysPresent: false });

describe('iam_no_root_access_key', () => {
  it('names the active keys, with their dates', () => {
    const findings = run('iam_no_root_access_key', [
      {
        user: ROOT,
        key1: { active: true, rotated: ago(10), used: ago(2) },
        key2: { active: true, rotated: ago(5) },
      },
    ]);
    assert.deepEqual(summarize(findings), [
      {
        user: ROOT,
        status: 'FAIL',
        message: `The root user of account ${ACCOUNT} has 2 active access key(s).`,
        evidence: {
          keys: [
            { slot: 1, lastRotated: '2024-05-22T00:00:00.000Z', lastUsed: '2024-05-30T00:00:00.000Z' },
            { slot: 2, lastRotated: '2024-05-27T00:00:00.000Z', lastUsed: 'N/A' },
          ],
        },
      },
    ]);
    assert.equal(
      run('iam_no_root_access_key', [{ user: ROOT }], { accountId: null })[0]?.message,
      'The root user of account unknown has no active access key.',
    );
  });

  it('without a root row, the account summary answers and says so', () => {
    assert.deepEqual(summarize(run('iam_no_root_access_key', [], rootAccess({ accessKeysPresent: true }))), [
      {
        user: ROOT,
        status: 'FAIL',
        message: `The root user of account ${ACCOUNT} has an access key (account summary).`,
        evidence: { AccountAccessKeysPresent: 1 },
      },
    ]);
    assert.deepEqual(summarize(run('iam_no_root_access_key', [], rootAccess({ accessKeysPresent: false }))), [
      {
        user: ROOT,
        status: 'PASS',
        message: `The root user of account ${ACCOUNT} has no access key (account summary).`,
        evidence: { AccountAccessKeysPresent: 0 },
      },
    ]);
    assert.deepEqual(summarize(run('iam_no_root_access_key', [], rootAccess({}))), [
      {
        user: ROOT,
        status: 'NOT_APPLICABLE',
        message:
          'The credential report has no <root_account> row and no account summary says whether root has keys.',
        evidence: undefined,
      },
    ]);
  });
});

describe('iam_root_mfa_enabled', () => {
  const cases: {
    what: string;
    rows: RowSpec[];
    extra: Partial<AccountSnapshot>;
    status: string;
    message: string;
  }[] = [
    {
      what: 'MFA',
      rows: [{ user: ROOT, mfa: true }],
      extra: {},
      status: 'PASS',
      message: `The root user of account ${ACCOUNT} has MFA.`,
    },
    {
      what: 'no MFA',
      rows: [{ user: ROOT, mfa: false }],
      extra: {},
      status: 'FAIL',
      message: `The root user of account ${ACCOUNT} has no MFA.`,
    },
    {
      what: 'no credentials',
      rows: [{ user: ROOT, mfa: false }],
      extra: NO_CREDENTIALS,
      status: 'NOT_APPLICABLE',
      message: `The root user of account ${ACCOUNT} has no password and no access keys (centralized root access management): there is nothing to protect with MFA.`,
    },
    {
      what: 'a password but no MFA',
      rows: [{ user: ROOT, mfa: false }],
      extra: rootAccess({ passwordPresent: true, accessKeysPresent: false }),
      status: 'FAIL',
      message: `The root user of account ${ACCOUNT} has no MFA.`,
    },
    {
      what: 'no root row',
      rows: [{ user: 'alice' }],
      extra: {},
      status: 'NOT_APPLICABLE',
      message: 'The credential report has no <root_account> row, so root MFA cannot be judged from it.',
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.status}`, () => {
      const [finding] = run('iam_root_mfa_enabled', c.rows, c.extra);
      assert.equal(finding?.status, c.status);
      assert.equal(finding?.message, c.message);
    });
  }

  it('an unknown account says so', () => {
    assert.equal(
      run('iam_root_mfa_enabled', [{ user: ROOT, mfa: true }], { accountId: null })[0]?.message,
      'The root user of account unknown has MFA.',
    );
    assert.deepEqual(run('iam_root_mfa_enabled', [{ user: ROOT, mfa: true }])[0]?.evidence, {
      mfaActive: true,
    });
    assert.deepEqual(run('iam_root_mfa_enabled', [{ user: ROOT }])[0]?.evidence, { mfaActive: false });
  });
});

describe('iam_root_hardware_mfa_enabled', () => {
  const virtual = (userName: string | null, serial: string): MfaDevice => ({
    serialNumber: serial,
    kind: 'virtual',
    userName,
    userArn: null,
    enableDate: null,
  });
  const devices = (list: MfaDevice[]): Partial<AccountSnapshot> => ({
    virtualMfaDevices: { state: 'collected', location: 'v', value: list },
  });
  const cases: {
    what: string;
    rows: RowSpec[];
    extra: Partial<AccountSnapshot>;
    status: string;
    message: string;
    evidence?: object;
  }[] = [
    {
      what: 'virtual devices',
      rows: [{ user: ROOT, mfa: true }],
      extra: devices([virtual(ROOT, 'arn:v1'), virtual('alice', 'arn:va'), virtual(ROOT, 'arn:v2')]),
      status: 'FAIL',
      message: `The root user of account ${ACCOUNT} uses a virtual MFA device (arn:v1, arn:v2).`,
      evidence: { virtualDevices: ['arn:v1', 'arn:v2'] },
    },
    {
      what: 'no virtual device',
      rows: [{ user: ROOT, mfa: true }],
      extra: devices([virtual('alice', 'arn:va')]),
      status: 'PASS',
      message: `The root user of account ${ACCOUNT} has MFA and no virtual MFA device.`,
      evidence: { mfaActive: true, virtualDevices: [] },
    },
    {
      what: 'no MFA at all',
      rows: [{ user: ROOT, mfa: false }],
      extra: devices([]),
      status: 'NOT_APPLICABLE',
      message: `The root user of account ${ACCOUNT} has no MFA at all (see iam_root_mfa_enabled).`,
    },
    {
      what: 'no credentials',
      rows: [{ user: ROOT, mfa: true }],
      extra: { ...devices([virtual(ROOT, 'arn:v1')]), ...NO_CREDENTIALS },
      status: 'NOT_APPLICABLE',
      message: `The root user of account ${ACCOUNT} has no password and no access keys (centralized root access management): there is nothing to protect with MFA.`,
    },
    {
      what: 'no root row',
      rows: [{ user: 'alice' }],
      extra: devices([]),
      status: 'NOT_APPLICABLE',
      message: 'The credential report has no <root_account> row, so root MFA cannot be judged from it.',
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.status}`, () => {
      const [finding] = run('iam_root_hardware_mfa_enabled', c.rows, c.extra);
      assert.deepEqual(
        { status: finding?.status, message: finding?.message, evidence: finding?.evidence },
        { status: c.status, message: c.message, evidence: c.evidence },
      );
    });
  }
});

describe('MFA of IAM users with a console password', () => {
  const device = (userName: string, kind: MfaDevice['kind'], serial: string): MfaDevice => ({
    serialNumber: serial,
    kind,
    userName,
    userArn: null,
    enableDate: null,
  });
  const devices = (list: MfaDevice[]): Partial<AccountSnapshot> => ({
    mfaDevices: { state: 'collected', location: 'm', value: list },
  });

  it('iam_user_hardware_mfa_enabled names the kinds it passes and the virtual devices it fails', () => {
    const findings = run(
      'iam_user_hardware_mfa_enabled',
      [
        { user: 'keys', password: 'true', mfa: true },
        { user: 'phone', password: 'true', mfa: true },
        { user: 'api', password: 'false' },
      ],
      devices([
        device('keys', 'fido', 'arn:u2f/k1'),
        device('keys', 'hardware', 'GAHT1'),
        device('phone', 'virtual', 'arn:mfa/p1'),
        device('phone', 'fido', 'arn:u2f/p2'),
        device('phone', 'virtual', 'arn:mfa/p3'),
        device('api', 'virtual', 'arn:mfa/api'),
      ]),
    );
    assert.deepEqual(summarize(findings), [
      {
        user: 'keys',
        status: 'PASS',
        message: 'IAM user keys uses only hardware MFA (fido, hardware).',
        evidence: {
          devices: [
            { serialNumber: 'arn:u2f/k1', kind: 'fido' },
            { serialNumber: 'GAHT1', kind: 'hardware' },
          ],
        },
      },
      {
        user: 'phone',
        status: 'FAIL',
        message: 'IAM user phone has a virtual MFA device (arn:mfa/p1, arn:mfa/p3).',
        evidence: {
          devices: [
            { serialNumber: 'arn:mfa/p1', kind: 'virtual' },
            { serialNumber: 'arn:u2f/p2', kind: 'fido' },
            { serialNumber: 'arn:mfa/p3', kind: 'virtual' },
          ],
        },
      },
    ]);
  });

  it('iam_user_mfa_enabled_console_access keeps the report, the device list and their disagreement as evidence', () => {
    const findings = run(
      'iam_user_mfa_enabled_console_access',
      [
        { user: 'agree', password: 'true', mfa: true },
        { user: 'stale', password: 'true', mfa: true },
      ],
      devices([device('agree', 'fido', 'arn:u2f/a')]),
    );
    assert.deepEqual(summarize(findings), [
      {
        user: 'agree',
        status: 'PASS',
        message: 'IAM user agree has a console password and MFA.',
        evidence: {
          passwordEnabled: true,
          mfaActive: true,
          devices: [{ serialNumber: 'arn:u2f/a', kind: 'fido' }],
        },
      },
      {
        user: 'stale',
        status: 'FAIL',
        message: 'IAM user stale can sign in to the console without MFA.',
        evidence: {
          passwordEnabled: true,
          mfaActive: true,
          note: 'the credential report says mfa_active=true, the device list shows 0 device(s); the device list is newer',
          devices: [],
        },
      },
    ]);
    assert.deepEqual(
      run('iam_user_mfa_enabled_console_access', [{ user: 'r', password: 'true', mfa: true }])[0]?.evidence,
      {
        passwordEnabled: true,
        mfaActive: true,
      },
    );
    assert.equal(
      run('iam_user_mfa_enabled_console_access', [{ user: 'api', password: 'false' }])[0]?.message,
      'IAM user api has no console password.',
    );
  });
});
