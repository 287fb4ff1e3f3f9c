// What each change of a case tells people: the notifications the lifecycle returns (kind, recipient, key, the facts
// in their text as they are right after the change), over an in-memory case store and a fixed clock.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Alert } from '../model/index.ts';
import type { Notification } from '../notify/index.ts';
import { sampleAlert } from '../notify/test-support/fixtures.ts';
import { InvalidTransitionError, targetKeyOf } from '../store/index.ts';
import type { Case } from '../store/index.ts';
import {
  SYSTEM_ACTOR,
  answeredNotices,
  askOwner,
  escalateWithNotice,
  openedNotices,
  recordOwnerAnswer,
  resolveExplained,
  resolveNoted,
  syncCaseFields,
} from './lifecycle.ts';
import { FakeCaseStore, T0 } from './test-support/case-store.ts';

const CONTEXT = { publicUrl: 'https://mfaguard.example.com/' };
const CASE_URL = (id: string) => `https://mfaguard.example.com/cases/${id}`;

/** `undefined` in `overrides` removes the field (an unclassified alert). */
type AlertOverrides = { readonly [K in keyof Alert]?: Alert[K] | undefined };

function alertFor(user: string, overrides: AlertOverrides = {}): Alert {
  const merged = { ...sampleAlert({ targetUser: user }), id: `alert-${user}`, ...overrides };
  // Dropping a field keeps every field Alert requires: only optional ones can be undefined here.
  return Object.fromEntries(
    Object.entries(merged).filter(([, value]) => value !== undefined),
  ) as unknown as Alert;
}

let store: FakeCaseStore;

async function openCase(
  user = 'alice',
  overrides: AlertOverrides = {},
): Promise<{ kase: Case; lead: Alert }> {
  const lead = alertFor(user, overrides);
  const opened = await store.openOrAttachCase({
    alert: lead,
    targetKey: targetKeyOf(lead.event.account, user),
    nowMs: T0,
    actor: SYSTEM_ACTOR,
  });
  assert.equal(opened.created, true);
  return { kase: opened.case, lead };
}

function only(notifications: readonly Notification[]): Notification {
  assert.equal(notifications.length, 1, `expected one notification, got ${notifications.length}`);
  return notifications[0] as Notification;
}

const VERIFICATION = { id: 'ver-7', owner: 'alice@example.com', expiresAt: T0 + 3_600_000 };
const LINKS = { confirm: 'https://mfaguard.example.com/v/yes', deny: 'https://mfaguard.example.com/v/no' };

beforeEach(() => {
  store = new FakeCaseStore();
});

describe('a new case: openedNotices', () => {
  it('announces the case once, to the responders, with its classification, severity and top reasons', async () => {
    const { kase, lead } = await openCase();
    const notice = only(openedNotices(kase, lead, CONTEXT));
    assert.deepEqual(
      {
        kind: notice.kind,
        caseId: notice.caseId,
        dedupeKey: notice.dedupeKey,
        severity: notice.severity,
        classification: notice.classification,
        links: notice.links,
        recipient: notice.recipient,
        alertId: notice.alert?.id,
      },
      {
        kind: 'case-opened',
        caseId: kase.id,
        dedupeKey: `case-opened:${kase.id}`,
        severity: 'high',
        classification: 'suspicious',
        links: { case: CASE_URL(kase.id) },
        recipient: undefined,
        alertId: lead.id,
      },
    );
    assert.equal(
      notice.title,
      `Case ${kase.id} opened for alice (account 123456789012): MFA device deactivated for alice by mallory`,
    );
    assert.equal(
      notice.summary,
      'MFA device deactivated at 2026-03-02T10:15:00Z, classified suspicious (high). Why: removed by a session' +
        ' without MFA; source IP never seen for this actor; outside working hours.',
    );
  });

  it('names a case without an account by its user alone, an unclassified one as such, and no reasons of weight 0', async () => {
    const { kase, lead } = await openCase('bob', {
      classification: undefined,
      severity: 'medium',
      reasons: [{ code: 'context', message: 'context only', weight: 0 }],
    });
    const withoutAccount = store.force(kase.id, { account: null });
    const notice = only(openedNotices(withoutAccount, lead, CONTEXT));
    assert.equal(notice.title, `Case ${kase.id} opened for bob: MFA device deactivated for alice by mallory`);
    assert.equal(
      notice.summary,
      'MFA device deactivated at 2026-03-02T10:15:00Z, classified unclassified (medium).',
    );
    assert.equal(notice.classification, null);
  });

  it('carries the fields the case took from its alerts when they are given (not the ones it was opened with)', async () => {
    const { kase, lead } = await openCase();
    const synced = await syncCaseFields(store, kase, { classification: 'rotation', severity: 'low' }, T0 + 5);
    const notice = only(openedNotices(synced, lead, CONTEXT));
    assert.equal(notice.classification, 'rotation');
    assert.equal(notice.severity, 'low');
    assert.match(notice.summary, /classified rotation \(low\)/);
  });
});

