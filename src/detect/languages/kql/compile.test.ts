// KQL evaluation with Elasticsearch's meaning per field type, and boolean laws over generated documents.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EcsDocument } from '../../../model/index.ts';
import type { KqlNode } from './ast.ts';
import { compileKql } from './compile.ts';
import type { KqlFieldMapping, KqlPredicate } from './compile.ts';
import { referencedFields, requiredValues } from './fields.ts';
import { parseKql } from './parse.ts';
import { assertProperty } from '../../../test-support/property.ts';

const MAPPINGS: Record<string, KqlFieldMapping> = {
  'event.action': { type: 'keyword', ignoreAbove: 1024 },
  'user_agent.original': { type: 'keyword', ignoreAbove: 20 },
  'user_agent.original.text': { type: 'text', source: 'user_agent.original' },
  message: { type: 'text' },
  'source.ip': { type: 'ip' },
  'source.as.number': { type: 'number' },
  '@timestamp': { type: 'date' },
  'aws.mfa_used': { type: 'boolean' },
  'geo.location': { type: 'unsupported', mappingType: 'geo_point' },
  'flat.params': { type: 'keyword', object: true },
};
const resolveField = (name: string): KqlFieldMapping =>
  MAPPINGS[name] ?? (name.startsWith('flat.params.') ? { type: 'keyword' } : { type: 'dynamic' });

function compile(query: string): KqlPredicate {
  const result = compileKql(parseKql(query), { resolveField });
  assert.ok(result.ok, `${query} did not compile: ${JSON.stringify(result)}`);
  return result.predicate;
}

function check(query: string, doc: EcsDocument, expected: boolean): void {
  assert.equal(compile(query)(doc), expected, `${query} over ${JSON.stringify(doc)}`);
}

describe('compileKql: keyword fields', () => {
  it('match exactly and case-sensitively, quoted or not', () => {
    check('event.action: DeactivateMFADevice', { 'event.action': 'DeactivateMFADevice' }, true);
    check('event.action: "DeactivateMFADevice"', { 'event.action': 'DeactivateMFADevice' }, true);
    check('event.action: deactivatemfadevice', { 'event.action': 'DeactivateMFADevice' }, false);
    check('event.action: Deactivate', { 'event.action': 'DeactivateMFADevice' }, false);
  });

  it('match wildcards anywhere, leading ones included, still case-sensitively', () => {
    check('user_agent.original: *terraform*', { 'user_agent.original': 'APN/1.0 terraform/1' }, true);
    check('user_agent.original: *terraform*', { 'user_agent.original': 'Terraform/1' }, false);
    check('event.action: Deactivate*Device', { 'event.action': 'DeactivateMFADevice' }, true);
    check('event.action: *Device', { 'event.action': 'DeactivateMFADevice' }, true);
    check('event.action: a*b*c', { 'event.action': 'a.b(c' }, true);
    check('event.action: a*b*c', { 'event.action': 'a.b(cd' }, false);
  });

  it('read ? and regex characters literally', () => {
    check('event.action: Get?', { 'event.action': 'GetX' }, false);
    check('event.action: Get?', { 'event.action': 'Get?' }, true);
    check('event.action: a.c*', { 'event.action': 'abc' }, false);
    check('event.action: "a*"', { 'event.action': 'abc' }, false);
    check('event.action: "a*"', { 'event.action': 'a*' }, true);
    check('event.action: a\\*', { 'event.action': 'a*' }, true);
  });

  it('do not index strings above ignore_above: no match, not even existence', () => {
    const long = 'x'.repeat(21);
    check('user_agent.original: *', { 'user_agent.original': long }, false);
    check('user_agent.original: x*', { 'user_agent.original': long }, false);
    check('not user_agent.original: *', { 'user_agent.original': long }, true);
  });

  it('match numbers and booleans in keyword fields as their text', () => {
    check('flat.params.fromPort: 22', { 'flat.params.fromPort': 22 }, true);
    check('flat.params.omitted: true', { 'flat.params.omitted': true }, true);
    check('flat.params.omitted: "true"', { 'flat.params.omitted': true }, true);
  });

  it('match an object (flattened root) when any leaf matches', () => {
    check('flat.params: alice', { 'flat.params.userName': 'alice', other: 'bob' }, true);
    check('flat.params: bob', { 'flat.params.userName': 'alice', other: 'bob' }, false);
  });
});

