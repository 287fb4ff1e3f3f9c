// `mfaguard token`: create prints the secret once and it works; list never shows it; revoke; every bad input named.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashApiToken } from '../../api/index.ts';
import { openStore } from '../../store/index.ts';
import { runCli } from '../main.ts';
import { captureContext } from '../test-support/context.ts';

const dir = mkdtempSync(join(tmpdir(), 'mfaguard-token-'));
const store = `sqlite:${join(dir, 'store.db')}`;

describe('mfaguard token', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists an ended dashboard session as expired', async () => {
    const db = await openStore(store);
    try {
      await db.createApiToken({
        name: 'dashboard session of Ada',
        role: 'responder',
        tokenHash: hashApiToken('session-secret'),
        createdBy: 'oidc:test',
        nowMs: Date.parse('2026-01-01T00:00:00Z'),
        kind: 'session',
        subject: 'ada',
        displayName: 'Ada',
        expiresAt: Date.parse('2026-01-01T08:00:00Z'),
      });
    } finally {
      await db.close();
    }
    const listed = captureContext();
    assert.equal(await runCli(['token', 'list', '--store', store], listed.ctx), 0);
    assert.match(listed.out(), /dashboard session of Ada .* expired 2026-01-01T08:00:00\.000Z/);
  });

  it('creates a token, prints it once, lists and revokes it', async () => {
    const created = captureContext({ env: { USER: 'alice' } });
    assert.equal(
      await runCli(
        ['token', 'create', '--name', 'grafana', '--role', 'viewer', '--store', store],
        created.ctx,
      ),
      0,
    );
    const secret = created.out().trim();
    assert.match(secret, /^mfg_[A-Za-z0-9_-]{43}$/);
    assert.match(created.err(), /created viewer token .* shown only this once/);

    const db = await openStore(store);
    const found = await db.findApiToken(hashApiToken(secret));
    await db.close();
    assert.equal(found?.name, 'grafana');
    assert.equal(found?.createdBy, 'cli:alice');

    const listed = captureContext();
    assert.equal(await runCli(['token', 'list', '--store', store], listed.ctx), 0);
    assert.match(listed.out(), new RegExp(`${found.id}\\s+viewer\\s+grafana .* active`));
    assert.ok(!listed.out().includes(secret));

    const revoked = captureContext();
    assert.equal(await runCli(['token', 'revoke', found.id, '--store', store], revoked.ctx), 0);
    const json = captureContext();
    assert.equal(await runCli(['token', 'list', '--format', 'json', '--store', store], json.ctx), 0);
    const tokens = JSON.parse(json.out()) as { id: string; revokedAt: number | null }[];
    assert.ok(tokens.find((t) => t.id === found.id)?.revokedAt !== null);
  });

  for (const [args, message] of [
    [['token'], /needs an action: create, list or revoke/],
    [['token', 'delete'], /got 'delete'/],
    [['token', 'create', '--role', 'viewer'], /needs --name/],
    [['token', 'create', '--name', 'x'], /needs --role/],
    [
      ['token', 'create', '--name', 'x', '--role', 'root'],
      /--role must be one of viewer, responder, admin; got 'root'/,
    ],
    [['token', 'revoke'], /exactly one token ID/],
    [['token', 'revoke', 'nope'], /no token with the id 'nope'/],
    [['token', 'list', '--format', 'xml'], /--format must be one of text, json/],
    [['token', 'list', '--store', 'mysql://x'], /unsupported store URL/],
  ] as const) {
    it(`exits 2 for ${args.slice(1).join(' ') || '(no action)'}`, async () => {
      const captured = captureContext();
      const withStore = (args as readonly string[]).includes('--store')
        ? [...args]
        : [...args, '--store', store];
      assert.equal(await runCli(withStore, captured.ctx), 2, captured.err());
      assert.match(captured.err(), message);
      assert.doesNotMatch(captured.err(), /at .*\.ts:\d+/);
    });
  }
});
