// Which approved change an MFA removal matches: target (any case), time window (edges included), account, actor.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findApproval } from './approvals.ts';
import { ACCOUNT, makeEvent } from './test-support/events.ts';
import type { Approval } from './triage-config.ts';

const FROM = Date.parse('2026-11-18T22:00:00Z');
const TO = Date.parse('2026-11-19T00:00:00Z');

const APPROVAL: Approval = {
  ticket: 'CHG-123',
  user: 'dave',
  actor: null,
  account: null,
  fromMs: FROM,
  toMs: TO,
  approver: 'carol',
};

const removalAt = (at: string, actor = 'opsadmin') =>
  makeEvent({ name: 'DeactivateMFADevice', at, actor, target: 'dave' });

/** The ticket matched for `removal` of `target` against `approvals`, or null. */
const ticketFor = (approvals: readonly Approval[], at: string, target: string | null = 'dave') =>
  findApproval(approvals, removalAt(at), target)?.ticket ?? null;

void describe('findApproval', () => {
  void it('matches inside the window, both edges included, and not a millisecond outside', () => {
    assert.equal(ticketFor([APPROVAL], '2026-11-18T23:00:00Z'), 'CHG-123');
    assert.equal(ticketFor([APPROVAL], new Date(FROM).toISOString()), 'CHG-123');
    assert.equal(ticketFor([APPROVAL], new Date(TO).toISOString()), 'CHG-123');
    assert.equal(ticketFor([APPROVAL], new Date(FROM - 1).toISOString()), null);
    assert.equal(ticketFor([APPROVAL], new Date(TO + 1).toISOString()), null);
    // A day later, the same change is no approval at all.
    assert.equal(ticketFor([APPROVAL], '2026-11-20T23:00:00Z'), null);
    assert.equal(ticketFor([APPROVAL], '2026-11-17T23:00:00Z'), null);
  });

  void it('matches the target user without regard to case, and never a removal without a target', () => {
    assert.equal(ticketFor([APPROVAL], '2026-11-18T23:00:00Z', 'DAVE'), 'CHG-123');
    assert.equal(ticketFor([APPROVAL], '2026-11-18T23:00:00Z', 'davey'), null);
    assert.equal(ticketFor([APPROVAL], '2026-11-18T23:00:00Z', null), null);
  });

  void it('an approval for one account does not cover the same user in another', () => {
    const at = '2026-11-18T23:00:00Z';
    assert.equal(ticketFor([{ ...APPROVAL, account: ACCOUNT }], at), 'CHG-123');
    assert.equal(ticketFor([{ ...APPROVAL, account: '444455556666' }], at), null);
  });

  void it('an approval naming an actor covers only that actor, by user name (any case) or exact ARN', () => {
    const at = '2026-11-18T23:00:00Z';
    const byName = { ...APPROVAL, actor: 'OpsAdmin' };
    assert.equal(findApproval([byName], removalAt(at, 'opsadmin'), 'dave')?.ticket, 'CHG-123');
    assert.equal(findApproval([byName], removalAt(at, 'mallory'), 'dave'), null);
    const byArn = { ...APPROVAL, actor: `arn:aws:iam::${ACCOUNT}:user/opsadmin` };
    assert.equal(findApproval([byArn], removalAt(at, 'opsadmin'), 'dave')?.ticket, 'CHG-123');
    assert.equal(findApproval([byArn], removalAt(at, 'mallory'), 'dave'), null);
    // An ARN is compared whole: the user name inside it is not enough, nor is another case.
    const upper = { ...APPROVAL, actor: `arn:aws:iam::${ACCOUNT}:user/OPSADMIN` };
    assert.equal(findApproval([upper], removalAt(at, 'opsadmin'), 'dave'), null);
  });

  void it('returns the first approval that matches, passing over those that do not', () => {
    const at = '2026-11-18T23:00:00Z';
    const approvals = [
      { ...APPROVAL, ticket: 'CHG-1', user: 'erin' },
      { ...APPROVAL, ticket: 'CHG-2', account: '444455556666' },
      { ...APPROVAL, ticket: 'CHG-3' },
      { ...APPROVAL, ticket: 'CHG-4' },
    ];
    assert.equal(ticketFor(approvals, at), 'CHG-3');
    assert.equal(ticketFor([], at), null);
  });
});
