// Sigma detection sections compiled once into closures over the raw CloudTrail record, with the names they pin.

import type { RawRecord, ValuePin } from '../../../model/index.ts';
import { longestPart, pinsForAll, pinsForAny, regexLiteral, valuePin } from '../../value-pins.ts';
import { compileFieldPath, leafText, scalarTexts } from './field-path.ts';
import type { FieldResolver, Resolved } from './field-path.ts';
import { cidrContains, parseCidr } from './ip-cidr.ts';
import type { CidrRange } from './ip-cidr.ts';
import {
  compileSigmaString,
  hasWildcards,
  literalSigmaString,
  parseSigmaString,
  plainText,
  showSigmaString,
  wrapWildcards,
} from './sigma-string.ts';
import type { SigmaString, StringMatcher } from './sigma-string.ts';

/** A YAML path inside the rule document, for pointing at a line and column. */
export type DocPath = readonly (string | number)[];

export interface DetectionProblem {
  /** `error`: the rule is wrong. `unsupported`: valid Sigma that mfaguard cannot evaluate exactly. `warning`: loads, but look. */
  readonly kind: 'error' | 'unsupported' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly at: DocPath;
  /** Point at the map key rather than its value. */
  readonly atKey?: boolean;
}

export type RecordTest = (record: RawRecord) => boolean;

/** Values an event must have in a field for a test to be true; null when the test does not restrict it. */
export interface Pins {
  readonly eventName: ReadonlySet<string> | null;
  readonly eventSource: ReadonlySet<string> | null;
  /** Field values one of which the test needs (see `ValuePin`); null when none is known. */
  readonly values: readonly ValuePin[] | null;
}

export const NO_PINS: Pins = { eventName: null, eventSource: null, values: null };

export interface CompiledSelection {
  readonly name: string;
  readonly test: RecordTest;
  readonly pins: Pins;
}

export interface CompiledDetection {
  readonly selections: ReadonlyMap<string, CompiledSelection>;
  readonly problems: readonly DetectionProblem[];
}

const STRING_TRANSFORMS = [
  'contains',
  'startswith',
  'endswith',
  'windash',
  'base64',
  'base64offset',
] as const;
const ENCODINGS = ['utf16le', 'utf16be', 'utf16', 'wide'] as const;
const COMPARISONS = ['gt', 'gte', 'lt', 'lte'] as const;
const TIME_PARTS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
const REGEX_FLAGS = { i: 'i', ignorecase: 'i', m: 'm', multiline: 'm', s: 's', dotall: 's' } as const;

type Comparison = (typeof COMPARISONS)[number];
type TimePart = (typeof TIME_PARTS)[number];

/** Every modifier the Sigma v2 modifiers appendix defines, plus pySigma's long names for the regex flags. */
export const KNOWN_MODIFIERS: readonly string[] = [
  'all',
  ...STRING_TRANSFORMS,
  ...ENCODINGS,
  're',
  ...Object.keys(REGEX_FLAGS),
  'cidr',
  'cased',
  'exists',
  'fieldref',
  ...COMPARISONS,
  'neq',
  'expand',
  ...TIME_PARTS,
];

const RESERVED_KEYS = new Set(['condition', 'timeframe']);

/** Compiles every search identifier in `detection`; problems are collected, never thrown. */
export function compileDetection(detection: Record<string, unknown>): CompiledDetection {
  const problems: DetectionProblem[] = [];
  const selections = new Map<string, CompiledSelection>();
  for (const [name, body] of Object.entries(detection)) {
    if (RESERVED_KEYS.has(name)) continue;
    const compiled = compileSearch(name, body, ['detection', name], problems);
    if (compiled !== null) selections.set(name, compiled);
  }
  return { selections, problems };
}

