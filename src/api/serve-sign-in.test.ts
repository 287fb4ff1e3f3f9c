// `serve` wires sign-in from the configuration and the environment; a provider that cannot be reached is a clear
// 503 on /auth/login, never a half-started sign-in.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServeOptions } from '../app/index.ts';
import { parseConfig } from '../app/index.ts';
import { signInOptions } from './serve.ts';
import { startHarness } from './test-support/harness.ts';
import { testSignIn } from './test-support/sign-in.ts';

const CONFIG = parseConfig(
  `serve:
  publicUrl: https://mfaguard.example.com/
  signIn: { issuer: 'https://login.example.com', clientId: mfaguard, roles: { viewer: ['*'] } }
`,
  'c.yml',
);

function options(env: Record<string, string>, config = CONFIG): ServeOptions {
  return { storeUrl: 'sqlite::memory:', port: 0, host: '127.0.0.1', env, config };
}

describe('serve: sign-in wiring', () => {
  it('takes the provider from the configuration and the client secret from the environment', () => {
    const wired = signInOptions(options({ MFAGUARD_OIDC_CLIENT_SECRET: 's3cret' })).signIn;
    assert.equal(wired?.issuer, 'https://login.example.com');
    assert.equal(wired?.publicUrl, 'https://mfaguard.example.com');
    assert.equal(wired?.clientSecret, 's3cret');
    assert.equal(signInOptions(options({})).signIn?.clientSecret, null, 'no secret: a public client');
  });

  it('leaves sign-in off without the section', () => {
    assert.deepEqual(signInOptions(options({}, parseConfig('{}', 'c.yml'))), {});
  });

  it('answers 503 naming the provider when its metadata cannot be read, and 404 when sign-in is off', async () => {
    let base = '';
    const h = await startHarness({ signIn: testSignIn(() => base, 'http://127.0.0.1:9') });
    base = h.base;
    const off = await startHarness();
    try {
      const down = await fetch(`${h.base}/auth/login`, { redirect: 'manual' });
      assert.equal(down.status, 503);
      assert.match(((await down.json()) as { detail: string }).detail, /OpenID provider is unavailable/);
      const status = (await (await fetch(`${h.base}/auth/status`)).json()) as { signIn: boolean };
      assert.equal(status.signIn, true);
      const none = await fetch(`${off.base}/auth/login`, { redirect: 'manual' });
      assert.equal(none.status, 404);
      assert.match(((await none.json()) as { detail: string }).detail, /serve\.signIn/);
    } finally {
      await h.close();
      await off.close();
    }
  });
});
