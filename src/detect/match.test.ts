// Tests the match language: semantics, pins, explanations, and an error for every wrong input.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileMatch } from './match.ts';
import type { CompiledMatch } from './match.ts';
import { makeEvent } from './test-support/event.ts';

function compile(value: unknown): CompiledMatch {
  const { match, problems } = compileMatch(value, ['match']);
  assert.deepEqual(
    problems.filter((p) => p.level === 'error'),
    [],
  );
  assert.ok(match);
  return match;
}

function errors(
  value: unknown,
): { code: string; path: string; message: string; onKey: boolean; hint?: string }[] {
  const { match, problems } = compileMatch(value, ['match']);
  assert.equal(match, null, 'expected the match to be rejected');
  return problems
    .filter((p) => p.level === 'error')
    .map((p) => ({
      code: p.code,
      path: p.path.join('/'),
      message: p.message,
      onKey: p.onKey,
      ...(p.hint === undefined ? {} : { hint: p.hint }),
    }));
}

describe('compileMatch: semantics', () => {
  it('a scalar is equality, a list is one-of, several keys are all-of', () => {
    const m = compile({ name: ['DeactivateMFADevice', 'DeleteVirtualMFADevice'], outcome: 'success' });
    assert.equal(m.test(makeEvent()), true);
    assert.equal(m.test(makeEvent({ name: 'DeleteVirtualMFADevice' })), true);
    assert.equal(m.test(makeEvent({ name: 'EnableMFADevice' })), false);
    assert.equal(m.test(makeEvent({ outcome: 'failure' })), false);
  });

  it('all / any / not nest', () => {
    const m = compile({
      all: [
        { source: 'iam.amazonaws.com' },
        { any: [{ 'actor.type': 'Root' }, { 'target.userName': 'root' }] },
        { not: { outcome: 'failure' } },
      ],
    });
    assert.equal(m.test(makeEvent({ actor: { type: 'Root' } })), true);
    assert.equal(m.test(makeEvent({ target: { userName: 'root' } })), true);
    assert.equal(m.test(makeEvent()), false);
    assert.equal(m.test(makeEvent({ actor: { type: 'Root' }, outcome: 'failure' })), false);
  });

  it('booleans and null compare exactly: null is not false', () => {
    const m = compile({ mfaUsed: false });
    assert.equal(m.test(makeEvent({ mfaUsed: false })), true);
    assert.equal(m.test(makeEvent({ mfaUsed: null })), false);
    assert.equal(m.test(makeEvent({ mfaUsed: true })), false);
    const isNull = compile({ 'actor.mfaAuthenticated': null });
    assert.equal(isNull.test(makeEvent()), true);
    assert.equal(isNull.test(makeEvent({ actor: { mfaAuthenticated: false } })), false);
  });

  it('exists, startsWith, endsWith, contains, regex and ignoreCase', () => {
    const e = makeEvent({ userAgent: 'aws-cli/2.15.40 Python/3.11.8', errorCode: null });
    assert.equal(compile({ errorCode: { exists: false } }).test(e), true);
    assert.equal(compile({ errorCode: { exists: true } }).test(e), false);
    assert.equal(compile({ userAgent: { startsWith: ['Boto3/', 'aws-cli/'] } }).test(e), true);
    assert.equal(compile({ userAgent: { startsWith: 'AWS-CLI/' } }).test(e), false);
    assert.equal(compile({ userAgent: { startsWith: 'AWS-CLI/', ignoreCase: true } }).test(e), true);
    assert.equal(compile({ userAgent: { endsWith: '3.11.8' } }).test(e), true);
    assert.equal(compile({ userAgent: { contains: 'Python' } }).test(e), true);
    assert.equal(compile({ 'target.serialNumber': { regex: ':mfa/alice$' } }).test(e), true);
    assert.equal(
      compile({ 'target.serialNumber': { regex: ':MFA/ALICE$', ignoreCase: true } }).test(e),
      true,
    );
    assert.equal(compile({ 'actor.userName': { in: ['BOB'], ignoreCase: true } }).test(e), true);
    // Text operators never match a missing value.
    assert.equal(compile({ errorCode: { contains: 'Denied' } }).test(e), false);
  });

  it('raw paths reach anything in the record; arrays match when one element does', () => {
    const e = makeEvent({
      raw: {
        additionalEventData: { SamlProviderArn: 'arn:aws:iam::1:saml-provider/Okta' },
        resources: { tags: ['a', 'b'] },
      },
    });
    assert.equal(compile({ 'raw.additionalEventData.SamlProviderArn': { exists: true } }).test(e), true);
    assert.equal(compile({ 'raw.additionalEventData.Missing.Deeper': { exists: true } }).test(e), false);
    assert.equal(compile({ 'raw.resources.tags': 'b' }).test(e), true);
    assert.equal(compile({ 'raw.resources.tags': 'c' }).test(e), false);
  });

  it('pins event names and sources the match requires, and none when it does not', () => {
    const pinned = compile({
      all: [{ source: 'iam.amazonaws.com' }, { name: ['A', 'B'] }, { name: { in: ['B', 'C'] } }],
    });
    assert.deepEqual([...(pinned.eventNames ?? [])], ['B']);
    assert.deepEqual([...(pinned.eventSources ?? [])], ['iam.amazonaws.com']);
    const anyOf = compile({ any: [{ name: 'A' }, { name: 'B' }] });
    assert.deepEqual([...(anyOf.eventNames ?? [])].sort(), ['A', 'B']);
    assert.equal(compile({ any: [{ name: 'A' }, { outcome: 'success' }] }).eventNames, null);
    assert.equal(compile({ not: { name: 'A' } }).eventNames, null);
    assert.equal(compile({ name: { startsWith: 'Deactivate' } }).eventNames, null);
    assert.equal(compile({ name: { equals: 'a', ignoreCase: true } }).eventNames, null);
  });

  it('explains a mismatch with the place of the failing condition and the value seen', () => {
    const m = compile({ all: [{ name: 'DeactivateMFADevice' }, { outcome: 'success' }] });
    assert.equal(m.explainMismatch(makeEvent()), null);
    assert.equal(
      m.explainMismatch(makeEvent({ outcome: 'failure' })),
      'match.all[1].outcome: expected outcome is "success", but outcome is "failure"',
    );
    const anyOf = compile({ any: [{ 'actor.type': 'Root' }, { 'target.userName': 'root' }] });
    assert.match(
      anyOf.explainMismatch(makeEvent()) ?? '',
      /^match.any: none of the 2 alternatives matched \(match.any\[0\]\.actor\.type: .*"IAMUser"; .*"alice"\)$/,
    );
    assert.match(
      compile({ not: { outcome: 'success' } }).explainMismatch(makeEvent()) ?? '',
      /^match.not: expected not outcome is "success", but it holds$/,
    );
  });
});

