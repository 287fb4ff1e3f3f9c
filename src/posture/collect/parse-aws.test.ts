import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodePolicyDocument,
  mergeDevices,
  mfaDeviceKind,
  parseAccountSummary,
  parseAuthorizationDetails,
  parseMfaDevices,
  parsePasswordPolicy,
  parseVirtualMfaDevices,
  ShapeError,
} from './parse-aws.ts';
import { loadOfflineSnapshot } from './offline.ts';
import { CORPUS, HEADER, row } from '../test-support/posture.ts';
import { corpusMissing } from '../../test-support/requirements.ts';

const read = (path: string): unknown => JSON.parse(readFileSync(join(CORPUS, path), 'utf8'));

void describe('MFA devices', () => {
  void it('tells virtual, hardware TOTP and FIDO devices apart by serial shape, several per user', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const devices = parseMfaDevices(read('aws-cli-examples/iam__list-mfa-devices__output1.json'));
    assert.deepEqual(
      devices.map((d) => [d.userName, d.kind]),
      [
        ['Bob', 'virtual'],
        ['Bob', 'hardware'],
        ['Bob', 'fido'],
        ['Bob', 'fido'],
      ],
    );
    assert.equal(devices[0]?.enableDate, '2019-10-28T20:37:09.000Z');
  });

  void it('classifies serials', () => {
    assert.equal(mfaDeviceKind('GAHT12345678'), 'hardware');
    assert.equal(mfaDeviceKind('arn:aws:iam::123456789012:mfa/alice'), 'virtual');
    assert.equal(mfaDeviceKind('arn:aws-us-gov:iam::123456789012:u2f/user/alice/key-ABC'), 'fido');
  });

  void it('decides root by the assigned user ARN, not by the serial name', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const devices = parseVirtualMfaDevices(
      read('cloud-custodian/tests/data/placebo/test_account_virtual_mfa/iam.ListVirtualMFADevices_1.json'),
    );
    assert.deepEqual(
      devices.map((d) => [d.serialNumber.split('/').pop(), d.userName]),
      [
        ['test_mfa_device1', null],
        ['test_mfa_device2', '<root_account>'],
        ['root-account-mfa-device', 'fake_not_root_user'],
        ['test_mfa_device3', 'test'],
      ],
    );
    assert.equal(devices[1]?.enableDate, '2024-04-08T10:21:10.000Z');
  });

  void it('merges per-user and virtual lists by serial', () => {
    const merged = mergeDevices(
      parseMfaDevices({ MFADevices: [{ UserName: 'a', SerialNumber: 'arn:aws:iam::1:mfa/a' }] }),
      parseVirtualMfaDevices({
        VirtualMFADevices: [
          { SerialNumber: 'arn:aws:iam::1:mfa/a', User: { UserName: 'a', Arn: 'arn:aws:iam::1:user/a' } },
          { SerialNumber: 'arn:aws:iam::1:mfa/root', User: { Arn: 'arn:aws:iam::1:root' } },
        ],
      }),
    );
    assert.deepEqual(
      merged.map((d) => d.userName),
      ['a', '<root_account>'],
    );
  });

  void it('rejects wrong shapes with the path', () => {
    assert.throws(
      () => parseMfaDevices({ Devices: [] }),
      (e: unknown) => e instanceof ShapeError && e.path === 'MFADevices',
    );
    assert.throws(
      () => parseMfaDevices({ MFADevices: [{ UserName: 'x' }] }),
      (e: unknown) => e instanceof ShapeError && e.path === 'MFADevices[0].SerialNumber',
    );
    assert.throws(() => parseVirtualMfaDevices([]), ShapeError);
  });
});