function compileSearch(
  name: string,
  body: unknown,
  at: DocPath,
  problems: DetectionProblem[],
): CompiledSelection | null {
  if (isMap(body)) {
    const r = compileMap(body, at, problems);
    return r === null ? null : { name, ...r };
  }
  if (Array.isArray(body)) {
    if (body.length === 0) {
      problems.push({ kind: 'error', code: 'sigma-detection', message: `'${name}' is an empty list`, at });
      return null;
    }
    const parts: { test: RecordTest; pins: Pins }[] = [];
    const keywords: unknown[] = [];
    let failed = false;
    body.forEach((item, i) => {
      if (isMap(item)) {
        const r = compileMap(item, [...at, i], problems);
        if (r === null) failed = true;
        else parts.push(r);
      } else if (Array.isArray(item)) {
        problems.push({
          kind: 'error',
          code: 'sigma-detection',
          message: `'${name}' item ${i + 1} is a nested list`,
          hint: 'a search identifier is a map (AND of fields), a list of maps (OR) or a list of keywords',
          at: [...at, i],
        });
        failed = true;
      } else {
        keywords.push(item);
      }
    });
    if (keywords.length > 0) {
      const kw = compileItem('', [], keywords, at, problems, true);
      if (kw === null) failed = true;
      else parts.push({ test: kw.test, pins: NO_PINS });
    }
    if (failed) return null;
    return { name, test: anyOf(parts.map((p) => p.test)), pins: unionPins(parts.map((p) => p.pins)) };
  }
  if (body === null || typeof body === 'object') {
    problems.push({
      kind: 'error',
      code: 'sigma-detection',
      message: `'${name}' must be a map, a list of maps or a list of keywords`,
      at,
    });
    return null;
  }
  const kw = compileItem('', [], [body], at, problems, true);
  return kw === null ? null : { name, test: kw.test, pins: NO_PINS };
}

function compileMap(
  map: Record<string, unknown>,
  at: DocPath,
  problems: DetectionProblem[],
): { test: RecordTest; pins: Pins } | null {
  const entries = Object.entries(map);
  if (entries.length === 0) {
    problems.push({ kind: 'error', code: 'sigma-detection', message: 'empty map in detection', at });
    return null;
  }
  const tests: RecordTest[] = [];
  let eventName: ReadonlySet<string> | null = null;
  let eventSource: ReadonlySet<string> | null = null;
  const values: (readonly ValuePin[] | null)[] = [];
  let failed = false;
  for (const [key, value] of entries) {
    const [field = '', ...mods] = key.split('|');
    const item = compileItem(field, mods, value, [...at, key], problems, field === '');
    if (item === null) {
      failed = true;
      continue;
    }
    tests.push(item.test);
    if (item.pin !== null && field === 'eventName') eventName = intersect(eventName, item.pin);
    if (item.pin !== null && field === 'eventSource') eventSource = intersect(eventSource, item.pin);
    values.push(itemValuePins(field, mods, value));
  }
  if (failed) return null;
  return { test: allOf(tests), pins: { eventName, eventSource, values: pinsForAll(values) } };
}

/** Modifiers under which a match still contains the value's literal text (case aside): the rest pin nothing. */
const PINNABLE_MODIFIERS = new Set([
  'all',
  'cased',
  'contains',
  'startswith',
  'endswith',
  're',
  ...Object.keys(REGEX_FLAGS),
]);

/**
 * The value pin of one `field|mods: values` item: the longest literal run of each value (a regex's required
 * literal under `re`), any of them, or the longest one under `all`. Null for keywords, other modifiers, values that
 * are not strings and values without a literal run: those items leave the records unnarrowed.
 */
function itemValuePins(
  field: string,
  mods: readonly string[],
  rawValue: unknown,
): readonly ValuePin[] | null {
  if (field === '' || mods.some((m) => !PINNABLE_MODIFIERS.has(m))) return null;
  const fragments: string[] = [];
  for (const value of Array.isArray(rawValue) ? (rawValue as unknown[]) : [rawValue]) {
    if (typeof value !== 'string') return null;
    const literal = mods.includes('re')
      ? regexLiteral(value)
      : longestPart(parseSigmaString(value).filter((part): part is string => typeof part === 'string'));
    if (literal !== null) fragments.push(literal);
    else if (!mods.includes('all')) return null;
  }
  const chosen = mods.includes('all') ? longestPart(fragments) : null;
  const pin = valuePin(field, chosen === null ? fragments : [chosen]);
  return pin === null ? null : [pin];
}

