// Turns a KQL tree into one closure over an ECS document, with Elasticsearch's matching rules per field type.

import type { EcsDocument, EcsScalar, EcsValue } from '../../../model/index.ts';
import { fieldName, isFieldPattern } from './ast.ts';
import type { KqlNode, KqlRangeOperator, KqlValue, KqlValueExpr } from './ast.ts';
import {
  analyzeText,
  compileIpQuery,
  compileWildcard,
  documentDate,
  parseDateSpan,
  parseIp,
  parseNumber,
} from './values.ts';

/**
 * How Elasticsearch indexes a field, which decides how a KQL value matches it:
 * `keyword` exact and case-sensitive (also constant_keyword, flattened leaves, wildcard),
 * `text` analysed, `ip` with CIDR, `number` and `date` compared as such, `boolean`,
 * `dynamic` when the mapping is unknown (decided from each value's JSON type, as dynamic mapping would),
 * `unsupported` for types KQL cannot be evaluated on here (geo_point, ...).
 */
export type KqlFieldType =
  'keyword' | 'text' | 'ip' | 'number' | 'date' | 'boolean' | 'dynamic' | 'unsupported';

export interface KqlFieldMapping {
  readonly type: KqlFieldType;
  /** Document key holding the values when it is not the field name (multi-fields such as `user_agent.original.text`). */
  readonly source?: string;
  /** Keyword strings longer than this are not indexed, so they match nothing, not even `field: *`. */
  readonly ignoreAbove?: number;
  /** An object field (a flattened root): its values are those of every key below `name.`. */
  readonly object?: boolean;
  /** The mapping type's own name, for messages about `unsupported` fields. */
  readonly mappingType?: string;
}

export type KqlFieldResolver = (field: string) => KqlFieldMapping;

export interface KqlProblem {
  readonly message: string;
  /** Offset in the query text of the condition concerned. */
  readonly offset: number | null;
}

export type KqlPredicate = (doc: EcsDocument) => boolean;

export type KqlCompileResult =
  | { readonly ok: true; readonly predicate: KqlPredicate; readonly warnings: readonly KqlProblem[] }
  | {
      readonly ok: false;
      /** Conditions we cannot evaluate exactly (the rule is unsupported, not wrong). */
      readonly unsupported: readonly KqlProblem[];
      /** Conditions Elasticsearch itself would reject (an IP field compared with "foo"). */
      readonly errors: readonly KqlProblem[];
      readonly warnings: readonly KqlProblem[];
    };

export interface KqlCompileOptions {
  readonly resolveField?: KqlFieldResolver;
}

const DYNAMIC: KqlFieldMapping = { type: 'dynamic' };

/** Compiles once; the predicate does no parsing and builds no regular expressions when it runs. */
export function compileKql(node: KqlNode, options: KqlCompileOptions = {}): KqlCompileResult {
  const compiler = new Compiler(options.resolveField ?? (() => DYNAMIC));
  const predicate = compiler.node(node, '');
  const { unsupported, errors, warnings } = compiler;
  if (unsupported.length > 0 || errors.length > 0) return { ok: false, unsupported, errors, warnings };
  return { ok: true, predicate, warnings };
}

type ValueTest = (value: EcsValue | undefined) => boolean;

class Compiler {
  readonly unsupported: KqlProblem[] = [];
  readonly errors: KqlProblem[] = [];
  readonly warnings: KqlProblem[] = [];
  constructor(private readonly resolve: KqlFieldResolver) {}

