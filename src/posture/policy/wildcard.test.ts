// Tests for IAM glob matching: `*`, `?`, literal characters and case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatches } from './wildcard.ts';

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
  assert.equal(globMatches('?', ''), false);
});

void test('globMatches: case-insensitive only when asked (actions yes, ARNs no)', () => {
  assert.equal(globMatches('IAM:createaccesskey', 'iam:CreateAccessKey', true), true);
  assert.equal(globMatches('arn:aws:s3:::Production/*', 'arn:aws:s3:::production/x'), false);
});

void test('globMatches: a * in the pattern is a wildcard even where the value holds a literal *', () => {
  // Read as a literal, the pattern's * would consume the value's * and then need "b" right after it.
  assert.equal(globMatches('*b', '*ab'), true);
  assert.equal(globMatches('a*', 'a*'), true);
  assert.equal(globMatches('*', '***'), true);
});

void test('globMatches: without a *, a mismatch is final (no backtracking to a star that is not there)', () => {
  assert.equal(globMatches('ab', 'ac'), false);
  assert.equal(globMatches('bc', 'abc'), false);
  assert.equal(globMatches('a?c', 'xabc'), false);
  // With a star, backtracking finds the match further on.
  assert.equal(globMatches('*bc', 'abcbc'), true);
  assert.equal(globMatches('a*bc', 'abcbd'), false);
  assert.equal(globMatches('a*b*', 'aXbYb'), true);
  // A star may stand for nothing, in the middle or first.
  assert.equal(globMatches('a*b', 'ab'), true);
  assert.equal(globMatches('*a', 'a'), true);
});