describe('the owner is asked: askOwner', () => {
  it('moves the case to verifying and sends one request to the owner, with the signed links and their expiry', async () => {
    const { kase, lead } = await openCase();
    const change = await askOwner(
      store,
      kase,
      { verification: VERIFICATION, links: LINKS, alert: lead, nowMs: T0 + 1_000 },
      CONTEXT,
    );
    assert.equal(change.case.state, 'verifying');
    assert.equal(store.stored(kase.id).state, 'verifying');
    const last = store.stored(kase.id).audit.at(-1);
    assert.deepEqual(
      { actor: last?.actor, at: last?.at, before: last?.before, after: last?.after },
      {
        actor: SYSTEM_ACTOR,
        at: T0 + 1_000,
        before: { state: 'open' },
        after: { state: 'verifying', note: 'asked the owner alice@example.com' },
      },
    );
    const notice = only(change.notifications);
    assert.equal(notice.kind, 'verification-request');
    assert.equal(notice.recipient, 'alice@example.com');
    assert.equal(notice.dedupeKey, 'verification-request:ver-7');
    assert.deepEqual(notice.links, { case: CASE_URL(kase.id), confirm: LINKS.confirm, deny: LINKS.deny });
    assert.equal(notice.title, 'Was this you? MFA was removed from alice (account 123456789012)');
    assert.match(
      notice.summary,
      /deactivated at 2026-03-02T10:15:00Z by arn:aws:iam::123456789012:user\/mallory from 203\.0\.113\.9\./,
    );
    assert.match(notice.summary, /expire at 2026-03-02T11:00:00\.000Z\.$/);
  });

  it('names an unknown caller and address as unknown', async () => {
    const { kase } = await openCase();
    const bare = alertFor('alice');
    const anonymous = { ...bare, actor: { ...bare.actor, arn: null, userName: null, sourceIp: null } };
    const change = await askOwner(
      store,
      kase,
      { verification: VERIFICATION, links: LINKS, alert: anonymous, nowMs: T0 },
      CONTEXT,
    );
    assert.match(only(change.notifications).summary, /by an unknown caller from an unknown address\./);
  });

  it('tells the case as stored after the change, not as the caller last read it', async () => {
    const { kase, lead } = await openCase();
    await syncCaseFields(store, kase, { classification: 'admin-reset', severity: 'medium' }, T0 + 1);
    const change = await askOwner(
      store,
      kase,
      { verification: VERIFICATION, links: LINKS, alert: lead, nowMs: T0 + 2 },
      CONTEXT,
    );
    const notice = only(change.notifications);
    assert.equal(notice.classification, 'admin-reset');
    assert.equal(notice.severity, 'medium');
  });

  for (const state of ['verifying', 'escalated', 'resolved'] as const) {
    it(`is refused on a ${state} case, and tells nobody`, async () => {
      const { kase, lead } = await openCase();
      const moved = store.force(kase.id, { state });
      const auditBefore = store.stored(kase.id).audit.length;
      await assert.rejects(
        askOwner(store, moved, { verification: VERIFICATION, links: LINKS, alert: lead, nowMs: T0 }, CONTEXT),
        (error: unknown) =>
          error instanceof InvalidTransitionError && error.from === state && error.to === 'verifying',
      );
      assert.equal(store.stored(kase.id).state, state);
      assert.equal(store.stored(kase.id).audit.length, auditBefore);
    });
  }
});