interface CompiledItem {
  readonly test: RecordTest;
  /** Exact values the field must take for the item to be true (plain, unmodified strings only). */
  readonly pin: ReadonlySet<string> | null;
}

/** What every part of one item's compilation needs: the item itself, and how to report on it. */
interface ItemContext {
  readonly field: string;
  readonly mods: readonly string[];
  readonly values: readonly unknown[];
  readonly at: DocPath;
  readonly problems: DetectionProblem[];
  readonly keyword: boolean;
  readonly label: string;
  readonly all: boolean;
  readonly neq: boolean;
  readonly cased: boolean;
  readonly resolve: FieldResolver;
  has(this: void, m: string): boolean;
  fail(this: void, code: string, message: string, hint?: string, atKey?: boolean): null;
  unsupported(this: void, message: string): null;
  /** Null after reporting when `what` is combined with one of `others`; undefined when it is not. */
  conflict(this: void, what: string, others: readonly string[]): null | undefined;
  /** The value tests joined as the item's modifiers say (any, all, or none under `neq`). */
  combine(this: void, tests: ((res: Resolved) => boolean)[]): RecordTest;
}

type ValueTest = (res: Resolved) => boolean;

/** One `field|mods: values` item (or a keyword list); problems are pushed, and null means it cannot be used. */
function compileItem(
  field: string,
  mods: readonly string[],
  rawValue: unknown,
  at: DocPath,
  problems: DetectionProblem[],
  keyword: boolean,
): CompiledItem | null {
  const errorsBefore = problems.length;
  const values = Array.isArray(rawValue) ? (rawValue as unknown[]) : [rawValue];
  const ctx = itemContext(field, mods, values, at, problems, keyword);
  if (!checkItemShape(ctx)) return null;
  if (ctx.has('expand')) {
    const placeholder = values.find((v) => typeof v === 'string' && /%[^%]+%/.test(v));
    return ctx.unsupported(
      `${ctx.label} uses |expand with placeholder ${typeof placeholder === 'string' ? placeholder : '(none)'}: ` +
        'placeholders are filled by a processing pipeline, and mfaguard has no value for them',
    );
  }
  if (keyword) {
    for (const m of ['re', 'cidr', 'exists', 'fieldref', 'neq', ...COMPARISONS, ...TIME_PARTS]) {
      if (ctx.has(m))
        return ctx.fail('sigma-modifier', `modifier '${m}' needs a field name`, 'write field|' + m);
    }
  }
  if (ctx.has('exists')) return compileExists(ctx);
  const regexFlags = mods.filter((m) => m in REGEX_FLAGS);
  if (regexFlags.length > 0 && !ctx.has('re')) {
    return ctx.fail('sigma-modifier', `regex flag '${regexFlags[0]}' needs the 're' modifier before it`);
  }
  if (ctx.has('fieldref')) return compileFieldref(ctx);
  if (ctx.has('re')) return compileRegex(ctx, regexFlags);
  if (ctx.has('cidr')) return compileCidr(ctx);
  const comparison = mods.find((m): m is Comparison => (COMPARISONS as readonly string[]).includes(m));
  const timePart = mods.find((m): m is TimePart => (TIME_PARTS as readonly string[]).includes(m));
  if (comparison !== undefined || timePart !== undefined) return compileComparison(ctx, comparison, timePart);
  return compileStringMatch(ctx, errorsBefore);
}

