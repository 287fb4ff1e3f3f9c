// Signed verification links: round trip, every way of breaking one, and what the store keeps.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  caseLink,
  checkVerificationToken,
  newVerificationNonce,
  signVerificationToken,
  verificationLink,
  verificationTokenHash,
} from './verification-token.ts';

const SECRET = new Uint8Array(Buffer.from('k'.repeat(32)));
const NOW = Date.parse('2026-11-18T00:00:00Z');

describe('verification tokens', () => {
  it('round-trips the claims and refuses them at and after expiry', () => {
    const token = signVerificationToken(SECRET, { v: 'nonce-1', answer: 'denied', exp: NOW + 1000 });
    assert.deepEqual(checkVerificationToken(SECRET, token, NOW), {
      ok: true,
      claims: { v: 'nonce-1', answer: 'denied', exp: NOW + 1000 },
    });
    assert.deepEqual(checkVerificationToken(SECRET, token, NOW + 1000), { ok: false, reason: 'expired' });
  });

  it('refuses other keys, edited payloads, cut signatures and non-tokens as forged', () => {
    const token = signVerificationToken(SECRET, { v: 'n', answer: 'confirmed', exp: NOW + 1000 });
    const [payload, signature] = token.split('.') as [string, string];
    const later = Buffer.from(
      JSON.stringify({ v: 'n', answer: 'confirmed', exp: NOW + 10_000_000 }),
    ).toString('base64url');
    const cases: unknown[] = [
      signVerificationToken(new Uint8Array(32), { v: 'n', answer: 'confirmed', exp: NOW + 1000 }),
      `${later}.${signature}`,
      `${payload}.${signature.slice(1)}`,
      `${payload}.${signature}x`,
      `${payload}`,
      `${payload}.${signature}.`,
      `${payload}.+/==`,
      'x'.repeat(5000),
      42,
      null,
    ];
    for (const candidate of cases)
      assert.deepEqual(
        checkVerificationToken(SECRET, candidate, NOW),
        { ok: false, reason: 'forged' },
        String(candidate),
      );
    // A correctly signed payload of the wrong shape is still refused (only we mint tokens).
    const wrongShape = signVerificationToken(SECRET, {
      v: 'n',
      answer: 'maybe' as 'denied',
      exp: NOW + 1000,
    });
    assert.deepEqual(checkVerificationToken(SECRET, wrongShape, NOW), { ok: false, reason: 'forged' });
  });

  it('keeps only a hash of the nonce, the same for both links of one request', () => {
    const nonce = newVerificationNonce((size) => Buffer.alloc(size, 7));
    assert.equal(nonce, Buffer.alloc(16, 7).toString('base64url'));
    assert.match(verificationTokenHash(nonce), /^[0-9a-f]{64}$/);
    assert.notEqual(verificationTokenHash(nonce), verificationTokenHash(`${nonce}x`));
    assert.notEqual(newVerificationNonce(), newVerificationNonce());
  });

  it('builds links under the public URL', () => {
    assert.equal(verificationLink('https://m.example/', 'a.b'), 'https://m.example/verify/a.b');
    assert.equal(caseLink('https://m.example', '12'), 'https://m.example/cases/12');
  });
});