  node(node: KqlNode, prefix: string): KqlPredicate {
    switch (node.type) {
      case 'all':
        return () => true;
      case 'and': {
        const children = node.children.map((child) => this.node(child, prefix));
        if (children.length === 2) {
          const [a, b] = children as [KqlPredicate, KqlPredicate];
          return (doc) => a(doc) && b(doc);
        }
        return (doc) => children.every((child) => child(doc));
      }
      case 'or': {
        const children = node.children.map((child) => this.node(child, prefix));
        return (doc) => children.some((child) => child(doc));
      }
      case 'not': {
        const child = this.node(node.child, prefix);
        return (doc) => !child(doc);
      }
      case 'field':
        return this.values(
          node.values,
          prefix + fieldName(node.field),
          isFieldPattern(node.field),
          node.offset,
        );
      case 'range':
        return this.field(prefix + fieldName(node.field), isFieldPattern(node.field), (mapping, name) =>
          this.range(mapping, name, node.operator, node.value, node.offset),
        );
      case 'nested':
        this.warnings.push({
          message: `nested query on "${prefix + fieldName(node.field)}" is evaluated over the flat ECS view: its conditions may be met by different objects of an array`,
          offset: node.offset,
        });
        return this.node(node.query, `${prefix}${fieldName(node.field)}.`);
      case 'text':
        this.unsupported.push({
          message: `free text without a field name ("${describe(node.value)}") searches every field in Kibana; name the field (field: value)`,
          offset: node.offset,
        });
        return () => false;
    }
  }

  private values(expr: KqlValueExpr, name: string, pattern: boolean, offset: number): KqlPredicate {
    // A value list on one named field reads the field once and tests each value on it (a read can be costly:
    // the ECS view maps on demand). Not for patterns: "some key matches a and some key matches b" is not
    // "some key matches a and b".
    if (!pattern && expr.type !== 'value') {
      const mapping = this.resolve(name);
      return this.read(mapping, name, this.valueTest(expr, mapping, name, offset));
    }
    switch (expr.type) {
      case 'value':
        return this.field(name, pattern, (mapping, field) => this.is(mapping, field, expr.value, offset));
      case 'and': {
        const children = expr.children.map((child) => this.values(child, name, pattern, offset));
        return (doc) => children.every((child) => child(doc));
      }
      case 'or': {
        const children = expr.children.map((child) => this.values(child, name, pattern, offset));
        return (doc) => children.some((child) => child(doc));
      }
      case 'not': {
        const child = this.values(expr.child, name, pattern, offset);
        return (doc) => !child(doc);
      }
    }
  }

  /** A value expression as one test on the field's value: and/or/not over each value's test. */
  private valueTest(expr: KqlValueExpr, mapping: KqlFieldMapping, name: string, offset: number): ValueTest {
    switch (expr.type) {
      case 'value':
        return this.is(mapping, name, expr.value, offset);
      case 'and': {
        const children = expr.children.map((child) => this.valueTest(child, mapping, name, offset));
        return (value) => children.every((child) => child(value));
      }
      case 'or': {
        const children = expr.children.map((child) => this.valueTest(child, mapping, name, offset));
        return (value) => children.some((child) => child(value));
      }
      case 'not': {
        const child = this.valueTest(expr.child, mapping, name, offset);
        return (value) => !child(value);
      }
    }
  }