describe('escalation: escalateWithNotice', () => {
  const cause = { key: 'no-owner', reason: 'no owner on record' };

  for (const from of ['open', 'verifying'] as const) {
    it(`escalates a ${from} case and tells the responders why, keyed by the cause`, async () => {
      const { kase, lead } = await openCase();
      const current = store.force(kase.id, { state: from });
      const change = await escalateWithNotice(
        store,
        current,
        { actor: 'api:bob', nowMs: T0 + 9 },
        cause,
        lead,
        CONTEXT,
      );
      assert.equal(change.moved, true);
      assert.equal(change.case.state, 'escalated');
      const last = store.stored(kase.id).audit.at(-1);
      assert.deepEqual(
        { actor: last?.actor, before: last?.before, after: last?.after },
        {
          actor: 'api:bob',
          before: { state: from },
          after: { state: 'escalated', note: 'no owner on record' },
        },
      );
      const notice = only(change.notifications);
      assert.equal(notice.kind, 'case-escalated');
      assert.equal(notice.dedupeKey, `case-escalated:${kase.id}:no-owner`);
      assert.equal(notice.recipient, undefined);
      assert.equal(notice.alert?.id, lead.id);
      assert.equal(
        notice.title,
        `Case ${kase.id} escalated for alice (account 123456789012): no owner on record`,
      );
      assert.equal(
        notice.summary,
        `Case ${kase.id} (high, suspicious) needs a responder: no owner on record. Why: removed by a session` +
          ' without MFA; source IP never seen for this actor; outside working hours.',
      );
    });
  }

  it('on a case already escalated: no second move, the notice still goes out under the same key per cause', async () => {
    const { kase, lead } = await openCase();
    const first = await escalateWithNotice(
      store,
      kase,
      { actor: SYSTEM_ACTOR, nowMs: T0 },
      cause,
      lead,
      CONTEXT,
    );
    const callsBefore = store.calls.length;
    const again = await escalateWithNotice(
      store,
      first.case,
      { actor: SYSTEM_ACTOR, nowMs: T0 + 1 },
      cause,
      lead,
      CONTEXT,
    );
    assert.equal(again.moved, false);
    assert.equal(store.calls.length, callsBefore, 'no store change for a case already escalated');
    assert.equal(only(again.notifications).dedupeKey, only(first.notifications).dedupeKey);
    const other = await escalateWithNotice(
      store,
      first.case,
      { actor: SYSTEM_ACTOR, nowMs: T0 + 2 },
      { key: 'denied:ver-7', reason: 'the owner said "this was not me"' },
      undefined,
      CONTEXT,
    );
    assert.equal(only(other.notifications).dedupeKey, `case-escalated:${kase.id}:denied:ver-7`);
    assert.equal(only(other.notifications).alert, undefined);
    assert.equal(only(other.notifications).summary.includes('Why:'), false);
  });

  it('on a closed case (a "not me" that could not reopen it): the case stays closed, the escalation still goes out', async () => {
    const { kase, lead } = await openCase();
    const closed = await resolveNoted(store, kase, 'owner-confirmed', T0, 'the owner confirmed', CONTEXT);
    const change = await escalateWithNotice(
      store,
      closed.case,
      { actor: 'owner:a', nowMs: T0 + 1 },
      cause,
      lead,
      CONTEXT,
    );
    assert.equal(change.moved, false);
    assert.equal(store.stored(kase.id).state, 'resolved');
    assert.equal(only(change.notifications).kind, 'case-escalated');
  });

  it('tells the classification and severity the owner\'s "not me" just set', async () => {
    const { kase, lead } = await openCase('alice', { severity: 'medium' });
    const answered = await recordOwnerAnswer(store, kase, 'unauthorized', {
      actor: 'owner:alice',
      nowMs: T0 + 3,
    });
    const change = await escalateWithNotice(
      store,
      kase,
      { actor: 'owner:alice', nowMs: T0 + 3 },
      { key: 'denied:ver-7', reason: 'the owner said "this was not me"' },
      lead,
      CONTEXT,
    );
    assert.equal(answered.severity, 'high');
    const notice = only(change.notifications);
    assert.deepEqual([notice.classification, notice.severity], ['unauthorized', 'high']);
    assert.match(notice.summary, /\(high, unauthorized\)/);
  });
});

