// The built-in rules' `match` language: validated once at load, compiled to a plain predicate, able to say why it did not match.

import type { CloudTrailEvent } from '../model/index.ts';
import { EVENT_FIELDS, RAW_PREFIX, rawGetter, suggestField } from './fields.ts';
import type { FieldSpec } from './fields.ts';

/** Where in the rule document a problem sits, e.g. `['match', 'all', 2, 'outcome']`. */
export type DocPath = readonly (string | number)[];

export interface MatchProblem {
  readonly level: 'error' | 'warning';
  readonly code: string;
  readonly path: DocPath;
  /** The problem is the mapping key at `path` (an unknown field or operator), not its value. */
  readonly onKey: boolean;
  readonly message: string;
  readonly hint?: string;
}

export interface CompiledMatch {
  test(event: CloudTrailEvent): boolean;
  /** Null when the event matches; otherwise the first reason it does not, naming the condition's place. */
  explainMismatch(event: CloudTrailEvent): string | null;
  /** The whole condition in words. */
  readonly label: string;
  /** Event names the match requires (one of), or null when it does not pin any. */
  readonly eventNames: ReadonlySet<string> | null;
  readonly eventSources: ReadonlySet<string> | null;
}

export const MATCH_OPERATORS = [
  'contains',
  'endsWith',
  'equals',
  'exists',
  'ignoreCase',
  'in',
  'regex',
  'startsWith',
] as const;
type Operator = (typeof MATCH_OPERATORS)[number];

const LOGIC_KEYS = ['all', 'any', 'not'] as const;

type Scalar = string | number | boolean | null;

interface Pins {
  readonly names: ReadonlySet<string> | null;
  readonly sources: ReadonlySet<string> | null;
}

interface Node {
  readonly label: string;
  readonly where: string;
  readonly pins: Pins;
  test(event: CloudTrailEvent): boolean;
  explain(event: CloudTrailEvent): string | null;
}

/** Compiles a `match` value (plain data from YAML) found at `base` in the rule document. */
export function compileMatch(
  value: unknown,
  base: DocPath,
): { readonly match: CompiledMatch | null; readonly problems: readonly MatchProblem[] } {
  const compiler = new MatchCompiler();
  const node = compiler.node(value, base);
  if (node !== null && compiler.errorCount === 0) {
    if (node.pins.names !== null && node.pins.names.size === 0) {
      compiler.error(
        base,
        false,
        'never-matches',
        'the match can never be true: it requires two different event names',
      );
    }
    if (node.pins.sources !== null && node.pins.sources.size === 0) {
      compiler.error(
        base,
        false,
        'never-matches',
        'the match can never be true: it requires two different event sources',
      );
    }
  }
  if (node === null || compiler.errorCount > 0) return { match: null, problems: compiler.problems };
  return {
    match: {
      test: (event) => node.test(event),
      explainMismatch: (event) => node.explain(event),
      label: node.label,
      eventNames: node.pins.names,
      eventSources: node.pins.sources,
    },
    problems: compiler.problems,
  };
}

class MatchCompiler {
  readonly problems: MatchProblem[] = [];
  errorCount = 0;

  error(path: DocPath, onKey: boolean, code: string, message: string, hint?: string): null {
    this.errorCount++;
    this.problems.push({
      level: 'error',
      code,
      path,
      onKey,
      message,
      ...(hint === undefined ? {} : { hint }),
    });
    return null;
  }

