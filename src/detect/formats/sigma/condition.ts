// The Sigma condition language: tokens, a precedence-climbing parser, and the checks that name a column on error.

export type ConditionNode =
  | { readonly kind: 'ref'; readonly name: string; readonly offset: number }
  | { readonly kind: 'and' | 'or'; readonly items: readonly ConditionNode[] }
  | { readonly kind: 'not'; readonly item: ConditionNode }
  | {
      readonly kind: 'of';
      readonly quantifier: 'one' | 'all';
      /** Search-identifier pattern with `*` wildcards; null for `them`. */
      readonly pattern: string | null;
      readonly offset: number;
    };

/** The deprecated v1 pipe (`selection | count() by x > 5`), kept as text for the aggregation reader. */
export interface LegacyAggregation {
  readonly text: string;
  readonly offset: number;
}

export interface ConditionError {
  readonly message: string;
  /** Zero-based character offset in the condition text. */
  readonly offset: number;
  readonly hint: string;
}

export type ConditionParse =
  | { readonly ok: true; readonly ast: ConditionNode; readonly aggregation: LegacyAggregation | null }
  | { readonly ok: false; readonly error: ConditionError };

type TokenKind = 'lparen' | 'rparen' | 'word' | 'pipe' | 'end';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
}

const WORD = /[A-Za-z0-9_*.-]/;

function tokenize(text: string): Token[] | ConditionError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(') {
      tokens.push({ kind: 'lparen', text: c, offset: i++ });
    } else if (c === ')') {
      tokens.push({ kind: 'rparen', text: c, offset: i++ });
    } else if (c === '|') {
      tokens.push({ kind: 'pipe', text: c, offset: i });
      i = text.length;
    } else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i] as string)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), offset: start });
    } else {
      return {
        message: `unexpected character '${c}' in condition`,
        offset: i,
        hint: 'a condition uses search identifiers, and, or, not, 1 of, all of, them and parentheses',
      };
    }
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

