// Which moves the lifecycle makes and which it refuses (the table in model/case.ts), who is recorded as acting, and
// the changes that tell nobody, over an in-memory case store and a fixed clock.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Alert } from '../model/index.ts';
import { sampleAlert } from '../notify/test-support/fixtures.ts';
import {
  CASE_STATES,
  CASE_TRANSITIONS,
  ConflictError,
  InvalidTransitionError,
  targetKeyOf,
} from '../store/index.ts';
import type { Case, CaseState } from '../store/index.ts';
import {
  SYSTEM_ACTOR,
  escalateCase,
  markVerifying,
  openOrAttachCase,
  reopenAfterDenial,
  resolveCase,
  syncCaseFields,
  transitionByResponder,
  updateByResponder,
} from './lifecycle.ts';
import { FakeCaseStore, T0 } from './test-support/case-store.ts';

let store: FakeCaseStore;

function alertFor(user: string, id: string, overrides: Partial<Alert> = {}): Alert {
  return { ...sampleAlert({ targetUser: user }), id, ...overrides };
}

async function openCase(user = 'alice', id = `alert-${user}`): Promise<Case> {
  const alert = alertFor(user, id);
  const opened = await openOrAttachCase(store, {
    alert,
    targetKey: targetKeyOf(alert.event.account, user),
    nowMs: T0,
    actor: SYSTEM_ACTOR,
  });
  return opened.case;
}

beforeEach(() => {
  store = new FakeCaseStore();
});

describe('the transition table, as a responder meets it', () => {
  for (const from of CASE_STATES) {
    for (const to of CASE_STATES) {
      const allowed = CASE_TRANSITIONS[from].includes(to);
      it(`${from} → ${to}: ${allowed ? 'moves, audited with the responder and the note' : 'refused, nothing changes'}`, async () => {
        const kase = await openCase();
        store.force(kase.id, { state: from });
        const before = store.stored(kase.id);
        const move = transitionByResponder(
          store,
          kase.id,
          to,
          { actor: 'api:bob', nowMs: T0 + 50 },
          'checked',
        );
        if (!allowed) {
          await assert.rejects(move, (error: unknown) => {
            assert.ok(error instanceof InvalidTransitionError);
            assert.deepEqual([error.from, error.to, error.allowed], [from, to, CASE_TRANSITIONS[from]]);
            return true;
          });
          assert.deepEqual(store.stored(kase.id), before);
          return;
        }
        const moved = await move;
        assert.equal(moved.state, to);
        assert.equal(moved.resolvedAt, to === 'resolved' ? T0 + 50 : null);
        const last = store.stored(kase.id).audit.at(-1);
        assert.deepEqual(
          {
            actor: last?.actor,
            at: last?.at,
            action: last?.action,
            before: last?.before,
            note: last?.after?.['note'],
          },
          { actor: 'api:bob', at: T0 + 50, action: 'transition', before: { state: from }, note: 'checked' },
        );
      });
    }
  }

  it('a move without a note records none', async () => {
    const kase = await openCase();
    await transitionByResponder(store, kase.id, 'escalated', { actor: 'api:bob', nowMs: T0 });
    assert.deepEqual(store.stored(kase.id).audit.at(-1)?.after, { state: 'escalated' });
  });

  it('resolved is final: every move out of it is refused', async () => {
    const kase = await openCase();
    await resolveCase(store, kase, 'false-positive', { actor: 'api:bob', nowMs: T0 }, 'closed by hand');
    for (const to of CASE_STATES)
      await assert.rejects(
        transitionByResponder(store, kase.id, to, { actor: 'api:bob', nowMs: T0 + 1 }),
        InvalidTransitionError,
      );
    assert.equal(store.stored(kase.id).state, 'resolved');
  });
});

describe("the service's own moves", () => {
  it('markVerifying: open → verifying, by the system, naming the owner asked', async () => {
    const kase = await openCase();
    const moved = await markVerifying(store, kase, 'alice@example.com', T0 + 3);
    assert.equal(moved.state, 'verifying');
    assert.deepEqual(
      [store.stored(kase.id).audit.at(-1)?.actor, store.stored(kase.id).audit.at(-1)?.after],
      [SYSTEM_ACTOR, { state: 'verifying', note: 'asked the owner alice@example.com' }],
    );
  });

  for (const state of ['open', 'verifying', 'escalated', 'resolved'] as const) {
    const moves = state === 'open' || state === 'verifying';
    it(`escalateCase on a ${state} case ${moves ? 'moves it' : 'leaves it, without touching the store'}`, async () => {
      const kase = await openCase();
      const current = store.force(kase.id, { state });
      const calls = store.calls.length;
      const result = await escalateCase(
        store,
        current,
        { actor: SYSTEM_ACTOR, nowMs: T0 + 4 },
        'no answer by the deadline',
      );
      assert.equal(result.moved, moves);
      assert.equal(result.case.state, moves ? 'escalated' : state);
      assert.equal(store.stored(kase.id).state, moves ? 'escalated' : state);
      assert.equal(store.calls.length, calls + (moves ? 1 : 0));
      if (moves)
        assert.equal(store.stored(kase.id).audit.at(-1)?.after?.['note'], 'no answer by the deadline');
    });
  }

  it('resolveCase writes the resolution before it closes, and the closing carries the note', async () => {
    const kase = await openCase();
    const resolved = await resolveCase(
      store,
      kase,
      'owner-confirmed',
      { actor: 'owner:a', nowMs: T0 + 5 },
      'the owner confirmed',
    );
    assert.deepEqual(
      [resolved.state, resolved.resolution, resolved.resolvedAt],
      ['resolved', 'owner-confirmed', T0 + 5],
    );
    assert.deepEqual(
      store
        .stored(kase.id)
        .audit.slice(1)
        .map((entry) => [entry.actor, entry.action, entry.after]),
      [
        ['owner:a', 'updated', { resolution: 'owner-confirmed' }],
        ['owner:a', 'transition', { state: 'resolved', resolvedAt: T0 + 5, note: 'the owner confirmed' }],
      ],
    );
  });
});