describe('resolution: resolveExplained and resolveNoted', () => {
  for (const from of ['open', 'verifying', 'escalated'] as const) {
    it(`closes a ${from} case its alerts explain, stamps the time and tells the responders once`, async () => {
      const { kase, lead } = await openCase();
      const current = store.force(kase.id, { state: from, vulnerabilityWindowSeconds: 240 });
      const change = await resolveExplained(store, current, 'rotation', T0 + 60_000, lead, CONTEXT);
      assert.deepEqual(
        [change.case.state, change.case.resolution, change.case.resolvedAt],
        ['resolved', 'rotation', T0 + 60_000],
      );
      const audit = store.stored(kase.id).audit.slice(-2);
      assert.deepEqual(
        audit.map((entry) => [entry.actor, entry.action, entry.after]),
        [
          [SYSTEM_ACTOR, 'updated', { resolution: 'rotation' }],
          [
            SYSTEM_ACTOR,
            'transition',
            { state: 'resolved', resolvedAt: T0 + 60_000, note: 'explained: rotation' },
          ],
        ],
      );
      const notice = only(change.notifications);
      assert.equal(notice.kind, 'case-resolved');
      assert.equal(notice.dedupeKey, `case-resolved:${kase.id}`);
      assert.equal(notice.alert?.id, lead.id);
      assert.equal(notice.title, `Case ${kase.id} resolved for alice (account 123456789012): rotation`);
      assert.equal(notice.summary, `Case ${kase.id} closed as rotation. MFA was off for 240 s.`);
    });
  }

  it('tells the classification the case holds when it closes, not the one the caller read before', async () => {
    const { kase, lead } = await openCase();
    await syncCaseFields(store, kase, { classification: 'rotation', severity: 'low' }, T0 + 1);
    const change = await resolveExplained(store, kase, 'rotation', T0 + 2, lead, CONTEXT);
    const notice = only(change.notifications);
    assert.deepEqual([notice.classification, notice.severity], ['rotation', 'low']);
    assert.equal(notice.summary, `Case ${kase.id} closed as rotation.`);
  });

  it('resolveNoted keeps the stated reason in the audit and sends no alert', async () => {
    const { kase } = await openCase();
    const change = await resolveNoted(store, kase, 'mfa-enabled', T0 + 7, 'the user enrolled MFA', CONTEXT);
    assert.equal(store.stored(kase.id).audit.at(-1)?.after?.['note'], 'the user enrolled MFA');
    const notice = only(change.notifications);
    assert.equal(notice.kind, 'case-resolved');
    assert.equal(notice.alert, undefined);
    assert.equal(notice.title, `Case ${kase.id} resolved for alice (account 123456789012): mfa-enabled`);
  });

  it('a closed case cannot close again: refused, nothing told', async () => {
    const { kase, lead } = await openCase();
    const first = await resolveExplained(store, kase, 'rotation', T0, lead, CONTEXT);
    await assert.rejects(
      resolveExplained(store, first.case, 'approved', T0 + 1, lead, CONTEXT),
      (error: unknown) => error instanceof InvalidTransitionError && error.from === 'resolved',
    );
    await assert.rejects(
      resolveNoted(store, first.case, 'approved', T0 + 1, 'again', CONTEXT),
      InvalidTransitionError,
    );
    assert.equal(store.stored(kase.id).resolvedAt, T0);
  });
});

