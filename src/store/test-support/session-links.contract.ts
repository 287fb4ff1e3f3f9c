// The store contract's part on sessions that follow people: a session's link to the provider, a role re-read from
// the provider's claims, and the cleanup of sessions that ended (API tokens stay).

import assert from 'node:assert/strict';
import { NotFoundError } from '../errors.ts';
import type { ApiRole, Store } from '../store.ts';

type ContractTest = (title: string, body: (open: () => Promise<Store>) => Promise<void>) => void;

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const HOUR = 3_600_000;

async function session(store: Store, name: string, role: ApiRole, expiresAt: number): Promise<string> {
  const { token } = await store.createApiToken({
    name: `dashboard session of ${name}`,
    role,
    tokenHash: `hash-${name}`,
    createdBy: 'oidc:https://login.example.com',
    nowMs: T0,
    kind: 'session',
    subject: name,
    displayName: name,
    expiresAt,
  });
  return token.id;
}

export function defineSessionLinksContract(test: ContractTest): void {
  test('session links: stored, replaced, and a re-read role changes the session', async (open) => {
    const store = await open();
    const id = await session(store, 'ada', 'admin', T0 + 8 * HOUR);
    assert.equal(await store.getSessionLink(id), null);
    await store.linkSession({ tokenId: id, sealed: 'sealed-1', checkedAt: T0 });
    assert.deepEqual(await store.getSessionLink(id), { tokenId: id, sealed: 'sealed-1', checkedAt: T0 });
    await store.refreshSession({ tokenId: id, sealed: 'sealed-2', checkedAt: T0 + HOUR, role: 'viewer' });
    assert.deepEqual(await store.getSessionLink(id), {
      tokenId: id,
      sealed: 'sealed-2',
      checkedAt: T0 + HOUR,
    });
    const [stored] = (await store.listApiTokens()).filter((t) => t.id === id);
    assert.equal(stored?.role, 'viewer');
    assert.equal(await store.getSessionLink('no-such'), null);
  });

  test('session links: only for sessions that exist; an API token is not a session', async (open) => {
    const store = await open();
    const { token } = await store.createApiToken({
      name: 'ci',
      role: 'admin',
      tokenHash: 'hash-ci',
      createdBy: 'test',
      nowMs: T0,
    });
    for (const tokenId of [token.id, '999999', 'x'])
      await assert.rejects(store.linkSession({ tokenId, sealed: 's', checkedAt: T0 }), NotFoundError);
    await assert.rejects(
      store.refreshSession({ tokenId: token.id, sealed: 's', checkedAt: T0, role: 'viewer' }),
      NotFoundError,
    );
    assert.equal((await store.listApiTokens())[0]?.role, 'admin', 'the API token kept its role');
  });

  test('ended sessions: expired or revoked ones go with their links; live sessions and API tokens stay', async (open) => {
    const store = await open();
    const expired = await session(store, 'old', 'viewer', T0 + HOUR);
    const revoked = await session(store, 'left', 'responder', T0 + 8 * HOUR);
    const live = await session(store, 'ada', 'admin', T0 + 8 * HOUR);
    await store.linkSession({ tokenId: expired, sealed: 's-old', checkedAt: T0 });
    await store.linkSession({ tokenId: live, sealed: 's-ada', checkedAt: T0 });
    await store.revokeApiToken(revoked, T0 + 30 * 60_000);
    const { token: ci } = await store.createApiToken({
      name: 'ci',
      role: 'viewer',
      tokenHash: 'hash-ci',
      createdBy: 'test',
      nowMs: T0,
      expiresAt: T0 + 60_000,
    });
    await store.revokeApiToken(ci.id, T0 + 60_000);
    assert.equal(await store.deleteEndedSessions(T0), 0, 'nothing had ended yet');
    assert.equal(await store.deleteEndedSessions(T0 + 2 * HOUR), 2);
    const left = (await store.listApiTokens()).map((t) => t.id).sort();
    assert.deepEqual(left, [ci.id, live].sort());
    assert.equal(await store.getSessionLink(expired), null);
    assert.equal((await store.getSessionLink(live))?.sealed, 's-ada');
    assert.equal(await store.deleteEndedSessions(T0 + 2 * HOUR), 0, 'twice is harmless');
  });
}
