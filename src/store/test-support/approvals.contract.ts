// The store contract's part on approvals: windows that match removals, listing and revocation.

import assert from 'node:assert/strict';
import { UsageError } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import { T0, MINUTE, ACCOUNT, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineApprovalsContract(test: ContractTest): void {
  test('approvals: matching by user (any case), window edges, account, actor name or ARN; revoke', async (open) => {
    const store = await open();
    const base = {
      ticket: 'CHG-1',
      user: 'Alice',
      fromMs: T0,
      toMs: T0 + 60 * MINUTE,
      approver: 'boss',
      createdBy: 'api:ann',
      nowMs: T0 - MINUTE,
    };
    const any = await store.createApproval(base);
    assert.deepEqual(any, {
      id: any.id,
      ticket: 'CHG-1',
      user: 'Alice',
      actor: null,
      account: null,
      fromMs: T0,
      toMs: T0 + 60 * MINUTE,
      approver: 'boss',
      createdBy: 'api:ann',
      createdAt: T0 - MINUTE,
      revokedAt: null,
      revokedBy: null,
    });
    const byArn = await store.createApproval({
      ...base,
      ticket: 'CHG-2',
      user: 'carol',
      actor: `arn:aws:iam::${ACCOUNT}:user/bob`,
      account: ACCOUNT,
    });
    const byName = await store.createApproval({ ...base, ticket: 'CHG-3', user: 'dave', actor: 'Bob' });
    const bob = { arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userName: 'bob' };
    const mallory = { arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, userName: 'mallory' };

    assert.equal(
      (await store.findApproval({ user: 'ALICE', account: ACCOUNT, actor: mallory, atMs: T0 }))?.id,
      any.id,
    );
    assert.equal(
      (await store.findApproval({ user: 'alice', account: null, actor: bob, atMs: T0 + 60 * MINUTE }))?.id,
      any.id,
    );
    assert.equal(
      await store.findApproval({ user: 'alice', account: ACCOUNT, actor: bob, atMs: T0 - 1 }),
      null,
    );
    assert.equal(
      await store.findApproval({ user: 'alice', account: ACCOUNT, actor: bob, atMs: T0 + 60 * MINUTE + 1 }),
      null,
    );
    assert.equal(
      (await store.findApproval({ user: 'carol', account: ACCOUNT, actor: bob, atMs: T0 }))?.id,
      byArn.id,
    );
    assert.equal(
      await store.findApproval({ user: 'carol', account: ACCOUNT, actor: mallory, atMs: T0 }),
      null,
    );
    assert.equal(
      await store.findApproval({ user: 'carol', account: '999988887777', actor: bob, atMs: T0 }),
      null,
    );
    assert.equal(
      await store.findApproval({
        user: 'carol',
        account: ACCOUNT,
        actor: { arn: null, userName: 'bob' },
        atMs: T0,
      }),
      null,
    );
    assert.equal(
      (
        await store.findApproval({
          user: 'dave',
          account: ACCOUNT,
          actor: { arn: null, userName: 'BOB' },
          atMs: T0,
        })
      )?.id,
      byName.id,
    );
    assert.equal(
      await store.findApproval({ user: 'dave', account: ACCOUNT, actor: mallory, atMs: T0 }),
      null,
    );

    const revoked = await store.revokeApproval(any.id, 'api:ann', T0 + MINUTE);
    assert.deepEqual([revoked.revokedAt, revoked.revokedBy], [T0 + MINUTE, 'api:ann']);
    assert.equal((await store.revokeApproval(any.id, 'api:other', T0 + 2 * MINUTE)).revokedBy, 'api:ann');
    assert.equal(
      await store.findApproval({ user: 'alice', account: ACCOUNT, actor: bob, atMs: T0 + 2 * MINUTE }),
      null,
    );
    assert.deepEqual((await store.listApprovals({ activeAt: T0 })).map((entry) => entry.ticket).sort(), [
      'CHG-2',
      'CHG-3',
    ]);
    assert.deepEqual(
      (await store.listApprovals({ activeAt: T0 + 61 * MINUTE })).map((entry) => entry.ticket),
      [],
    );
    assert.equal((await store.listApprovals()).length, 3);
    await rejectsWith(store.revokeApproval('12345', 'x', T0), NotFoundError);
    await rejectsWith(store.createApproval({ ...base, toMs: T0 - 1 }), UsageError, /toMs/);
    await rejectsWith(store.createApproval({ ...base, ticket: '' }), UsageError, /ticket/);
  });
}