describe('compileKql: other field types', () => {
  it('analyses text fields: any token unquoted, the phrase in order when quoted, wildcards per token', () => {
    check('message: "Quick Brown"', { message: 'the quick brown fox' }, true);
    check('message: "brown quick"', { message: 'the quick brown fox' }, false);
    check('message: brown quick', { message: 'the quick brown fox' }, true);
    check('message: qui*', { message: 'The QUICK fox' }, true);
    check('user_agent.original.text: CLOUDSHELL', { 'user_agent.original': 'aws-cli/2 CloudShell' }, true);
  });

  it('matches IP fields by address and CIDR block, IPv4 and IPv6', () => {
    check('source.ip: 10.0.0.0/8', { 'source.ip': '10.1.2.3' }, true);
    check('source.ip: 10.0.0.0/8', { 'source.ip': '11.1.2.3' }, false);
    check('source.ip: "2001:db8::/32"', { 'source.ip': '2001:db8:0:0:0:0:0:1' }, true);
    check('source.ip: 192.0.2.1', { 'source.ip': '::ffff:192.0.2.1' }, true);
    check('source.ip: *', { 'source.ip': '192.0.2.1' }, true);
    check('source.ip < 10.0.0.5', { 'source.ip': '10.0.0.4' }, true);
  });

  it('compares numbers numerically and dates as dates, with Elasticsearch rounding', () => {
    check('source.as.number >= 16509', { 'source.as.number': 16509 }, true);
    check('source.as.number > 9', { 'source.as.number': 10 }, true);
    check('source.as.number: 16509', { 'source.as.number': '16509' }, true);
    check('@timestamp: 2024-05-14', { '@timestamp': '2024-05-14T23:59:59Z' }, true);
    check('@timestamp > 2024-05-14', { '@timestamp': '2024-05-14T23:59:59Z' }, false);
    check('@timestamp >= "2024-05-14T09:00:00Z"', { '@timestamp': '2024-05-14T09:12:40Z' }, true);
    check('@timestamp < "2024-05-14T09:12"', { '@timestamp': '2024-05-14T09:12:40Z' }, false);
    check('@timestamp <= "2024-05-14T09:12"', { '@timestamp': '2024-05-14T09:12:40Z' }, true);
  });

  it('matches booleans and, for unknown fields, decides from the value as dynamic mapping would', () => {
    check('aws.mfa_used: false', { 'aws.mfa_used': false }, true);
    check('aws.mfa_used: true', { 'aws.mfa_used': false }, false);
    check('unknown.n: 5', { 'unknown.n': 5 }, true);
    check('unknown.n > 4', { 'unknown.n': 5 }, true);
    check('unknown.s: Ab*', { 'unknown.s': 'Abc' }, true);
  });

  it('matches an array when any element matches, and `not` when none does', () => {
    check('event.action: b', { 'event.action': ['a', 'b'] }, true);
    check('not event.action: b', { 'event.action': ['a', 'b'] }, false);
    check('event.action: (a and b)', { 'event.action': ['a', 'b'] }, true);
    check('event.action: *', { 'event.action': [] }, false);
    check('event.action: *', { 'event.action': [null, ''] }, true);
    check('not event.action: x', {}, true);
  });

  it('matches field-name wildcards against the document keys', () => {
    check('flat.params.*: alice', { 'flat.params.userName': 'alice' }, true);
    check('flat.*.userName: bob', { 'flat.params.userName': 'alice' }, false);
  });

  it('evaluates nested groups over prefixed fields, with a warning', () => {
    const result = compileKql(parseKql('flat.params: { userName: alice }'), { resolveField });
    assert.ok(result.ok);
    assert.equal(result.predicate({ 'flat.params.userName': 'alice' }), true);
    assert.match(result.warnings[0]?.message ?? '', /nested query/);
  });
});

describe('compileKql: what it refuses', () => {
  it('reports free text as unsupported, naming the text', () => {
    const result = compileKql(parseKql('event.action: x and hello'), { resolveField });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && /free text.*"hello"/.test(result.unsupported[0]?.message ?? ''));
  });

  it('reports date math and unsupported field types as unsupported', () => {
    const math = compileKql(parseKql('@timestamp > now-1d'), { resolveField });
    assert.ok(!math.ok && /date math "now-1d"/.test(math.unsupported[0]?.message ?? ''));
    const geo = compileKql(parseKql('geo.location: x'), { resolveField });
    assert.ok(!geo.ok && /geo_point/.test(geo.unsupported[0]?.message ?? ''));
  });

  it('reports values Elasticsearch would reject as errors with their offset', () => {
    const result = compileKql(parseKql('event.action: x and source.ip: nope'), { resolveField });
    assert.ok(!result.ok);
    assert.match(result.errors[0]?.message ?? '', /"source.ip" is an IP field and "nope"/);
    assert.equal(result.errors[0]?.offset, 20);
    const number = compileKql(parseKql('source.as.number: abc'), { resolveField });
    assert.ok(!number.ok && /not a number/.test(number.errors[0]?.message ?? ''));
  });
});

