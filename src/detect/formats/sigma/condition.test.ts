import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkReferences, expandPattern, parseCondition, printCondition } from './condition.ts';

const print = (text: string): string => {
  const r = parseCondition(text);
  assert.ok(r.ok, `should parse: ${text} ${r.ok ? '' : r.error.message}`);
  return printCondition(r.ast);
};

const error = (text: string): { message: string; offset: number; hint: string } => {
  const r = parseCondition(text);
  assert.ok(!r.ok, `should not parse: ${text}`);
  return r.error;
};

void describe('condition grammar', () => {
  void it('binds not tighter than and, and tighter than or', () => {
    assert.equal(print('a or b and c'), '(a or (b and c))');
    assert.equal(print('a and b or c'), '((a and b) or c)');
    assert.equal(print('not a and b'), '(not a and b)');
    assert.equal(print('not a or not b'), '(not a or not b)');
    assert.equal(print('not not a'), 'not not a');
  });

  void it('honours parentheses', () => {
    assert.equal(print('a and (b or c)'), '(a and (b or c))');
    assert.equal(print('not (a or b)'), 'not (a or b)');
    assert.equal(print('((a))'), 'a');
  });

  void it('reads quantifiers with patterns and them', () => {
    assert.equal(print('1 of selection_*'), '1 of selection_*');
    assert.equal(print('all of them'), 'all of them');
    assert.equal(print('any of sel*'), '1 of sel*');
    assert.equal(print('selection and not 1 of filter*'), '(selection and not 1 of filter*)');
    assert.equal(print('1 of sel* and all of f*'), '(1 of sel* and all of f*)');
  });

  void it('accepts upper-case operators', () => {
    assert.equal(print('a AND NOT b OR c'), '((a and not b) or c)');
  });

  void it('keeps the v1 pipe as a legacy aggregation', () => {
    const r = parseCondition('selection | count() by sourceIPAddress > 5');
    assert.ok(r.ok);
    assert.equal(r.aggregation?.text, 'count() by sourceIPAddress > 5');
    assert.equal(r.aggregation?.offset, 10);
  });

  void it('names the column of each syntax error', () => {
    assert.equal(error('(a and b').offset, 8);
    assert.match(error('(a and b').message, /expected '\)'/);
    assert.equal(error('a and b)').offset, 7);
    assert.match(error('a and b)').message, /unbalanced/);
    assert.equal(error('a and').offset, 5);
    assert.equal(error('a b').offset, 2);
    assert.equal(error('2 of sel*').offset, 0);
    assert.match(error('2 of sel*').hint, /1 of/);
    assert.equal(error('sel* and x').offset, 0);
    assert.equal(error('a & b').offset, 2);
    assert.equal(error('').offset, 0);
    assert.equal(error('1 of and').offset, 5);
    assert.equal(error('not').offset, 3);
    assert.equal(error('()').offset, 1);
  });

  void it('checks references against the defined identifiers', () => {
    const r = parseCondition('selection and not filtr or 1 of nothing_*');
    assert.ok(r.ok);
    const errs = checkReferences(r.ast, ['selection', 'filter']);
    assert.deepEqual(
      errs.map((e) => [e.message, e.offset]),
      [
        ["unknown search identifier 'filtr'", 18],
        ["'nothing_*' matches no search identifier", 27],
      ],
    );
    assert.match(errs[0]?.hint ?? '', /selection, filter/);
  });

  void it('expands patterns; them skips names starting with an underscore', () => {
    const names = ['selection_a', 'selection_b', 'filter', '_helper'];
    assert.deepEqual(expandPattern('selection_*', names), ['selection_a', 'selection_b']);
    assert.deepEqual(expandPattern('*_b', names), ['selection_b']);
    assert.deepEqual(expandPattern(null, names), ['selection_a', 'selection_b', 'filter']);
    assert.deepEqual(expandPattern('sel.ction*', names), [], 'a dot in a pattern is literal');
  });
});
