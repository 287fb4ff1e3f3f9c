import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  AttachUserPolicyCommand,
  DeleteLoginProfileCommand,
  ListAttachedUserPoliciesCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { NotUndoableError } from '../action.ts';
import type { ActionContext, ResponseTarget } from '../action.ts';
import { sendAll } from '../iam-calls.ts';
import { RESPONSE_ACTIONS } from '../registry.ts';
import { fakeIam } from '../test-support/fake-iam.ts';
import type { FakeIam } from '../test-support/fake-iam.ts';
import { REVOKE_POLICY_NAME } from './revoke-sessions.ts';

const ARN = 'arn:aws:iam::111122223333:policy/mfaguard-quarantine';
const REMOVAL = Date.parse('2026-11-20T10:00:00Z');
const context: ActionContext = { removalAtMs: REMOVAL, nowMs: REMOVAL + 60_000, quarantinePolicyArn: ARN };
const alice: ResponseTarget = { kind: 'user', account: '111122223333', name: 'alice' };

let iam: FakeIam | undefined;
afterEach(() => iam?.mock.restore());

async function applyAndUndo(kind: keyof typeof RESPONSE_ACTIONS, target: ResponseTarget, fake: FakeIam) {
  const action = RESPONSE_ACTIONS[kind];
  const resolved = await action.resolve(fake.client, target, context);
  await sendAll(fake.client, resolved.calls);
  return { action, resolved, undo: () => sendAll(fake.client, action.undo(resolved.calls)) };
}