void describe('authorization details', () => {
  void it('reads the cloudmapper demo: users, groups, and the unattached MFA policy document', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const details = parseAuthorizationDetails(
      read('cloudmapper/account-data/demo/us-east-1/iam-get-account-authorization-details.json'),
      'demo',
    );
    assert.deepEqual(
      details.users.map((u) => [u.userName, u.groups]),
      [
        ['USER_WITH_BAD_INLINE_POLICY', []],
        ['USER', ['GROUP_WITH_BAD_INLINE_POLICY']],
      ],
    );
    const bad = details.policies.find((p) => p.name === 'BAD_MFA_POLICY');
    assert.equal(bad?.attachmentCount, 0);
    assert.match(JSON.stringify(bad?.defaultDocument), /MultiFactorAuthPresent/);
  });

  void it('reads cloudsplaining exports with boundaries and many policies', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    const details = parseAuthorizationDetails(read('cloudsplaining/examples/files/example.json'), 'example');
    assert.equal(details.users.length, 44);
    assert.equal(details.policies.length, 84);
    assert.ok(details.policies.every((p) => p.defaultDocument !== null));
  });

  void it('decodes URL-encoded documents as the live API returns them, page by page', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
      ],
    };
    const pages = [
      {
        UserDetailList: [
          {
            UserName: 'a',
            Arn: 'arn:aws:iam::1:user/a',
            UserPolicyList: [{ PolicyName: 'p', PolicyDocument: encodeURIComponent(JSON.stringify(doc)) }],
          },
        ],
      },
      {
        UserDetailList: [
          {
            UserName: 'b',
            Arn: 'arn:aws:iam::1:user/b',
            PermissionsBoundary: { PermissionsBoundaryArn: 'arn:aws:iam::1:policy/b' },
          },
        ],
      },
    ];
    const details = parseAuthorizationDetails(pages, 'live');
    assert.deepEqual(details.users[0]?.inlinePolicies[0]?.document, doc);
    assert.equal(details.users[1]?.permissionsBoundaryArn, 'arn:aws:iam::1:policy/b');
  });

  void it('rejects documents and lists of the wrong shape with a path', () => {
    assert.throws(() => decodePolicyDocument('%7Bnot json', 'x'), ShapeError);
    assert.throws(() => parseAuthorizationDetails({ Users: [] }, 'x'), /none of UserDetailList/);
    assert.throws(
      () => parseAuthorizationDetails({ UserDetailList: {} }, 'x'),
      /UserDetailList to be a list/,
    );
  });

  void it('an item of the wrong shape is an issue for that item; the rest of the file is kept', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const details = parseAuthorizationDetails(
      {
        UserDetailList: [
          { Arn: 'arn:aws:iam::1:user/nameless' },
          {
            UserName: 'alice',
            Arn: 'arn:aws:iam::1:user/alice',
            UserId: 'AIDAEXAMPLE',
            Path: '/',
            CreateDate: '2024-01-02T03:04:05Z',
            GroupList: ['ops', 'devs'],
            UserPolicyList: [
              { PolicyName: 'good', PolicyDocument: doc },
              { PolicyName: 'bad', PolicyDocument: '%7Bnot json' },
            ],
          },
        ],
        GroupDetailList: [
          { GroupName: 'ops', AttachedManagedPolicies: { PolicyArn: 'arn:aws:iam::1:policy/p' } },
          { GroupName: 'devs', GroupPolicyList: [{ PolicyName: 'g', PolicyDocument: doc }] },
        ],
        Policies: [{ PolicyName: 'nameless-arn' }],
      },
      'authz.json',
    );
    assert.deepEqual(
      details.users.map((u) => u.userName),
      ['alice'],
    );
    const alice = details.users[0]!;
    assert.deepEqual(
      alice.inlinePolicies.map((p) => p.name),
      ['good'],
    );
    assert.equal(alice.userId, 'AIDAEXAMPLE');
    assert.equal(alice.createDate, '2024-01-02T03:04:05.000Z');
    assert.equal(alice.problems.length, 1);
    assert.match(alice.problems[0]!, /UserPolicyList\[1\]\.PolicyDocument/);
    const ops = details.groups.find((g) => g.groupName === 'ops')!;
    assert.deepEqual(ops.attachedPolicies, []);
    assert.match(ops.problems[0]!, /GroupDetailList\[0\]\.AttachedManagedPolicies: expected a list/);
    assert.deepEqual(details.groups.find((g) => g.groupName === 'devs')?.problems, []);
    assert.deepEqual(
      details.issues.map((i) => [i.location, i.path]),
      [
        ['authz.json', 'UserDetailList[0]'],
        ['authz.json', 'UserDetailList[1].UserPolicyList[1].PolicyDocument'],
        ['authz.json', 'GroupDetailList[0].AttachedManagedPolicies'],
        ['authz.json', 'Policies[0]'],
      ],
    );
    assert.ok(details.issues.every((i) => i.level === 'error'));
  });
});

