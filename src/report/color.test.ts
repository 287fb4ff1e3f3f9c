import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paintSeverity, shouldUseColor } from './color.ts';

void test('shouldUseColor follows no-color.org, FORCE_COLOR and the TTY', () => {
  assert.equal(shouldUseColor({}, true), true);
  assert.equal(shouldUseColor({}, false), false);
  assert.equal(shouldUseColor({ NO_COLOR: '1' }, true), false);
  assert.equal(shouldUseColor({ NO_COLOR: '' }, true), true, 'an empty NO_COLOR does not count');
  assert.equal(shouldUseColor({ NO_COLOR: '1', FORCE_COLOR: '1' }, true), false, 'NO_COLOR wins');
  assert.equal(shouldUseColor({ FORCE_COLOR: '1' }, false), true);
  assert.equal(shouldUseColor({ FORCE_COLOR: '0' }, true), false);
  assert.equal(shouldUseColor({ FORCE_COLOR: 'false' }, true), false);
  assert.equal(shouldUseColor({ TERM: 'dumb' }, true), false);
});

void test('paintSeverity wraps only when colour is on', () => {
  assert.equal(paintSeverity('high', 'high', false), 'high');
  assert.equal(paintSeverity('high', 'high', true), '\u001b[1;31mhigh\u001b[0m');
});
