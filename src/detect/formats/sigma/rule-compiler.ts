// One Sigma detection document (logsource, detection, condition, metadata) compiled into a record test with pins.

import type { InputIssue, RuleMeta } from '../../../model/index.ts';
import { checkReferences, expandPattern, parseCondition } from './condition.ts';
import type { ConditionNode, LegacyAggregation } from './condition.ts';
import { NO_PINS, compileDetection, intersectPins, unionPins } from './detection.ts';
import type { CompiledSelection, DocPath, Pins, RecordTest } from './detection.ts';
import { readMeta } from './metadata.ts';
import type { SourceDocument } from './yaml-source.ts';

export type CompiledDocument =
  | {
      readonly status: 'ok';
      readonly meta: RuleMeta;
      /** The rule's `name` (correlations refer to rules by it). */
      readonly name: string | null;
      readonly test: RecordTest;
      readonly pins: Pins;
      readonly aggregation: LegacyAggregation | null;
      readonly timeframe: unknown;
      readonly warnings: readonly InputIssue[];
    }
  | { readonly status: 'unsupported'; readonly meta: Partial<RuleMeta>; readonly reason: string }
  | { readonly status: 'error'; readonly meta: Partial<RuleMeta>; readonly issues: readonly InputIssue[] };

/** Builds issues that point into the YAML source. */
export class IssueSink {
  readonly errors: InputIssue[] = [];
  readonly warnings: InputIssue[] = [];
  readonly unsupported: string[] = [];
  constructor(
    readonly path: string,
    private readonly source: SourceDocument,
  ) {}

