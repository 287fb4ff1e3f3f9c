// Roles and names from the provider's claims: the highest configured role wins, `*` admits everyone, none refuses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayNameFrom, roleFromClaims, safeReturn } from './sign-in.ts';
import { testSignIn } from './test-support/sign-in.ts';

const config = testSignIn(() => 'http://127.0.0.1:1');
const strict = { ...config, roles: { admin: ['leads'], responder: ['secops'], viewer: [] } };

describe('claims to role and name', () => {
  it('takes the highest role any claim value matches, from a list or a single string', () => {
    assert.equal(roleFromClaims({ groups: ['staff', 'secops', 'secops-leads'] }, config), 'admin');
    assert.equal(roleFromClaims({ groups: 'secops' }, config), 'responder');
    assert.equal(roleFromClaims({ groups: ['staff'] }, config), 'viewer');
  });

  it('refuses a person no configured value matches, and ignores values of the wrong type', () => {
    assert.equal(roleFromClaims({ groups: ['staff'] }, strict), null);
    assert.equal(roleFromClaims({ groups: [{ name: 'leads' }, 7] }, strict), null);
    assert.equal(roleFromClaims({}, strict), null);
    assert.equal(roleFromClaims({ roles: ['leads'] }, { ...strict, roleClaim: 'roles' }), 'admin');
  });

  it('names the person by the configured claim, then e-mail, user name, subject', () => {
    assert.equal(displayNameFrom({ name: ' Ada ', email: 'a@x', sub: '1' }, config), 'Ada');
    assert.equal(displayNameFrom({ name: '', email: 'a@x', sub: '1' }, config), 'a@x');
    assert.equal(displayNameFrom({ sub: '1' }, config), '1');
  });

  it('comes back only to a page of the dashboard, never to another site', () => {
    assert.equal(safeReturn('/#/cases/12'), '/#/cases/12');
    assert.equal(
      safeReturn('/#/alerts?severity=high&account=111122223333'),
      '/#/alerts?severity=high&account=111122223333',
    );
    for (const hostile of [
      'https://evil.example/',
      '//evil.example/#/',
      '/\\evil.example',
      '/#/x"><script>',
      'javascript:alert(1)',
      null,
    ])
      assert.equal(safeReturn(hostile), '/', String(hostile));
  });
});