const RESERVED = new Set(['and', 'or', 'not', 'of', 'them', 'all', '1', 'any']);

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly text: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }
  private next(): Token {
    return this.tokens[this.pos++] as Token;
  }
  private isWord(t: Token, w: string): boolean {
    return t.kind === 'word' && t.text.toLowerCase() === w;
  }

  parse(): ConditionParse {
    const ast = this.parseOr();
    const t = this.peek();
    let aggregation: LegacyAggregation | null = null;
    if (t.kind === 'pipe') {
      aggregation = { text: this.text.slice(t.offset + 1).trim(), offset: t.offset };
    } else if (t.kind === 'rparen') {
      throw this.fail(t, "unbalanced ')': no '(' opened it", "remove the ')' or add the matching '('");
    } else if (t.kind !== 'end') {
      throw this.fail(
        t,
        `expected 'and', 'or' or the end of the condition, found '${t.text}'`,
        'join terms with and / or',
      );
    }
    return { ok: true, ast, aggregation };
  }

  private parseOr(): ConditionNode {
    const items = [this.parseAnd()];
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      items.push(this.parseAnd());
    }
    return items.length === 1 ? (items[0] as ConditionNode) : { kind: 'or', items };
  }

  private parseAnd(): ConditionNode {
    const items = [this.parseNot()];
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      items.push(this.parseNot());
    }
    return items.length === 1 ? (items[0] as ConditionNode) : { kind: 'and', items };
  }

  private parseNot(): ConditionNode {
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      return { kind: 'not', item: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ConditionNode {
    const t = this.next();
    if (t.kind === 'lparen') {
      const inner = this.parseOr();
      const close = this.next();
      if (close.kind !== 'rparen') {
        throw this.fail(
          close,
          `expected ')' to close the '(' at column ${t.offset + 1}`,
          "add the missing ')'",
        );
      }
      return inner;
    }
    if (t.kind === 'word') {
      const lower = t.text.toLowerCase();
      const after = this.peek();
      if (this.isWord(after, 'of')) {
        if (lower !== '1' && lower !== 'all' && lower !== 'any') {
          throw this.fail(t, `'${t.text} of' is not a Sigma quantifier`, "use '1 of' or 'all of'");
        }
        this.next();
        const target = this.next();
        if (
          target.kind !== 'word' ||
          (RESERVED.has(target.text.toLowerCase()) && !this.isWord(target, 'them'))
        ) {
          throw this.fail(
            target,
            `expected a search-identifier pattern or 'them' after '${t.text} of'`,
            'e.g. 1 of selection_*',
          );
        }
        return {
          kind: 'of',
          quantifier: lower === 'all' ? 'all' : 'one',
          pattern: this.isWord(target, 'them') ? null : target.text,
          offset: t.offset,
        };
      }
      if (RESERVED.has(lower)) {
        throw this.fail(
          t,
          `unexpected '${t.text}'`,
          'a search identifier, not, ( or a quantifier must come here',
        );
      }
      if (t.text.includes('*')) {
        throw this.fail(
          t,
          `wildcard '${t.text}' needs a quantifier`,
          `write '1 of ${t.text}' or 'all of ${t.text}'`,
        );
      }
      return { kind: 'ref', name: t.text, offset: t.offset };
    }
    if (t.kind === 'end') {
      throw this.fail(
        t,
        'the condition ends where a search identifier was expected',
        'complete the expression',
      );
    }
    if (t.kind === 'rparen')
      throw this.fail(t, "unexpected ')'", 'a term is missing before it, or the ) is extra');
    throw this.fail(
      t,
      `unexpected '${t.text}'`,
      'a search identifier, not, ( or a quantifier must come here',
    );
  }

  private fail(t: Token, message: string, hint: string): ConditionFailure {
    return new ConditionFailure({ message, offset: t.offset, hint });
  }
}

/** Parses a condition; never throws. */
export function parseCondition(text: string): ConditionParse {
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return { ok: false, error: tokens };
  try {
    return new Parser(tokens, text).parse();
  } catch (e) {
    if (e instanceof ConditionFailure) return { ok: false, error: e.detail };
    throw e;
  }
}

/** Unwinds the recursive descent to `parseCondition`, which turns it into a result. */
class ConditionFailure extends Error {
  constructor(readonly detail: ConditionError) {
    super(detail.message);
  }
}

/** Search identifiers a `1 of` / `all of` term covers; `them` skips names starting with `_`, as the spec says. */
export function expandPattern(pattern: string | null, names: readonly string[]): string[] {
  if (pattern === null) return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
  return names.filter((n) => re.test(n));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every unknown identifier and empty pattern in the tree, with offsets. */
export function checkReferences(ast: ConditionNode, names: readonly string[]): ConditionError[] {
  const errors: ConditionError[] = [];
  const known = new Set(names);
  const visit = (node: ConditionNode): void => {
    switch (node.kind) {
      case 'ref':
        if (!known.has(node.name)) {
          errors.push({
            message: `unknown search identifier '${node.name}'`,
            offset: node.offset,
            hint: `defined in detection: ${names.join(', ') || '(none)'}`,
          });
        }
        return;
      case 'of':
        if (expandPattern(node.pattern, names).length === 0) {
          errors.push({
            message: `'${node.pattern ?? 'them'}' matches no search identifier`,
            offset: node.offset,
            hint: `defined in detection: ${names.join(', ') || '(none)'}`,
          });
        }
        return;
      case 'not':
        visit(node.item);
        return;
      case 'and':
      case 'or':
        node.items.forEach(visit);
        return;
    }
  };
  visit(ast);
  return errors;
}

/** Prints a tree back as a condition (fully parenthesised), for summaries and round-trip tests. */
export function printCondition(node: ConditionNode): string {
  switch (node.kind) {
    case 'ref':
      return node.name;
    case 'of':
      return `${node.quantifier === 'all' ? 'all' : '1'} of ${node.pattern ?? 'them'}`;
    case 'not':
      return `not ${printCondition(node.item)}`;
    case 'and':
    case 'or':
      return `(${node.items.map(printCondition).join(` ${node.kind} `)})`;
  }
}