describe('open or attach', () => {
  it('one case per target until it is resolved; a replayed alert attaches nothing; after resolution a new case opens', async () => {
    const first = alertFor('alice', 'a1', { severity: 'medium', riskScore: 40 });
    const key = targetKeyOf(first.event.account, 'alice');
    const input = (alert: Alert, nowMs: number) => ({ alert, targetKey: key, nowMs, actor: SYSTEM_ACTOR });
    const opened = await openOrAttachCase(store, input(first, T0));
    const attached = await openOrAttachCase(
      store,
      input(alertFor('alice', 'a2', { severity: 'critical', riskScore: 90 }), T0 + 1),
    );
    const replay = await openOrAttachCase(store, input(first, T0 + 2));
    assert.deepEqual(
      [opened, attached, replay].map((r) => [r.case.id, r.created, r.attached]),
      [
        [opened.case.id, true, true],
        [opened.case.id, false, true],
        [opened.case.id, false, false],
      ],
    );
    assert.deepEqual([attached.case.severity, attached.case.riskScore], ['critical', 90]);
    await resolveCase(store, attached.case, 'false-positive', { actor: 'api:bob', nowMs: T0 + 3 }, 'closed');
    const next = await openOrAttachCase(store, input(alertFor('alice', 'a3'), T0 + 4));
    assert.equal(next.created, true);
    assert.notEqual(next.case.id, opened.case.id);
  });
});

describe('fields kept in step and changed by responders', () => {
  it('syncCaseFields: an empty patch is no change at all (no store call, no audit)', async () => {
    const kase = await openCase();
    const calls = store.calls.length;
    const same = await syncCaseFields(store, kase, {}, T0 + 6);
    assert.equal(same, kase);
    assert.equal(store.calls.length, calls);
    assert.equal(store.stored(kase.id).audit.length, 1);
  });

  it("syncCaseFields: a patch is the system's change, at the given time", async () => {
    const kase = await openCase();
    const synced = await syncCaseFields(store, kase, { riskScore: 12, classification: 'rotation' }, T0 + 6);
    assert.deepEqual([synced.riskScore, synced.classification, synced.updatedAt], [12, 'rotation', T0 + 6]);
    const last = store.stored(kase.id).audit.at(-1);
    assert.deepEqual(
      [last?.actor, last?.at, last?.after],
      [SYSTEM_ACTOR, T0 + 6, { classification: 'rotation', riskScore: 12 }],
    );
  });

  it('updateByResponder changes only the fields given, audited with the responder', async () => {
    const kase = await openCase();
    const updated = await updateByResponder(
      store,
      kase.id,
      { assignee: 'carol' },
      { actor: 'api:bob', nowMs: T0 + 8 },
    );
    assert.deepEqual(
      [updated.assignee, updated.classification, updated.severity],
      ['carol', kase.classification, kase.severity],
    );
    assert.deepEqual(
      [store.stored(kase.id).audit.at(-1)?.actor, store.stored(kase.id).audit.at(-1)?.after],
      ['api:bob', { assignee: 'carol' }],
    );
  });
});

describe('reopening after a late "not me": reopenAfterDenial', () => {
  it('a closed case comes back escalated, its resolution cleared, the old one kept in the audit', async () => {
    const kase = await openCase();
    await resolveCase(store, kase, 'rotation', { actor: SYSTEM_ACTOR, nowMs: T0 }, 'explained: rotation');
    const detail = store.stored(kase.id);
    const reopened = await reopenAfterDenial(
      store,
      detail,
      { actor: 'owner:a', nowMs: T0 + 9 },
      'the owner said "not me"',
    );
    assert.deepEqual([reopened.state, reopened.resolution, reopened.resolvedAt], ['escalated', null, null]);
    const last = store.stored(kase.id).audit.at(-1);
    assert.deepEqual(
      [last?.actor, last?.before, last?.after],
      [
        'owner:a',
        { state: 'resolved', resolvedAt: T0, resolution: 'rotation' },
        { state: 'escalated', note: 'the owner said "not me"' },
      ],
    );
  });

  for (const state of ['open', 'verifying', 'escalated'] as const satisfies readonly CaseState[]) {
    it(`is refused on a ${state} case`, async () => {
      const kase = await openCase();
      store.force(kase.id, { state });
      await assert.rejects(
        reopenAfterDenial(store, store.stored(kase.id), { actor: 'owner:a', nowMs: T0 }, 'not me'),
        (error: unknown) => error instanceof InvalidTransitionError && error.from === state,
      );
      assert.equal(store.stored(kase.id).state, state);
    });
  }

  it('is refused with a conflict while a newer case is open for the same user', async () => {
    const kase = await openCase('alice', 'old');
    await resolveCase(store, kase, 'rotation', { actor: SYSTEM_ACTOR, nowMs: T0 }, 'explained');
    await openCase('alice', 'new');
    await assert.rejects(
      reopenAfterDenial(store, store.stored(kase.id), { actor: 'owner:a', nowMs: T0 + 1 }, 'not me'),
      (error: unknown) => error instanceof ConflictError && !(error instanceof InvalidTransitionError),
    );
    assert.equal(store.stored(kase.id).state, 'resolved');
  });
});
