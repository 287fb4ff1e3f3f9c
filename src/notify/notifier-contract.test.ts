// Runs the notifier contract against every registered notifier, and fails when one has no harness.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runNotifierContract } from './test-support/notifier.contract.ts';
import { NOTIFIER_FACTORIES } from './registry.ts';
import { HARNESSES } from './test-support/harnesses.ts';

it('every registered notifier kind has a contract harness', () => {
  assert.deepEqual(Object.keys(HARNESSES).sort(), Object.keys(NOTIFIER_FACTORIES).sort());
});

for (const harness of Object.values(HARNESSES)) runNotifierContract(harness);