function itemContext(
  field: string,
  mods: readonly string[],
  values: readonly unknown[],
  at: DocPath,
  problems: DetectionProblem[],
  keyword: boolean,
): ItemContext {
  const has = (m: string): boolean => mods.includes(m);
  const fail = (code: string, message: string, hint?: string, atKey = true): null => {
    problems.push({ kind: 'error', code, message, ...(hint === undefined ? {} : { hint }), at, atKey });
    return null;
  };
  const all = has('all');
  const neq = has('neq');
  const resolve: FieldResolver = keyword ? keywordResolver : compileFieldPath(field);
  const combine = (tests: ValueTest[]): RecordTest => {
    if (neq) {
      // "different from the values": present, and equal to none of them.
      return (r) => {
        const res = resolve(r);
        return res.values.some((v) => v !== null) && !tests.some((t) => t(res));
      };
    }
    if (tests.length === 1) {
      const t = tests[0] as ValueTest;
      return (r) => t(resolve(r));
    }
    return all ? (r) => tests.every((t) => t(resolve(r))) : (r) => tests.some((t) => t(resolve(r)));
  };
  return {
    field,
    mods,
    values,
    at,
    problems,
    keyword,
    label: keyword ? 'keyword' : `'${field}'`,
    all,
    neq,
    cased: has('cased'),
    resolve,
    has,
    fail,
    unsupported: (message) => {
      problems.push({ kind: 'unsupported', code: 'sigma-unsupported', message, at, atKey: true });
      return null;
    },
    conflict: (what, others) => {
      const bad = others.filter((m) => has(m));
      return bad.length > 0
        ? fail('sigma-modifier', `'${what}' cannot be combined with ${bad.map((b) => `'${b}'`).join(', ')}`)
        : undefined;
    },
    combine,
  };
}

/** Known modifiers, a non-empty list of scalar values; warns about `all` over one value. False after a failure. */
function checkItemShape(ctx: ItemContext): boolean {
  const { label, values } = ctx;
  for (const m of ctx.mods) {
    if (!KNOWN_MODIFIERS.includes(m)) {
      ctx.fail(
        'sigma-modifier',
        `unknown modifier '${m}' on ${label}`,
        `known modifiers: ${KNOWN_MODIFIERS.join(', ')}`,
      );
      return false;
    }
  }
  if (values.length === 0) {
    ctx.fail('sigma-value', `${label} has an empty list of values`, undefined, false);
    return false;
  }
  for (const v of values) {
    if (v !== null && typeof v === 'object') {
      ctx.fail(
        'sigma-value',
        `${label} has a nested ${Array.isArray(v) ? 'list' : 'map'} as a value`,
        'values are strings, numbers, booleans or null',
        false,
      );
      return false;
    }
  }
  if (ctx.all && values.length === 1) {
    ctx.problems.push({
      kind: 'warning',
      code: 'sigma-all-single',
      message: `'all' on ${label} with a single value changes nothing`,
      hint: 'the spec allows |all only with a list of values',
      at: ctx.at,
      atKey: true,
    });
  }
  return true;
}

/** exists: a presence check and nothing else. */
function compileExists(ctx: ItemContext): CompiledItem | null {
  if (ctx.mods.length !== 1)
    return ctx.fail('sigma-modifier', `'exists' cannot be combined with other modifiers`);
  const want = ctx.values[0];
  if (ctx.values.length !== 1 || typeof want !== 'boolean') {
    return ctx.fail(
      'sigma-value',
      `${ctx.label}|exists takes true or false`,
      'e.g. field|exists: true',
      false,
    );
  }
  const { resolve } = ctx;
  return { test: (r) => resolve(r).present === want, pin: null };
}

