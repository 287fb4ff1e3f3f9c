import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthorizationDetails } from '../posture/collect/parse-aws.ts';
import { withReport } from '../posture/test-support.ts';
import { adminFactsOf, postureFromSnapshots } from './posture.ts';
import { adminHold } from './safeguards.ts';

const ADMIN = { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' };
const NOW = new Date('2024-06-01T00:00:00Z');

function snapshot(bobHasMfa: boolean) {
  const details = parseAuthorizationDetails(
    {
      UserDetailList: [
        { UserName: 'alice', Arn: 'arn:aws:iam::111122223333:user/alice', AttachedManagedPolicies: [ADMIN] },
        { UserName: 'bob', Arn: 'arn:aws:iam::111122223333:user/bob', GroupList: ['admins'] },
        { UserName: 'carol', Arn: 'arn:aws:iam::111122223333:user/carol' },
      ],
      GroupDetailList: [
        {
          GroupName: 'admins',
          Arn: 'arn:aws:iam::111122223333:group/admins',
          AttachedManagedPolicies: [ADMIN],
        },
      ],
    },
    'authz.json',
  );
  return withReport(
    [
      { user: 'alice', password: 'true', mfa: true },
      { user: 'bob', password: 'true', mfa: bobHasMfa },
      { user: 'carol', password: 'true', mfa: true },
    ],
    {
      accountId: '111122223333',
      authorization: { state: 'collected', location: 'authz.json', value: details },
    },
  );
}

describe('posture for the last-administrator rule', () => {
  it('reads the administrators and their MFA with the posture check itself', () => {
    assert.deepEqual(adminFactsOf(snapshot(false), NOW), [
      { userName: 'alice', mfaWorking: true },
      { userName: 'bob', mfaWorking: false },
    ]);
    // Without authorization details nobody can tell: no posture.
    assert.equal(adminFactsOf(withReport([{ user: 'alice' }]), NOW), null);
  });

  it('alice is the last administrator with working MFA while bob has none; not once bob enrols', async () => {
    for (const [bobHasMfa, expected] of [
      [false, 'last-admin'],
      [true, null],
    ] as const) {
      const view = postureFromSnapshots([snapshot(bobHasMfa)], () => NOW);
      const admins = await view.administrators('111122223333');
      const held = adminHold({
        kind: 'quarantine',
        target: { kind: 'user', account: '111122223333', name: 'alice' },
        admins,
        knownAdmins: new Set(),
        lockedOut: new Set(),
      });
      assert.equal(held?.hold ?? null, expected);
    }
    assert.equal(
      await postureFromSnapshots([snapshot(true)], () => NOW).administrators('999999999999'),
      null,
    );
  });
});