describe("the owner's answer: recordOwnerAnswer and answeredNotices", () => {
  it('a "yes" classifies the case verified and keeps its severity', async () => {
    const { kase } = await openCase('alice', { severity: 'medium' });
    const answered = await recordOwnerAnswer(store, kase, 'verified', {
      actor: 'owner:alice@example.com',
      nowMs: T0,
    });
    assert.deepEqual([answered.classification, answered.severity], ['verified', 'medium']);
    assert.deepEqual(store.stored(kase.id).audit.at(-1)?.after, { classification: 'verified' });
    assert.equal(store.stored(kase.id).audit.at(-1)?.actor, 'owner:alice@example.com');
  });

  for (const [from, to] of [
    ['info', 'high'],
    ['low', 'high'],
    ['medium', 'high'],
    ['high', 'high'],
    ['critical', 'critical'],
  ] as const) {
    it(`a "not me" on a ${from} case leaves it ${to} and unauthorized`, async () => {
      const { kase } = await openCase('alice', { severity: from });
      const answered = await recordOwnerAnswer(store, kase, 'unauthorized', { actor: 'owner:a', nowMs: T0 });
      assert.deepEqual([answered.classification, answered.severity], ['unauthorized', to]);
      const after = store.stored(kase.id).audit.at(-1)?.after;
      assert.deepEqual(
        after,
        from === to ? { classification: 'unauthorized' } : { classification: 'unauthorized', severity: to },
      );
    });
  }

  for (const [classification, answer] of [
    ['verified', 'yes, this was me'],
    ['unauthorized', 'no, this was not me'],
  ] as const) {
    it(`tells the responders the owner's "${answer}" with the case's state after it`, async () => {
      const { kase } = await openCase();
      const verifying = store.force(kase.id, { state: 'verifying' });
      const answered = await recordOwnerAnswer(store, verifying, classification, {
        actor: 'owner:a',
        nowMs: T0,
      });
      const notice = only(answeredNotices(answered, VERIFICATION, classification, CONTEXT));
      assert.equal(notice.kind, 'verification-answered');
      assert.equal(notice.dedupeKey, 'verification-answered:ver-7');
      assert.equal(notice.classification, classification);
      assert.equal(notice.recipient, undefined);
      assert.equal(notice.alert, undefined);
      assert.deepEqual(notice.links, { case: CASE_URL(kase.id) });
      assert.equal(notice.title, `alice@example.com answered for alice (account 123456789012): ${answer}`);
      assert.equal(notice.summary, `Case ${kase.id} is now ${classification}; state verifying.`);
    });
  }

  it("the answer's classification wins over the one the case was read with", async () => {
    const { kase } = await openCase('carol');
    const stale = store.force(kase.id, { account: null, state: 'resolved', classification: 'rotation' });
    const notice = only(answeredNotices(stale, VERIFICATION, 'unauthorized', CONTEXT));
    assert.equal(notice.classification, 'unauthorized');
    assert.equal(notice.title, 'alice@example.com answered for carol: no, this was not me');
    assert.equal(notice.summary, `Case ${kase.id} is now unauthorized; state resolved.`);
  });
});

describe('one incident told in order', () => {
  it('opened, owner asked, "not me", escalated: one notice per change, each with the facts of its moment', async () => {
    const { kase, lead } = await openCase('alice', { severity: 'medium' });
    const sent: Notification[] = [...openedNotices(kase, lead, CONTEXT)];
    const asked = await askOwner(
      store,
      kase,
      { verification: VERIFICATION, links: LINKS, alert: lead, nowMs: T0 + 1 },
      CONTEXT,
    );
    sent.push(...asked.notifications);
    const by = { actor: 'owner:alice@example.com', nowMs: T0 + 2 };
    const answered = await recordOwnerAnswer(store, asked.case, 'unauthorized', by);
    const escalated = await escalateWithNotice(
      store,
      answered,
      by,
      { key: 'denied:ver-7', reason: 'the owner said "this was not me"' },
      lead,
      CONTEXT,
    );
    sent.push(...escalated.notifications);
    assert.deepEqual(
      sent.map((n) => [n.kind, n.dedupeKey, n.classification, n.severity, n.recipient ?? 'responders']),
      [
        ['case-opened', `case-opened:${kase.id}`, 'suspicious', 'medium', 'responders'],
        ['verification-request', 'verification-request:ver-7', 'suspicious', 'medium', 'alice@example.com'],
        ['case-escalated', `case-escalated:${kase.id}:denied:ver-7`, 'unauthorized', 'high', 'responders'],
      ],
    );
    assert.equal(new Set(sent.map((n) => n.dedupeKey)).size, sent.length, 'no two notices share a key');
    assert.deepEqual(
      store.stored(kase.id).audit.map((entry) => [entry.action, entry.after?.['state'] ?? null]),
      [
        ['opened', 'open'],
        ['transition', 'verifying'],
        ['updated', null],
        ['transition', 'escalated'],
      ],
    );
  });
});