function compileFieldref(ctx: ItemContext): CompiledItem | null {
  const { has, cased, resolve } = ctx;
  if (
    ctx.conflict('fieldref', [
      're',
      'cidr',
      'base64',
      'base64offset',
      'windash',
      ...ENCODINGS,
      ...COMPARISONS,
      ...TIME_PARTS,
    ])
  )
    return null;
  const refs: FieldResolver[] = [];
  for (const v of ctx.values) {
    if (typeof v !== 'string' || v === '')
      return ctx.fail('sigma-value', `${ctx.label}|fieldref takes field names`, undefined, false);
    refs.push(compileFieldPath(v));
  }
  const mode = has('contains')
    ? 'contains'
    : has('startswith')
      ? 'startswith'
      : has('endswith')
        ? 'endswith'
        : 'equals';
  const fold = cased ? (s: string) => s : (s: string) => s.toLowerCase();
  const tests = refs.map((ref) => {
    return (res: Resolved, r: RawRecord): boolean => {
      const others = ref(r)
        .values.map(leafText)
        .filter((t): t is string => t !== null)
        .map(fold);
      if (others.length === 0) return false;
      return res.values.some((v) => {
        const text = leafText(v);
        if (text === null) return false;
        const mine = fold(text);
        return others.some((o) =>
          mode === 'equals'
            ? mine === o
            : mode === 'contains'
              ? mine.includes(o)
              : mode === 'startswith'
                ? mine.startsWith(o)
                : mine.endsWith(o),
        );
      });
    };
  });
  if (ctx.neq) {
    return {
      test: (r) => {
        const res = resolve(r);
        return res.values.some((v) => v !== null) && !tests.some((t) => t(res, r));
      },
      pin: null,
    };
  }
  return {
    test: ctx.all ? (r) => tests.every((t) => t(resolve(r), r)) : (r) => tests.some((t) => t(resolve(r), r)),
    pin: null,
  };
}

function compileRegex(ctx: ItemContext, regexFlags: readonly string[]): CompiledItem | null {
  const { mods, label } = ctx;
  if (
    ctx.conflict('re', [...STRING_TRANSFORMS, ...ENCODINGS, 'cidr', 'cased', ...COMPARISONS, ...TIME_PARTS])
  )
    return null;
  const reIndex = mods.indexOf('re');
  if (regexFlags.some((f) => mods.indexOf(f) < reIndex)) {
    return ctx.fail('sigma-modifier', `regex flags go after 're' (e.g. |re|i)`);
  }
  let flags = [...new Set(regexFlags.map((f) => REGEX_FLAGS[f as keyof typeof REGEX_FLAGS]))].join('');
  const tests: ValueTest[] = [];
  for (const v of ctx.values) {
    if (typeof v !== 'string')
      return ctx.fail('sigma-value', `${label}|re takes regular expressions as strings`, undefined, false);
    // PCRE's leading inline flags (`(?i)`) are common in rules; JavaScript wants them as flags.
    let source = v;
    const inline = /^\(\?([ims]+)\)/.exec(source);
    if (inline?.[1] !== undefined) {
      flags = [...new Set([...flags, ...inline[1]])].join('');
      source = source.slice(inline[0].length);
    }
    let re: RegExp;
    try {
      re = new RegExp(simplifySearchPattern(source), flags);
    } catch (e) {
      return ctx.fail(
        'sigma-regex',
        `${label}|re: invalid regular expression ${JSON.stringify(v)}: ${(e as Error).message}`,
        'Sigma regular expressions are PCRE with ., ^, $, *, +, ?, {n,m}, [...], (...) and |',
        false,
      );
    }
    tests.push((res) =>
      res.values.some((x) => {
        const t = leafText(x);
        return t !== null && re.test(t);
      }),
    );
  }
  return { test: ctx.combine(tests), pin: null };
}

function compileCidr(ctx: ItemContext): CompiledItem | null {
  if (ctx.conflict('cidr', [...STRING_TRANSFORMS, ...ENCODINGS, 'cased', ...COMPARISONS, ...TIME_PARTS]))
    return null;
  const ranges: CidrRange[] = [];
  for (const v of ctx.values) {
    const range = typeof v === 'string' ? parseCidr(v.trim()) : null;
    if (range === null) {
      return ctx.fail(
        'sigma-cidr',
        `${ctx.label}|cidr: ${JSON.stringify(v)} is not a CIDR range`,
        'e.g. 10.0.0.0/8 or 2001:db8::/32',
        false,
      );
    }
    ranges.push(range);
  }
  const tests = ranges.map(
    (range) => (res: Resolved) => res.values.some((x) => typeof x === 'string' && cidrContains(range, x)),
  );
  return { test: ctx.combine(tests), pin: null };
}

