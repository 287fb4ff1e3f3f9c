// Runs the notifier contract against every registered notifier: each notifier's folder holds its harness
// (notifiers/<kind>/test-support/harness.ts), found by its kind in the registry, so adding a notifier adds its run here
// without editing this file, and a notifier without a harness fails here.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NOTIFIER_KINDS } from './registry.ts';
import { runNotifierContract } from './test-support/notifier.contract.ts';
import type { NotifierHarness } from './test-support/notifier.contract.ts';

for (const kind of NOTIFIER_KINDS) {
  const where = `./notifiers/${kind}/test-support/harness.ts`;
  let harness: NotifierHarness | undefined;
  try {
    ({ HARNESS: harness } = (await import(where)) as { HARNESS?: NotifierHarness });
  } catch (error) {
    it(`notifier ${kind} has a contract harness at src/notify/${where.slice(2)}`, () => {
      assert.fail(`cannot load it: ${(error as Error).message.split('\n')[0]}`);
    });
    continue;
  }
  it(`notifier ${kind}'s harness exports HARNESS for kind ${kind}`, () => {
    assert.equal(harness?.kind, kind);
  });
  if (harness !== undefined) runNotifierContract(harness);
}