describe('compileMatch: every wrong input is an error naming where and why', () => {
  it('unknown field, with a suggestion', () => {
    const [e] = errors({ 'actor.typ': 'Root' });
    assert.equal(e?.code, 'unknown-field');
    assert.equal(e?.path, 'match/actor.typ');
    assert.equal(e?.onKey, true);
    assert.match(e?.hint ?? '', /did you mean `actor.type`/);
  });

  it('unknown operator, and a logic keyword at the wrong level', () => {
    assert.deepEqual(
      errors({ name: { startswith: 'X' } }).map((e) => [e.code, e.path]),
      [['unknown-operator', 'match/name/startswith']],
    );
    const [e] = errors({ name: { any: ['X'] } });
    assert.match(e?.hint ?? '', /belongs one level up/);
  });

  it('wrong value types for typed fields', () => {
    assert.deepEqual(
      errors({ mfaUsed: 'No' }).map((e) => [e.code, e.hint]),
      [['value-type', 'write true or false without quotes']],
    );
    assert.deepEqual(
      errors({ account: 111122223333 }).map((e) => e.code),
      ['value-type'],
    );
    assert.deepEqual(
      errors({ outcome: 'succeeded' }).map((e) => e.code),
      ['value-unknown'],
    );
    assert.deepEqual(
      errors({ 'actor.accessKeyKind': 'ASIA' }).map((e) => e.code),
      ['value-unknown'],
    );
    assert.deepEqual(
      errors({ name: [{ nested: 1 }] }).map((e) => [e.code, e.path]),
      [['value-type', 'match/name/0']],
    );
    assert.deepEqual(
      errors({ name: { in: [] } }).map((e) => e.code),
      ['value-type'],
    );
    assert.deepEqual(
      errors({ name: { equals: ['a'] } }).map((e) => e.code),
      ['value-type'],
    );
  });

  it('operators on the wrong kind of field, and bad operator arguments', () => {
    assert.deepEqual(
      errors({ mfaUsed: { startsWith: 'N' } }).map((e) => e.code),
      ['operator-type'],
    );
    assert.deepEqual(
      errors({ mfaUsed: { equals: true, ignoreCase: true } }).map((e) => e.code),
      ['operator-type'],
    );
    assert.deepEqual(
      errors({ name: { exists: 'yes' } }).map((e) => e.code),
      ['operator-type'],
    );
    assert.deepEqual(
      errors({ name: { regex: '([' } }).map((e) => e.code),
      ['bad-regex'],
    );
    assert.deepEqual(
      errors({ name: { startsWith: '' } }).map((e) => e.code),
      ['operator-type'],
    );
    assert.deepEqual(
      errors({ name: { ignoreCase: 'yes', equals: 'x' } }).map((e) => e.code),
      ['operator-type'],
    );
    assert.deepEqual(
      errors({ name: { ignoreCase: true } }).map((e) => e.code),
      ['match-shape'],
    );
  });

  it('bad structure: not a mapping, empty, all without a list, bad raw paths', () => {
    assert.deepEqual(
      errors('name: x').map((e) => e.code),
      ['match-shape'],
    );
    assert.deepEqual(
      errors({}).map((e) => e.code),
      ['match-empty'],
    );
    assert.deepEqual(
      errors({ all: { name: 'x' } }).map((e) => e.code),
      ['match-shape'],
    );
    assert.deepEqual(
      errors({ any: [] }).map((e) => e.code),
      ['match-shape'],
    );
    assert.deepEqual(
      errors({ not: ['x'] }).map((e) => e.code),
      ['match-shape'],
    );
    assert.deepEqual(
      errors({ name: {} }).map((e) => e.code),
      ['match-empty'],
    );
    assert.deepEqual(
      errors({ 'raw.': 'x' }).map((e) => e.code),
      ['unknown-field'],
    );
    assert.deepEqual(
      errors({ 'raw.a..b': 'x' }).map((e) => e.code),
      ['unknown-field'],
    );
  });

  it('contradictory pins: the match could never be true', () => {
    assert.deepEqual(
      errors({ all: [{ name: 'A' }, { name: 'B' }] }).map((e) => e.code),
      ['never-matches'],
    );
  });

  it('reports every problem, not only the first', () => {
    const all = errors({ all: [{ nope: 1 }, { mfaUsed: 'No' }, { outcome: 'maybe' }] });
    assert.deepEqual(
      all.map((e) => e.path),
      ['match/all/0/nope', 'match/all/1/mfaUsed', 'match/all/2/outcome'],
    );
  });

  it('an unknown value of an open set (actor.type) is a warning, not an error', () => {
    const { match, problems } = compileMatch({ 'actor.type': 'IAMuser' }, ['match']);
    assert.ok(match);
    assert.deepEqual(
      problems.map((p) => [p.level, p.code]),
      [['warning', 'value-unknown']],
    );
  });
});
