// The helpers every check shares, by what a user sees: the resource a finding names (and the user facts ASFF and
// OCSF exports carry), ages in whole days, the MFA answer when the credential report and the device list disagree,
// and the runner's gate (which input is missing or failed, and the flag that supplies it).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accountResource,
  ageDays,
  DEFAULT_POSTURE_CONFIG,
  describeDate,
  devicesOf,
  iamUserFacts,
  rootHasNoCredentials,
  rootResource,
  userMfa,
  userResource,
  type Check,
} from './check.ts';
import { runChecks } from './run.ts';
import type {
  AccountSnapshot,
  AuthorizationDetails,
  IamUserDetail,
  MfaDevice,
  ReportDate,
  RootAccess,
} from '../collect/snapshot.ts';
import { ACCOUNT, emptySnapshot, NOW, reportFrom, user, withReport } from '../test-support/posture.ts';
import { parseAuthorizationDetails } from '../collect/parse-aws.ts';

const DAY = 86_400_000;
const date = (ms: number): ReportDate => ({ state: 'date', iso: new Date(ms).toISOString(), ms });

function authorization(users: IamUserDetail[]): AccountSnapshot['authorization'] {
  const value: AuthorizationDetails = {
    location: 'a.json',
    issues: [],
    users,
    groups: [],
    roles: [],
    policies: [],
  };
  return { state: 'collected', location: 'a.json', value };
}

function device(userName: string | null, serial: string): MfaDevice {
  return { serialNumber: serial, kind: 'virtual', userName, userArn: null, enableDate: null };
}

describe('ages and dates from the credential report', () => {
  const cases: { what: string; date: ReportDate; age: number | null; text: string }[] = [
    { what: 'just now', date: date(NOW.getTime()), age: 0, text: '2024-06-01T00:00:00.000Z' },
    {
      what: 'a day less a millisecond ago',
      date: date(NOW.getTime() - DAY + 1),
      age: 0,
      text: '2024-05-31T00:00:00.001Z',
    },
    {
      what: 'exactly 90 days ago',
      date: date(NOW.getTime() - 90 * DAY),
      age: 90,
      text: '2024-03-03T00:00:00.000Z',
    },
    { what: 'N/A', date: { state: 'N/A' }, age: null, text: 'N/A' },
    { what: 'no_information', date: { state: 'no_information' }, age: null, text: 'no_information' },
  ];
  for (const c of cases) {
    it(`${c.what}: ${String(c.age)} days, shown as ${c.text}`, () => {
      assert.equal(ageDays(c.date, NOW), c.age);
      assert.equal(describeDate(c.date), c.text);
    });
  }
});