void describe('summary and password policy', () => {
  void it('reads account summaries (plain and recorded)', (t) => {
    if (corpusMissing(t, CORPUS)) return;
    assert.equal(
      parseAccountSummary(read('aws-cli-examples/iam__get-account-summary__output1.json'))[
        'AccountMFAEnabled'
      ],
      1,
    );
    assert.equal(
      parseAccountSummary(
        read('cloud-custodian/tests/data/placebo/test_account_root_mfa/iam.GetAccountSummary_1.json'),
      )['MFADevicesInUse'],
      2,
    );
  });

  void it('rejects a summary without SummaryMap or with a non-number, and a password policy without fields', () => {
    assert.throws(() => parseAccountSummary({}), /SummaryMap/);
    assert.throws(
      () => parseAccountSummary({ SummaryMap: { Users: 'many' } }),
      (e: unknown) => e instanceof ShapeError && e.path === 'SummaryMap.Users',
    );
    assert.throws(() => parsePasswordPolicy({ Something: 1 }), /PasswordPolicy/);
    assert.equal(parsePasswordPolicy({ PasswordPolicy: { MinimumPasswordLength: 14 } }).minimumLength, 14);
  });
});

void describe('offline snapshot', () => {
  const files: Record<string, string> = {
    'report.csv': [
      HEADER,
      row({ user: '<root_account>', mfa: true }),
      row({ user: 'a', password: 'true' }),
    ].join('\n'),
    'bad.json': '{"SummaryMap": ',
    'devices.json': JSON.stringify({ MFADevices: [{ UserName: 'a', SerialNumber: 'GAHT1' }] }),
  };
  const readText = (path: string): Promise<string> => {
    const text = files[path];
    if (text === undefined) return Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }));
    return Promise.resolve(text);
  };
  const now = new Date('2024-06-01T00:00:00Z');

  void it('collects what was given, marks the rest not collected, reads the account from the ARNs', async () => {
    const { snapshot, unreadable } = await loadOfflineSnapshot(
      { credentialReport: 'report.csv', mfaDevices: ['devices.json'] },
      readText,
      now,
    );
    assert.equal(unreadable, false);
    assert.equal(snapshot.accountId, '111122223333');
    assert.equal(snapshot.credentialReport.state, 'collected');
    assert.equal(snapshot.mfaDevices.state, 'collected');
    assert.equal(snapshot.authorization.state, 'not-collected');
  });

  void it('marks missing and broken files as failed with a reason, and says the inputs were unreadable', async () => {
    const { snapshot, unreadable } = await loadOfflineSnapshot(
      { credentialReport: 'missing.csv', accountSummary: 'bad.json' },
      readText,
      now,
    );
    assert.equal(unreadable, true);
    assert.deepEqual(snapshot.credentialReport, {
      state: 'failed',
      reason: 'file not found',
      location: 'missing.csv',
    });
    assert.equal(snapshot.accountSummary.state, 'failed');
    assert.deepEqual(
      snapshot.issues.map((i) => [i.code, i.location]),
      [
        ['unreadable', 'missing.csv'],
        ['not-json', 'bad.json'],
      ],
    );
  });
});
