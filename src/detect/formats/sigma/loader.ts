// Loads one Sigma YAML file into a RuleLoadResult: a detection rule, a correlation with its base rules, or why not.

import type { EventRule, InputIssue, RuleLoadResult, RuleMeta } from '../../../model/index.ts';
import { CORRELATION_TYPES, buildCorrelationRule, parseTimespan } from './correlation.ts';
import type { CorrelationMember, CorrelationType, CountCondition } from './correlation.ts';
import { readMeta } from './metadata.ts';
import { IssueSink, compileDocument } from './rule-compiler.ts';
import type { CompiledDocument } from './rule-compiler.ts';
import { readYaml } from './yaml-source.ts';
import type { SourceDocument } from './yaml-source.ts';

/** Cheap check before parsing: a YAML file with Sigma's top-level `logsource:` and `detection:`, or a correlation. */
export function isSigmaRuleText(path: string, text: string): boolean {
  if (!/\.ya?ml$/i.test(path)) return false;
  const detection = /^detection\s*:/m.test(text) && /^logsource\s*:/m.test(text);
  const correlation = /^correlation\s*:/m.test(text) && /^title\s*:/m.test(text);
  return detection || correlation;
}

/** Never throws: a bug while loading becomes an error result naming the file. */
export function loadSigmaRule(path: string, text: string): RuleLoadResult {
  try {
    return load(path, text);
  } catch (e) {
    return {
      status: 'error',
      path,
      meta: { format: 'sigma', path },
      issues: [
        {
          level: 'error',
          code: 'internal',
          location: path,
          message: `mfaguard failed while loading this rule: ${e instanceof Error ? e.message : String(e)}`,
          hint: 'this is a bug in mfaguard; please report it with the rule file',
        },
      ],
    };
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function load(path: string, text: string): RuleLoadResult {
  const base: Partial<RuleMeta> = { format: 'sigma', path };
  const read = readYaml(text);
  if (!read.ok) {
    return {
      status: 'error',
      path,
      meta: base,
      issues: read.problems.map((p): InputIssue => ({
        level: 'error',
        code: 'yaml-syntax',
        location: path,
        line: p.line,
        column: p.column,
        message: `YAML: ${p.message}`,
        hint: 'check indentation, quoting (quote values containing ": " or starting with * or %) and duplicate keys',
      })),
    };
  }
  const docs = read.documents;
  if (docs.length === 0) {
    return {
      status: 'error',
      path,
      meta: base,
      issues: [
        { level: 'error', code: 'sigma-shape', location: path, message: 'the file holds no YAML document' },
      ],
    };
  }
  const notMap = docs.findIndex((d) => !isMap(d.value));
  if (notMap !== -1) {
    return {
      status: 'error',
      path,
      meta: base,
      issues: [
        {
          level: 'error',
          code: 'sigma-shape',
          location: path,
          index: notMap,
          message: `YAML document ${notMap + 1} is not a map`,
          hint: 'a Sigma rule is a map of title, logsource, detection...',
        },
      ],
    };
  }
  const values = docs.map((d) => d.value as Record<string, unknown>);
  const correlationIndex = values.findIndex((v) => v.correlation !== undefined);
  if (correlationIndex !== -1) return loadCorrelation(path, docs, values, correlationIndex);
  if (values.some((v) => v.action !== undefined)) {
    return {
      status: 'unsupported',
      path,
      meta: { ...base, ...(typeof values[0]?.title === 'string' ? { name: values[0].title } : {}) },
      reason:
        'Sigma v1 rule collections (action: global / reset / repeat) are not supported; split them into single rules',
    };
  }
  if (values.length > 1) {
    return {
      status: 'unsupported',
      path,
      meta: base,
      reason: `the file holds ${values.length} rules; only a correlation rule may come with its base rules in one file`,
    };
  }
  const compiled = compileDocument(values[0] as Record<string, unknown>, docs[0] as SourceDocument, path);
  return finishSingle(path, compiled);
}

function finishSingle(path: string, compiled: CompiledDocument): RuleLoadResult {
  if (compiled.status === 'error')
    return { status: 'error', path, meta: compiled.meta, issues: compiled.issues };
  if (compiled.status === 'unsupported')
    return { status: 'unsupported', path, meta: compiled.meta, reason: compiled.reason };
  if (compiled.aggregation !== null) return legacyAggregation(path, compiled);
  const test = compiled.test;
  const rule: EventRule = {
    kind: 'event',
    meta: compiled.meta,
    eventNames: compiled.pins.eventName,
    eventSources: compiled.pins.eventSource,
    valuePins: compiled.pins.values,
    matches: (views) => test(views.event.raw),
  };
  return { status: 'ok', path, rule, warnings: compiled.warnings };
}

/** Sigma v1's `selection | count([field]) [by group] op N` with `timeframe`: the same machinery as correlations. */
function legacyAggregation(
  path: string,
  compiled: Extract<CompiledDocument, { status: 'ok' }>,
): RuleLoadResult {
  const agg = compiled.aggregation;
  const meta = compiled.meta;
  const partial: Partial<RuleMeta> = {
    id: meta.id,
    name: meta.name,
    format: 'sigma',
    path,
    severity: meta.severity,
  };
  const text = agg?.text ?? '';
  const m =
    /^count\(\s*([\w.]*)\s*\)(?:\s+by\s+([\w.]+(?:\s*,\s*[\w.]+)*))?\s*(>=|<=|==|=|>|<)\s*(\d+)\s*$/i.exec(
      text,
    );
  if (m === null) {
    const op = /^(\w+)/.exec(text)?.[1] ?? text;
    return {
      status: 'unsupported',
      path,
      meta: partial,
      reason: `the v1 aggregation '| ${text}' (${op}) is not supported; only '| count([field]) [by field] <op> N' is, and Sigma v2 replaces these with correlation rules`,
    };
  }
  const timespanMs = parseTimespan(compiled.timeframe);
  if (timespanMs === null) {
    return {
      status: 'unsupported',
      path,
      meta: partial,
      reason: `'| ${text}' needs a detection.timeframe such as 10m to know over which window to count`,
    };
  }
  const n = Number(m[4]);
  const op = m[3] as string;
  const condition: CountCondition =
    op === '>'
      ? { gt: n }
      : op === '>='
        ? { gte: n }
        : op === '<'
          ? { lt: n }
          : op === '<='
            ? { lte: n }
            : { eq: n };
  const field = m[1] === '' || m[1] === undefined ? null : m[1];
  const rule = buildCorrelationRule(meta, {
    type: field === null ? 'event_count' : 'value_count',
    members: [
      {
        ref: meta.id,
        test: compiled.test,
        eventNames: compiled.pins.eventName,
        eventSources: compiled.pins.eventSource,
        aliases: {},
      },
    ],
    groupBy: m[2] === undefined ? [] : m[2].split(',').map((s) => s.trim()),
    timespanMs,
    condition,
    field,
  });
  return { status: 'ok', path, rule, warnings: compiled.warnings };
}

function loadCorrelation(
  path: string,
  docs: readonly SourceDocument[],
  values: readonly Record<string, unknown>[],
  index: number,
): RuleLoadResult {
  const doc = values[index] as Record<string, unknown>;
  const source = docs[index] as SourceDocument;
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
  if (values.filter((v) => v.correlation !== undefined).length > 1) {
    return {
      status: 'unsupported',
      path,
      meta: partial,
      reason: 'chained correlations (several correlation documents in one file) are not supported',
    };
  }
  const corr = doc.correlation;
  if (!isMap(corr)) {
    sink.add('error', 'sigma-correlation', "'correlation' must be a map", ['correlation']);
    return { status: 'error', path, meta: partial, issues: sink.errors };
  }
  const type = corr.type;
  const typeUnsupported = checkCorrelationType(type, sink);
  if (typeUnsupported !== null)
    return { status: 'unsupported', path, meta: partial, reason: typeUnsupported };
  const timespanMs = parseTimespan(corr.timespan ?? corr.timeframe);
  if (timespanMs === null) {
    sink.add(
      'error',
      'sigma-correlation',
      `'correlation.timespan' must be like 30s, 5m, 1h or 1d, got ${JSON.stringify(corr.timespan ?? null)}`,
      ['correlation', corr.timespan === undefined ? 'timeframe' : 'timespan'],
      { hint: 'number + s, m, h or d' },
    );
  }
  const groupBy = readGroupBy(corr['group-by'], sink);
  const { condition, field } = readCountCondition(corr.condition, type, sink);
  const refList = readRuleRefs(corr.rules, sink);
  const aliasesRaw = corr.aliases;
  if (aliasesRaw !== undefined && !isMap(aliasesRaw))
    sink.add('error', 'sigma-correlation', "'aliases' must be a map", ['correlation', 'aliases']);

  const { bases, baseIssues, baseUnsupported } = compileBaseRules(path, docs, values, index);
  if (sink.errors.length > 0 || baseIssues.length > 0) {
    return { status: 'error', path, meta: partial, issues: [...sink.errors, ...baseIssues] };
  }
  if (baseUnsupported.length > 0)
    return { status: 'unsupported', path, meta: partial, reason: baseUnsupported.join('; ') };
  const missing = refList.filter((r) => !bases.has(r));
  if (missing.length > 0) {
    return {
      status: 'unsupported',
      path,
      meta: partial,
      reason: `the correlation refers to ${missing.map((m) => `'${m}'`).join(', ')}, not in this file; mfaguard resolves correlation rules only against base rules in the same file`,
    };
  }
  const aliases = isMap(aliasesRaw) ? aliasesRaw : {};
  const members = correlationMembers(refList, bases, aliases);
  const rule = buildCorrelationRule(meta, {
    type: type as CorrelationType,
    members,
    groupBy,
    timespanMs: timespanMs as number,
    condition: condition,
    field,
  });
  const warnings: InputIssue[] = [...sink.warnings];
  if (corr.generate === true) {
    warnings.push({
      level: 'warning',
      code: 'sigma-generate',
      location: path,
      message: "'generate: true' is ignored: base rules of a correlation do not alert on their own here",
    });
  }
  return { status: 'ok', path, rule, warnings };
}

/** An `unsupported` reason for a known Sigma correlation type we do not evaluate; other problems go to the sink. */
function checkCorrelationType(type: unknown, sink: IssueSink): string | null {
  if (typeof type !== 'string') {
    sink.add('error', 'sigma-correlation', "'correlation.type' is required", ['correlation'], {
      hint: CORRELATION_TYPES.join(', '),
    });
  } else if (!(CORRELATION_TYPES as readonly string[]).includes(type)) {
    if (/^value_(sum|avg|percentile|median)$/.test(type)) {
      return `correlation type '${type}' is not supported (event_count, value_count, temporal, temporal_ordered are)`;
    }
    sink.add('error', 'sigma-correlation', `unknown correlation type '${type}'`, ['correlation', 'type'], {
      hint: CORRELATION_TYPES.join(', '),
    });
  }
  return null;
}

function readGroupBy(groupByRaw: unknown, sink: IssueSink): string[] {
  const groupBy: string[] = [];
  if (typeof groupByRaw === 'string') groupBy.push(groupByRaw);
  else if (Array.isArray(groupByRaw) && groupByRaw.every((g) => typeof g === 'string'))
    groupBy.push(...groupByRaw);
  else if (groupByRaw !== undefined)
    sink.add('error', 'sigma-correlation', "'group-by' must be a list of field names", [
      'correlation',
      'group-by',
    ]);
  return groupBy;
}

function readCountCondition(
  rawCondition: unknown,
  type: unknown,
  sink: IssueSink,
): { condition: Record<string, number>; field: string | null } {
  const condition: Record<string, number> = {};
  let field: string | null = null;
  if (rawCondition !== undefined) {
    if (!isMap(rawCondition)) {
      sink.add('error', 'sigma-correlation', "'correlation.condition' must be a map like { gte: 10 }", [
        'correlation',
        'condition',
      ]);
    } else {
      for (const [k, v] of Object.entries(rawCondition)) {
        if (k === 'field') {
          if (typeof v === 'string') field = v;
          else
            sink.add('error', 'sigma-correlation', "'condition.field' must be a field name", [
              'correlation',
              'condition',
              k,
            ]);
        } else if (
          ['gt', 'gte', 'lt', 'lte', 'eq'].includes(k) &&
          typeof v === 'number' &&
          Number.isFinite(v)
        ) {
          condition[k] = v;
        } else {
          sink.add(
            'error',
            'sigma-correlation',
            `bad condition criterion '${k}: ${JSON.stringify(v)}'`,
            ['correlation', 'condition', k],
            { hint: 'gt, gte, lt, lte or eq with a number' },
          );
        }
      }
    }
  }
  if ((type === 'event_count' || type === 'value_count') && Object.keys(condition).length === 0) {
    sink.add('error', 'sigma-correlation', `a ${type} correlation needs a condition such as { gte: 10 }`, [
      'correlation',
    ]);
  }
  if (type === 'value_count' && field === null) {
    sink.add('error', 'sigma-correlation', "a value_count correlation needs 'condition.field'", [
      'correlation',
      'condition',
    ]);
  }
  return { condition, field };
}

function readRuleRefs(refs: unknown, sink: IssueSink): string[] {
  const refList: string[] =
    typeof refs === 'string'
      ? [refs]
      : Array.isArray(refs) && refs.every((r) => typeof r === 'string')
        ? refs
        : [];
  if (refList.length === 0)
    sink.add(
      'error',
      'sigma-correlation',
      "'correlation.rules' must list the rules (name or id) it correlates",
      ['correlation'],
    );
  return refList;
}

interface BaseRule {
  readonly compiled: CompiledDocument;
  readonly doc: Record<string, unknown>;
}

/** The other documents of the file, compiled as the correlation's base rules, by name and by id. */
function compileBaseRules(
  path: string,
  docs: readonly SourceDocument[],
  values: readonly Record<string, unknown>[],
  index: number,
): { bases: Map<string, BaseRule>; baseIssues: InputIssue[]; baseUnsupported: string[] } {
  const bases = new Map<string, BaseRule>();
  const baseIssues: InputIssue[] = [];
  const baseUnsupported: string[] = [];
  values.forEach((v, i) => {
    if (i === index) return;
    const compiled = compileDocument(v, docs[i] as SourceDocument, path);
    if (compiled.status === 'error') baseIssues.push(...compiled.issues.filter((x) => x.level === 'error'));
    if (compiled.status === 'unsupported')
      baseUnsupported.push(`base rule '${String(v.title)}': ${compiled.reason}`);
    if (compiled.status === 'ok' && compiled.aggregation !== null)
      baseUnsupported.push(`base rule '${String(v.title)}' has a v1 aggregation`);
    for (const key of [v.name, v.id]) if (typeof key === 'string') bases.set(key, { compiled, doc: v });
  });
  return { bases, baseIssues, baseUnsupported };
}

function correlationMembers(
  refList: readonly string[],
  bases: ReadonlyMap<string, BaseRule>,
  aliases: Record<string, unknown>,
): CorrelationMember[] {
  return refList.map((ref) => {
    const base = bases.get(ref);
    const compiled = base?.compiled;
    if (compiled?.status !== 'ok') throw new Error(`base rule ${ref} vanished`);
    const own: Record<string, string> = {};
    for (const [alias, perRule] of Object.entries(aliases)) {
      if (!isMap(perRule)) continue;
      const f = perRule[typeof base?.doc.name === 'string' ? base.doc.name : ref] ?? perRule[ref];
      if (typeof f === 'string') own[alias] = f;
    }
    return {
      ref,
      test: compiled.test,
      eventNames: compiled.pins.eventName,
      eventSources: compiled.pins.eventSource,
      aliases: own,
    };
  });
}
