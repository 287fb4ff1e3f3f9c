// The KQL parser against Kibana's grammar: precedence, value lists, escapes, quirks, and errors with line and column.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KqlNode } from './ast.ts';
import { KqlSyntaxError, parseKql } from './parse.ts';
import { printKql } from './print.ts';

/** The tree without offsets, for comparing shapes. */
function shape(node: KqlNode): unknown {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'offset' ? undefined : value)));
}

const u = (...parts: string[]) => ({ kind: 'unquoted', parts });
const q = (text: string) => ({ kind: 'quoted', text });
const is = (field: string, ...parts: string[]) => ({
  type: 'field',
  field: u(field),
  values: { type: 'value', value: u(...parts) },
});

function syntaxError(query: string): KqlSyntaxError {
  try {
    parseKql(query);
  } catch (error) {
    assert.ok(error instanceof KqlSyntaxError, `expected a KqlSyntaxError for ${JSON.stringify(query)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('parseKql', () => {
  it('gives not precedence over and, and and over or', () => {
    assert.deepEqual(shape(parseKql('a: 1 or b: 2 and not c: 3')), {
      type: 'or',
      children: [
        is('a', '1'),
        { type: 'and', children: [is('b', '2'), { type: 'not', child: is('c', '3') }] },
      ],
    });
    assert.deepEqual(shape(parseKql('(a: 1 or b: 2) and c: 3')), {
      type: 'and',
      children: [{ type: 'or', children: [is('a', '1'), is('b', '2')] }, is('c', '3')],
    });
  });

  it('reads keywords in any case, and across newlines', () => {
    assert.deepEqual(shape(parseKql('a:1\n  AND\tb:2 Or c:3')), shape(parseKql('a:1 and b:2 or c:3')));
  });

  it('reads value lists with and, or, not and wildcards', () => {
    const node = parseKql(
      'user.name:(system\\:serviceaccount\\:* and not system\\:serviceaccount\\:kube-system\\:lb)',
    );
    assert.deepEqual(shape(node), {
      type: 'field',
      field: u('user.name'),
      values: {
        type: 'and',
        children: [
          { type: 'value', value: u('system:serviceaccount:', '') },
          { type: 'not', child: { type: 'value', value: u('system:serviceaccount:kube-system:lb') } },
        ],
      },
    });
  });

  it('keeps spaces inside unquoted values and trims them at the ends, as Kibana does', () => {
    assert.deepEqual(shape(parseKql('message: hello world  ')), {
      type: 'field',
      field: u('message'),
      values: { type: 'value', value: u('hello world') },
    });
  });

  it('reads quoted phrases, where * and \\* are plain characters', () => {
    assert.deepEqual(shape(parseKql('a: "x * y\\*z \\"q\\" \\\\"')), {
      type: 'field',
      field: u('a'),
      values: { type: 'value', value: q('x * y\\*z "q" \\') },
    });
  });

  it('reads the escapes Kibana knows', () => {
    const node = parseKql('a: \\(\\)\\:\\<\\>\\"\\*\\{\\}\\\\ x \\and \\or \\NOT \\u0041\\t');
    assert.deepEqual(shape(node), {
      type: 'field',
      field: u('a'),
      values: { type: 'value', value: u('():<>"*{}\\ x and or NOT A') },
    });
  });

  it('reads lower-case \\not as an escaped newline followed by "ot", like Kibana', () => {
    assert.deepEqual(shape(parseKql('a: x\\not')), {
      type: 'field',
      field: u('a'),
      values: { type: 'value', value: u('x\not') },
    });
  });

  it('does not treat ? as a wildcard', () => {
    assert.deepEqual(
      shape(parseKql('a: b?c')),
      shape({
        type: 'field',
        field: u('a'),
        values: { type: 'value', value: u('b?c') },
        offset: 0,
      } as KqlNode),
    );
  });

  it('reads ranges, existence, nested groups, free text and the empty query', () => {
    assert.deepEqual(shape(parseKql('n >= 10')), {
      type: 'range',
      field: u('n'),
      operator: '>=',
      value: u('10'),
    });
    assert.deepEqual(shape(parseKql('@timestamp<"2024-01-01"')), {
      type: 'range',
      field: u('@timestamp'),
      operator: '<',
      value: q('2024-01-01'),
    });
    assert.deepEqual(shape(parseKql('source.ip: *')), is('source.ip', '', ''));
    assert.deepEqual(shape(parseKql('a: { b: 1 and c: 2 }')), {
      type: 'nested',
      field: u('a'),
      query: { type: 'and', children: [is('b', '1'), is('c', '2')] },
    });
    assert.deepEqual(shape(parseKql('hello')), { type: 'text', value: u('hello') });
    assert.deepEqual(shape(parseKql('   ')), { type: 'all' });
  });

  it('reads wildcard field names and quoted field names', () => {
    assert.deepEqual(shape(parseKql('aws.*.key: x')), {
      type: 'field',
      field: u('aws.', '.key'),
      values: { type: 'value', value: u('x') },
    });
    assert.deepEqual(shape(parseKql('"odd field": x')), {
      type: 'field',
      field: q('odd field'),
      values: { type: 'value', value: u('x') },
    });
  });

  it('stops an unquoted value at "not " even inside a word, like Kibana', () => {
    const error = syntaxError('a: cannot be');
    assert.match(error.message, /unexpected "not"/);
  });

  it('reports an unclosed parenthesis with where it was opened', () => {
    const error = syntaxError('a: 1 and\n  (b: 2 or c: 3');
    assert.equal(error.line, 2);
    assert.equal(error.column, 3);
    assert.match(error.message, /unbalanced parenthesis: "\(" opened at line 2, column 3 is never closed/);
    assert.match(error.hint, /add "\)"/);
  });

  it('reports a stray closing parenthesis', () => {
    const error = syntaxError('a: 1)');
    assert.equal(error.column, 5);
    assert.match(error.message, /"\)" has no matching "\("/);
  });

  it('reports a dangling and / or / not', () => {
    for (const [query, word] of [
      ['a: 1 and\n', 'and'],
      ['a: 1 or ', 'or'],
      ['a: (1 or )', 'or'],
      ['not ', 'not'],
    ] as const) {
      const error = syntaxError(query);
      assert.match(error.message, new RegExp(`expected a condition after "${word}"`), query);
      assert.match(error.hint, /dangling/);
    }
  });

  it('reports a missing value after ":"', () => {
    const error = syntaxError('event.action:\n');
    assert.match(error.message, /expected a value after ":"/);
    assert.equal(error.line, 2);
    assert.equal(error.column, 1);
  });

  it('reports an unterminated string at its opening quote', () => {
    const error = syntaxError('a: 1 and b: "open');
    assert.match(error.message, /unterminated quoted string/);
    assert.equal(error.column, 13);
  });

  it('reports an unknown escape, a missing range value and two values without an operator', () => {
    assert.match(syntaxError('a: x\\y').message, /unknown escape "\\y"/);
    assert.match(syntaxError('a <= ').message, /expected a value after "<="/);
    assert.match(syntaxError('a: "x" "y"').message, /unexpected "\\"y\\""|unexpected/);
  });

  it('prints the corpus style of query back to the same tree', () => {
    const query =
      'data_stream.dataset: "aws.cloudtrail" and event.action: (DeleteFunction or DeleteFunction20*) and not user_agent.original: (*terraform* or *pulumi*)';
    const node = parseKql(query);
    assert.deepEqual(shape(parseKql(printKql(node))), shape(node));
  });
});