describe('referencedFields and requiredValues', () => {
  it('lists fields once, nested ones prefixed', () => {
    assert.deepEqual(referencedFields(parseKql('a: 1 and (b: 2 or not a: 3) and n: { c: 1 } and d > 2')), [
      'a',
      'b',
      'n.c',
      'd',
    ]);
  });

  it('pins event names only where the query requires them', () => {
    const pins = (query: string) => {
      const values = requiredValues(parseKql(query), 'event.action');
      return values === null ? null : [...values].sort();
    };
    assert.deepEqual(pins('x: 1 and event.action: (B or A)'), ['A', 'B']);
    assert.deepEqual(pins('(event.action: A and x: 1) or event.action: "B"'), ['A', 'B']);
    assert.deepEqual(pins('event.action: (A or B) and event.action: B'), ['B']);
    assert.equal(pins('event.action: A or x: 1'), null);
    assert.equal(pins('not event.action: A'), null);
    assert.equal(pins('event.action: Get*'), null);
    assert.equal(pins('event.action: (A or B*)'), null);
  });
});

// --- Boolean laws over generated documents and generated queries.

const FIELDS = ['event.action', 'message', 'source.ip', 'source.as.number', 'unknown.s'] as const;
const VALUES: Record<(typeof FIELDS)[number], string[]> = {
  'event.action': ['A', 'B', 'a', 'A*', '*b', '*'],
  message: ['hello', '"hello world"', 'wor*'],
  'source.ip': ['10.0.0.0/8', '192.0.2.1', '*'],
  'source.as.number': ['1', '2'],
  'unknown.s': ['x', 'x*', '*'],
};
const leaf = fc
  .constantFrom(...FIELDS)
  .chain((field) => fc.constantFrom(...VALUES[field]).map((value) => `${field}: ${value}`));
const { query } = fc.letrec<{ query: string }>((tie) => ({
  query: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('query'), tie('query')).map(([a, b]) => `(${a} and ${b})`),
    fc.tuple(tie('query'), tie('query')).map(([a, b]) => `(${a} or ${b})`),
    tie('query').map((a) => `not (${a})`),
  ),
}));
const doc: fc.Arbitrary<EcsDocument> = fc.record(
  {
    'event.action': fc.oneof(fc.constantFrom('A', 'B', 'a', 'Ab', 'bb'), fc.constant(['A', 'b'])),
    message: fc.constantFrom('hello world', 'world hello', 'WORLDS'),
    'source.ip': fc.constantFrom('10.2.3.4', '192.0.2.1', 'signin.amazonaws.com'),
    'source.as.number': fc.constantFrom(1, 2, 3),
    'unknown.s': fc.constantFrom('x', 'xy', 'y'),
  },
  { requiredKeys: [] },
);
const evaluate = (q: string, d: EcsDocument): boolean => compile(q)(d);

describe('boolean laws', () => {
  it('de Morgan: not (a and b) = not a or not b; not (a or b) = not a and not b', () => {
    assertProperty(
      fc.property(query, query, doc, (a, b, d) => {
        assert.equal(evaluate(`not (${a} and ${b})`, d), evaluate(`not (${a}) or not (${b})`, d));
        assert.equal(evaluate(`not (${a} or ${b})`, d), evaluate(`not (${a}) and not (${b})`, d));
      }),
      { numRuns: 400 },
    );
  });

  it('double negation: not not a = a', () => {
    assertProperty(
      fc.property(query, doc, (a, d) => {
        assert.equal(evaluate(`not (not (${a}))`, d), evaluate(a, d));
      }),
      { numRuns: 400 },
    );
  });

  it('a value list means the same as the conditions written out', () => {
    assertProperty(
      fc.property(fc.constantFrom('A', 'a*', '*b'), fc.constantFrom('B', 'Ab'), doc, (x, y, d) => {
        assert.equal(
          evaluate(`event.action: (${x} or not ${y})`, d),
          evaluate(`event.action: ${x} or not event.action: ${y}`, d),
        );
        assert.equal(
          evaluate(`event.action: (${x} and ${y})`, d),
          evaluate(`event.action: ${x} and event.action: ${y}`, d),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('the empty query matches everything', () => {
    const node: KqlNode = parseKql('');
    const result = compileKql(node);
    assert.ok(result.ok && result.predicate({}));
  });
});