  add(
    level: 'error' | 'warning',
    code: string,
    message: string,
    at: DocPath,
    options: { hint?: string | undefined; atKey?: boolean | undefined; columnOffset?: number } = {},
  ): void {
    const pos =
      options.atKey === true ? this.source.keyAt(at) : (this.source.valueAt(at) ?? this.source.keyAt(at));
    const issue: InputIssue = {
      level,
      code,
      location: this.path,
      ...(pos === null ? {} : { line: pos.line, column: pos.column + (options.columnOffset ?? 0) }),
      path: at.join('.'),
      message,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    };
    (level === 'error' ? this.errors : this.warnings).push(issue);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The logsource this loader evaluates; anything else is reported unsupported. */
export function logsourceProblem(logsource: unknown): string | null {
  if (!isMap(logsource)) return null;
  const product = typeof logsource.product === 'string' ? logsource.product.toLowerCase() : null;
  const service = typeof logsource.service === 'string' ? logsource.service.toLowerCase() : null;
  if (product === 'aws' && service === 'cloudtrail') return null;
  const shown = ['category', 'product', 'service']
    .filter((k) => logsource[k] !== undefined)
    .map((k) => `${k}: ${String(logsource[k] as string)}`)
    .join(', ');
  return `logsource (${shown || 'empty'}) is not product: aws, service: cloudtrail; mfaguard evaluates Sigma over CloudTrail records only`;
}

export function compileDocument(
  doc: Record<string, unknown>,
  source: SourceDocument,
  path: string,
): CompiledDocument {
  const sink = new IssueSink(path, source);
  const { meta, problems } = readMeta(doc, path);
  for (const p of problems) sink.add(p.kind, 'sigma-meta', p.message, [p.field], { hint: p.hint });
  const partial: Partial<RuleMeta> = {
    id: meta.id,
    name: meta.name,
    format: 'sigma',
    path,
    severity: meta.severity,
  };

  if (doc.logsource === undefined) {
    sink.add('error', 'sigma-shape', "a Sigma rule needs 'logsource'", [], {
      hint: 'logsource: { product: aws, service: cloudtrail }',
    });
  } else if (!isMap(doc.logsource)) {
    sink.add('error', 'sigma-shape', "'logsource' must be a map", ['logsource']);
  }
  const detection = doc.detection;
  if (!isMap(detection)) {
    sink.add(
      'error',
      'sigma-shape',
      detection === undefined ? "a Sigma rule needs 'detection'" : "'detection' must be a map",
      detection === undefined ? [] : ['detection'],
    );
    return { status: 'error', meta: partial, issues: [...sink.errors] };
  }
  const compiled = compileDetection(detection);
  for (const p of compiled.problems) {
    if (p.kind === 'unsupported') sink.unsupported.push(p.message);
    else sink.add(p.kind, p.code, p.message, p.at, { hint: p.hint, atKey: p.atKey });
  }

  const names = Object.keys(detection).filter((k) => k !== 'condition' && k !== 'timeframe');
  const conditions = readConditions(detection.condition, sink);
  const { asts, aggregation } = parseConditions(conditions, names, sink);
  if (detection.timeframe !== undefined && aggregation === null) {
    sink.add(
      'warning',
      'sigma-timeframe',
      "'timeframe' without an aggregation has no effect: each event is judged alone",
      ['detection', 'timeframe'],
      {
        hint: 'write a correlation rule (event_count, temporal) to relate events',
      },
    );
  }
  if (sink.errors.length > 0)
    return { status: 'error', meta: partial, issues: [...sink.errors, ...sink.warnings] };
  if (doc.logsource !== undefined) {
    const reason = logsourceProblem(doc.logsource);
    if (reason !== null) return { status: 'unsupported', meta: partial, reason };
  }
  if (sink.unsupported.length > 0) {
    return { status: 'unsupported', meta: partial, reason: [...new Set(sink.unsupported)].join('; ') };
  }
  const selections = compiled.selections;
  const tests = asts.map((a) => compileNode(a, selections, names));
  const pins = unionPins(asts.map((a) => pinsOf(a, selections, names)));
  warnIfNeverFires(pins, sink);
  const status = meta.maturity?.toLowerCase();
  if (status === 'deprecated' || status === 'unsupported') {
    sink.add('warning', 'sigma-status', `the rule's own status is '${status}'`, ['status']);
  }
  const test: RecordTest = tests.length === 1 ? (tests[0] as RecordTest) : (r) => tests.some((t) => t(r));
  return {
    status: 'ok',
    meta,
    name: typeof doc.name === 'string' ? doc.name : null,
    test,
    pins,
    aggregation,
    timeframe: detection.timeframe,
    warnings: sink.warnings,
  };
}

/** The condition texts with where each sits; a missing or malformed condition is reported. */
function readConditions(rawCondition: unknown, sink: IssueSink): { text: string; at: DocPath }[] {
  const conditions: { text: string; at: DocPath }[] = [];
  if (typeof rawCondition === 'string') {
    conditions.push({ text: rawCondition, at: ['detection', 'condition'] });
  } else if (
    Array.isArray(rawCondition) &&
    rawCondition.length > 0 &&
    rawCondition.every((c) => typeof c === 'string')
  ) {
    rawCondition.forEach((c: string, i) => conditions.push({ text: c, at: ['detection', 'condition', i] }));
  } else {
    sink.add(
      'error',
      'sigma-condition',
      rawCondition === undefined
        ? "'detection' needs a 'condition'"
        : "'condition' must be a string or a list of strings",
      rawCondition === undefined ? ['detection'] : ['detection', 'condition'],
      { hint: 'e.g. condition: selection and not filter' },
    );
  }
  return conditions;
}

/** Parses each condition and checks the names it refers to; a v1 aggregation (`| count() ...`) is kept. */
function parseConditions(
  conditions: readonly { text: string; at: DocPath }[],
  names: readonly string[],
  sink: IssueSink,
): { asts: ConditionNode[]; aggregation: LegacyAggregation | null } {
  const asts: ConditionNode[] = [];
  let aggregation: LegacyAggregation | null = null;
  for (const c of conditions) {
    const parsed = parseCondition(c.text);
    if (!parsed.ok) {
      sink.add('error', 'sigma-condition', `condition: ${parsed.error.message}`, c.at, {
        hint: parsed.error.hint,
        columnOffset: parsed.error.offset,
      });
      continue;
    }
    for (const e of checkReferences(parsed.ast, names)) {
      sink.add('error', 'sigma-condition', `condition: ${e.message}`, c.at, {
        hint: e.hint,
        columnOffset: e.offset,
      });
    }
    if (parsed.aggregation !== null) {
      if (conditions.length > 1) {
        sink.unsupported.push('an aggregation (| ...) inside a list of conditions');
      }
      aggregation = parsed.aggregation;
    }
    asts.push(parsed.ast);
  }
  return { asts, aggregation };
}

function warnIfNeverFires(pins: Pins, sink: IssueSink): void {
  for (const [field, set] of [
    ['eventName', pins.eventName],
    ['eventSource', pins.eventSource],
  ] as const) {
    if (set !== null && set.size === 0) {
      sink.add(
        'warning',
        'sigma-never-fires',
        `the condition needs one event to have two different ${field} values: it can never be true`,
        ['detection', 'condition'],
        {
          hint: 'relating several events needs a correlation rule (temporal, event_count)',
        },
      );
    }
  }
}

function selected(
  node: { pattern: string | null },
  selections: ReadonlyMap<string, CompiledSelection>,
  names: readonly string[],
): CompiledSelection[] {
  return expandPattern(node.pattern, names)
    .map((n) => selections.get(n))
    .filter((s): s is CompiledSelection => s !== undefined);
}

/** Condition tree to one closure; the tree is gone after this. */
export function compileNode(
  node: ConditionNode,
  selections: ReadonlyMap<string, CompiledSelection>,
  names: readonly string[],
): RecordTest {
  switch (node.kind) {
    case 'ref': {
      const sel = selections.get(node.name);
      if (sel === undefined) return () => false;
      return sel.test;
    }
    case 'not': {
      const inner = compileNode(node.item, selections, names);
      return (r) => !inner(r);
    }
    case 'and': {
      const items = node.items.map((i) => compileNode(i, selections, names));
      return (r) => items.every((t) => t(r));
    }
    case 'or': {
      const items = node.items.map((i) => compileNode(i, selections, names));
      return (r) => items.some((t) => t(r));
    }
    case 'of': {
      const items = selected(node, selections, names).map((s) => s.test);
      return node.quantifier === 'all' ? (r) => items.every((t) => t(r)) : (r) => items.some((t) => t(r));
    }
  }
}

/**
 * The event names and sources the condition can be true for. Sound by construction: AND narrows,
 * OR widens (and gives up if one side is unconstrained), NOT gives up.
 */
export function pinsOf(
  node: ConditionNode,
  selections: ReadonlyMap<string, CompiledSelection>,
  names: readonly string[],
): Pins {
  switch (node.kind) {
    case 'ref':
      return selections.get(node.name)?.pins ?? NO_PINS;
    case 'not':
      return NO_PINS;
    case 'and':
      return intersectPins(node.items.map((i) => pinsOf(i, selections, names)));
    case 'or':
      return unionPins(node.items.map((i) => pinsOf(i, selections, names)));
    case 'of': {
      const pins = selected(node, selections, names).map((s) => s.pins);
      return node.quantifier === 'all' ? intersectPins(pins) : unionPins(pins);
    }
  }
}
