import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  forHtml,
  forLog,
  forMarkdown,
  forSlackMrkdwn,
  forTerminal,
  hasControlChars,
  jsonForTerminal,
} from './escape.ts';
import { forCsvCell } from './csv.ts';
import { assertProperty } from '../test-support/property.ts';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/** Strings rich in the characters that matter, plus arbitrary unicode. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      '\u001b',
      '[',
      '=',
      '+',
      '-',
      '@',
      '\t',
      '\r',
      '\n',
      ' ',
      '"',
      "'",
      '<',
      '>',
      '&',
      '\u009b',
      '\u202e',
      '\u2066',
      '\u007f',
      '\b',
      'a',
      ',',
      '*',
      '_',
      '!',
    ),
    maxLength: 30,
  }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

void test('forTerminal output never contains a control, bidi or line-breaking character', () => {
  assertProperty(
    fc.property(hostile, (s) => !CONTROL.test(forTerminal(s))),
    { numRuns: 2000 },
  );
});

void test('forTerminal shows escapes visibly and keeps ordinary text', () => {
  assert.equal(forTerminal('boto3 \u001b[31mred\u001b[0m'), 'boto3 \\x1b[31mred\\x1b[0m');
  assert.equal(forTerminal('a\tb\nc\rd\be\u007f'), 'a\\tb\\nc\\rd\\x08e\\x7f');
  assert.equal(forTerminal('x\u202egnp.exe'), 'x\\u202egnp.exe');
  assert.equal(forTerminal('\u009b2J'), '\\x9b2J');
  assert.equal(forTerminal('Mozilla/5.0 (Macintosh) ü 東京'), 'Mozilla/5.0 (Macintosh) ü 東京');
  assert.equal(hasControlChars('plain'), false);
  assert.equal(hasControlChars('a\u001bb'), true);
});

/** Parses one RFC 4180 cell back to its value (for the property below). */
function unquote(cell: string): string {
  return cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
}

void test('forCsvCell never yields a cell whose text or raw form starts a formula', () => {
  assertProperty(
    fc.property(hostile, (s) => {
      const cell = forCsvCell(s);
      const value = unquote(cell);
      return !/^[=+\-@\t\r\n]/.test(cell) && !/^ *[=+\-@\t\r\n]/.test(value);
    }),
    { numRuns: 2000 },
  );
});

void test('forCsvCell round-trips ordinary text and quotes per RFC 4180', () => {
  assertProperty(
    fc.property(
      fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', ' ', '\n', 'x'), maxLength: 20 }),
      (s) => {
        const value = unquote(forCsvCell(s));
        return value === s || value === `'${s}`;
      },
    ),
  );
  assert.equal(forCsvCell('plain'), 'plain');
  assert.equal(forCsvCell('a,b'), '"a,b"');
  assert.equal(forCsvCell('say "hi"'), '"say ""hi"""');
  assert.equal(forCsvCell('line1\nline2'), '"line1\nline2"');
});

void test('forCsvCell disarms formulas, also after leading spaces', () => {
  assert.equal(
    forCsvCell('=HYPERLINK("http://evil.example","x")'),
    `"'=HYPERLINK(""http://evil.example"",""x"")"`,
  );
  assert.equal(forCsvCell('+1'), "'+1");
  assert.equal(forCsvCell('-2+3'), "'-2+3");
  assert.equal(forCsvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(forCsvCell('\tcmd'), "'\tcmd");
  assert.equal(forCsvCell('\r=1'), `"'\r=1"`);
  assert.equal(forCsvCell('   =1+1'), "'   =1+1");
  assert.equal(forCsvCell(' padded '), '" padded "');
  assert.equal(forCsvCell('a=1'), 'a=1');
  assert.equal(forCsvCell('\u001b[2Jx'), '\\x1b[2Jx');
});

void test('forHtml output has no raw < > & " \' and no control characters', () => {
  assertProperty(
    fc.property(hostile, (s) => {
      const out = forHtml(s);
      return !/[<>"']/.test(out) && !/&(?!(amp|lt|gt|quot|#39);)/.test(out) && !CONTROL.test(out);
    }),
    { numRuns: 2000 },
  );
  assert.equal(forHtml('<script>alert("x")</script>'), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  assert.equal(forHtml("a & b's"), 'a &amp; b&#39;s');
});

void test('forMarkdown escapes markup, HTML and mentions', () => {
  assert.equal(forMarkdown('*bold* _x_ [link](http://e)'), '\\*bold\\* \\_x\\_ \\[link\\]\\(http://e\\)');
  assert.equal(forMarkdown('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert\\(1\\)&gt;');
  assert.equal(forMarkdown('@channel hi @bob'), '&#64;channel hi &#64;bob');
  assert.equal(forMarkdown('# title\n- item'), '\\# title\\\\n\\- item');
  assertProperty(
    fc.property(hostile, (s) => !/[<>@]/.test(forMarkdown(s)) && !CONTROL.test(forMarkdown(s))),
    { numRuns: 1000 },
  );
});

void test('forSlackMrkdwn neutralises special mentions, links and formatting', () => {
  assert.equal(
    forSlackMrkdwn('<!channel> <@U123> <http://evil|ok>'),
    '&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil|ok&gt;',
  );
  assert.equal(forSlackMrkdwn('@here and @Channel'), '@\u2060here and @\u2060Channel');
  assert.equal(forSlackMrkdwn('a & *b*'), 'a &amp; \u200b*b\u200b*');
  assertProperty(
    fc.property(hostile, (s) => {
      const out = forSlackMrkdwn(s);
      return !/[<>]/.test(out) && !/@(channel|here|everyone)/i.test(out) && !CONTROL.test(out);
    }),
    { numRuns: 1000 },
  );
});

void test('forLog is a single line that is a valid JSON string body with the same value', () => {
  assertProperty(
    fc.property(hostile, (s) => {
      const out = forLog(s);
      return !CONTROL.test(out) && JSON.parse(`"${out}"`) === s;
    }),
    { numRuns: 2000 },
  );
  assert.equal(forLog('a"b\nc\u202e'), 'a\\"b\\nc\\u202e');
});

void test('jsonForTerminal keeps JSON valid and equal while escaping C1 and bidi', () => {
  const value = { ua: '\u009b31m\u202eevil\u2028', n: 1 };
  const out = jsonForTerminal(JSON.stringify(value));
  assert.ok(!CONTROL.test(out));
  assert.deepEqual(JSON.parse(out), value);
});