  warn(path: DocPath, code: string, message: string, hint?: string): void {
    this.problems.push({
      level: 'warning',
      code,
      path,
      onKey: false,
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  }

  node(value: unknown, path: DocPath): Node | null {
    if (!isPlainObject(value)) {
      return this.error(
        path,
        false,
        'match-shape',
        `expected a mapping of conditions (all / any / not / <field>: <value>), got ${describeValue(value)}`,
      );
    }
    const keys = Object.keys(value);
    if (keys.length === 0)
      return this.error(path, false, 'match-empty', 'a condition mapping must not be empty');
    const parts: Node[] = [];
    for (const key of keys) {
      const child = this.entry(key, value[key], [...path, key]);
      if (child !== null) parts.push(child);
    }
    if (parts.length !== keys.length) return null;
    return parts.length === 1 ? (parts[0] ?? null) : allNode(parts, where(path));
  }

  entry(key: string, value: unknown, path: DocPath): Node | null {
    if (key === 'all' || key === 'any') {
      if (!Array.isArray(value) || value.length === 0) {
        return this.error(
          path,
          false,
          'match-shape',
          `\`${key}\` takes a non-empty list of conditions, got ${describeValue(value)}`,
        );
      }
      const children = value.map((item, i) => this.node(item, [...path, i]));
      if (children.some((c) => c === null)) return null;
      const nodes = children as Node[];
      return key === 'all' ? allNode(nodes, where(path)) : anyNode(nodes, where(path));
    }
    if (key === 'not') {
      const child = this.node(value, path);
      return child === null ? null : notNode(child, where(path));
    }
    return this.field(key, value, path);
  }

  field(name: string, value: unknown, path: DocPath): Node | null {
    const target = this.fieldTarget(name, path);
    if (target === null) return null;
    const { spec, get } = target;
    const ops = this.operators(value, path);
    if (ops === null) return null;
    const before = this.errorCount;
    const tests: ((v: unknown) => boolean)[] = [];
    const labels: string[] = [];
    const ignoreCase = ops.ignoreCase === true;
    if (ops.ignoreCase !== undefined && spec?.kind === 'boolean') {
      this.error(
        [...path, 'ignoreCase'],
        true,
        'operator-type',
        `\`ignoreCase\` applies to text; \`${name}\` is true/false`,
      );
    }
    let names: Set<string> | null = null;
    for (const op of MATCH_OPERATORS) {
      const arg = ops[op];
      if (arg === undefined || op === 'ignoreCase') continue;
      const opPath = ops.implicit ? path : [...path, op];
      const condition = this.operatorCondition({ name, spec, op, arg, opPath, ignoreCase });
      if (condition === null) continue;
      tests.push(condition.test);
      labels.push(condition.label);
      if (condition.names !== undefined) names = condition.names;
    }
    if (this.errorCount > before) return null;
    if (tests.length === 0) {
      return this.error(
        path,
        false,
        'match-shape',
        `\`${name}\` has no condition: give a value, a list, or an operator such as equals`,
      );
    }
    const label = labels.join(' and ');
    const test =
      tests.length === 1 ? (tests[0] as (v: unknown) => boolean) : (v: unknown) => tests.every((t) => t(v));
    const place = where(path);
    const pins: Pins = {
      names: name === 'name' ? names : null,
      sources: name === 'source' ? names : null,
    };
    return {
      label,
      where: place,
      pins,
      test: (event) => test(get(event)),
      explain: (event) => {
        const actual = get(event);
        return test(actual) ? null : `${place}: expected ${label}, but ${name} is ${show(actual)}`;
      },
    };
  }

  /** How to read the named field from an event (a known field or a `raw.` path); null after reporting. */
  fieldTarget(
    name: string,
    path: DocPath,
  ): { spec: FieldSpec | null; get: (event: CloudTrailEvent) => unknown } | null {
    if (name.startsWith(RAW_PREFIX)) {
      const rest = name.slice(RAW_PREFIX.length);
      if (rest === '' || rest.split('.').some((s) => s === '')) {
        return this.error(
          path,
          true,
          'unknown-field',
          `\`${name}\` is not a valid raw path`,
          'write raw.<key>.<key>, e.g. raw.requestParameters.serialNumber',
        );
      }
      return { spec: null, get: rawGetter(name) };
    }
    const spec = EVENT_FIELDS[name] ?? null;
    if (spec === null) {
      const suggestion = suggestField(name);
      return this.error(
        path,
        true,
        'unknown-field',
        `unknown field or keyword \`${name}\``,
        (suggestion === null ? '' : `did you mean \`${suggestion}\`? `) +
          `Known: all, any, not, ${Object.keys(EVENT_FIELDS).join(', ')}, or raw.<path> for any record path`,
      );
    }
    return { spec, get: spec.get };
  }

  /**
   * One operator's test and label; null after reporting. `names` is set when the operator pins the exact event
   * names or sources (case-sensitive equals/in on `name` or `source`).
   */
  operatorCondition(o: {
    readonly name: string;
    readonly spec: FieldSpec | null;
    readonly op: Exclude<Operator, 'ignoreCase'>;
    readonly arg: unknown;
    readonly opPath: DocPath;
    readonly ignoreCase: boolean;
  }): { test: (v: unknown) => boolean; label: string; names?: Set<string> } | null {
    const { name, spec, op, arg, opPath, ignoreCase } = o;
    switch (op) {
      case 'equals':
      case 'in': {
        const list = op === 'in' ? this.scalarList(arg, opPath) : this.scalar(arg, opPath);
        if (list === null) return null;
        for (const [i, item] of list.entries())
          this.checkValue(spec, name, item, op === 'in' ? [...opPath, i] : opPath, ignoreCase);
        const wanted = ignoreCase ? list.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : list;
        const label =
          list.length === 1
            ? `${name} ${ignoreCase ? 'equals (any case)' : 'is'} ${show(list[0])}`
            : `${name} is one of ${list.map(show).join(', ')}`;
        const pinsNames =
          (name === 'name' || name === 'source') && !ignoreCase && list.every((v) => typeof v === 'string');
        return {
          test: equalsAny(wanted, ignoreCase),
          label,
          ...(pinsNames ? { names: new Set(list.filter((v): v is string => typeof v === 'string')) } : {}),
        };
      }
      case 'exists': {
        if (typeof arg !== 'boolean') {
          return this.error(
            opPath,
            false,
            'operator-type',
            `\`exists\` takes true or false, got ${describeValue(arg)}`,
          );
        }
        return {
          test: (v) => (v !== null && v !== undefined) === arg,
          label: arg ? `${name} is present` : `${name} is absent`,
        };
      }
      case 'contains':
      case 'endsWith':
      case 'startsWith': {
        if (spec !== null && spec.kind !== 'string') {
          return this.error(
            opPath,
            true,
            'operator-type',
            `\`${op}\` applies to text; \`${name}\` is true/false`,
          );
        }
        const list = this.stringList(arg, opPath, op);
        if (list === null) return null;
        const needles = ignoreCase ? list.map((s) => s.toLowerCase()) : list;
        return {
          test: textTest(op, needles, ignoreCase),
          label: `${name} ${op === 'contains' ? 'contains' : op === 'endsWith' ? 'ends with' : 'starts with'} ${needles.map(show).join(' or ')}`,
        };
      }
      case 'regex':
        return this.regexCondition(name, spec, arg, opPath, ignoreCase);
      default: {
        const unreachable: never = op;
        throw new Error(`unhandled operator ${String(unreachable)}`);
      }
    }
  }

  regexCondition(
    name: string,
    spec: FieldSpec | null,
    arg: unknown,
    opPath: DocPath,
    ignoreCase: boolean,
  ): { test: (v: unknown) => boolean; label: string } | null {
    if (spec !== null && spec.kind !== 'string') {
      return this.error(
        opPath,
        true,
        'operator-type',
        `\`regex\` applies to text; \`${name}\` is true/false`,
      );
    }
    if (typeof arg !== 'string' || arg === '') {
      return this.error(
        opPath,
        false,
        'operator-type',
        `\`regex\` takes a non-empty string, got ${describeValue(arg)}`,
      );
    }
    let re: RegExp;
    try {
      re = new RegExp(arg, ignoreCase ? 'iu' : 'u');
    } catch (err) {
      return this.error(
        opPath,
        false,
        'bad-regex',
        `invalid regular expression ${show(arg)}: ${(err as Error).message}`,
      );
    }
    return {
      test: (v) =>
        Array.isArray(v)
          ? v.some((x) => typeof x === 'string' && re.test(x))
          : typeof v === 'string' && re.test(v),
      label: `${name} matches /${arg}/${ignoreCase ? 'i' : ''}`,
    };
  }

  /** Normalises the three spellings of a field condition into one operator mapping. */
  operators(
    value: unknown,
    path: DocPath,
  ): (Partial<Record<Operator, unknown>> & { implicit: boolean }) | null {
    if (isPlainObject(value)) {
      const out: Partial<Record<Operator, unknown>> & { implicit: boolean } = { implicit: false };
      let ok = true;
      for (const [key, arg] of Object.entries(value)) {
        if (!(MATCH_OPERATORS as readonly string[]).includes(key)) {
          ok = false;
          this.error(
            [...path, key],
            true,
            'unknown-operator',
            `unknown operator \`${key}\``,
            `operators: ${MATCH_OPERATORS.join(', ')}${(LOGIC_KEYS as readonly string[]).includes(key) ? `; \`${key}\` combines conditions and belongs one level up` : ''}`,
          );
          continue;
        }
        out[key as Operator] = arg;
      }
      if (!ok) return null;
      if (Object.keys(value).length === 0) {
        return this.error(path, false, 'match-empty', 'an operator mapping must not be empty');
      }
      if (out.ignoreCase !== undefined && typeof out.ignoreCase !== 'boolean') {
        return this.error(
          [...path, 'ignoreCase'],
          false,
          'operator-type',
          `\`ignoreCase\` takes true or false, got ${describeValue(out.ignoreCase)}`,
        );
      }
      return out;
    }
    if (Array.isArray(value)) return { in: value, implicit: true };
    return { equals: value, implicit: true };
  }

  scalar(value: unknown, path: DocPath): Scalar[] | null {
    if (isScalar(value)) return [value];
    return this.error(
      path,
      false,
      'value-type',
      `expected a single value (text, true/false or null), got ${describeValue(value)}`,
    );
  }

  scalarList(value: unknown, path: DocPath): Scalar[] | null {
    if (!Array.isArray(value) || value.length === 0) {
      return this.error(
        path,
        false,
        'value-type',
        `expected a non-empty list of values, got ${describeValue(value)}`,
      );
    }
    let ok = true;
    for (const [i, item] of value.entries()) {
      if (!isScalar(item)) {
        ok = false;
        this.error(
          [...path, i],
          false,
          'value-type',
          `list items must be single values, got ${describeValue(item)}`,
        );
      }
    }
    return ok ? (value as Scalar[]) : null;
  }

  stringList(value: unknown, path: DocPath, op: string): string[] | null {
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || !list.every((s): s is string => typeof s === 'string' && s !== '')) {
      return this.error(
        path,
        false,
        'operator-type',
        `\`${op}\` takes non-empty text or a list of it, got ${describeValue(value)}`,
      );
    }
    return list;
  }

  /** Checks one comparison value against the field's type and allowed values. */
  checkValue(spec: FieldSpec | null, name: string, value: Scalar, path: DocPath, ignoreCase: boolean): void {
    if (value === null || spec === null) return;
    if (spec.kind === 'boolean') {
      if (typeof value !== 'boolean') {
        this.error(
          path,
          false,
          'value-type',
          `\`${name}\` is true/false, got ${describeValue(value)}`,
          typeof value === 'string' ? 'write true or false without quotes' : undefined,
        );
      }
      return;
    }
    if (typeof value !== 'string') {
      this.error(
        path,
        false,
        'value-type',
        `\`${name}\` is text, got ${describeValue(value)}`,
        'quote the value (account ids and numbers in YAML lose leading zeros otherwise)',
      );
      return;
    }
    const compare = (list: readonly string[]): boolean =>
      ignoreCase ? list.some((v) => v.toLowerCase() === value.toLowerCase()) : list.includes(value);
    if (spec.values !== undefined && !compare(spec.values)) {
      this.error(
        path,
        false,
        'value-unknown',
        `\`${name}\` is never ${show(value)}`,
        `it is one of: ${spec.values.join(', ')}`,
      );
    } else if (spec.knownValues !== undefined && !compare(spec.knownValues)) {
      this.warn(
        path,
        'value-unknown',
        `${show(value)} is not a known \`${name}\` value`,
        `known: ${spec.knownValues.join(', ')}`,
      );
    }
  }
}

function allNode(children: readonly Node[], place: string): Node {
  return {
    label: children.map((c) => wrap(c.label)).join(' and '),
    where: place,
    pins: {
      names: intersectPins(children.map((c) => c.pins.names)),
      sources: intersectPins(children.map((c) => c.pins.sources)),
    },
    test: (event) => {
      for (const child of children) if (!child.test(event)) return false;
      return true;
    },
    explain: (event) => {
      for (const child of children) {
        const why = child.explain(event);
        if (why !== null) return why;
      }
      return null;
    },
  };
}

function anyNode(children: readonly Node[], place: string): Node {
  return {
    label: children.map((c) => wrap(c.label)).join(' or '),
    where: place,
    pins: {
      names: unionPins(children.map((c) => c.pins.names)),
      sources: unionPins(children.map((c) => c.pins.sources)),
    },
    test: (event) => {
      for (const child of children) if (child.test(event)) return true;
      return false;
    },
    explain: (event) => {
      const reasons: string[] = [];
      for (const child of children) {
        const why = child.explain(event);
        if (why === null) return null;
        reasons.push(why);
      }
      return `${place}: none of the ${children.length} alternatives matched (${reasons.join('; ')})`;
    },
  };
}

function notNode(child: Node, place: string): Node {
  return {
    label: `not ${wrap(child.label)}`,
    where: place,
    pins: { names: null, sources: null },
    test: (event) => !child.test(event),
    explain: (event) =>
      child.test(event) ? `${place}: expected not ${wrap(child.label)}, but it holds` : null,
  };
}

function intersectPins(sets: readonly (ReadonlySet<string> | null)[]): ReadonlySet<string> | null {
  let out: Set<string> | null = null;
  for (const set of sets) {
    if (set === null) continue;
    if (out === null) {
      out = new Set<string>(set);
      continue;
    }
    const next = new Set<string>();
    for (const v of out) if (set.has(v)) next.add(v);
    out = next;
  }
  return out;
}

function unionPins(sets: readonly (ReadonlySet<string> | null)[]): ReadonlySet<string> | null {
  const out = new Set<string>();
  for (const set of sets) {
    if (set === null) return null;
    for (const v of set) out.add(v);
  }
  return out;
}

function equalsAny(wanted: readonly Scalar[], ignoreCase: boolean): (v: unknown) => boolean {
  const one = (v: unknown): boolean => {
    if (v === undefined) v = null;
    if (ignoreCase && typeof v === 'string') v = v.toLowerCase();
    return wanted.includes(v as Scalar);
  };
  return (v) => (Array.isArray(v) ? v.some(one) : one(v));
}

function textTest(
  op: 'contains' | 'endsWith' | 'startsWith',
  needles: readonly string[],
  ignoreCase: boolean,
): (v: unknown) => boolean {
  const one = (v: unknown): boolean => {
    if (typeof v !== 'string') return false;
    const hay = ignoreCase ? v.toLowerCase() : v;
    for (const needle of needles) {
      if (
        op === 'contains'
          ? hay.includes(needle)
          : op === 'startsWith'
            ? hay.startsWith(needle)
            : hay.endsWith(needle)
      )
        return true;
    }
    return false;
  };
  return (v) => (Array.isArray(v) ? v.some(one) : one(v));
}

function where(path: DocPath): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out === '' ? step : `.${step}`;
  return out;
}

function wrap(label: string): string {
  return / (and|or) /.test(label) ? `(${label})` : label;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number'
  );
}

/** A value in words for messages, shortened. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list (${shorten(JSON.stringify(value))})`;
  if (typeof value === 'object') return `a mapping (${shorten(JSON.stringify(value))})`;
  return `${typeof value} ${shorten(JSON.stringify(value))}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'absent';
  const json: string | undefined = JSON.stringify(value);
  return shorten(json ?? typeof value);
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
