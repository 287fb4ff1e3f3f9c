// The needles compiled from a rule set: names and sources lower-cased, the kept slice included, unpinned rules named.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledRule } from '../model/index.ts';
import { loadBuiltinRules } from './load-rules.ts';
import { compileRecordNeedles, recordMatters, rulePrefilter } from './record-needles.ts';

const builtins = loadBuiltinRules().flatMap((result) => (result.status === 'ok' ? [result.rule] : []));

function rule(id: string, names: string[] | null, sources: string[] | null): CompiledRule {
  const base = builtins[0]!;
  return {
    ...base,
    meta: { ...base.meta, id },
    eventNames: names === null ? null : new Set(names),
    eventSources: sources === null ? null : new Set(sources),
  };
}

describe('compileRecordNeedles', () => {
  it('gathers every pinned name and source, lower-cased, plus the names kept whatever the rules', () => {
    const needles = compileRecordNeedles(
      [rule('a', ['deactivatemfadevice'], null), rule('b', null, ['SignIn.amazonaws.com'])],
      ['ListMFADevices'],
    );
    assert.deepEqual([...needles.eventNames].sort(), ['deactivatemfadevice', 'listmfadevices']);
    assert.deepEqual([...needles.eventSources], ['signin.amazonaws.com']);
    assert.deepEqual(needles.unpinned, []);
    assert.equal(recordMatters(needles, 'DeactivateMFADevice', 'iam.amazonaws.com'), true);
    assert.equal(recordMatters(needles, 'GetObject', 'signin.amazonaws.com'), true);
    assert.equal(recordMatters(needles, 'GetObject', 's3.amazonaws.com'), false);
  });

  it('names the rules that pin nothing: with one loaded, every record matters', () => {
    const needles = compileRecordNeedles([rule('a', ['X'], null), rule('loose', null, null)], []);
    assert.deepEqual(needles.unpinned, ['loose']);
    assert.equal(recordMatters(needles, 'GetObject', 's3.amazonaws.com'), true);
    assert.deepEqual(rulePrefilter(rule('loose', null, null)), { kind: 'none' });
  });

  it('the built-in rules all pin event names', () => {
    for (const builtin of builtins) assert.equal(rulePrefilter(builtin).kind, 'names', builtin.meta.id);
  });
});
