// Value pins: the literal a regex or wildcard value needs, and how AND / OR combine pins.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldKey, longestPart, pinsForAll, pinsForAny, regexLiteral, valuePin } from './value-pins.ts';

describe('value pins', () => {
  it('finds the literal every match of a simple regex contains, and gives up on what it cannot read', () => {
    assert.equal(regexLiteral('.+:assumed-role/aws:.+'), ':assumed-role/aws:');
    assert.equal(regexLiteral('^arn:aws:iam::\\d+:root$'), 'arn:aws:iam::');
    assert.equal(regexLiteral('abc?def'), 'def', 'c may be absent');
    assert.equal(regexLiteral('ab+cd'), 'ab', 'b repeats: the run ends after it');
    assert.equal(regexLiteral('x{2,3}yz'), 'yz');
    assert.equal(regexLiteral('a\\.b\\wcd'), 'a.b');
    assert.equal(regexLiteral('(?i)trufflehog'), null);
    assert.equal(regexLiteral('a|b'), null);
    assert.equal(regexLiteral('[abc]+'), null);
    assert.equal(regexLiteral('.*'), null);
  });

  it('keys on the last path segment, folds fragments, refuses what bytes cannot judge', () => {
    assert.equal(fieldKey('userIdentity.sessionContext.sessionIssuer.type'), 'type');
    assert.deepEqual(valuePin('userAgent', ['TruffleHog']), {
      key: 'userAgent',
      fragments: new Set(['trufflehog']),
    });
    assert.equal(valuePin('userAgent', ['']), null);
    assert.equal(valuePin('userAgent', ['Kelvin \u212a']), null);
    assert.equal(valuePin('userAgent', ['say "hi"']), null, 'a quote is escaped in JSON');
    assert.equal(longestPart(['', 'ab', 'abc', '']), 'abc');
    assert.equal(longestPart(['', '']), null);
  });

  it('AND keeps the most selective pin, OR needs every side pinned', () => {
    const type = [valuePin('type', ['IAMUser'])!];
    const name = [valuePin('userName', ['BedrockAPIKey-'])!];
    assert.deepEqual(pinsForAll([type, null, name]), name);
    assert.deepEqual(pinsForAll([null, null]), null);
    assert.deepEqual(pinsForAny([type, name]), [...type, ...name]);
    assert.equal(pinsForAny([type, null]), null);
  });
});
