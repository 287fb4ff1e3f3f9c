// The store contract's part on owner verification: single-use answers, expiry and escalation.

import assert from 'node:assert/strict';
import { UsageError } from '../../model/index.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { T0, MINUTE, openCase, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineVerificationsContract(test: ContractTest): void {
  test('verification: single use, expiry, unknown token, escalation, audit', async (open) => {
    const store = await open();
    const id = await openCase(store);
    const created = await store.createVerification({
      caseId: id,
      owner: 'alice@example.com',
      tokenHash: 'h1',
      expiresAtMs: T0 + 60 * MINUTE,
      nowMs: T0 + 2 * MINUTE,
    });
    assert.deepEqual(created, {
      id: created.id,
      caseId: id,
      owner: 'alice@example.com',
      state: 'pending',
      createdAt: T0 + 2 * MINUTE,
      expiresAt: T0 + 60 * MINUTE,
      answeredAt: null,
      escalatedAt: null,
    });
    await rejectsWith(
      store.createVerification({
        caseId: id,
        owner: 'x@example.com',
        tokenHash: 'h1',
        expiresAtMs: T0 + 60 * MINUTE,
        nowMs: T0,
      }),
      ConflictError,
    );
    await rejectsWith(
      store.createVerification({
        caseId: '999',
        owner: 'x@example.com',
        tokenHash: 'h9',
        expiresAtMs: T0 + 60 * MINUTE,
        nowMs: T0,
      }),
      NotFoundError,
    );
    await rejectsWith(
      store.createVerification({
        caseId: id,
        owner: 'x@example.com',
        tokenHash: 'h8',
        expiresAtMs: T0,
        nowMs: T0,
      }),
      UsageError,
      /expiresAtMs/,
    );

    const answer = await store.consumeVerification({
      tokenHash: 'h1',
      answer: 'denied',
      nowMs: T0 + 12 * MINUTE,
    });
    assert.ok(answer.ok);
    assert.equal(answer.verification.state, 'denied');
    assert.equal(answer.verification.answeredAt, T0 + 12 * MINUTE);
    assert.deepEqual(
      await store.consumeVerification({ tokenHash: 'h1', answer: 'confirmed', nowMs: T0 + 13 * MINUTE }),
      { ok: false, reason: 'used' },
    );
    assert.deepEqual(
      await store.consumeVerification({ tokenHash: 'forged', answer: 'confirmed', nowMs: T0 }),
      { ok: false, reason: 'unknown' },
    );

    await store.createVerification({
      caseId: id,
      owner: 'alice@example.com',
      tokenHash: 'h2',
      expiresAtMs: T0 + 60 * MINUTE,
      nowMs: T0,
    });
    // Exactly at the deadline the link is dead.
    assert.deepEqual(
      await store.consumeVerification({ tokenHash: 'h2', answer: 'confirmed', nowMs: T0 + 60 * MINUTE }),
      { ok: false, reason: 'expired' },
    );
    const expired = await store.listExpiredVerifications(T0 + 60 * MINUTE);
    assert.deepEqual(
      expired.map((entry) => entry.state),
      ['pending'],
    );
    assert.equal(await store.markVerificationEscalated(expired[0]!.id, T0 + 61 * MINUTE), true);
    assert.equal(await store.markVerificationEscalated(expired[0]!.id, T0 + 62 * MINUTE), false);
    assert.equal(await store.markVerificationEscalated(answer.verification.id, T0 + 62 * MINUTE), false); // answered: never overridden
    assert.deepEqual(await store.listExpiredVerifications(T0 + 70 * MINUTE), []);
    assert.deepEqual(
      await store.consumeVerification({ tokenHash: 'h2', answer: 'confirmed', nowMs: T0 + 63 * MINUTE }),
      { ok: false, reason: 'expired' },
    );
    await rejectsWith(store.markVerificationEscalated('777', T0), NotFoundError);
    // Found by its token hash in whatever state, without changing it (a link's page reads it on GET).
    assert.deepEqual(await store.findVerification('h1'), answer.verification);
    assert.equal((await store.findVerification('h2'))?.state, 'expired');
    assert.equal((await store.findVerification('h2'))?.escalatedAt, T0 + 61 * MINUTE);
    assert.equal(await store.findVerification('nope'), null);
    await rejectsWith(
      store.consumeVerification({ tokenHash: 'h1', answer: 'maybe' as 'confirmed', nowMs: T0 }),
      UsageError,
      /answer/,
    );

    const detail = await store.getCase(id);
    assert.deepEqual(
      detail?.verifications.map((entry) => entry.state),
      ['denied', 'expired'],
    );
    assert.deepEqual(
      detail?.audit
        .filter((entry) => entry.action.startsWith('verification'))
        .map((entry) => [entry.action, entry.actor]),
      [
        ['verification-requested', 'system'],
        ['verification-answered', 'owner:alice@example.com'],
        ['verification-requested', 'system'],
        ['verification-expired', 'system'],
      ],
    );
  });

  test('verification: two instances answering the same link at once: exactly one wins', async (open) => {
    const [one, two] = await Promise.all([open(), open()]);
    const id = await openCase(one);
    await one.createVerification({
      caseId: id,
      owner: 'alice@example.com',
      tokenHash: 'race',
      expiresAtMs: T0 + 60 * MINUTE,
      nowMs: T0,
    });
    const answers = await Promise.all([
      one.consumeVerification({ tokenHash: 'race', answer: 'confirmed', nowMs: T0 + MINUTE }),
      two.consumeVerification({ tokenHash: 'race', answer: 'denied', nowMs: T0 + MINUTE }),
      one.consumeVerification({ tokenHash: 'race', answer: 'denied', nowMs: T0 + MINUTE }),
      two.consumeVerification({ tokenHash: 'race', answer: 'confirmed', nowMs: T0 + MINUTE }),
    ]);
    assert.equal(answers.filter((answer) => answer.ok).length, 1);
    assert.deepEqual(
      answers.filter((answer) => !answer.ok).map((answer) => (answer.ok ? '' : answer.reason)),
      ['used', 'used', 'used'],
    );
  });
}