function compileComparison(
  ctx: ItemContext,
  comparison: Comparison | undefined,
  timePart: TimePart | undefined,
): CompiledItem | null {
  if (ctx.conflict(comparison ?? timePart ?? '', [...STRING_TRANSFORMS, ...ENCODINGS, 'cased'])) return null;
  if (ctx.mods.filter((m) => (COMPARISONS as readonly string[]).includes(m)).length > 1) {
    return ctx.fail(
      'sigma-modifier',
      `only one of gt, gte, lt, lte per field`,
      'use two fields in one selection for a range',
    );
  }
  const numbers: number[] = [];
  for (const v of ctx.values) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) {
      return ctx.fail(
        'sigma-value',
        `${ctx.label}|${comparison ?? timePart}: ${JSON.stringify(v)} is not a number`,
        undefined,
        false,
      );
    }
    numbers.push(n);
  }
  const extract = timePart === undefined ? numericLeaf : (x: unknown) => timeLeaf(x, timePart);
  const cmp = comparison ?? 'eq';
  const tests = numbers.map(
    (n) => (res: Resolved) =>
      res.values.some((x) => {
        const got = extract(x);
        return got !== null && compareNumbers(got, cmp, n);
      }),
  );
  return { test: ctx.combine(tests), pin: null };
}

/** String matching with the transformation pipeline, applied in the order written. */
function compileStringMatch(ctx: ItemContext, errorsBefore: number): CompiledItem | null {
  const { mods, label, values, problems } = ctx;
  const encodingMods = mods.filter((m) => (ENCODINGS as readonly string[]).includes(m));
  if (encodingMods.length > 0) {
    const enc = mods.indexOf(encodingMods[0] as string);
    const b64 = mods.findIndex((m, i) => i > enc && (m === 'base64' || m === 'base64offset'));
    if (b64 === -1) {
      return ctx.unsupported(
        `${label}|${encodingMods[0]} without a following base64 modifier matches UTF-16 bytes, which CloudTrail's JSON text never holds`,
      );
    }
  }
  const stringMods = mods.filter((m) => (STRING_TRANSFORMS as readonly string[]).includes(m));
  const tests: ValueTest[] = [];
  let pin: Set<string> | null = !ctx.keyword && mods.every((m) => m === 'cased') ? new Set() : null;
  let nullAllowed = true;
  for (const v of values) {
    if (v === null) {
      if (stringMods.length > 0 || ctx.neq) {
        return ctx.fail(
          'sigma-value',
          `${label}: null cannot be used with ${mods.join('|')}`,
          'null means: field absent or null',
          false,
        );
      }
      // null: the field is absent or holds null.
      tests.push((res) => res.values.every((x) => x === null));
      pin = null;
      continue;
    }
    nullAllowed = false;
    warnIfLooksLikeField(ctx, v);
    let variants = transformValue(ctx, v);
    if (variants === null) return null;
    if (ctx.keyword) variants = variants.map((s) => wrapWildcards(s, true, true));
    if (pin !== null) {
      const only = variants[0];
      if (variants.length === 1 && only !== undefined && !hasWildcards(only)) pin.add(plainText(only));
      else pin = null;
    }
    tests.push(stringTest(variants, ctx.cased));
  }
  if (nullAllowed && ctx.all) {
    return ctx.fail('sigma-modifier', `${label}|all with only null values`, undefined, true);
  }
  if (problems.length > errorsBefore && problems.slice(errorsBefore).some((p) => p.kind !== 'warning'))
    return null;
  // `all` over several values can never pin more than one name usefully; keep the index honest.
  if (ctx.all && values.length > 1) pin = null;
  return { test: ctx.combine(tests), pin };
}

