// GET /api/cases/{id}/notifications: the case's own notifications for its timeline, never their payload.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Harness } from './test-support/harness.ts';
import { auth, NOW, sampleAlert, seedCase, startHarness } from './test-support/harness.ts';

describe('case notifications', () => {
  let h: Harness;
  let caseId = '';
  let other = '';
  before(async () => {
    h = await startHarness();
    caseId = await seedCase(h.store, sampleAlert({ user: 'dana' }));
    other = await seedCase(h.store, sampleAlert({ user: 'erin' }));
    await h.store.transaction(async (tx) => {
      await tx.enqueueNotification({
        kind: 'verification-request',
        channel: 'mail',
        payload: { caseId, title: 'Was this you, dana?', links: { verify: 'https://x/verify/SECRET-LINK' } },
        dedupeKey: 'v1@mail',
        nowMs: NOW,
      });
      await tx.enqueueNotification({
        kind: 'case-opened',
        channel: 'slack',
        payload: { caseId: other, title: 'someone else' },
        dedupeKey: 'o1@slack',
        nowMs: NOW,
      });
    });
  });
  after(() => h.close());

  it('lists the case’s notifications with title and state, without the payload', async () => {
    const response = await fetch(`${h.base}/api/cases/${caseId}/notifications`, {
      headers: auth(h.tokens.viewer),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(!text.includes('SECRET-LINK'), 'the owner’s link never leaves the outbox');
    const body = JSON.parse(text) as {
      items: { kind: string; channel: string; title: string; state: string }[];
    };
    assert.deepEqual(
      body.items.map((n) => [n.kind, n.channel, n.title, n.state]),
      [['verification-request', 'mail', 'Was this you, dana?', 'pending']],
    );
  });

  it('answers 404 for an unknown case', async () => {
    const response = await fetch(`${h.base}/api/cases/999/notifications`, { headers: auth(h.tokens.viewer) });
    assert.equal(response.status, 404);
  });
});
