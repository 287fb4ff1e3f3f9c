// Keeping a case in step with its alerts, owners from the file and from tags, and what happens next to a case.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEvent, removalAlert } from '../enrich/test-support/events.ts';
import type { Alert } from '../model/index.ts';
import type { Case } from '../store/index.ts';
import { caseFieldsFromAlerts, decisiveAlerts, nextCaseAction } from './case-sync.ts';
import { chainOwnerLookups, configOwnerLookup, isPlausibleEmail, tagOwnerLookup } from './owners.ts';

const BASE_CASE: Case = {
  id: '1',
  targetKey: '111122223333/alice',
  account: '111122223333',
  userName: 'alice',
  state: 'open',
  classification: null,
  severity: 'medium',
  riskScore: 47,
  assignee: null,
  openedAt: 0,
  firstEventAt: 0,
  detectedAt: 0,
  resolvedAt: null,
  resolution: null,
  vulnerabilityWindowSeconds: null,
  updatedAt: 0,
};

function removal(extra: Partial<Alert>): Alert {
  const event = makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-17T09:05:00Z', target: 'alice' });
  return { ...removalAlert(event), ...extra };
}

describe('case fields from alerts', () => {
  it('follows a rotation down to low and keeps the vulnerability window; side alerts of the story do not count', () => {
    const deleted = makeEvent({
      name: 'DeleteVirtualMFADevice',
      at: '2026-11-17T09:05:30Z',
      target: 'alice',
    });
    const rotation = removal({
      classification: 'rotation',
      severity: 'low',
      riskScore: 15,
      vulnerabilityWindowSeconds: 180,
      related: [{ eventId: deleted.id, name: deleted.name, time: deleted.time, actor: null }],
    });
    const side: Alert = { ...removalAlert(deleted), severity: 'medium', riskScore: 47 };
    assert.deepEqual(decisiveAlerts([rotation, side]), [rotation]);
    assert.deepEqual(caseFieldsFromAlerts(BASE_CASE, [rotation, side]), {
      severity: 'low',
      riskScore: 15,
      classification: 'rotation',
      vulnerabilityWindowSeconds: 180,
    });
    assert.deepEqual(nextCaseAction(BASE_CASE, [rotation, side], false), {
      kind: 'resolve',
      resolution: 'rotation',
    });
  });

  it("keeps an owner answer and a responder's severity; root is always critical and never resolves by itself", () => {
    const suspicious = removal({ classification: 'suspicious', severity: 'high', riskScore: 70 });
    assert.deepEqual(
      caseFieldsFromAlerts({ ...BASE_CASE, classification: 'verified' }, [suspicious], {
        severityLocked: true,
      }),
      { riskScore: 70 },
    );
    const root = { ...BASE_CASE, userName: 'root' };
    const rotation = removal({ classification: 'rotation', severity: 'low', riskScore: 15 });
    assert.equal(caseFieldsFromAlerts(root, [rotation]).severity, 'critical');
    assert.deepEqual(nextCaseAction(root, [rotation], false), { kind: 'none' });
  });

  it('asks the owner once, only while the case is open and unexplained', () => {
    const suspicious = removal({ classification: 'suspicious' });
    assert.deepEqual(nextCaseAction(BASE_CASE, [suspicious], false), { kind: 'verify' });
    assert.deepEqual(nextCaseAction(BASE_CASE, [suspicious], true), { kind: 'none' });
    assert.deepEqual(nextCaseAction({ ...BASE_CASE, state: 'escalated' }, [suspicious], false), {
      kind: 'none',
    });
    assert.deepEqual(nextCaseAction(BASE_CASE, [], false), { kind: 'none' });
    const approved = removal({ classification: 'approved' });
    assert.deepEqual(nextCaseAction(BASE_CASE, [approved], false), {
      kind: 'resolve',
      resolution: 'approved',
    });
  });
});

describe('owners', () => {
  it('reads the owners file without case and IAM tags by configured keys; skips what is not an address', async () => {
    const file = configOwnerLookup(
      new Map([
        ['Alice', { email: 'alice@example.com', team: null }],
        ['bob', { email: 'team-b', team: null }],
      ]),
    );
    assert.equal(await file({ account: null, userName: 'ALICE' }), 'alice@example.com');
    assert.equal(await file({ account: null, userName: 'bob' }), null);
    const tags = tagOwnerLookup(
      (target) =>
        Promise.resolve(target.userName === 'carol' ? { Owner: 'team-c', 'OWNER-EMAIL': 'x' } : null),
      ['owner-email'],
    );
    assert.equal(await tags({ account: null, userName: 'carol' }), null);
    const failing = () => Promise.reject(new Error('AccessDenied'));
    const errors: unknown[] = [];
    const chained = chainOwnerLookups(
      [failing, file, tagOwnerLookup(() => Promise.resolve({ 'owner-email': 'dan@example.com' }))],
      (error) => errors.push(error),
    );
    assert.equal(await chained({ account: null, userName: 'alice' }), 'alice@example.com');
    assert.equal(await chained({ account: null, userName: 'zed' }), 'dan@example.com');
    assert.equal(errors.length, 2);
    for (const bad of ['a b@example.com', 'a@b', 'x\n@example.com', '', 42])
      assert.equal(isPlausibleEmail(bad), false);
  });
});
