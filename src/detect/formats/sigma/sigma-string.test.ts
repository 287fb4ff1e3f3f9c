import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSigmaString, parseSigmaString, showSigmaString, wrapWildcards } from './sigma-string.ts';

const match = (pattern: string, text: string, cased = false): boolean =>
  compileSigmaString(parseSigmaString(pattern), cased)(text);

void describe('Sigma strings', () => {
  void it('reads escapes as the spec summarises them', () => {
    assert.deepEqual(parseSigmaString('a\\*b'), ['a*b']);
    assert.deepEqual(parseSigmaString('a\\?b'), ['a?b']);
    assert.deepEqual(parseSigmaString('C:\\Windows'), ['C:\\Windows'], 'a plain backslash stays');
    assert.deepEqual(
      parseSigmaString('C:\\\\Windows'),
      ['C:\\Windows'],
      'a doubled backslash is one backslash',
    );
    assert.deepEqual(
      parseSigmaString('a\\\\*'),
      ['a\\', { wildcard: '*' }],
      'escaped backslash, then a wildcard',
    );
    assert.deepEqual(parseSigmaString('a\\\\\\*'), ['a\\*'], 'three backslashes: backslash and literal star');
    assert.deepEqual(parseSigmaString('\\\\\\\\'), ['\\\\'], 'four backslashes: two backslashes');
  });

  void it('matches plain strings case-insensitively, and exactly with cased', () => {
    assert.equal(match('NO', 'No'), true);
    assert.equal(match('NO', 'No', true), false);
    assert.equal(match('NO', 'NO', true), true);
    assert.equal(match('No', 'Nope'), false, 'no implicit substring');
    assert.equal(match('', ''), true);
    assert.equal(match('', 'x'), false);
  });

  void it('treats * as any run and ? as exactly one character', () => {
    assert.equal(match('Create*', 'CreateUser'), true);
    assert.equal(match('*User', 'createuser'), true);
    assert.equal(match('*eat*', 'CreateUser'), true);
    assert.equal(match('Get?', 'GetX'), true);
    assert.equal(match('Get?', 'Get'), false);
    assert.equal(match('Get?', 'GetXY'), false);
    assert.equal(match('a*b?c', 'aZZZbYc'), true);
    assert.equal(match('a*b?c', 'aZZZbc'), false);
    assert.equal(match('*', ''), true);
    assert.equal(match('a*', 'a\nb'), true, '* crosses newlines');
  });

  void it('matches escaped wildcards literally', () => {
    assert.equal(match('a\\*b', 'a*b'), true);
    assert.equal(match('a\\*b', 'axb'), false);
    assert.equal(match('what\\?', 'what?'), true);
    assert.equal(match('what\\?', 'whatx'), false);
    assert.equal(match('C:\\\\*', 'C:\\temp'), true);
    assert.equal(match('(a.b)+[c]', '(A.B)+[C]'), true, 'regex metacharacters are literal');
    assert.equal(match('(a.b)+[c]', 'aab+c'), false);
  });

  void it('wraps contains/startswith/endswith without doubling stars', () => {
    assert.equal(showSigmaString(wrapWildcards(parseSigmaString('*x'), true, true)), '*x*');
    assert.equal(showSigmaString(wrapWildcards(parseSigmaString('x'), false, true)), 'x*');
    assert.equal(showSigmaString(wrapWildcards(parseSigmaString('a*b'), true, false)), '*a*b');
  });
});
