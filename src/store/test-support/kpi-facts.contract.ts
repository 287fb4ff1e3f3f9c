// The store contract's part on KPI facts: one removal per event with its case's outcome, containment, denials by code.

import assert from 'node:assert/strict';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';
import { targetKeyOf } from '../keys.ts';
import type { DenialFact } from '../kpi-facts.ts';
import type { Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;

export interface KpiFactsBuilders {
  readonly makeAlert: (
    id: string,
    overrides: { eventId?: string; eventTimeMs?: number; targetUser?: string; eventName?: string },
  ) => Alert;
  readonly makeEvent: (id: string, timeMs: number, overrides: Partial<CloudTrailEvent>) => CloudTrailEvent;
}

const T0 = Date.UTC(2025, 3, 1, 8, 0, 0);
const MINUTE = 60_000;
const ACCOUNT = '111122223333';

export function defineKpiFactsContract(test: ContractTest, build: KpiFactsBuilders): void {
  test('kpi facts: one removal per event, earliest detection, the case classification, containment and re-enrolment', async (open) => {
    const store = await open();
    const alice1 = build.makeAlert('k1', { eventId: 'ev-a', eventTimeMs: T0, targetUser: 'alice' });
    const alice2 = {
      ...build.makeAlert('k2', { eventId: 'ev-a', eventTimeMs: T0 }),
      rule: { ...alice1.rule, id: 'elastic-x' },
    };
    const bea = build.makeAlert('k3', { eventId: 'ev-b', eventTimeMs: T0 + 10 * MINUTE, targetUser: 'bea' });
    const outside = build.makeAlert('k4', {
      eventId: 'ev-c',
      eventTimeMs: T0 - 40 * 86_400_000,
      targetUser: 'cid',
    });
    const login = build.makeAlert('k5', {
      eventId: 'ev-d',
      eventTimeMs: T0,
      targetUser: 'dan',
      eventName: 'CreateLoginProfile',
    });
    await store.insertAlerts([alice1], T0 + 20_000);
    await store.insertAlerts([alice2], T0 + 50_000);
    await store.insertAlerts([bea, outside, login], T0 + 11 * MINUTE);
    const open1 = async (alert: Alert, user: string) =>
      (
        await store.openOrAttachCase({
          alert,
          targetKey: targetKeyOf(ACCOUNT, user),
          nowMs: T0 + 12 * MINUTE,
          actor: 'system',
        })
      ).case;
    const aliceCase = await open1(alice1, 'alice');
    await open1(alice2, 'alice');
    const beaCase = await open1(bea, 'bea');
    await open1(outside, 'cid');
    await store.updateCase(
      aliceCase.id,
      { classification: 'unauthorized', vulnerabilityWindowSeconds: 3600 },
      { actor: 'system', nowMs: T0 + 13 * MINUTE },
    );
    const { action } = await store.planResponseAction({
      caseId: aliceCase.id,
      kind: 'quarantine',
      targetKind: 'user',
      account: ACCOUNT,
      targetName: 'alice',
      state: 'planned',
      hold: null,
      holdReason: null,
      plan: [],
      reason: 'test',
      notBeforeMs: T0,
      actor: 'system',
      nowMs: T0 + 14 * MINUTE,
    });
    await store.updateResponseAction(
      action.id,
      ['planned'],
      { state: 'applied', appliedAt: T0 + 15 * MINUTE },
      { actor: 'w', nowMs: T0 + 15 * MINUTE, note: 'applied' },
    );
    await store.transitionCase(beaCase.id, 'resolved', { actor: 'api:ann', nowMs: T0 + 30 * MINUTE });

    const facts = await store.kpiFacts({ fromMs: T0 - 86_400_000, toMs: T0 + 86_400_000 });
    const byEvent = new Map(facts.removals.map((removal) => [removal.eventId, removal]));
    assert.deepEqual(
      [...byEvent.keys()].sort(),
      ['ev-a', 'ev-b'],
      'one fact per removal event; other events and windows left out',
    );
    assert.deepEqual(byEvent.get('ev-a'), {
      eventId: 'ev-a',
      eventTimeMs: T0,
      detectedAt: T0 + 20_000,
      classification: 'unauthorized',
      caseId: aliceCase.id,
      caseResolvedAt: null,
      caseResolution: null,
      vulnerabilityWindowSeconds: 3600,
      containedAt: T0 + 15 * MINUTE,
    });
    assert.equal(byEvent.get('ev-b')?.caseResolvedAt, T0 + 30 * MINUTE);
    assert.equal(byEvent.get('ev-b')?.containedAt, null);
    const cases = new Map(facts.cases.map((kase) => [kase.id, kase]));
    assert.equal(cases.get(aliceCase.id)?.containedAt, T0 + 15 * MINUTE);
    assert.equal(cases.get(beaCase.id)?.state, 'resolved');
    assert.ok(facts.cases.every((kase) => kase.kind === null));
    assert.equal(
      facts.cases.length,
      3,
      'cid is open, so it counts even though its removal is outside the window',
    );

    const resolvedLater = await store.kpiFacts({ fromMs: T0 + 20 * MINUTE, toMs: T0 + 60 * MINUTE });
    assert.deepEqual(
      resolvedLater.removals.map((removal) => removal.eventId),
      ['ev-b'],
      'resolved in the window',
    );
  });

  test('kpi facts: denial candidates are the stored events whose error code is a denial', async (open) => {
    const store = await open();
    const denied = (id: string, code: string, timeMs = T0) =>
      build.makeEvent(id, timeMs, {
        name: 'ListUsers',
        outcome: 'failure',
        errorCode: code,
        errorMessage: 'no',
      });
    await store.insertEvents([
      denied('d1', 'AccessDenied'),
      denied('d2', 'Client.UnauthorizedOperation'),
      denied('d3', 'AccessDeniedException'),
      denied('d4', 'NoSuchEntity'),
      denied('d5', 'AccessDenied', T0 + 2 * 86_400_000),
      build.makeEvent('d6', T0, { errorMessage: '"errorCode":"AccessDenied" in a message is not a code' }),
    ]);
    const facts = await store.kpiFacts({ fromMs: T0, toMs: T0 + 86_400_000 });
    assert.deepEqual(facts.denialCandidates.map((event) => event.id).sort(), ['d1', 'd2', 'd3']);
    assert.equal(facts.denialsTruncated, false);
    assert.equal(facts.denialCandidates.find((event) => event.id === 'd1')?.errorCode, 'AccessDenied');
  });

  test('kpi facts: recorded denials count once per eventID, inside [from, to), oldest first; a bad flag is refused', async (open) => {
    const store = await open();
    const fact = (
      eventId: string,
      timeMs: number,
      withoutMfa: boolean | null,
      policy: string | null = null,
    ): DenialFact => ({
      eventId,
      timeMs,
      account: ACCOUNT,
      errorCode: 'AccessDenied',
      policy,
      withoutMfa,
    });
    const day = 86_400_000;
    await store.recordDenials([
      fact('n2', T0 + MINUTE, true),
      fact('n1', T0, false, 'arn:aws:iam::111122223333:policy/Force MFA ü'),
      fact('n3', T0 + 2 * MINUTE, null, 'SecondFactor'),
      fact('late', T0 + day, true),
    ]);
    // Redelivery of the same records (other facts included) changes nothing.
    await store.recordDenials([fact('n1', T0, true), fact('n2', T0 + MINUTE, false)]);
    await store.recordDenials([]);
    const facts = await store.kpiFacts({ fromMs: T0, toMs: T0 + day });
    assert.deepEqual(facts.denials, [
      fact('n1', T0, false, 'arn:aws:iam::111122223333:policy/Force MFA ü'),
      fact('n2', T0 + MINUTE, true),
      fact('n3', T0 + 2 * MINUTE, null, 'SecondFactor'),
    ]);
    assert.equal(facts.denialsTruncated, false);
    await assert.rejects(
      store.recordDenials([{ ...fact('bad', T0, true), withoutMfa: 'yes' as unknown as boolean }]),
      /denials\[0\]\.withoutMfa/,
    );
    assert.equal((await store.kpiFacts({ fromMs: T0, toMs: T0 + 2 * day })).denials.length, 4);
  });
}
