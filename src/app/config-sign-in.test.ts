// The `serve.signIn` section: OpenID Connect settings, their defaults, and every wrong value named by path.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputIssue } from '../model/index.ts';
import { UsageError } from '../model/index.ts';
import { parseConfig } from './config.ts';

function problems(yaml: string): InputIssue[] {
  try {
    parseConfig(yaml, 'c.yml');
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return [...error.issues];
  }
  assert.fail('expected the configuration to be refused');
}

describe('sign-in configuration', () => {
  it('reads the provider, the role mapping and the defaults', () => {
    const config = parseConfig(
      `serve:
  publicUrl: https://mfaguard.example.com
  signIn:
    issuer: https://login.example.com/realms/secops
    clientId: mfaguard
    scopes: [profile, groups]
    roles:
      admin: [secops-leads]
      viewer: ['*']
`,
      'c.yml',
    );
    assert.deepEqual(config.serve?.signIn, {
      issuer: 'https://login.example.com/realms/secops',
      clientId: 'mfaguard',
      scopes: ['openid', 'profile', 'groups'],
      roleClaim: 'groups',
      nameClaim: 'name',
      roles: { admin: ['secops-leads'], responder: [], viewer: ['*'] },
      sessionTtlMs: 8 * 3_600_000,
      roleRefreshMs: 5 * 60_000,
    });
  });

  it('allows plain http only on loopback, for a provider and a dashboard on the developer’s machine', () => {
    const config = parseConfig(
      `serve:
  publicUrl: http://127.0.0.1:8080
  signIn: { issuer: 'http://localhost:9000', clientId: dev, roles: { viewer: ['*'] } }
`,
      'c.yml',
    );
    assert.equal(config.serve?.signIn?.issuer, 'http://localhost:9000');
  });

  it('names every wrong value by path', () => {
    const found = problems(`serve:
  publicUrl: https://mfaguard.example.com
  signIn:
    issuer: http://login.example.com
    clientId: ''
    sessionTtl: 1m
    roles: { owner: [x] }
`);
    assert.deepEqual(found.map((issue) => issue.path).sort(), [
      'serve.signIn.clientId',
      'serve.signIn.issuer',
      'serve.signIn.roles.owner',
      'serve.signIn.sessionTtl',
    ]);
  });

  it('needs a publicUrl, and https unless it is loopback', () => {
    const none = problems(`serve:
  signIn: { issuer: 'https://login.example.com', clientId: c, roles: { viewer: ['*'] } }
`);
    assert.deepEqual(
      none.map((issue) => [issue.path, issue.message]),
      [['serve.publicUrl', 'serve.publicUrl: sign-in needs publicUrl (the callback URL)']],
    );
    const plain = problems(`serve:
  publicUrl: http://mfaguard.example.com
  signIn: { issuer: 'https://login.example.com', clientId: c, roles: { viewer: ['*'] } }
`);
    assert.match(plain[0]?.message ?? '', /https publicUrl/);
  });
});