describe('response actions against IAM (aws-sdk-client-mock)', () => {
  it('quarantine attaches the policy with the request shape of AttachUserPolicy, and undo detaches it', async () => {
    iam = fakeIam({ attached: new Map([['alice', new Set(['arn:aws:iam::aws:policy/ReadOnlyAccess'])]]) });
    const { undo } = await applyAndUndo('quarantine', alice, iam);
    assert.deepEqual(iam.mock.commandCalls(AttachUserPolicyCommand)[0]?.args[0].input, {
      UserName: 'alice',
      PolicyArn: ARN,
    });
    assert.ok(iam.state.attached.get('alice')?.has(ARN));
    // The check before attaching walked both pages of ListAttachedUserPolicies.
    assert.equal(iam.mock.commandCalls(ListAttachedUserPoliciesCommand).length, 2);
    await undo();
    assert.deepEqual(
      [...(iam.state.attached.get('alice') ?? [])],
      ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    );
  });

  it('quarantine already in place before mfaguard acted is left alone, and never detached by an undo', async () => {
    iam = fakeIam({ attached: new Map([['alice', new Set([ARN])]]) });
    const { resolved, undo } = await applyAndUndo('quarantine', alice, iam);
    assert.deepEqual(resolved.calls, []);
    assert.match(resolved.notes[0] ?? '', /already attached/);
    await undo();
    assert.ok(iam.state.attached.get('alice')?.has(ARN));
    assert.deepEqual(iam.writes, []);
  });

  it('sending a recorded attach again (a retry after a crash) does not attach twice', async () => {
    iam = fakeIam();
    const calls = RESPONSE_ACTIONS.quarantine.plan(alice, context).length;
    assert.equal(calls, 1);
    const resolved = await RESPONSE_ACTIONS.quarantine.resolve(iam.client, alice, context);
    await sendAll(iam.client, resolved.calls);
    await sendAll(iam.client, resolved.calls);
    assert.equal(iam.mock.commandCalls(AttachUserPolicyCommand).length, 1);
  });

  it('revoke sessions on a user deactivates only the active keys created after the removal; undo reactivates them', async () => {
    iam = fakeIam({
      keys: new Map([
        [
          'alice',
          [
            {
              UserName: 'alice',
              AccessKeyId: 'AKIAOLD',
              Status: 'Active',
              CreateDate: new Date(REMOVAL - 86_400_000),
            },
            {
              UserName: 'alice',
              AccessKeyId: 'AKIANEW',
              Status: 'Active',
              CreateDate: new Date(REMOVAL + 5_000),
            },
            {
              UserName: 'alice',
              AccessKeyId: 'AKIAOFF',
              Status: 'Inactive',
              CreateDate: new Date(REMOVAL + 6_000),
            },
          ],
        ],
      ]),
    });
    const { undo, resolved } = await applyAndUndo('revoke-sessions', alice, iam);
    assert.deepEqual(
      iam.mock.commandCalls(UpdateAccessKeyCommand).map((call) => call.args[0].input),
      [{ UserName: 'alice', AccessKeyId: 'AKIANEW', Status: 'Inactive' }],
    );
    assert.match(resolved.notes.join(' '), /AKIAOFF was already Inactive/);
    await undo();
    const status = Object.fromEntries(
      (iam.state.keys.get('alice') ?? []).map((k) => [k.AccessKeyId, k.Status]),
    );
    assert.deepEqual(status, { AKIAOLD: 'Active', AKIANEW: 'Active', AKIAOFF: 'Inactive' });
  });

  it('revoke sessions on a role puts an inline deny on tokens issued before now under its own name; undo deletes only that', async () => {
    iam = fakeIam({ rolePolicies: new Map([['ops/AWSRevokeOlderSessions', '{"by":"console"}']]) });
    const { undo } = await applyAndUndo('revoke-sessions', { kind: 'role', account: null, name: 'ops' }, iam);
    const document = JSON.parse(iam.state.rolePolicies.get(`ops/${REVOKE_POLICY_NAME}`) ?? '{}') as {
      Statement: { Effect: string; Action: string; Condition: unknown }[];
    };
    assert.deepEqual(document.Statement[0]?.Condition, {
      DateLessThan: { 'aws:TokenIssueTime': new Date(context.nowMs).toISOString() },
    });
    assert.equal(document.Statement[0]?.Effect, 'Deny');
    await undo();
    assert.deepEqual([...iam.state.rolePolicies.keys()], ['ops/AWSRevokeOlderSessions']);
  });

  it('disable console deletes the login profile, says it cannot be undone, and refuses an undo', async () => {
    iam = fakeIam({ loginProfiles: new Set(['alice']) });
    const action = RESPONSE_ACTIONS['disable-console'];
    assert.equal(action.undoable, false);
    assert.match(action.caution ?? '', /cannot be undone.*prefer quarantine/);
    const resolved = await action.resolve(iam.client, alice, context);
    await sendAll(iam.client, resolved.calls);
    await sendAll(iam.client, resolved.calls); // a retry: the profile is already gone
    assert.equal(iam.mock.commandCalls(DeleteLoginProfileCommand).length, 2);
    assert.equal(iam.state.loginProfiles.has('alice'), false);
    assert.throws(() => action.undo(resolved.calls), NotUndoableError);
    // A user without a console password: nothing to delete.
    assert.deepEqual((await action.resolve(iam.client, alice, context)).calls, []);
  });

  it('every action plans without calling AWS and lists its permissions', () => {
    for (const action of Object.values(RESPONSE_ACTIONS)) {
      const steps = action.plan(
        action.targetKinds.includes('user') ? alice : { ...alice, kind: 'role' },
        context,
      );
      assert.ok(steps.length > 0, action.kind);
      for (const step of steps)
        assert.ok(action.permissions.apply.includes(`iam:${step.api}`), `${action.kind}: ${step.api}`);
      assert.equal(action.undoable, action.permissions.undo.length > 0, action.kind);
    }
  });

  it('an AWS refusal is named with its call and says whether a retry may help', async () => {
    iam = fakeIam();
    const denied = Object.assign(new Error('User is not authorized to perform: iam:AttachUserPolicy'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    iam.mock.on(AttachUserPolicyCommand).rejects(denied);
    await assert.rejects(
      sendAll(iam.client, [{ api: 'AttachUserPolicy', input: { UserName: 'alice', PolicyArn: ARN } }]),
      (error: Error & { retryable?: boolean }) =>
        /iam:AttachUserPolicy failed: AccessDenied/.test(error.message) && error.retryable === false,
    );
  });
});