function warnIfLooksLikeField(ctx: ItemContext, v: unknown): void {
  if (
    typeof v === 'string' &&
    /^(userIdentity|requestParameters|responseElements|additionalEventData)\.[A-Za-z0-9_.]+$/.test(v)
  ) {
    ctx.problems.push({
      kind: 'warning',
      code: 'sigma-value-looks-like-field',
      message: `${ctx.label} compares with the literal text '${v}', which looks like a field name`,
      hint: `to compare two fields, write ${ctx.field}|fieldref: ${v}`,
      at: ctx.at,
      atKey: true,
    });
  }
}

/** The patterns one non-null value stands for after the item's string modifiers; null after reporting. */
function transformValue(ctx: ItemContext, v: unknown): SigmaString[] | null {
  let variants: SigmaString[] = [
    typeof v === 'string' ? parseSigmaString(v) : literalSigmaString(leafText(v) ?? ''),
  ];
  let encoding: BufferEncoding | 'utf16be' | 'utf16' = 'utf8';
  for (const m of ctx.mods) {
    switch (m) {
      case 'contains':
        variants = variants.map((s) => wrapWildcards(s, true, true));
        break;
      case 'startswith':
        variants = variants.map((s) => wrapWildcards(s, false, true));
        break;
      case 'endswith':
        variants = variants.map((s) => wrapWildcards(s, true, false));
        break;
      case 'windash': {
        const expanded = variants.flatMap(windashVariants);
        if (expanded.length > 4096)
          return ctx.unsupported(`${ctx.label}|windash expands to ${expanded.length} variants`);
        variants = expanded;
        break;
      }
      case 'utf16le':
      case 'wide':
        encoding = 'utf16le';
        break;
      case 'utf16be':
        encoding = 'utf16be';
        break;
      case 'utf16':
        encoding = 'utf16';
        break;
      case 'base64':
      case 'base64offset': {
        if (variants.some(hasWildcards)) {
          return ctx.fail(
            'sigma-value',
            `${ctx.label}|${m}: the value has wildcards, which cannot be base64-encoded`,
            `put contains/startswith/endswith after ${m}, and escape literal * and ? as \\* and \\?`,
            false,
          );
        }
        variants = variants.flatMap((s) => {
          const bytes = encodeText(plainText(s), encoding);
          return (m === 'base64' ? [bytes.toString('base64')] : base64OffsetVariants(bytes)).map(
            literalSigmaString,
          );
        });
        break;
      }
      default:
        break;
    }
  }
  return variants;
}

function stringTest(variants: readonly SigmaString[], cased: boolean): ValueTest {
  const matchers: StringMatcher[] = variants.map((s) => compileSigmaString(s, cased));
  const one =
    matchers.length === 1 ? (matchers[0] as StringMatcher) : (t: string) => matchers.some((mm) => mm(t));
  return (res) =>
    res.values.some((x) => {
      const t = leafText(x);
      return t !== null && one(t);
    });
}

const keywordResolver: FieldResolver = (record) => ({ present: true, values: scalarTexts(record) });

function numericLeaf(x: unknown): number | null {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && x.trim() !== '') {
    const n = Number(x);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** The time modifiers read ISO-8601 text in UTC, as CloudTrail writes it. */
function timeLeaf(x: unknown, part: TimePart): number | null {
  if (typeof x !== 'string') return null;
  const ms = Date.parse(x);
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    case 'week':
      return isoWeek(d);
  }
}

function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
}

