// Property: printing any KQL tree and parsing the text gives the same tree back.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KqlNode, KqlValue, KqlValueExpr } from './ast.ts';
import { parseKql } from './parse.ts';
import { printKql } from './print.ts';
import { assertProperty } from '../../../test-support/property.ts';

function shape(node: KqlNode): unknown {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'offset' ? undefined : value)));
}

/** Characters that exercise escaping: specials, keyword letters, whitespace of every kind, quotes, unicode. */
const char = fc.constantFrom(
  ...'ab nrtoNOT()\\:<>"*{}\t\n\r\u00A0?.-/é'.split(''),
  'or',
  'and',
  'not',
  ' or ',
  ' and ',
  'not ',
);
const text = fc.array(char, { minLength: 0, maxLength: 8 }).map((chars) => chars.join(''));

const quoted: fc.Arbitrary<KqlValue> = text.map((t) => ({ kind: 'quoted', text: t }));
/** Unquoted literals as the parser can produce them: trimmed, and not empty. */
const unquoted: fc.Arbitrary<KqlValue> = fc
  .array(text, { minLength: 1, maxLength: 3 })
  .filter((parts) => {
    const joined = parts.join('*');
    return joined !== '' && joined.trim() === joined;
  })
  .map((parts) => ({ kind: 'unquoted', parts }));
const value = fc.oneof(quoted, unquoted);
const fieldName: fc.Arbitrary<KqlValue> = fc.oneof(
  fc
    .constantFrom('event.action', 'user.name', 'a', 'aws.*.key', 'not', 'or')
    .map((name) => ({ kind: 'unquoted' as const, parts: name.split('*') })),
  quoted,
);

const { values } = fc.letrec<{ values: KqlValueExpr }>((tie) => ({
  values: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    value.map((v): KqlValueExpr => ({ type: 'value', value: v })),
    fc
      .array(tie('values'), { minLength: 2, maxLength: 3 })
      .map((children): KqlValueExpr => ({ type: 'or', children })),
    fc
      .array(tie('values'), { minLength: 2, maxLength: 3 })
      .map((children): KqlValueExpr => ({ type: 'and', children })),
    tie('values').map((child): KqlValueExpr => ({ type: 'not', child })),
  ),
}));

const { query } = fc.letrec<{ query: KqlNode }>((tie) => ({
  query: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .record({ field: fieldName, values })
      .map(({ field, values: v }): KqlNode => ({ type: 'field', field, values: v, offset: 0 })),
    fc
      .record({ field: fieldName, operator: fc.constantFrom('<', '<=', '>', '>=' as const), value })
      .map(({ field, operator, value: v }): KqlNode => ({
        type: 'range',
        field,
        operator,
        value: v,
        offset: 0,
      })),
    value.map((v): KqlNode => ({ type: 'text', value: v, offset: 0 })),
    fc
      .array(tie('query'), { minLength: 2, maxLength: 3 })
      .map((children): KqlNode => ({ type: 'or', children })),
    fc
      .array(tie('query'), { minLength: 2, maxLength: 3 })
      .map((children): KqlNode => ({ type: 'and', children })),
    tie('query').map((child): KqlNode => ({ type: 'not', child })),
    fc
      .record({ field: fieldName, query: tie('query') })
      .map(({ field, query: q }): KqlNode => ({ type: 'nested', field, query: q, offset: 0 })),
  ),
}));

describe('printKql', () => {
  it('parse(print(tree)) is the tree', () => {
    assertProperty(
      fc.property(query, (tree) => {
        const printed = printKql(tree);
        assert.deepEqual(shape(parseKql(printed)), shape(tree), `printed as ${JSON.stringify(printed)}`);
      }),
      { numRuns: 2000 },
    );
  });

  /** Queries as people write them (Elastic's AWS rules, Kibana's KQL docs): each must parse and round-trip. */
  const HAND_WRITTEN = [
    'a: 1 and (b: 2 or not c: (x or y and not z))',
    'a: { b: "q" } or n > 5',
    'user.name: (system\\:serviceaccount\\:* and not system\\:serviceaccount\\:kube-system\\:x)',
    // Kibana reads `\n` before any keyword escape, so the literal word "not" starts with a unicode escape.
    'x: "tab\there" and y: \\u006Eot \\or',
    'event.dataset: aws.cloudtrail and event.provider: iam.amazonaws.com and event.action: DeactivateMFADevice and event.outcome: success',
    'event.action: (DeactivateMFADevice or DeleteVirtualMFADevice) and not aws.cloudtrail.error_code: *',
    'source.port >= 1024 and source.port < 65536',
    'message: "a \\"quoted\\" word" or "free text"',
    'aws.cloudtrail.*.mfa_authenticated: false',
    'a: \\(b\\) and c: d\\:e',
    'NOT a: 1 AND b: 2 OR c: 3',
    'user: { name: alice and id: 1 }',
    'a: x\\*y and b: x*y',
    'y: foo bar',
  ];

  it('parse → print → parse is stable on hand-written queries, every one of which parses', () => {
    for (const text of HAND_WRITTEN) {
      const tree = parseKql(text);
      assert.deepEqual(shape(parseKql(printKql(tree))), shape(tree), text);
    }
  });

  it('reads escapes as Kibana does', () => {
    const valueOf = (text: string) => shape(parseKql(text));
    const field = (name: string, parts: string[]) => ({
      type: 'field',
      field: { kind: 'unquoted', parts: [name] },
      values: { type: 'value', value: { kind: 'unquoted', parts } },
    });
    assert.deepEqual(valueOf('y: \\u006Eot \\or'), field('y', ['not or']));
    assert.deepEqual(valueOf('a: x\\*y'), field('a', ['x*y']));
    assert.deepEqual(valueOf('a: x*y'), field('a', ['x', 'y']));
    // `\not` is an escaped newline and "ot", and Kibana trims the escaped whitespace away.
    assert.deepEqual(valueOf('y: \\not'), field('y', ['ot']));
  });

  it('refuses an escape KQL does not have, saying where', () => {
    // A backslash before a space escapes nothing in Kibana's grammar (nor in Elastic's detection-rules kql.g).
    assert.throws(
      () => parseKql('x: "tab\there" and y: not\\ or'),
      /unknown escape "\\ " \(line 1, column 25\)/,
    );
  });

  it('prints the empty query as nothing', () => {
    assert.equal(printKql({ type: 'all' }), '');
  });
});
