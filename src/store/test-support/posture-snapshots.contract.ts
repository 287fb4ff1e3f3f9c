// The store contract's part on posture snapshots: stored with their findings, listed for trends, latest per account.

import assert from 'node:assert/strict';
import type { Finding } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import type { PostureSnapshotInput } from '../posture-snapshots.ts';
import type { Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;

const T0 = Date.UTC(2025, 2, 1, 6, 0, 0);
const HOUR = 3_600_000;

const finding = (user: string, status: Finding['status']): Finding => ({
  checkId: 'iam_user_mfa_enabled_console_access',
  status,
  severity: 'high',
  resource: {
    type: 'AwsIamUser',
    name: user,
    arn: `arn:aws:iam::111122223333:user/${user}`,
    account: '111122223333',
  },
  controls: [{ framework: 'cis-aws', version: '7.0', id: '2.10' }],
  message: `IAM user ${user} ${status === 'PASS' ? 'has' : 'has no'} MFA`,
  remediation: 'Enable MFA.',
  evidence: { mfaActive: status === 'PASS' },
});

const snapshot = (overrides: Partial<PostureSnapshotInput> = {}): PostureSnapshotInput => ({
  accountId: '111122223333',
  takenAt: T0,
  source: 'audit',
  consoleUsers: 2,
  consoleUsersWithMfa: 1,
  mfaEnforcedByPolicy: 1,
  cisScore: 62.5,
  state: { users: ['alice', 'bob'] },
  findings: [finding('alice', 'PASS'), finding('bob', 'FAIL')],
  eventFacts: [],
  basedOn: null,
  ...overrides,
});

export function definePostureSnapshotsContract(test: ContractTest): void {
  test('posture snapshots: stored with findings and state, listed for trends oldest first', async (open) => {
    const store = await open();
    assert.deepEqual(await store.listPostureSnapshots({}), []);
    assert.deepEqual(await store.latestPostureSnapshots(), []);
    const audit = await store.recordPostureSnapshot(snapshot());
    assert.deepEqual(audit, {
      id: audit.id,
      accountId: '111122223333',
      takenAt: T0,
      source: 'audit',
      consoleUsers: 2,
      consoleUsersWithMfa: 1,
      mfaEnforcedByPolicy: 1,
      cisScore: 62.5,
    });
    const fact = {
      userName: 'bob',
      fact: 'mfa-device',
      change: 'enabled',
      eventName: 'EnableMFADevice',
      eventId: 'e-1',
      at: T0 + HOUR,
    };
    const updated = await store.recordPostureSnapshot(
      snapshot({
        takenAt: T0 + HOUR,
        source: 'events',
        consoleUsersWithMfa: 2,
        cisScore: null,
        findings: [finding('alice', 'PASS'), finding('bob', 'PASS')],
        eventFacts: [fact],
        basedOn: audit.id,
      }),
    );
    const other = await store.recordPostureSnapshot(
      snapshot({
        accountId: '444455556666',
        takenAt: T0 + 2 * HOUR,
        consoleUsers: 0,
        consoleUsersWithMfa: 0,
      }),
    );
    assert.deepEqual(
      (await store.listPostureSnapshots({})).map((s) => [s.id, s.source, s.consoleUsersWithMfa, s.cisScore]),
      [
        [audit.id, 'audit', 1, 62.5],
        [updated.id, 'events', 2, null],
        [other.id, 'audit', 0, 62.5],
      ],
    );
    assert.deepEqual(
      (await store.listPostureSnapshots({ from: T0 + HOUR, to: T0 + 2 * HOUR })).map((s) => s.id),
      [updated.id],
      'from is inclusive, to exclusive',
    );
    assert.deepEqual(
      (await store.listPostureSnapshots({ accountId: '444455556666' })).map((s) => s.id),
      [other.id],
    );
    const stored = await store.getPostureSnapshot(updated.id);
    assert.deepEqual(stored, {
      ...updated,
      state: { users: ['alice', 'bob'] },
      findings: [finding('alice', 'PASS'), finding('bob', 'PASS')],
      eventFacts: [fact],
      basedOn: audit.id,
    });
    assert.equal(await store.getPostureSnapshot('999999'), null);
    assert.equal(await store.getPostureSnapshot('not-an-id'), null);
  });

  test('posture snapshots: the latest per account, by time then id; many findings survive', async (open) => {
    const store = await open();
    const many = Array.from({ length: 1203 }, (_, index) =>
      finding(`user-${index}`, index % 3 === 0 ? 'PASS' : 'FAIL'),
    );
    const first = await store.recordPostureSnapshot(snapshot({ takenAt: T0 + HOUR }));
    await store.recordPostureSnapshot(snapshot({ takenAt: T0 })); // an older audit stored later
    const tie = await store.recordPostureSnapshot(snapshot({ takenAt: T0 + HOUR, findings: many }));
    const other = await store.recordPostureSnapshot(snapshot({ accountId: '000011112222', takenAt: T0 }));
    const latest = await store.latestPostureSnapshots();
    assert.deepEqual(
      latest.map((s) => [s.accountId, s.id]),
      [
        ['000011112222', other.id],
        ['111122223333', tie.id],
      ],
    );
    assert.deepEqual(
      (await store.latestPostureSnapshots({ accountId: '000011112222' })).map((s) => s.id),
      [other.id],
    );
    assert.notEqual(tie.id, first.id);
    assert.deepEqual(latest[1]?.findings, many, 'every finding, in order');
  });

  test('posture snapshots: carryIn adds the latest snapshot of each account before the window', async (open) => {
    const store = await open();
    await store.recordPostureSnapshot(snapshot({ takenAt: T0 }));
    const lastBefore = await store.recordPostureSnapshot(snapshot({ takenAt: T0 + HOUR, consoleUsers: 5 }));
    const tieLoser = await store.recordPostureSnapshot(snapshot({ accountId: '000011112222', takenAt: T0 }));
    const tieWinner = await store.recordPostureSnapshot(snapshot({ accountId: '000011112222', takenAt: T0 }));
    const inside = await store.recordPostureSnapshot(snapshot({ takenAt: T0 + 3 * HOUR }));
    await store.recordPostureSnapshot(snapshot({ accountId: '999999999999', takenAt: T0 + 9 * HOUR }));
    const from = T0 + 2 * HOUR;
    assert.deepEqual(
      (await store.listPostureSnapshots({ from, to: T0 + 4 * HOUR, carryIn: true })).map((s) => s.id),
      [tieWinner.id, lastBefore.id, inside.id],
      'one per account before the window (the newest, ties by id), then the window; none after it',
    );
    assert.notEqual(tieLoser.id, tieWinner.id);
    assert.deepEqual(
      (await store.listPostureSnapshots({ from, carryIn: true, accountId: '111122223333' })).map((s) => s.id),
      [lastBefore.id, inside.id],
    );
    assert.deepEqual(
      (await store.listPostureSnapshots({ from, to: T0 + 4 * HOUR })).map((s) => s.id),
      [inside.id],
      'without carryIn, only the window',
    );
  });

  test('posture snapshots: bad input is a UsageError naming the field, and nothing is stored', async (open) => {
    const store = await open();
    await assert.rejects(store.recordPostureSnapshot(snapshot({ accountId: '' })), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /accountId/);
      return true;
    });
    await assert.rejects(
      store.recordPostureSnapshot(snapshot({ source: 'guess' as 'audit' })),
      /source: expected one of audit, events/,
    );
    await assert.rejects(store.recordPostureSnapshot(snapshot({ consoleUsers: -1 })), /consoleUsers/);
    await assert.rejects(store.recordPostureSnapshot(snapshot({ cisScore: Number.NaN })), /cisScore/);
    await assert.rejects(store.listPostureSnapshots({ from: Number.NaN }), /from/);
    assert.deepEqual(await store.listPostureSnapshots({}), []);
  });
}
