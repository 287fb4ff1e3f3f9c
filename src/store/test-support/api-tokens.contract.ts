// The store contract's part on API tokens: idempotent creation, lookup by hash, revocation.

import assert from 'node:assert/strict';
import { UsageError } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import { T0, MINUTE, rejectsWith } from './store-support.ts';
import type { ContractTest } from './store-support.ts';

export function defineApiTokensContract(test: ContractTest): void {
  test("API tokens: a person's token and session keep subject, display name, kind and expiry", async (open) => {
    const store = await open();
    const session = await store.createApiToken({
      name: 'dashboard session',
      role: 'responder',
      tokenHash: 'sha256:session',
      createdBy: 'oidc:https://idp.example',
      nowMs: T0,
      kind: 'session',
      subject: 'sub-ada',
      displayName: 'Ada Lovelace',
      expiresAt: T0 + 480 * MINUTE,
    });
    const found = await (await open()).findApiToken('sha256:session');
    assert.deepEqual(found, session.token);
    assert.equal(found?.kind, 'session');
    assert.equal(found?.subject, 'sub-ada');
    assert.equal(found?.displayName, 'Ada Lovelace');
    assert.equal(found?.expiresAt, T0 + 480 * MINUTE);
  });

  test('API tokens: hashed, idempotent by hash, only active ones found, revocable', async (open) => {
    const store = await open();
    const created = await store.createApiToken({
      name: 'bootstrap',
      role: 'admin',
      tokenHash: 'sha256:aa',
      createdBy: 'env',
      nowMs: T0,
    });
    assert.equal(created.created, true);
    assert.deepEqual(created.token, {
      id: created.token.id,
      name: 'bootstrap',
      role: 'admin',
      createdBy: 'env',
      createdAt: T0,
      revokedAt: null,
      kind: 'token',
      subject: null,
      displayName: null,
      expiresAt: null,
    });
    const again = await (
      await open()
    ).createApiToken({
      name: 'bootstrap',
      role: 'admin',
      tokenHash: 'sha256:aa',
      createdBy: 'env',
      nowMs: T0 + 1,
    });
    assert.deepEqual(again, { token: created.token, created: false });
    const viewer = await store.createApiToken({
      name: 'grafana',
      role: 'viewer',
      tokenHash: 'sha256:bb',
      createdBy: 'api:admin',
      nowMs: T0,
    });
    assert.deepEqual(await store.findApiToken('sha256:bb'), viewer.token);
    assert.equal(await store.findApiToken('sha256:zz'), null);
    const revoked = await store.revokeApiToken(viewer.token.id, T0 + MINUTE);
    assert.equal(revoked.revokedAt, T0 + MINUTE);
    assert.equal(await store.findApiToken('sha256:bb'), null);
    const listed = await store.listApiTokens();
    assert.deepEqual(
      listed.map((token) => [token.name, token.revokedAt]),
      [
        ['bootstrap', null],
        ['grafana', T0 + MINUTE],
      ],
    );
    assert.ok(!JSON.stringify(listed).includes('sha256:'), 'hashes are never listed');
    await rejectsWith(store.revokeApiToken('4444', T0), NotFoundError);
    await rejectsWith(
      store.createApiToken({
        name: 'x',
        role: 'root' as 'admin',
        tokenHash: 'h',
        createdBy: 'x',
        nowMs: T0,
      }),
      UsageError,
      /role/,
    );
  });
}