function compareNumbers(got: number, cmp: Comparison | 'eq', want: number): boolean {
  switch (cmp) {
    case 'gt':
      return got > want;
    case 'gte':
      return got >= want;
    case 'lt':
      return got < want;
    case 'lte':
      return got <= want;
    case 'eq':
      return got === want;
  }
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/** Every combination of the five dash characters at each dash position, as the spec's windash says. */
function windashVariants(value: SigmaString): SigmaString[] {
  let out: SigmaPart[][] = [[]];
  for (const part of value) {
    if (typeof part !== 'string') {
      out = out.map((o) => [...o, part]);
      continue;
    }
    let texts = [''];
    for (const c of part) {
      texts = DASHES.includes(c) ? texts.flatMap((t) => DASHES.map((d) => t + d)) : texts.map((t) => t + c);
      if (texts.length > 4096) break;
    }
    out = out.flatMap((o) => texts.map((t) => [...o, t]));
    if (out.length > 4096) break;
  }
  return out;
}
type SigmaPart = SigmaString[number];

function encodeText(text: string, encoding: BufferEncoding | 'utf16be' | 'utf16'): Buffer {
  if (encoding === 'utf16be') return Buffer.from(text, 'utf16le').swap16();
  if (encoding === 'utf16') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return Buffer.from(text, encoding);
}

/** The three stable middles of a value's base64 at byte offsets 0, 1 and 2 inside a longer text. */
export function base64OffsetVariants(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = [0, 2, 3][shift] as number;
    const trim = [0, 3, 2][(bytes.length + shift) % 3] as number;
    out.push(encoded.slice(start, encoded.length - trim));
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function allOf(tests: readonly RecordTest[]): RecordTest {
  if (tests.length === 1) return tests[0] as RecordTest;
  return (r) => tests.every((t) => t(r));
}

function anyOf(tests: readonly RecordTest[]): RecordTest {
  if (tests.length === 1) return tests[0] as RecordTest;
  return (r) => tests.some((t) => t(r));
}

export function intersect(
  a: ReadonlySet<string> | null,
  b: ReadonlySet<string> | null,
): ReadonlySet<string> | null {
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a].filter((x) => b.has(x)));
}

export function union(
  a: ReadonlySet<string> | null,
  b: ReadonlySet<string> | null,
): ReadonlySet<string> | null {
  if (a === null || b === null) return null;
  return new Set([...a, ...b]);
}

export function unionPins(list: readonly Pins[]): Pins {
  const [first, ...rest] = list;
  if (first === undefined) return NO_PINS;
  return rest.reduce(
    (acc, p) => ({
      eventName: union(acc.eventName, p.eventName),
      eventSource: union(acc.eventSource, p.eventSource),
      values: pinsForAny([acc.values, p.values]),
    }),
    first,
  );
}

export function intersectPins(list: readonly Pins[]): Pins {
  return list.reduce(
    (acc, p) => ({
      eventName: intersect(acc.eventName, p.eventName),
      eventSource: intersect(acc.eventSource, p.eventSource),
      values: pinsForAll([acc.values, p.values]),
    }),
    NO_PINS,
  );
}

/** For warnings and summaries. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? showSigmaString(parseSigmaString(value)) : String(value);
}

/**
 * Sigma's `re` is a search, not a full match, so a leading or trailing `.*` / `.+` changes nothing but the cost:
 * `.+:assumed-role/aws:.+` makes the engine backtrack over the whole string from every start position. As a
 * search, `.+X` matches exactly where `.X` does, and `X.*` exactly where `X` does; the pattern is rewritten so.
 * Only an unescaped dot followed by a plain `*` or `+` (and an optional lazy `?`) at either end is touched.
 */
export function simplifySearchPattern(source: string): string {
  let pattern = source;
  const head = /^\.([*+])\??(?![*+?{])/.exec(pattern);
  if (head !== null) pattern = (head[1] === '+' ? '.' : '') + pattern.slice(head[0].length);
  const tail = /\.([*+])\??$/.exec(pattern);
  if (tail !== null) {
    let backslashes = 0;
    for (let i = tail.index - 1; i >= 0 && pattern[i] === '\\'; i--) backslashes++;
    const quantifiedBefore =
      tail.index > 0 && /[*+?}]/.test(pattern[tail.index - 1] ?? '') && backslashes === 0;
    if (backslashes % 2 === 0 && !quantifiedBefore) {
      pattern = pattern.slice(0, tail.index) + (tail[1] === '+' ? '.' : '');
    }
  }
  return pattern;
}
