// The baseline's second pass reads only files in a judged caller's look-back that hold one of its principal ids.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TRIAGE_CONFIG } from '../enrich/index.ts';
import { makeEvent } from '../enrich/test-support/events.ts';
import { ANY_PRINCIPAL, principalHashOf } from '../ingest/index.ts';
import { mergePrincipals, planBaselinePass } from './baseline-pass.ts';
import type { FileSpan } from './baseline-pass.ts';

const DAY = 86_400_000;

describe('planBaselinePass', () => {
  it('picks the files in the look-back that hold the judged caller', () => {
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2024-05-10T12:00:00Z',
      actor: 'alice',
      target: 'alice',
    });
    const alice = removal.actor.principalId;
    assert.ok(alice !== null);
    const at = removal.timeMs;
    const span = (daysBefore: number, principals: number[]): FileSpan => ({
      firstMs: at - daysBefore * DAY,
      lastMs: at - daysBefore * DAY + 3_600_000,
      principals: mergePrincipals(undefined, principals),
    });
    const spans = new Map<string, FileSpan>([
      ['alice-recent', span(2, [principalHashOf(alice), 7])],
      ['others-only', span(2, [principalHashOf('AIDAOTHER'), 7])],
      ['unreadable-ids', span(3, [ANY_PRINCIPAL])],
      ['alice-too-old', span(45, [principalHashOf(alice)])],
      ['alice-after', span(-3, [principalHashOf(alice)])],
      // Ends before the look-back starts (12:00, 30 days back) but on its first day: a sighting counts for its day.
      ['alice-first-day-morning', span(30.5, [principalHashOf(alice)])],
      ['alice-day-before', span(31.5, [principalHashOf(alice)])],
    ]);
    assert.equal(DEFAULT_TRIAGE_CONFIG.lookbackMs, 30 * DAY);
    const plan = planBaselinePass([removal], DEFAULT_TRIAGE_CONFIG, at + DAY, spans);
    assert.ok(plan !== null);
    assert.deepEqual(plan.files, ['alice-recent', 'unreadable-ids', 'alice-first-day-morning']);
    assert.deepEqual(plan.target.principalIds, [alice]);
    assert.equal(plan.target.full, false);
  });

  it("reads a file for a caller only within that caller's own look-back, not another's", () => {
    const at = Date.parse('2024-05-10T12:00:00Z');
    const removal = (actor: string, timeMs: number) =>
      makeEvent({ name: 'DeactivateMFADevice', at: new Date(timeMs).toISOString(), actor, target: actor });
    const alice = removal('alice', at);
    const bob = removal('bob', at + 2 * DAY);
    const hash = (event: typeof alice): number => principalHashOf(event.actor.principalId ?? '');
    const day = (offset: number, principals: number[]): FileSpan => ({
      firstMs: at + offset * DAY,
      lastMs: at + offset * DAY + 3_600_000,
      principals: mergePrincipals(undefined, principals),
    });
    const spans = new Map<string, FileSpan>([
      ['alice-before', day(-1, [hash(alice)])],
      // After alice's removal, before bob's: within bob's look-back, but only alice's sightings, which her judgement
      // (up to her removal) never reads.
      ['alice-between', day(1, [hash(alice)])],
      ['bob-between', day(1, [hash(bob)])],
      ['unreadable-between', day(1, [ANY_PRINCIPAL])],
      ['both-after', day(3, [hash(alice), hash(bob)])],
    ]);
    const plan = planBaselinePass([alice, bob], DEFAULT_TRIAGE_CONFIG, at + 4 * DAY, spans);
    assert.ok(plan !== null);
    assert.deepEqual(plan.files, ['alice-before', 'bob-between', 'unreadable-between']);
    assert.equal(plan.target.full, false);
  });

  it('plans nothing without a removal to judge', () => {
    const signIn = makeEvent({ name: 'ConsoleLogin', at: '2024-05-10T12:00:00Z', actor: 'bob' });
    assert.equal(planBaselinePass([signIn], DEFAULT_TRIAGE_CONFIG, signIn.timeMs, new Map()), null);
  });
});

void describe('mergePrincipals', () => {
  it('keeps a file’s callers sorted and once each, across its chunks', () => {
    const first = mergePrincipals(undefined, [7, 3, 0xffffffff, 3]);
    assert.deepEqual([...first], [3, 7, 0xffffffff]);
    const merged = mergePrincipals(first, [5, 7, 1]);
    assert.deepEqual([...merged], [1, 3, 5, 7, 0xffffffff]);
    assert.deepEqual([...mergePrincipals(undefined, [])], []);
  });
});
