// The store contract's part on response actions: planned once per (case, kind, target), compare-and-set changes, audited.

import assert from 'node:assert/strict';
import { NotFoundError } from '../errors.ts';
import type { PlanResponseActionInput } from '../response-actions.ts';
import type { Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;

const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);

const input = (
  caseId: string,
  overrides: Partial<PlanResponseActionInput> = {},
): PlanResponseActionInput => ({
  caseId,
  kind: 'quarantine',
  targetKind: 'user',
  account: '111122223333',
  targetName: 'alice',
  state: 'planned',
  hold: 'dry-run',
  holdReason: 'respond.mode is dry-run',
  plan: [{ api: 'AttachUserPolicy', input: { UserName: 'alice' }, description: 'attach' }],
  reason: 'unauthorized: quarantine',
  notBeforeMs: T0,
  actor: 'system',
  nowMs: T0,
  ...overrides,
});

export function defineResponseActionsContract(
  test: ContractTest,
  openCase: (store: Store) => Promise<string>,
): void {
  test('response actions: planned once per case, kind and target, and audited on the case', async (open) => {
    const store = await open();
    const caseId = await openCase(store);
    const first = await store.planResponseAction(input(caseId));
    assert.equal(first.created, true);
    assert.equal(first.action.state, 'planned');
    assert.equal(first.action.hold, 'dry-run');
    assert.deepEqual(first.action.notes, []);
    assert.equal(first.action.calls, null);
    const again = await store.transaction((tx) => tx.planResponseAction(input(caseId, { nowMs: T0 + 5 })));
    assert.deepEqual(again, { action: first.action, created: false });
    const role = await store.planResponseAction(input(caseId, { targetKind: 'role', targetName: 'ops' }));
    assert.equal(role.created, true);
    assert.deepEqual(
      (await store.listResponseActions({ caseId })).map((a) => `${a.targetKind}:${a.targetName}`),
      ['user:alice', 'role:ops'],
    );
    const audit = (await store.getCase(caseId))?.audit.filter((entry) => entry.action === 'response') ?? [];
    assert.equal(audit.length, 2);
    assert.equal(audit[0]?.after?.['actionId'], first.action.id);
    assert.equal(audit[0]?.after?.['note'], 'respond.mode is dry-run');
    await assert.rejects(store.planResponseAction(input('999999')), NotFoundError);
  });

  test('response actions: a change applies only from the expected state, so one of two racing workers wins', async (open) => {
    const store = await open();
    const caseId = await openCase(store);
    const { action } = await store.planResponseAction(input(caseId, { hold: null, holdReason: null }));
    const claim = (worker: string) =>
      store.updateResponseAction(
        action.id,
        ['planned'],
        { state: 'applying', leaseOwner: worker, leaseUntil: T0 + 60_000, attempts: 1 },
        { actor: worker, nowMs: T0 + 1, note: 'applying' },
      );
    const [a, b] = await Promise.all([claim('w1'), claim('w2')]);
    assert.equal([a, b].filter((x) => x !== null).length, 1);
    const calls = [{ api: 'AttachUserPolicy', input: { UserName: 'alice', PolicyArn: 'arn' } }];
    const applied = await store.updateResponseAction(
      action.id,
      ['applying'],
      { state: 'applied', calls, notes: ['n'], appliedAt: T0 + 2, leaseOwner: null, leaseUntil: null },
      { actor: 'w1', nowMs: T0 + 2, note: 'applied' },
    );
    assert.deepEqual(applied?.calls, calls);
    assert.deepEqual(applied?.notes, ['n']);
    assert.equal(applied?.leaseOwner, null);
    assert.equal(
      await store.updateResponseAction(
        action.id,
        ['planned'],
        { state: 'applying' },
        { actor: 'x', nowMs: T0, note: '' },
      ),
      null,
    );
    assert.deepEqual(
      (await store.listResponseActions({ appliedSince: T0 + 2, states: ['applied'] })).map((x) => x.id),
      [action.id],
    );
    assert.deepEqual(await store.listResponseActions({ appliedSince: T0 + 3 }), []);
    const audit = (await store.getCase(caseId))?.audit.filter((entry) => entry.action === 'response') ?? [];
    assert.deepEqual(
      audit.map((entry) => [entry.before?.['state'] ?? null, entry.after?.['state'], entry.after?.['note']]),
      [
        [null, 'planned', 'unauthorized: quarantine'],
        ['planned', 'applying', 'applying'],
        ['applying', 'applied', 'applied'],
      ],
    );
    await assert.rejects(
      store.updateResponseAction('424242', ['planned'], {}, { actor: 'x', nowMs: T0, note: '' }),
      NotFoundError,
    );
    assert.equal(await store.getResponseAction('nope'), null);
  });
}
