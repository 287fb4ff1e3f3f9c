// A KQL (Kuery) parser that follows Kibana's grammar, quirks included, and points at line and column on error.

import type { KqlNode, KqlRangeOperator, KqlValue, KqlValueExpr } from './ast.ts';

/** A query Kibana would reject: where (offset, 1-based line and column), what went wrong and what to do. */
export class KqlSyntaxError extends Error {
  override readonly name = 'KqlSyntaxError';
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly hint: string;
  constructor(message: string, text: string, offset: number, hint: string) {
    const { line, column } = lineAndColumn(text, offset);
    super(`${message} (line ${line}, column ${column})`);
    this.offset = offset;
    this.line = line;
    this.column = column;
    this.hint = hint;
  }
}

/** 1-based line and column of an offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Kibana's `Space`: the whitespace that separates keywords. */
export function isKqlSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\u00A0';
}

/** Characters that end an unquoted literal unless escaped with a backslash. */
export const KQL_SPECIAL_CHARACTERS = '\\():<>"*{}';

const WILDCARD = Symbol('wildcard');
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Parses a KQL query. Throws `KqlSyntaxError`; never returns a partial tree. */
export function parseKql(text: string): KqlNode {
  return new Parser(text).parseStart();
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseStart(): KqlNode {
    this.skipSpaces();
    if (this.pos >= this.text.length) return { type: 'all' };
    const query = this.parseOr();
    this.skipSpaces();
    if (this.pos < this.text.length) this.failUnexpected('expected "and", "or" or the end of the query');
    return query;
  }

  private parseOr(): KqlNode {
    const children = [this.parseAnd()];
    for (let next = this.matchBinary('or'); next >= 0; next = this.matchBinary('or')) {
      const at = this.pos;
      this.pos = next;
      this.expectOperand('or', at);
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children };
  }

  private parseAnd(): KqlNode {
    const children = [this.parseNot()];
    for (let next = this.matchBinary('and'); next >= 0; next = this.matchBinary('and')) {
      const at = this.pos;
      this.pos = next;
      this.expectOperand('and', at);
      children.push(this.parseNot());
    }
    return children.length === 1 ? children[0]! : { type: 'and', children };
  }

  private parseNot(): KqlNode {
    const next = this.matchNot();
    if (next < 0) return this.parseSub();
    const at = this.pos;
    this.pos = next;
    this.expectOperand('not', at);
    return { type: 'not', child: this.parseSub() };
  }

  private parseSub(): KqlNode {
    if (this.text[this.pos] !== '(') return this.parseExpression();
    const open = this.pos;
    this.pos++;
    this.skipSpaces();
    this.expectOperand('(', open);
    const query = this.parseOr();
    this.skipSpaces();
    this.expectClosing(')', open);
    return query;
  }

  private parseExpression(): KqlNode {
    const offset = this.pos;
    const field = this.parseLiteral();
    if (field === null) return this.failUnexpected('expected a field name, a value or "("');
    const afterLiteral = this.pos;
    this.skipSpaces();
    const c = this.text[this.pos];
    if (c === '<' || c === '>') {
      const operator: KqlRangeOperator = this.text[this.pos + 1] === '=' ? (c === '<' ? '<=' : '>=') : c;
      this.pos += operator.length;
      this.skipSpaces();
      const value = this.parseLiteral();
      if (value === null) {
        this.fail(
          `expected a value after "${operator}"`,
          'write a number, a date or a quoted string after the range operator',
        );
      }
      return { type: 'range', field, operator, value, offset };
    }
    if (c === ':') {
      this.pos++;
      this.skipSpaces();
      if (this.text[this.pos] === '{') {
        const open = this.pos;
        this.pos++;
        this.skipSpaces();
        this.expectOperand('{', open);
        const query = this.parseOr();
        this.skipSpaces();
        this.expectClosing('}', open);
        return { type: 'nested', field, query, offset };
      }
      const values = this.parseListOfValues(true);
      return { type: 'field', field, values, offset };
    }
    this.pos = afterLiteral;
    return { type: 'text', value: field, offset };
  }

  private parseListOfValues(afterColon = false): KqlValueExpr {
    if (this.text[this.pos] === '(') {
      const open = this.pos;
      this.pos++;
      this.skipSpaces();
      this.expectOperand('(', open);
      const values = this.parseOrValues();
      this.skipSpaces();
      this.expectClosing(')', open);
      return values;
    }
    const value = this.parseLiteral();
    if (value === null) {
      if (afterColon) {
        this.fail(
          'expected a value after ":"',
          'write a value (quote it if it holds spaces or special characters), "*" to test that the field exists, or a list such as (a or b)',
        );
      }
      this.failUnexpected('expected a value or "("');
    }
    return { type: 'value', value };
  }

  private parseOrValues(): KqlValueExpr {
    const children = [this.parseAndValues()];
    for (let next = this.matchBinary('or'); next >= 0; next = this.matchBinary('or')) {
      const at = this.pos;
      this.pos = next;
      this.expectOperand('or', at);
      children.push(this.parseAndValues());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children };
  }

  private parseAndValues(): KqlValueExpr {
    const children = [this.parseNotValues()];
    for (let next = this.matchBinary('and'); next >= 0; next = this.matchBinary('and')) {
      const at = this.pos;
      this.pos = next;
      this.expectOperand('and', at);
      children.push(this.parseNotValues());
    }
    return children.length === 1 ? children[0]! : { type: 'and', children };
  }

  private parseNotValues(): KqlValueExpr {
    const next = this.matchNot();
    if (next < 0) return this.parseListOfValues();
    const at = this.pos;
    this.pos = next;
    this.expectOperand('not', at);
    return { type: 'not', child: this.parseListOfValues() };
  }

  private parseLiteral(): KqlValue | null {
    return this.text[this.pos] === '"' ? this.parseQuoted() : this.parseUnquoted();
  }

  private parseQuoted(): KqlValue {
    const open = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) {
        this.pos = open;
        this.fail('unterminated quoted string', 'close the string with " (write \\" for a quote inside it)');
      }
      if (c === '"') {
        this.pos++;
        return { kind: 'quoted', text: out };
      }
      if (c === '\\') {
        const escaped = this.readEscape(true);
        if (escaped !== null) {
          out += escaped;
          continue;
        }
      }
      out += c;
      this.pos++;
    }
  }

  private parseUnquoted(): KqlValue | null {
    const items: (string | typeof WILDCARD)[] = [];
    const text = this.text;
    for (;;) {
      const c = text[this.pos];
      if (c === undefined) break;
      if (c === '\\') {
        const escaped = this.readEscape(false);
        if (escaped === null) {
          this.fail(
            `unknown escape "\\${text[this.pos + 1] ?? ''}"`,
            'a backslash escapes \\ ( ) : < > " * { }, the keywords and/or/not, \\t \\r \\n and \\uXXXX; write \\\\ for a backslash',
          );
        }
        items.push(escaped);
        continue;
      }
      if (c === '*') {
        items.push(WILDCARD);
        this.pos++;
        continue;
      }
      if (KQL_SPECIAL_CHARACTERS.includes(c)) break;
      if (
        isKqlSpace(c) &&
        (this.wordThenSpace(this.pos + 1, 'or') || this.wordThenSpace(this.pos + 1, 'and'))
      )
        break;
      if ((c === 'n' || c === 'N') && this.wordThenSpace(this.pos, 'not')) break;
      items.push(c);
      this.pos++;
    }
    if (items.length === 0) return null;
    // Kibana trims the joined characters, escaped whitespace included.
    let start = 0;
    let end = items.length;
    while (start < end && isTrimmable(items[start]!)) start++;
    while (end > start && isTrimmable(items[end - 1]!)) end--;
    const parts = [''];
    for (let i = start; i < end; i++) {
      const item = items[i]!;
      if (item === WILDCARD) parts.push('');
      else parts[parts.length - 1] += item;
    }
    return { kind: 'unquoted', parts };
  }

  /** Reads an escape at `pos` (a backslash); null when Kibana would not read one there. */
  private readEscape(quoted: boolean): string | null {
    const text = this.text;
    const next = text[this.pos + 1];
    if (next === 't' || next === 'r' || next === 'n') {
      this.pos += 2;
      return next === 't' ? '\t' : next === 'r' ? '\r' : '\n';
    }
    if (next === 'u' && HEX4.test(text.slice(this.pos + 2, this.pos + 6))) {
      const char = String.fromCharCode(parseInt(text.slice(this.pos + 2, this.pos + 6), 16));
      this.pos += 6;
      return char;
    }
    if (quoted) {
      if (next === '\\' || next === '"') {
        this.pos += 2;
        return next;
      }
      return null;
    }
    if (next !== undefined && KQL_SPECIAL_CHARACTERS.includes(next)) {
      this.pos += 2;
      return next;
    }
    for (const word of ['or', 'and', 'not']) {
      const written = text.slice(this.pos + 1, this.pos + 1 + word.length);
      if (written.toLowerCase() === word) {
        this.pos += 1 + word.length;
        return written;
      }
    }
    return null;
  }

  /** Offset after ` or ` / ` and ` (whitespace on both sides) at `pos`, or -1. */
  private matchBinary(word: 'or' | 'and'): number {
    let p = this.pos;
    while (isKqlSpace(this.text[p])) p++;
    if (p === this.pos || !this.wordThenSpace(p, word)) return -1;
    p += word.length;
    while (isKqlSpace(this.text[p])) p++;
    return p;
  }

  /** Offset after `not ` at `pos`, or -1. */
  private matchNot(): number {
    if (!this.wordThenSpace(this.pos, 'not')) return -1;
    let p = this.pos + 3;
    while (isKqlSpace(this.text[p])) p++;
    return p;
  }

  private wordThenSpace(at: number, word: string): boolean {
    return (
      this.text.slice(at, at + word.length).toLowerCase() === word && isKqlSpace(this.text[at + word.length])
    );
  }

  private skipSpaces(): void {
    while (isKqlSpace(this.text[this.pos])) this.pos++;
  }

  /** After an operator or an opening bracket something must follow; say so before the generic error does. */
  private expectOperand(after: string, at: number): void {
    const c = this.text[this.pos];
    if (c !== undefined && c !== ')' && c !== '}') return;
    // Point at the operator or bracket left without an operand.
    let keyword = at;
    while (isKqlSpace(this.text[keyword])) keyword++;
    this.pos = keyword;
    this.fail(
      `expected a condition after "${after}"`,
      after === 'and' || after === 'or' || after === 'not'
        ? `complete the condition or remove the dangling "${after}"`
        : `put a condition inside "${after}${after === '(' ? ')' : '}'}"`,
    );
  }

  private expectClosing(closing: ')' | '}', open: number): void {
    if (this.text[this.pos] === closing) {
      this.pos++;
      return;
    }
    const opening = closing === ')' ? '(' : '{';
    const { line, column } = lineAndColumn(this.text, open);
    if (this.pos >= this.text.length) {
      // Point at the opening bracket: that is where the fix usually goes.
      this.pos = open;
      this.fail(
        `unbalanced ${closing === ')' ? 'parenthesis' : 'brace'}: "${opening}" opened at line ${line}, column ${column} is never closed`,
        `add "${closing}" or remove "${opening}"`,
      );
    }
    this.failUnexpected(
      `expected "and", "or" or "${closing}" to close the "${opening}" opened at line ${line}, column ${column}`,
    );
  }

  private failUnexpected(expected: string): never {
    const c = this.text[this.pos];
    if (c === undefined) this.fail(`unexpected end of query: ${expected}`, 'complete the query');
    if (c === ')')
      this.fail('unbalanced parenthesis: ")" has no matching "("', 'remove the ")" or add the missing "("');
    if (c === '}')
      this.fail('unbalanced brace: "}" has no matching "{"', 'remove the "}" or add the missing "{"');
    if (c === ':' || c === '<' || c === '>')
      this.fail(
        `unexpected "${c}": ${expected}`,
        `a field name goes before "${c}"; escape it as \\${c} inside a value`,
      );
    const word = /^\S{1,20}/.exec(this.text.slice(this.pos))?.[0] ?? c;
    this.fail(
      `unexpected "${word}": ${expected}`,
      'join conditions with "and"/"or" and quote values that contain spaces or special characters',
    );
  }

  private fail(message: string, hint: string): never {
    throw new KqlSyntaxError(message, this.text, this.pos, hint);
  }
}

function isTrimmable(item: string | typeof WILDCARD): boolean {
  return item !== WILDCARD && item.length === 1 && item.trim() === '';
}