  /** Reads the field (or every field matching a pattern) from the document and applies a value test. */
  private field(
    name: string,
    pattern: boolean,
    build: (mapping: KqlFieldMapping, name: string) => ValueTest,
  ): KqlPredicate {
    if (pattern) {
      const regex = new RegExp(
        `^${name
          .split('*')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        's',
      );
      const tests = new Map<string, ValueTest>();
      return (doc) => {
        for (const key in doc) {
          if (!regex.test(key)) continue;
          let test = tests.get(key);
          if (test === undefined) {
            test = build(this.resolve(key), key);
            tests.set(key, test);
          }
          if (test(doc[key])) return true;
        }
        return false;
      };
    }
    const mapping = this.resolve(name);
    return this.read(mapping, name, build(mapping, name));
  }

  /** Reads one named field from the document (every key below it for an object field) and tests its value. */
  private read(mapping: KqlFieldMapping, name: string, test: ValueTest): KqlPredicate {
    if (mapping.object === true) {
      const below = `${name}.`;
      return (doc) => {
        const collected: EcsScalar[] = [];
        for (const key in doc) {
          if (key !== name && !key.startsWith(below)) continue;
          const value = doc[key];
          if (Array.isArray(value)) collected.push(...(value as EcsScalar[]));
          else if (value !== undefined) collected.push(value as EcsScalar);
        }
        return test(collected);
      };
    }
    const source = mapping.source ?? name;
    return (doc) => test(doc[source]);
  }

  /** `field: value` — Kibana's `is` function, as Elasticsearch runs it on the field's type. */
  private is(mapping: KqlFieldMapping, name: string, value: KqlValue, offset: number): ValueTest {
    const wildcard = value.kind === 'unquoted' && value.parts.length > 1;
    if (wildcard && value.parts.every((part) => part === '')) return this.exists(mapping);
    const text = value.kind === 'quoted' ? value.text : value.parts.join('*');
    switch (mapping.type) {
      case 'keyword': {
        const matcher = wildcard
          ? compileWildcard((value as { parts: readonly string[] }).parts)
          : (s: string) => s === text;
        const limit = mapping.ignoreAbove ?? Infinity;
        return anyElement((element) => {
          const s = keywordOf(element);
          return s !== null && s.length <= limit && matcher(s);
        });
      }
      case 'text': {
        if (wildcard) {
          const matcher = compileWildcard(
            (value as { parts: readonly string[] }).parts.map((part) => part.toLowerCase()),
          );
          return anyElement((element) => typeof element === 'string' && analyzeText(element).some(matcher));
        }
        const wanted = analyzeText(text);
        if (wanted.length === 0) return () => false;
        if (value.kind === 'unquoted') {
          const set = new Set(wanted);
          return anyElement(
            (element) => typeof element === 'string' && analyzeText(element).some((token) => set.has(token)),
          );
        }
        return anyElement(
          (element) => typeof element === 'string' && containsPhrase(analyzeText(element), wanted),
        );
      }
      case 'ip': {
        const ipTest = wildcard ? null : compileIpQuery(text);
        if (ipTest === null) {
          this.errors.push({
            message: `"${name}" is an IP field and "${text}" is neither an IP address nor a CIDR block`,
            offset,
          });
          return () => false;
        }
        return anyElement((element) => {
          if (typeof element !== 'string') return false;
          const ip = parseIp(element);
          return ip !== null && ipTest(ip);
        });
      }
      case 'number': {
        const n = wildcard ? null : parseNumber(text);
        if (n === null) {
          this.errors.push({ message: `"${name}" is a numeric field and "${text}" is not a number`, offset });
          return () => false;
        }
        return anyElement((element) => numberOf(element) === n);
      }
      case 'date': {
        const span = wildcard ? null : this.dateSpan(name, text, offset);
        if (span === null) return () => false;
        return anyElement((element) => {
          const ms = element === null ? null : documentDate(element);
          return ms !== null && ms >= span.from && ms <= span.to;
        });
      }
      case 'boolean': {
        if (wildcard || (text !== 'true' && text !== 'false')) {
          this.errors.push({
            message: `"${name}" is a boolean field and "${text}" is neither true nor false`,
            offset,
          });
          return () => false;
        }
        return anyElement((element) => element === (text === 'true') || element === text);
      }
      case 'dynamic': {
        const matcher = wildcard
          ? compileWildcard((value as { parts: readonly string[] }).parts)
          : (s: string) => s === text;
        const n = wildcard ? null : parseNumber(text);
        return anyElement((element) => {
          if (typeof element === 'string') return matcher(element);
          if (typeof element === 'number') return n !== null && element === n;
          if (typeof element === 'boolean') return !wildcard && text === String(element);
          return false;
        });
      }
      case 'unsupported':
        return this.unsupportedField(mapping, name, offset);
    }
  }

  private exists(mapping: KqlFieldMapping): ValueTest {
    const limit = mapping.type === 'keyword' ? (mapping.ignoreAbove ?? Infinity) : Infinity;
    return anyElement(
      (element) => element !== null && (typeof element !== 'string' || element.length <= limit),
    );
  }

  private range(
    mapping: KqlFieldMapping,
    name: string,
    operator: KqlRangeOperator,
    value: KqlValue,
    offset: number,
  ): ValueTest {
    if (value.kind === 'unquoted' && value.parts.length > 1) {
      this.errors.push({ message: `a range on "${name}" takes one value, not a wildcard`, offset });
      return () => false;
    }
    const text = value.kind === 'quoted' ? value.text : value.parts.join('*');
    const compare = comparator(operator);
    switch (mapping.type) {
      case 'keyword':
      case 'dynamic': {
        const n = mapping.type === 'dynamic' ? parseNumber(text) : null;
        const limit = mapping.ignoreAbove ?? Infinity;
        return anyElement((element) => {
          if (typeof element === 'number') return n !== null && compare(element, n);
          const s = keywordOf(element);
          return s !== null && s.length <= limit && compare(s, text);
        });
      }
      case 'text':
        return anyElement(
          (element) =>
            typeof element === 'string' &&
            analyzeText(element).some((token) => compare(token, text.toLowerCase())),
        );
      case 'number': {
        const n = parseNumber(text);
        if (n === null) {
          this.errors.push({ message: `"${name}" is a numeric field and "${text}" is not a number`, offset });
          return () => false;
        }
        return anyElement((element) => {
          const v = numberOf(element);
          return v !== null && compare(v, n);
        });
      }
      case 'date': {
        const span = this.dateSpan(name, text, offset);
        if (span === null) return () => false;
        // Elasticsearch rounds the bound the way that keeps the named span whole: `> day` means after that day.
        const bound = operator === '>' || operator === '<=' ? span.to : span.from;
        return anyElement((element) => {
          const ms = element === null ? null : documentDate(element);
          return ms !== null && compare(ms, bound);
        });
      }
      case 'ip': {
        const ip = parseIp(text);
        if (ip === null) {
          this.errors.push({
            message: `"${name}" is an IP field and "${text}" is not an IP address`,
            offset,
          });
          return () => false;
        }
        return anyElement((element) => {
          const v = typeof element === 'string' ? parseIp(element) : null;
          return v !== null && compare(v, ip);
        });
      }
      case 'boolean':
        this.errors.push({ message: `a range on the boolean field "${name}" is not meaningful`, offset });
        return () => false;
      case 'unsupported':
        return this.unsupportedField(mapping, name, offset);
    }
  }

  private dateSpan(name: string, text: string, offset: number): { from: number; to: number } | null {
    const span = parseDateSpan(text);
    if (span !== null) return span;
    if (/now|\|\|/.test(text)) {
      this.unsupported.push({
        message: `date math "${text}" on "${name}" is relative to the moment Elasticsearch runs the query; a scan has no such moment`,
        offset,
      });
    } else {
      this.errors.push({
        message: `"${name}" is a date field and "${text}" is not a date (ISO 8601 or epoch milliseconds)`,
        offset,
      });
    }
    return null;
  }

  private unsupportedField(mapping: KqlFieldMapping, name: string, offset: number): ValueTest {
    this.unsupported.push({
      message: `"${name}" is a ${mapping.mappingType ?? 'field'} field; KQL on that type is not evaluated here`,
      offset,
    });
    return () => false;
  }
}

/** Elasticsearch matches an array when any of its elements does. */
function anyElement(test: (element: EcsScalar) => boolean): ValueTest {
  return (value) => {
    if (value === undefined) return false;
    if (!Array.isArray(value)) return test(value as EcsScalar);
    for (const element of value as readonly EcsScalar[]) if (test(element)) return true;
    return false;
  };
}

/** What a keyword field indexes for a JSON value: numbers and booleans as their text. */
function keywordOf(element: EcsScalar): string | null {
  if (typeof element === 'string') return element;
  if (typeof element === 'number' || typeof element === 'boolean') return String(element);
  return null;
}

function numberOf(element: EcsScalar): number | null {
  if (typeof element === 'number') return element;
  if (typeof element === 'string') return parseNumber(element);
  return null;
}

function containsPhrase(tokens: readonly string[], phrase: readonly string[]): boolean {
  outer: for (let i = 0; i + phrase.length <= tokens.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (tokens[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

function comparator(operator: KqlRangeOperator): <T extends string | number | bigint>(a: T, b: T) => boolean {
  switch (operator) {
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    case '>=':
      return (a, b) => a >= b;
  }
}

function describe(value: KqlValue): string {
  const text = value.kind === 'quoted' ? value.text : value.parts.join('*');
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
