// The store contract's part on cases: one active case per target, transitions, reopening, patches, comments and audit.

import assert from 'node:assert/strict';
import type { Severity } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../errors.ts';
import type { Store } from '../store.ts';
import { makeAlert, T0, MINUTE, ACCOUNT, ALICE, SYSTEM, openCase, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineCasesContract(test: ContractTest): void {
  test('cases: open, attach (severity rises, earliest event kept), replay, audit log', async (open) => {
    const store = await open();
    const first = makeAlert('a1', {
      severity: 'medium',
      riskScore: 40,
      eventTimeMs: T0,
      classification: 'suspicious',
    });
    const second = makeAlert('a2', { severity: 'critical', riskScore: 90, eventTimeMs: T0 - MINUTE });
    await store.insertAlerts([first], T0 + 1000);
    await store.insertAlerts([second], T0 + 2000);

    const opened = await store.openOrAttachCase({
      alert: first,
      targetKey: ALICE,
      nowMs: T0 + 1500,
      actor: 'system',
    });
    assert.equal(opened.created, true);
    assert.equal(opened.attached, true);
    assert.deepEqual(opened.case, {
      id: opened.case.id,
      targetKey: ALICE,
      account: ACCOUNT,
      userName: 'alice',
      state: 'open',
      classification: 'suspicious',
      severity: 'medium',
      riskScore: 40,
      assignee: null,
      openedAt: T0 + 1500,
      firstEventAt: T0,
      detectedAt: T0 + 1000,
      resolvedAt: null,
      resolution: null,
      vulnerabilityWindowSeconds: null,
      updatedAt: T0 + 1500,
    });

    const attached = await store.openOrAttachCase({
      alert: second,
      targetKey: ALICE,
      nowMs: T0 + 2500,
      actor: 'system',
    });
    assert.equal(attached.created, false);
    assert.equal(attached.attached, true);
    assert.equal(attached.case.id, opened.case.id);
    assert.equal(attached.case.severity, 'critical');
    assert.equal(attached.case.riskScore, 90);
    assert.equal(attached.case.firstEventAt, T0 - MINUTE);
    assert.equal(attached.case.detectedAt, T0 + 1000);

    const replay = await (
      await open()
    ).openOrAttachCase({ alert: second, targetKey: ALICE, nowMs: T0 + 3000, actor: 'system' });
    assert.deepEqual([replay.created, replay.attached, replay.case.id], [false, false, opened.case.id]);

    const detail = await store.getCase(opened.case.id);
    assert.ok(detail !== null);
    assert.deepEqual(detail.alertIds, ['a1', 'a2']);
    assert.equal(detail.severity, 'critical');
    assert.deepEqual(
      detail.audit.map((entry) => [entry.action, entry.actor, entry.at, entry.before, entry.after]),
      [
        [
          'opened',
          'system',
          T0 + 1500,
          null,
          { state: 'open', severity: 'medium', classification: 'suspicious', alertId: 'a1' },
        ],
        [
          'alert-attached',
          'system',
          T0 + 2500,
          { severity: 'medium', riskScore: 40, firstEventAt: T0 },
          { alertId: 'a2', severity: 'critical', riskScore: 90, firstEventAt: T0 - MINUTE },
        ],
      ],
    );
    assert.equal((await store.getAlert('a2'))?.caseId, opened.case.id);
    await rejectsWith(
      store.openOrAttachCase({
        alert: makeAlert('unstored'),
        targetKey: ALICE,
        nowMs: T0,
        actor: 'system',
      }),
      NotFoundError,
      /unstored/,
    );
    assert.equal(await store.getCase('999999'), null);
    assert.equal(await store.getCase('not-a-number'), null);
  });

  test('cases: two instances opening a case for the same target at once get one case', async (open) => {
    const [one, two] = await Promise.all([open(), open()]);
    const alerts = Array.from({ length: 6 }, (_, index) => makeAlert(`r${index}`));
    await one.insertAlerts(alerts, T0);
    const results = await Promise.all(
      alerts.map((alert, index) =>
        (index % 2 === 0 ? one : two).openOrAttachCase({
          alert,
          targetKey: ALICE,
          nowMs: T0 + index,
          actor: 'system',
        }),
      ),
    );
    const caseIds = new Set(results.map((result) => result.case.id));
    assert.equal(caseIds.size, 1, `expected one case, got ${[...caseIds].join(', ')}`);
    assert.equal(results.filter((result) => result.created).length, 1);
    const [caseId] = [...caseIds];
    assert.deepEqual((await one.getCase(caseId!))?.alertIds.sort(), alerts.map((alert) => alert.id).sort());
    assert.equal((await two.listCases({ limit: 10 })).items.length, 1);
  });

  test('cases: a resolved case is final; the next alert for the target opens a new case', async (open) => {
    const store = await open();
    const first = await openCase(store, 'a1');
    await store.transitionCase(first, 'resolved', {
      actor: 'alice@example.com',
      nowMs: T0 + 10 * MINUTE,
      note: 'rotation',
    });
    const second = await openCase(store, 'a2');
    assert.notEqual(second, first);
    const other = await openCase(store, 'a3', { targetUser: 'Carol' });
    assert.notEqual(other, second);
    assert.equal((await store.listCases({ limit: 10, state: 'open' })).items.length, 2);
  });

  test('cases: "not me" reopens a resolved case as escalated, audited; never over another open case', async (open) => {
    const store = await open();
    const first = await openCase(store, 'a1');
    await rejectsWith(
      store.reopenCase(first, { actor: 'owner:alice', nowMs: T0 + 5 * MINUTE, note: 'not me' }),
      InvalidTransitionError,
    );
    await store.updateCase(first, { resolution: 'false-positive' }, { actor: 'bob', nowMs: T0 + 9 * MINUTE });
    await store.transitionCase(first, 'resolved', { actor: 'bob', nowMs: T0 + 10 * MINUTE });
    const reopened = await store.reopenCase(first, {
      actor: 'owner:alice@example.com',
      nowMs: T0 + 20 * MINUTE,
      note: 'the owner said "this was not me"',
    });
    assert.deepEqual([reopened.state, reopened.resolvedAt, reopened.resolution], ['escalated', null, null]);
    const detail = await store.getCase(first);
    assert.equal(detail?.state, 'escalated');
    const last = detail?.audit.at(-1);
    assert.deepEqual(
      [last?.actor, last?.action, last?.before, last?.after],
      [
        'owner:alice@example.com',
        'transition',
        { state: 'resolved', resolvedAt: T0 + 10 * MINUTE, resolution: 'false-positive' },
        { state: 'escalated', note: 'the owner said "this was not me"' },
      ],
    );
    // Closed again, then a new case opens for the same user: the old one cannot come back over it.
    await store.transitionCase(first, 'resolved', { actor: 'bob', nowMs: T0 + 30 * MINUTE });
    const second = await openCase(store, 'a2');
    await rejectsWith(
      store.reopenCase(first, { actor: 'owner:alice', nowMs: T0 + 40 * MINUTE, note: 'not me' }),
      ConflictError,
      new RegExp(`case ${second} is already open`),
    );
    assert.equal((await store.getCase(first))?.state, 'resolved');
  });

  test('cases: transitions follow the lifecycle; others are rejected with InvalidTransitionError; audited', async (open) => {
    const store = await open();
    const id = await openCase(store);
    await rejectsWith(
      store.transitionCase(id, 'open', SYSTEM),
      InvalidTransitionError,
      /cannot go from open to open/,
    );
    const verifying = await store.transitionCase(id, 'verifying', {
      actor: 'system',
      nowMs: T0 + 2 * MINUTE,
    });
    assert.equal(verifying.state, 'verifying');
    assert.equal(
      (await store.transitionCase(id, 'open', { actor: 'api:ann', nowMs: T0 + 3 * MINUTE })).state,
      'open',
    );
    await store.transitionCase(id, 'verifying', { actor: 'system', nowMs: T0 + 4 * MINUTE });
    await store.transitionCase(id, 'escalated', {
      actor: 'system',
      nowMs: T0 + 5 * MINUTE,
      note: 'owner denied',
    });
    const error = (await rejectsWith(
      store.transitionCase(id, 'verifying', SYSTEM),
      InvalidTransitionError,
    )) as InvalidTransitionError;
    assert.deepEqual(
      [error.from, error.to, error.allowed, error.code],
      ['escalated', 'verifying', ['resolved'], 'invalid-transition'],
    );
    assert.ok(error instanceof ConflictError);
    const resolved = await store.transitionCase(id, 'resolved', {
      actor: 'api:ann',
      nowMs: T0 + 6 * MINUTE,
    });
    assert.equal(resolved.resolvedAt, T0 + 6 * MINUTE);
    for (const to of ['open', 'verifying', 'escalated', 'resolved'] as const) {
      await rejectsWith(store.transitionCase(id, to, SYSTEM), InvalidTransitionError, /final state/);
    }
    await rejectsWith(store.transitionCase('424242', 'resolved', SYSTEM), NotFoundError);
    await rejectsWith(store.transitionCase(id, 'closed' as 'resolved', SYSTEM), UsageError, /to/);
    const detail = await store.getCase(id);
    assert.deepEqual(
      detail?.audit
        .filter((entry) => entry.action === 'transition')
        .map((entry) => [entry.actor, entry.before, entry.after]),
      [
        ['system', { state: 'open' }, { state: 'verifying' }],
        ['api:ann', { state: 'verifying' }, { state: 'open' }],
        ['system', { state: 'open' }, { state: 'verifying' }],
        ['system', { state: 'verifying' }, { state: 'escalated', note: 'owner denied' }],
        ['api:ann', { state: 'escalated' }, { state: 'resolved', resolvedAt: T0 + 6 * MINUTE }],
      ],
    );
  });

  test('cases: updateCase changes and audits only what changed; comments; listCases filters and pages', async (open) => {
    const store = await open();
    const id = await openCase(store);
    const updated = await store.updateCase(
      id,
      { assignee: 'ann', classification: 'verified', severity: 'high', vulnerabilityWindowSeconds: 42 },
      { actor: 'api:ann', nowMs: T0 + 5 * MINUTE },
    );
    assert.deepEqual(
      [
        updated.assignee,
        updated.classification,
        updated.severity,
        updated.vulnerabilityWindowSeconds,
        updated.updatedAt,
      ],
      ['ann', 'verified', 'high', 42, T0 + 5 * MINUTE],
    );
    await store.updateCase(id, { assignee: 'ann' }, { actor: 'api:ann', nowMs: T0 + 6 * MINUTE }); // no change, no entry
    const comment = await store.addComment(id, {
      author: 'api:ann',
      text: 'called alice <b>',
      nowMs: T0 + 7 * MINUTE,
    });
    assert.equal(comment.text, 'called alice <b>');
    const detail = await store.getCase(id);
    assert.deepEqual(detail?.comments, [comment]);
    const updates = detail?.audit.filter((entry) => entry.action === 'updated') ?? [];
    assert.equal(updates.length, 1);
    assert.deepEqual(updates[0]?.before, {
      assignee: null,
      classification: null,
      vulnerabilityWindowSeconds: null,
    });
    assert.deepEqual(updates[0]?.after, {
      assignee: 'ann',
      classification: 'verified',
      vulnerabilityWindowSeconds: 42,
    });
    assert.equal(detail?.audit.at(-1)?.action, 'commented');
    await rejectsWith(
      store.updateCase(id, { severity: 'extreme' as Severity }, SYSTEM),
      UsageError,
      /severity/,
    );
    await rejectsWith(store.addComment('999', { author: 'x', text: 'y', nowMs: T0 }), NotFoundError);
    await rejectsWith(store.addComment(id, { author: 'x', text: '', nowMs: T0 }), UsageError, /text/);

    for (const user of ['bea', 'cid', 'dan', 'eve'])
      await openCase(store, `alert-${user}`, {
        targetUser: user,
        severity: user === 'dan' ? 'critical' : 'high',
      });
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Store['listCases']>> = await store.listCases({
        limit: 2,
        ...(cursor === null ? {} : { cursor }),
      });
      all.push(...page.items.map((item) => item.userName));
      cursor = page.nextCursor;
    } while (cursor !== null);
    // All opened at the same time: newest id first.
    assert.deepEqual(all, ['eve', 'dan', 'cid', 'bea', 'alice']);
    assert.deepEqual(
      (await store.listCases({ limit: 10, severity: 'critical' })).items.map((item) => item.userName),
      ['dan'],
    );
    assert.deepEqual(
      (await store.listCases({ limit: 10, assignee: 'ann' })).items.map((item) => item.userName),
      ['alice'],
    );
    assert.equal((await store.listCases({ limit: 10, assignee: null })).items.length, 4);
    await rejectsWith(
      store.listCases({ limit: 2, cursor: (await store.listAlerts({ limit: 1 })).nextCursor ?? 'x' }),
      UsageError,
      /cursor/,
    );
  });
}
