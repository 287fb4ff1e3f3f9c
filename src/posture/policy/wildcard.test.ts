// Tests for IAM glob matching and pattern comparison, including a property: "covers" is never wrong.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globCovers, globMatches, globOverlaps } from './wildcard.ts';

void test('globMatches: * and ? and literal characters', () => {
  assert.equal(globMatches('iam:*', 'iam:CreateUser'), true);
  assert.equal(globMatches('iam:Create*', 'iam:DeleteUser'), false);
  assert.equal(globMatches('iam:?etUser', 'iam:GetUser'), true);
  assert.equal(globMatches('iam:?etUser', 'iam:GGetUser'), false);
  assert.equal(globMatches('*MFA*', 'iam:DeactivateMFADevice'), true);
  assert.equal(globMatches('a*b*c', 'aXXbYYc'), true);
  assert.equal(globMatches('a*b*c', 'aXXbYY'), false);
  assert.equal(globMatches('', ''), true);
  assert.equal(globMatches('*', ''), true);
});

void test('globMatches: case-insensitive only when asked (actions yes, ARNs no)', () => {
  assert.equal(globMatches('IAM:createaccesskey', 'iam:CreateAccessKey', true), true);
  assert.equal(globMatches('arn:aws:s3:::Production/*', 'arn:aws:s3:::production/x'), false);
});

void test('globCovers: a pattern covers a scope only when it matches everything the scope stands for', () => {
  assert.equal(globCovers('*', 'arn:aws:s3:::*/*'), true);
  assert.equal(globCovers('arn:aws:s3:::*', 'arn:aws:s3:::*/*'), true);
  assert.equal(globCovers('arn:aws:s3:::Production/*', 'arn:aws:s3:::*/*'), false);
  assert.equal(globCovers('arn:aws:iam::*:user/*', 'arn:aws:iam::123:user/*'), true);
  assert.equal(globCovers('arn:aws:iam::*:user/bob', 'arn:aws:iam::123:user/*'), false);
  assert.equal(globCovers('arn:aws:s3:::?', 'arn:aws:s3:::*'), false);
  assert.equal(globCovers('arn:aws:iam::*:user/bob', 'arn:aws:iam::123:user/bob'), true);
});

void test('globOverlaps: two patterns share at least one string', () => {
  assert.equal(globOverlaps('arn:aws:s3:::Production/*', 'arn:aws:s3:::*/*'), true);
  assert.equal(globOverlaps('arn:aws:iam::*:user/bob', 'arn:aws:s3:::*'), false);
  // IAM's * crosses ':' and '/', so these really do share a string (account '123:mfa/', suffix ':user/bob').
  assert.equal(globOverlaps('arn:aws:iam::*:user/bob', 'arn:aws:iam::123:mfa/*'), true);
  assert.equal(globOverlaps('a*', '*b'), true);
  assert.equal(globOverlaps('a?', 'ab'), true);
  assert.equal(globOverlaps('a?', 'abc'), false);
});

void test('property: when globCovers says yes, every instance of the scope matches the pattern', () => {
  const alphabet = fc.constantFrom('a', 'b', '*', '?');
  const pattern = fc.array(alphabet, { maxLength: 6 }).map((c) => c.join(''));
  const filler = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }).map((c) => c.join(''));
  fc.assert(
    fc.property(pattern, pattern, fc.array(filler, { minLength: 8, maxLength: 8 }), (p, s, fills) => {
      if (!globCovers(p, s)) return true;
      let n = 0;
      const instance = s.replace(/[*?]/g, (ch) => {
        const fill = fills[n++ % fills.length] ?? '';
        return ch === '*' ? fill : (fill[0] ?? 'c');
      });
      return globMatches(p, instance);
    }),
    { numRuns: 2000 },
  );
});

void test('property: globOverlaps agrees with a concrete witness', () => {
  const word = fc.array(fc.constantFrom('a', 'b'), { maxLength: 5 }).map((c) => c.join(''));
  const pattern = fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 5 }).map((c) => c.join(''));
  fc.assert(
    fc.property(pattern, pattern, word, (a, b, w) => {
      if (globMatches(a, w) && globMatches(b, w)) return globOverlaps(a, b);
      return true;
    }),
    { numRuns: 2000 },
  );
});
