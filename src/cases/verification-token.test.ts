// Signed verification links: round trip, every way of breaking one, and what the store keeps.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
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
    assert.equal(verificationLink('https://m.example/base//', 'a.b'), 'https://m.example/base/verify/a.b');
    assert.equal(caseLink('https://m.example///', 'a/b c'), 'https://m.example/cases/a%2Fb%20c');
  });
});

describe('verification tokens: correctly signed but not ours to accept', () => {
  /** Signs any payload text as mfaguard does (HMAC over the domain-separation context and the payload). */
  const signed = (payload: string, context = 'mfaguard/verification-link/v1\n'): string =>
    `${payload}.${createHmac('sha256', SECRET)
      .update(context + payload)
      .digest('base64url')}`;
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const good = { v: 'n', answer: 'confirmed' as const, exp: NOW + 1000 };

  it('binds the signature to its purpose: the same key without the context signs nothing', () => {
    assert.equal(checkVerificationToken(SECRET, signed(encode(good)), NOW).ok, true);
    assert.deepEqual(checkVerificationToken(SECRET, signed(encode(good), ''), NOW), {
      ok: false,
      reason: 'forged',
    });
  });

  it('refuses claims of the wrong shape even under a valid signature', () => {
    for (const claims of [
      null,
      [],
      'text',
      { ...good, v: 7 },
      { ...good, answer: 'maybe' },
      { ...good, answer: undefined },
      { ...good, exp: String(NOW + 1000) },
      { v: 'n', answer: 'denied' },
    ]) {
      assert.deepEqual(
        checkVerificationToken(SECRET, signed(encode(claims)), NOW),
        { ok: false, reason: 'forged' },
        JSON.stringify(claims),
      );
    }
    const notJson = Buffer.from('{"v":').toString('base64url');
    assert.deepEqual(checkVerificationToken(SECRET, signed(notJson), NOW), { ok: false, reason: 'forged' });
  });

  it('accepts only base64url without padding in both parts, as minted', () => {
    // Node decodes '+', '/' and '=' in base64url input too: only the shape check stops such variants.
    // Three '~' in a row put one at the end of a 3-byte group, which standard base64 writes as '+' or '/'.
    const plain = Buffer.from(JSON.stringify({ ...good, v: '~~~' })).toString('base64');
    assert.match(plain, /[+/]/);
    assert.deepEqual(checkVerificationToken(SECRET, signed(plain.replace(/=+$/, '')), NOW), {
      ok: false,
      reason: 'forged',
    });
    const token = signVerificationToken(SECRET, good);
    assert.deepEqual(checkVerificationToken(SECRET, `${token}=`, NOW), { ok: false, reason: 'forged' });
    const [payload, signature] = token.split('.') as [string, string];
    assert.deepEqual(checkVerificationToken(SECRET, `${payload}=.${signature}`, NOW), {
      ok: false,
      reason: 'forged',
    });
  });

  it('tolerates the whitespace a mail client adds around a link token', () => {
    const token = signVerificationToken(SECRET, good);
    assert.equal(checkVerificationToken(SECRET, ` ${token}\n`, NOW).ok, true);
  });

  it('reads a token of up to 1024 characters, and refuses a longer one before any work', () => {
    const sized = (length: number): string => {
      const base = signVerificationToken(SECRET, { ...good, v: '' }).length;
      // Each 3 bytes of the nonce add 4 characters of payload.
      const token = signVerificationToken(SECRET, { ...good, v: 'x'.repeat(((length - base) / 4) * 3) });
      assert.equal(token.length, length);
      return token;
    };
    const base = signVerificationToken(SECRET, { ...good, v: '' }).length;
    const longest = 1024 - ((1024 - base) % 4);
    assert.equal(checkVerificationToken(SECRET, sized(longest), NOW).ok, true);
    assert.deepEqual(checkVerificationToken(SECRET, sized(longest + 4), NOW), {
      ok: false,
      reason: 'forged',
    });
  });

  it('counts the whitespace around a token in its 1024 characters', () => {
    // The length is checked before the trim: a minted token padded to exactly 1024 is read, one more is refused.
    const token = signVerificationToken(SECRET, good);
    const padded = (length: number): string => `${token}${' '.repeat(length - token.length)}`;
    assert.equal(checkVerificationToken(SECRET, padded(1024), NOW).ok, true);
    assert.deepEqual(checkVerificationToken(SECRET, padded(1025), NOW), { ok: false, reason: 'forged' });
  });

  it('refuses a character before either part that base64url decoding would skip', () => {
    // Node's base64url decoder drops characters it does not know, so `!<signature>` decodes to the right MAC:
    // only the shape check, anchored at both ends, refuses it.
    const token = signVerificationToken(SECRET, good);
    const [payload, signature] = token.split('.') as [string, string];
    assert.ok(Buffer.from(`!${signature}`, 'base64url').equals(Buffer.from(signature, 'base64url')));
    // (An edited payload needs no such check: the MAC is over its text, so it fails the signature first.)
    for (const edited of [`${payload}.!${signature}`, `${payload}.${signature}!`])
      assert.deepEqual(checkVerificationToken(SECRET, edited, NOW), { ok: false, reason: 'forged' }, edited);
  });
});
