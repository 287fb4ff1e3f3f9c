import assert from 'node:assert/strict';
import { it } from 'node:test';
import { POSTURE_EVENT_NAMES } from '../posture/index.ts';
import { RELEVANT_EVENT_NAMES } from './relevant-events.ts';

it('the kept event slice holds every event the stored posture follows (serve re-reads them from the store)', () => {
  const missing = [...POSTURE_EVENT_NAMES].filter((name) => !RELEVANT_EVENT_NAMES.has(name));
  assert.deepEqual(missing, []);
});