describe('the resource a finding names', () => {
  it('the account, or an unknown one', () => {
    assert.deepEqual(accountResource(emptySnapshot()), {
      type: 'AwsAccount',
      name: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      account: ACCOUNT,
    });
    assert.deepEqual(accountResource(emptySnapshot({ accountId: null })), {
      type: 'AwsAccount',
      name: 'unknown account',
      arn: null,
      account: null,
    });
  });

  it("root: the report row's ARN, else the account's root ARN, else none", () => {
    const report = reportFrom([{ user: '<root_account>' }]);
    const row = { ...report.root!, arn: 'arn:aws-us-gov:iam::111122223333:root' };
    assert.deepEqual(rootResource(emptySnapshot(), row), {
      type: 'AwsAccount',
      name: '<root_account>',
      arn: 'arn:aws-us-gov:iam::111122223333:root',
      account: ACCOUNT,
    });
    assert.equal(rootResource(emptySnapshot(), null).arn, `arn:aws:iam::${ACCOUNT}:root`);
    assert.equal(rootResource(emptySnapshot({ accountId: null }), null).arn, null);
  });

  // The ARNs checks build must be in the account's partition (aws-cn, aws-us-gov), read from the ARNs the snapshot holds.
  it("the account's partition: from the report's root row, else its users, else the authorization details; else aws", () => {
    const collected = <T>(value: T) => ({ state: 'collected' as const, location: 'x', value });
    const report = reportFrom([{ user: '<root_account>' }, { user: 'bob' }]);
    const bob = report.users[0]!;
    const root = (snapshot: AccountSnapshot): string | null => accountResource(snapshot).arn;
    const govRoot = { ...report, root: { ...report.root!, arn: `arn:aws-us-gov:iam::${ACCOUNT}:root` } };
    const cnUser = { ...report, root: null, users: [{ ...bob, arn: `arn:aws-cn:iam::${ACCOUNT}:user/bob` }] };
    const govDetails = parseAuthorizationDetails(
      { UserDetailList: [{ UserName: 'eve', Arn: `arn:aws-us-gov:iam::${ACCOUNT}:user/eve` }] },
      'authz.json',
    );
    assert.deepEqual(
      [
        root(emptySnapshot()),
        root(emptySnapshot({ credentialReport: collected(govRoot) })),
        root(emptySnapshot({ credentialReport: collected(cnUser) })),
        root(emptySnapshot({ authorization: collected(govDetails) })),
        root(emptySnapshot({ credentialReport: collected(report), authorization: collected(govDetails) })),
      ],
      [
        `arn:aws:iam::${ACCOUNT}:root`,
        `arn:aws-us-gov:iam::${ACCOUNT}:root`,
        `arn:aws-cn:iam::${ACCOUNT}:root`,
        `arn:aws-us-gov:iam::${ACCOUNT}:root`,
        `arn:aws:iam::${ACCOUNT}:root`,
      ],
    );
  });

  it('a user: an empty ARN is no ARN', () => {
    const snapshot = emptySnapshot();
    assert.equal(userResource(snapshot, 'bob', '').arn, null);
    const resource = userResource(snapshot, 'bob', `arn:aws:iam::${ACCOUNT}:user/bob`);
    assert.deepEqual(resource, {
      type: 'AwsIamUser',
      name: 'bob',
      arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
      account: ACCOUNT,
      iamUser: { userName: 'bob' },
    });
  });
});

describe("a user's facts for exports", () => {
  const detailed = user('alice', {
    userId: 'AIDAALICE',
    path: '/staff/',
    createDate: '2021-02-03T04:05:06Z',
    groups: ['admins'],
    attachedPolicies: [{ name: 'ReadOnly', arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
    inlinePolicies: [{ name: 'inline-1', document: {} }],
    permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
  });

  const cases: { what: string; snapshot: AccountSnapshot; name: string; facts: object }[] = [
    { what: 'nothing collected', snapshot: emptySnapshot(), name: 'alice', facts: { userName: 'alice' } },
    {
      what: 'the credential report only: its creation time',
      snapshot: withReport([
        { user: 'alice', created: '2019-05-06T07:08:09+00:00' },
        { user: 'bob', created: '2018-01-01T00:00:00+00:00' },
      ]),
      name: 'alice',
      facts: { userName: 'alice', createDate: '2019-05-06T07:08:09.000Z' },
    },
    {
      what: 'a report row without a creation time',
      snapshot: withReport([{ user: 'alice', created: 'N/A' }]),
      name: 'alice',
      facts: { userName: 'alice' },
    },
    {
      what: 'the authorization details win and add groups and policies',
      snapshot: withReport([{ user: 'alice', created: '2019-05-06T07:08:09+00:00' }], {
        authorization: authorization([user('bob', { userId: 'AIDABOB' }), detailed]),
      }),
      name: 'alice',
      facts: {
        userName: 'alice',
        userId: 'AIDAALICE',
        path: '/staff/',
        createDate: '2021-02-03T04:05:06Z',
        groups: ['admins'],
        attachedPolicies: [{ name: 'ReadOnly', arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
        inlinePolicyNames: ['inline-1'],
        permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
      },
    },
    {
      what: 'details without id, path, date or boundary',
      snapshot: emptySnapshot({ authorization: authorization([user('alice')]) }),
      name: 'alice',
      facts: { userName: 'alice', groups: [], attachedPolicies: [], inlinePolicyNames: [] },
    },
    {
      what: 'a user the inputs do not describe',
      snapshot: withReport([{ user: 'bob' }], { authorization: authorization([user('bob')]) }),
      name: 'alice',
      facts: { userName: 'alice' },
    },
  ];
  for (const c of cases) {
    it(c.what, () => assert.deepEqual(iamUserFacts(c.snapshot, c.name), c.facts));
  }
});

describe('whether a user has MFA now', () => {
  const devices = (list: MfaDevice[]): Partial<AccountSnapshot> => ({
    mfaDevices: { state: 'collected', location: 'm', value: list },
  });

  it("the device list is a user's own, and absent when not collected", () => {
    const snapshot = emptySnapshot(
      devices([device('bob', 's-bob'), device('alice', 's-a'), device(null, 's-free')]),
    );
    assert.deepEqual(
      devicesOf(snapshot, 'alice')?.map((d) => d.serialNumber),
      ['s-a'],
    );
    assert.equal(devicesOf(emptySnapshot(), 'alice'), null);
  });

  const cases: {
    what: string;
    reportMfa: boolean | null;
    list: MfaDevice[] | null;
    active: boolean | null;
    note: RegExp | null;
  }[] = [
    { what: 'the report alone, yes', reportMfa: true, list: null, active: true, note: null },
    { what: 'the report alone, no', reportMfa: false, list: null, active: false, note: null },
    { what: 'neither report row nor devices', reportMfa: null, list: null, active: null, note: null },
    { what: 'both agree on yes', reportMfa: true, list: [device('alice', 's1')], active: true, note: null },
    { what: 'both agree on no', reportMfa: false, list: [], active: false, note: null },
    {
      what: 'the report says yes, the newer device list none',
      reportMfa: true,
      list: [],
      active: false,
      note: /^the credential report says mfa_active=true, the device list shows 0 device\(s\); the device list is newer$/,
    },
    {
      what: 'the report says no, the device list two',
      reportMfa: false,
      list: [device('alice', 's1'), device('alice', 's2')],
      active: true,
      note: /mfa_active=false, the device list shows 2 device/,
    },
    {
      what: 'no report row, a device',
      reportMfa: null,
      list: [device('alice', 's1')],
      active: true,
      note: null,
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${String(c.active)}`, () => {
      const snapshot = withReport(
        c.reportMfa === null ? [] : [{ user: 'alice', mfa: c.reportMfa }],
        c.list === null ? {} : devices(c.list),
      );
      const row =
        snapshot.credentialReport.state === 'collected'
          ? (snapshot.credentialReport.value.users[0] ?? null)
          : null;
      const result = userMfa(snapshot, row, 'alice');
      assert.equal(result.active, c.active);
      if (c.note === null) assert.equal(result.note, null);
      else assert.match(result.note ?? '', c.note);
      assert.deepEqual(
        result.devices?.map((d) => d.serialNumber) ?? null,
        c.list?.map((d) => d.serialNumber) ?? null,
      );
    });
  }
});

describe('root without credentials (centralized root access)', () => {
  const cases: { what: string; root: Partial<RootAccess> | null; none: boolean }[] = [
    {
      what: 'no password and no keys',
      root: { passwordPresent: false, accessKeysPresent: false },
      none: true,
    },
    { what: 'a password', root: { passwordPresent: true, accessKeysPresent: false }, none: false },
    { what: 'keys', root: { passwordPresent: false, accessKeysPresent: true }, none: false },
    { what: 'unknown password', root: { passwordPresent: null, accessKeysPresent: false }, none: false },
    { what: 'unknown keys', root: { passwordPresent: false, accessKeysPresent: null }, none: false },
    { what: 'not collected', root: null, none: false },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.none ? 'nothing to protect' : 'judged'}`, () => {
      const rootAccess: AccountSnapshot['rootAccess'] =
        c.root === null
          ? { state: 'not-collected' }
          : {
              state: 'collected',
              location: 's',
              value: {
                centralizedManagement: true,
                passwordPresent: null,
                accessKeysPresent: null,
                mfaEnabled: null,
                ...c.root,
              },
            };
      assert.equal(rootHasNoCredentials(emptySnapshot({ rootAccess })), c.none);
    });
  }
});

describe("the runner's gate and finishing", () => {
  const ctx = { now: NOW, config: DEFAULT_POSTURE_CONFIG, analyze: null };
  const probe = (requires: Check['requires'], run: Check['run'] = () => []): Check => ({
    id: 'iam_root_mfa_enabled',
    title: 't',
    severity: 'critical',
    requires,
    remediation: 'fix it',
    remediationUrl: 'https://docs.aws.amazon.com/x',
    run,
  });
  const once = (check: Check, snapshot: AccountSnapshot) => runChecks({ [check.id]: check }, snapshot, ctx);

  it('names every missing input and the flags that give them, each flag once', () => {
    const [finding] = once(
      probe(['credentialReport', 'accountSummary', 'rootAccess', 'scps']),
      emptySnapshot(),
    );
    assert.equal(finding?.status, 'NOT_APPLICABLE');
    assert.equal(
      finding?.message,
      `Not evaluated for account ${ACCOUNT}: no credentialReport or accountSummary or rootAccess or scps was given (--credential-report, --account-summary, --org).`,
    );
    assert.deepEqual(finding?.evidence, {
      missingInputs: ['credentialReport', 'accountSummary', 'rootAccess', 'scps'],
    });
  });

  const flags: [Check['requires'][number], string][] = [
    ['mfaDevices', '--mfa-devices'],
    ['virtualMfaDevices', '--virtual-mfa-devices'],
    ['authorization', '--authorization-details'],
    ['passwordPolicy', '--password-policy'],
  ];
  for (const [part, flag] of flags) {
    it(`a missing ${part} points at ${flag}`, () => {
      const [finding] = once(probe([part]), emptySnapshot({ accountId: null }));
      assert.equal(finding?.message, `Not evaluated for account unknown: no ${part} was given (${flag}).`);
    });
  }

  it('only the missing inputs are named; a failed one wins and says where and why', () => {
    const collected = withReport([{ user: 'alice' }]);
    const [missing] = once(probe(['credentialReport', 'mfaDevices']), collected);
    assert.deepEqual(missing?.evidence, { missingInputs: ['mfaDevices'] });
    const [failed] = once(probe(['credentialReport', 'mfaDevices']), {
      ...collected,
      accountId: null,
      mfaDevices: { state: 'failed', location: 'aws:ListMFADevices', reason: 'Throttling' },
    });
    assert.equal(failed?.status, 'ERROR');
    assert.equal(
      failed?.message,
      'Could not collect mfaDevices for account unknown (aws:ListMFADevices): Throttling',
    );
    assert.deepEqual(failed?.evidence, { input: 'mfaDevices', reason: 'Throttling' });
  });

  it('an unreachable account is one ERROR per check, before any input is looked at', () => {
    const [finding] = once(
      probe(['credentialReport']),
      emptySnapshot({ accountId: null, unreachable: 'AccessDenied on AssumeRole' }),
    );
    assert.equal(finding?.status, 'ERROR');
    assert.equal(finding?.message, 'Account unknown could not be audited: AccessDenied on AssumeRole');
    assert.deepEqual(finding?.evidence, { reason: 'AccessDenied on AssumeRole' });
    assert.equal(finding?.severity, 'critical');
  });

  it("a finding carries the check's id, controls and remediation; its own severity wins; no evidence stays absent", () => {
    const findings = once(
      probe([], (snapshot) => [
        { status: 'FAIL', resource: accountResource(snapshot), message: 'a', severity: 'low' },
        { status: 'PASS', resource: accountResource(snapshot), message: 'b', evidence: { x: 1 } },
      ]),
      emptySnapshot(),
    );
    assert.deepEqual(
      findings.map((f) => [
        f.checkId,
        f.status,
        f.severity,
        f.remediation,
        f.remediationUrl,
        'evidence' in f,
      ]),
      [
        ['iam_root_mfa_enabled', 'FAIL', 'low', 'fix it', 'https://docs.aws.amazon.com/x', false],
        ['iam_root_mfa_enabled', 'PASS', 'critical', 'fix it', 'https://docs.aws.amazon.com/x', true],
      ],
    );
    assert.ok(findings[0]!.controls.some((c) => c.framework === 'aws-securityhub' && c.id === 'IAM.9'));
  });

  it('a check that throws something other than an Error still gives an ERROR with its text', () => {
    const [finding] = once(
      probe([], () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless check might do
        throw 'no snapshot part';
      }),
      emptySnapshot(),
    );
    assert.equal(finding?.status, 'ERROR');
    assert.equal(
      finding?.message,
      `Check iam_root_mfa_enabled failed on account ${ACCOUNT}: no snapshot part`,
    );
    assert.deepEqual(finding?.evidence, { reason: 'no snapshot part' });
  });
});
