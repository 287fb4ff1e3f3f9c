// Loads one Elastic detection rule (TOML, as elastic/detection-rules writes it) into the engine's one internal rule.

import { TomlError, parse as parseToml } from 'smol-toml';
import { isSeverity, severityFromRiskScore } from '../../../model/index.ts';
import type {
  AggregateRule,
  CloudTrailEvent,
  CompiledRule,
  EcsDocument,
  EventRule,
  EventViews,
  InputIssue,
  MitreMapping,
  MitreRef,
  RuleLoadResult,
  RuleMeta,
} from '../../../model/index.ts';
import { checkMitreMapping } from '../../mitre.ts';
import {
  KqlSyntaxError,
  compileKql,
  lineAndColumn,
  parseKql,
  referencedFields,
  requiredValues,
} from '../../languages/kql/index.ts';
import type { KqlNode, KqlPredicate, KqlProblem } from '../../languages/kql/index.ts';
import { evaluateNewTerms, evaluateThreshold, parseLookback } from './aggregate.ts';
import type { NewTermsSpec, ThresholdSpec } from './aggregate.ts';
import { flattenedRoot, resolveElasticField } from './field-types.ts';
import { kqlValuePins } from './value-pins.ts';

export interface ElasticLoaderOptions {
  /** Field names the ECS view fills (`a.b.*` covers everything below `a.b`); a query naming another one loads with a warning. */
  readonly ecsFields?: Iterable<string>;
  /** The ECS view of a stored event, for threshold and new_terms rules that decide over many events. */
  readonly toEcs?: (event: CloudTrailEvent) => EcsDocument;
}

/** Rule types Elastic has that we do not evaluate, with the reason a user reads. */
const UNSUPPORTED_TYPES: Readonly<Record<string, string>> = {
  eql: 'EQL rules (sequences, joins) are not evaluated; only KQL query, threshold and new_terms rules are',
  esql: 'ES|QL rules run aggregations and pipes inside Elasticsearch; they are not evaluated',
  machine_learning:
    'machine learning rules depend on Elastic ML jobs and their anomaly scores; they cannot run offline',
  threat_match:
    'indicator match rules need threat-intelligence indices to compare against; they are not evaluated',
  saved_query: 'saved_query rules reference a query stored in Kibana, which cannot be resolved offline',
};

type Table = Readonly<Record<string, unknown>>;

export function createElasticLoader(options: ElasticLoaderOptions = {}): {
  readonly id: 'elastic';
  canLoad(path: string, text: string): boolean;
  load(path: string, text: string): RuleLoadResult;
} {
  const known = knownFields(options.ecsFields);
  return {
    id: 'elastic',
    canLoad: (path) => path.toLowerCase().endsWith('.toml'),
    load: (path, text) => {
      try {
        return loadElasticRule(path, text, known, options.toEcs);
      } catch (error) {
        // A bug of ours must not stop the other rules from loading: report it on this file.
        const message = error instanceof Error ? error.message : String(error);
        return {
          status: 'error',
          path,
          meta: { format: 'elastic', path },
          issues: [issue('error', 'internal', path, `internal error while loading: ${message}`)],
        };
      }
    },
  };
}

function loadElasticRule(
  path: string,
  text: string,
  known: KnownFields | null,
  toEcs: ((event: CloudTrailEvent) => EcsDocument) | undefined,
): RuleLoadResult {
  const parsed = parseRuleToml(path, text);
  if (!parsed.ok) return parsed.result;
  const rule = table(parsed.document['rule']);
  if (rule === null) {
    return {
      status: 'error',
      path,
      meta: { format: 'elastic', path },
      issues: [
        issue(
          'error',
          'rule-shape',
          path,
          'no [rule] table: this is not an Elastic detection rule',
          'Elastic rules keep their settings under [rule]',
        ),
      ],
    };
  }
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const field = new FieldReader(rule, path, issues);
  const metadata = table(parsed.document['metadata']);
  const { meta, partial, type } = readRuleMeta({ rule, metadata, field, path, issues, warnings });
  const unsupportedType = checkRuleType(type, path, meta ?? partial, issues);
  if (unsupportedType !== null) return unsupportedType;
  const language = field.string('language', false) ?? 'kuery';
  const queryText = field.string('query', type === 'query' || type === 'threshold' || type === 'new_terms');
  if (issues.length > 0 || meta === null || type === null || queryText === null) {
    return { status: 'error', path, meta: meta ?? partial, issues };
  }
  if (language !== 'kuery') {
    return {
      status: 'unsupported',
      path,
      meta,
      reason:
        language === 'lucene'
          ? 'Lucene query syntax is not evaluated; only KQL (language = "kuery") is'
          : `query language "${language}" is not evaluated; only KQL (language = "kuery") is`,
    };
  }
  const query = compileRuleQuery(path, text, queryText, meta, warnings);
  if (!query.ok) return query.result;
  warnAboutReferences(rule, query.ast, known, path, warnings);
  return buildElasticRule({ rule, path, meta, type, query, toEcs, issues, warnings });
}

function parseRuleToml(
  path: string,
  text: string,
): { ok: true; document: Table } | { ok: false; result: RuleLoadResult } {
  try {
    return { ok: true, document: parseToml(text) };
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      return {
        ok: false,
        result: {
          status: 'error',
          path,
          meta: { format: 'elastic', path },
          issues: [
            {
              ...issue(
                'error',
                'toml-syntax',
                path,
                `not valid TOML: ${reason}`,
                'fix the TOML syntax at the position shown',
              ),
              line: error.line,
              column: error.column,
            },
          ],
        },
      };
    }
    throw error;
  }
}

/** The rule's metadata (null while a required part is missing or wrong, with what is known so far in `partial`). */
function readRuleMeta(input: {
  readonly rule: Table;
  readonly metadata: Table | null;
  readonly field: FieldReader;
  readonly path: string;
  readonly issues: InputIssue[];
  readonly warnings: InputIssue[];
}): { meta: RuleMeta | null; partial: Partial<RuleMeta>; type: string | null } {
  const { rule, metadata, field, path, issues, warnings } = input;
  const id = field.string('rule_id', true);
  const name = field.string('name', true);
  const partial: Partial<RuleMeta> = {
    format: 'elastic',
    path,
    ...(id === null ? {} : { id }),
    ...(name === null ? {} : { name }),
  };
  const type = field.string('type', true);
  const riskScore = field.number('risk_score', true);
  const severityText = field.string('severity', true);
  const description = field.string('description', false) ?? '';
  const mitre = readThreats(rule['threat'], path, issues);

  if (riskScore !== null && (riskScore < 0 || riskScore > 100)) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        `rule.risk_score is ${riskScore}; expected 0 to 100`,
        undefined,
        'rule.risk_score',
      ),
    );
  }
  let severity = severityText !== null && isSeverity(severityText) ? severityText : null;
  if (severityText !== null && severity === null) {
    severity = severityFromRiskScore(riskScore ?? 0);
    warnings.push(
      issue(
        'warning',
        'rule-shape',
        path,
        `rule.severity "${severityText}" is not one of low, medium, high, critical; using ${severity} from the risk score`,
        undefined,
        'rule.severity',
      ),
    );
  }

  const falsePositives = field.strings('false_positives').map((s) => s.trim());
  const investigationGuide = field.string('note', false);
  const references = field.strings('references');
  const tags = field.strings('tags');
  const meta: RuleMeta | null =
    id !== null && name !== null && riskScore !== null && severity !== null
      ? {
          id,
          name,
          description: description.trim(),
          format: 'elastic',
          path,
          severity,
          riskScore,
          mitre,
          falsePositives,
          investigationGuide,
          investigationFields: investigationFields(rule['investigation_fields']),
          references,
          tags,
          maturity:
            metadata !== null && typeof metadata['maturity'] === 'string' ? metadata['maturity'] : null,
        }
      : null;
  return { meta, partial, type };
}

/** An `unsupported` result for a known Elastic type we do not evaluate; an issue for an unknown one. */
function checkRuleType(
  type: string | null,
  path: string,
  meta: RuleMeta | Partial<RuleMeta>,
  issues: InputIssue[],
): RuleLoadResult | null {
  if (type !== null && UNSUPPORTED_TYPES[type] !== undefined && issues.length === 0) {
    return {
      status: 'unsupported',
      path,
      meta,
      reason: `rule type "${type}": ${UNSUPPORTED_TYPES[type]}`,
    };
  }
  if (
    type !== null &&
    type !== 'query' &&
    type !== 'threshold' &&
    type !== 'new_terms' &&
    UNSUPPORTED_TYPES[type] === undefined
  ) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        `rule.type "${type}" is not an Elastic rule type`,
        'use query, threshold, new_terms, eql, esql, machine_learning, threat_match or saved_query',
        'rule.type',
      ),
    );
  }
  return null;
}

interface CompiledQuery {
  readonly ok: true;
  readonly ast: KqlNode;
  readonly predicate: KqlPredicate;
}

/** Parses and compiles the KQL query; its problems point at their line and column in the TOML file. */
function compileRuleQuery(
  path: string,
  text: string,
  queryText: string,
  meta: RuleMeta,
  warnings: InputIssue[],
): CompiledQuery | { ok: false; result: RuleLoadResult } {
  let ast: KqlNode;
  try {
    ast = parseKql(queryText);
  } catch (error) {
    if (!(error instanceof KqlSyntaxError)) throw error;
    const at = queryPosition(text, queryText, error.offset);
    const syntax: InputIssue = {
      ...issue('error', 'kql-syntax', path, `KQL query: ${error.message}`, error.hint, 'rule.query'),
      ...(at === null ? {} : { line: at.line, column: at.column }),
    };
    return { ok: false, result: { status: 'error', path, meta, issues: [syntax] } };
  }
  const compiled = compileKql(ast, { resolveField: resolveElasticField });
  const problemIssue = (level: 'error' | 'warning', code: string, problem: KqlProblem): InputIssue => {
    const at = problem.offset === null ? null : queryPosition(text, queryText, problem.offset);
    return {
      ...issue(level, code, path, problem.message, undefined, 'rule.query'),
      ...(at === null ? {} : { line: at.line, column: at.column }),
    };
  };
  warnings.push(...compiled.warnings.map((problem) => problemIssue('warning', 'kql-approximation', problem)));
  if (compiled.ok) return { ok: true, ast, predicate: compiled.predicate };
  if (compiled.errors.length > 0) {
    const issues = compiled.errors.map((problem) => problemIssue('error', 'kql-invalid', problem));
    return { ok: false, result: { status: 'error', path, meta, issues } };
  }
  return {
    ok: false,
    result: {
      status: 'unsupported',
      path,
      meta,
      reason: compiled.unsupported.map((problem) => problem.message).join('; '),
    },
  };
}

/** Warnings for fields the ECS view does not fill and for Kibana exception lists the rule cannot use offline. */
function warnAboutReferences(
  rule: Table,
  ast: KqlNode,
  known: KnownFields | null,
  path: string,
  warnings: InputIssue[],
): void {
  if (known !== null) {
    for (const name of referencedFields(ast)) {
      if (!known.has(name)) {
        warnings.push(
          issue(
            'warning',
            'unknown-field',
            path,
            `the query uses "${name}", which mfaguard's ECS view does not fill: conditions on it see a missing field`,
            'the rule still loads; expect it to match as if the field were absent',
            'rule.query',
          ),
        );
      }
    }
  }
  const exceptions = rule['exceptions_list'];
  if (Array.isArray(exceptions) && exceptions.length > 0) {
    const ids = exceptions.map(
      (entry) => (table(entry)?.['list_id'] ?? table(entry)?.['id'] ?? '?') as string,
    );
    warnings.push(
      issue(
        'warning',
        'exceptions-list',
        path,
        `the rule refers to Kibana exception lists (${ids.join(', ')}) that cannot be resolved offline; it runs without those exceptions`,
        undefined,
        'rule.exceptions_list',
      ),
    );
  }
}

function buildElasticRule(input: {
  readonly rule: Table;
  readonly path: string;
  readonly meta: RuleMeta;
  readonly type: string;
  readonly query: CompiledQuery;
  readonly toEcs: ((event: CloudTrailEvent) => EcsDocument) | undefined;
  readonly issues: InputIssue[];
  readonly warnings: InputIssue[];
}): RuleLoadResult {
  const { rule, path, meta, type, query, issues, warnings } = input;
  const { ast, predicate } = query;
  const base = {
    meta,
    eventNames: requiredValues(ast, 'event.action'),
    eventSources: requiredValues(ast, 'event.provider'),
    valuePins: kqlValuePins(ast),
  };
  if (type === 'query') {
    const eventRule: EventRule = {
      kind: 'event',
      ...base,
      matches: (views: EventViews) => predicate(views.ecs()),
    };
    return { status: 'ok', path, rule: eventRule, warnings };
  }
  const aggregate =
    type === 'threshold' ? thresholdSpec(rule, path, issues) : newTermsSpec(rule, path, issues);
  if (aggregate === null || issues.length > 0) return { status: 'error', path, meta, issues };
  const compiledRule = aggregateRule(base, predicate, aggregate, input.toEcs);
  if (aggregate.kind === 'new_terms') {
    warnings.push(
      issue(
        'note',
        'new-terms-history',
        path,
        `new_terms uses the scan's own events as history: an event is judged only once ${aggregate.spec.historyText} of matching events precede it`,
      ),
    );
  }
  return { status: 'ok', path, rule: compiledRule, warnings };
}

type AggregateSpec = { kind: 'threshold'; spec: ThresholdSpec } | { kind: 'new_terms'; spec: NewTermsSpec };

function aggregateRule(
  base: Pick<AggregateRule, 'meta' | 'eventNames' | 'eventSources' | 'valuePins'>,
  predicate: KqlPredicate,
  aggregate: AggregateSpec,
  toEcs: ((event: CloudTrailEvent) => EcsDocument) | undefined,
): CompiledRule {
  // Events matched in this process keep their ECS view; events that come back from worker threads are re-viewed.
  const seen = new WeakMap<CloudTrailEvent, EcsDocument>();
  const ecsOf = (event: CloudTrailEvent): EcsDocument => {
    const cached = seen.get(event);
    if (cached !== undefined) return cached;
    if (toEcs === undefined)
      throw new Error(`rule ${base.meta.id} needs the ECS view of stored events and none was given`);
    return toEcs(event);
  };
  return {
    kind: 'aggregate',
    ...base,
    matches: (views: EventViews) => {
      const doc = views.ecs();
      if (!predicate(doc)) return false;
      seen.set(views.event, doc);
      return true;
    },
    evaluate: (events: readonly CloudTrailEvent[]) =>
      aggregate.kind === 'threshold'
        ? evaluateThreshold(aggregate.spec, events, ecsOf)
        : evaluateNewTerms(aggregate.spec, events, ecsOf),
  };
}

function thresholdSpec(rule: Table, path: string, issues: InputIssue[]): AggregateSpec | null {
  const threshold = table(rule['threshold']);
  if (threshold === null) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        'a threshold rule needs a [rule.threshold] table with field and value',
        undefined,
        'rule.threshold',
      ),
    );
    return null;
  }
  const rawFields = threshold['field'];
  const fields =
    typeof rawFields === 'string' ? (rawFields === '' ? [] : [rawFields]) : stringArray(rawFields);
  if (fields === null)
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        'rule.threshold.field must be a field name or a list of them',
        undefined,
        'rule.threshold.field',
      ),
    );
  const value = threshold['value'];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        `rule.threshold.value must be a whole number of at least 1, not ${JSON.stringify(value)}`,
        undefined,
        'rule.threshold.value',
      ),
    );
  }
  const cardinality: { field: string; value: number }[] = [];
  const rawCardinality = threshold['cardinality'];
  if (rawCardinality !== undefined) {
    for (const entry of Array.isArray(rawCardinality) ? rawCardinality : [rawCardinality]) {
      const t = table(entry);
      if (t !== null && typeof t['field'] === 'string' && typeof t['value'] === 'number')
        cardinality.push({ field: t['field'], value: t['value'] });
      else
        issues.push(
          issue(
            'error',
            'rule-shape',
            path,
            'rule.threshold.cardinality entries need a field and a numeric value',
            undefined,
            'rule.threshold.cardinality',
          ),
        );
    }
  }
  const from = typeof rule['from'] === 'string' ? rule['from'] : 'now-6m';
  const windowMs = parseLookback(from);
  if (windowMs === null || windowMs <= 0) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        `rule.from "${from}" is not a look-back such as now-6m`,
        undefined,
        'rule.from',
      ),
    );
  }
  if (fields === null || typeof value !== 'number' || windowMs === null) return null;
  return {
    kind: 'threshold',
    spec: { fields, value, cardinality, windowMs, windowText: from.replace(/^now-/, '') },
  };
}

function newTermsSpec(rule: Table, path: string, issues: InputIssue[]): AggregateSpec | null {
  const newTerms = table(rule['new_terms']);
  const fields = newTerms === null ? null : stringArray(newTerms['value']);
  if (fields === null || fields.length === 0) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        'a new_terms rule needs [rule.new_terms] with value = [field, ...]',
        undefined,
        'rule.new_terms.value',
      ),
    );
    return null;
  }
  const history = newTerms?.['history_window_start'];
  const first = Array.isArray(history) ? table(history[0]) : table(history);
  const start = first !== null && typeof first['value'] === 'string' ? first['value'] : null;
  const historyMs = start === null ? null : parseLookback(start);
  if (historyMs === null) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        `rule.new_terms.history_window_start must be a look-back such as now-7d, not ${JSON.stringify(start)}`,
        undefined,
        'rule.new_terms.history_window_start',
      ),
    );
    return null;
  }
  return { kind: 'new_terms', spec: { fields, historyMs, historyText: start!.replace(/^now-/, '') } };
}

function readThreats(value: unknown, path: string, issues: InputIssue[]): MitreMapping[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push(
      issue(
        'error',
        'rule-shape',
        path,
        '[[rule.threat]] must be an array of tables',
        undefined,
        'rule.threat',
      ),
    );
    return [];
  }
  const mappings: MitreMapping[] = [];
  value.forEach((entry, i) => {
    const threat = table(entry);
    const tactic = ref(threat?.['tactic']);
    const techniques = threat?.['technique'];
    for (const rawTechnique of Array.isArray(techniques) ? techniques : []) {
      const technique = ref(rawTechnique);
      if (technique === null) continue;
      const subs = table(rawTechnique)?.['subtechnique'];
      const subtechniques = Array.isArray(subs) ? subs.map(ref).filter((s): s is MitreRef => s !== null) : [];
      for (const subtechnique of subtechniques.length === 0 ? [null] : subtechniques) {
        const mapping: MitreMapping = { tactic, technique, subtechnique };
        for (const problem of checkMitreMapping(mapping)) {
          issues.push(
            issue(
              'error',
              'mitre',
              path,
              problem,
              'use ids and names from attack.mitre.org',
              `rule.threat[${i}]`,
            ),
          );
        }
        mappings.push(mapping);
      }
    }
  });
  return mappings;
}

function ref(value: unknown): MitreRef | null {
  const t = table(value);
  if (t === null || typeof t['id'] !== 'string' || typeof t['name'] !== 'string') return null;
  return {
    id: t['id'],
    name: t['name'],
    ...(typeof t['reference'] === 'string' ? { reference: t['reference'] } : {}),
  };
}

/** `[rule.investigation_fields] field_names = [...]` (current) or a plain list (older rules). */
function investigationFields(value: unknown): string[] {
  if (Array.isArray(value)) return stringArray(value) ?? [];
  return stringArray(table(value)?.['field_names']) ?? [];
}

type KnownFields = { has(field: string): boolean };

function knownFields(fields: Iterable<string> | undefined): KnownFields | null {
  if (fields === undefined) return null;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const field of fields) {
    if (field.endsWith('.*')) prefixes.push(field.slice(0, -1));
    else exact.add(field);
  }
  const covered = (name: string): boolean =>
    exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
  return {
    has: (name) => {
      if (name.includes('*')) return true;
      if (covered(name)) return true;
      if (name.endsWith('.text') && covered(name.slice(0, -5))) return true;
      // Flattened objects have open-ended keys: knowing the root is enough.
      const root = flattenedRoot(name);
      return root !== null && (covered(root) || [...exact].some((known) => known.startsWith(`${root}.`)));
    },
  };
}

/** Line and column in the TOML file of an offset inside the `query` string (exact for ''' and """ strings without escapes). */
function queryPosition(
  fileText: string,
  queryText: string,
  offset: number,
): { line: number; column: number } | null {
  const m = /^[ \t]*query[ \t]*=[ \t]*('''|"""|'|")(\r?\n)?/m.exec(fileText);
  if (m === null) return null;
  const start = m.index + m[0].length;
  const base = lineAndColumn(fileText, start);
  const inner = lineAndColumn(queryText, Math.min(offset, queryText.length));
  return inner.line === 1
    ? { line: base.line, column: base.column + inner.column - 1 }
    : { line: base.line + inner.line - 1, column: inner.column };
}

class FieldReader {
  constructor(
    private readonly rule: Table,
    private readonly path: string,
    private readonly issues: InputIssue[],
  ) {}

  string(key: string, required: boolean): string | null {
    const value = this.rule[key];
    if (typeof value === 'string' && (value.trim() !== '' || !required)) return value;
    if (value === undefined && !required) return null;
    this.issues.push(
      issue(
        'error',
        'rule-shape',
        this.path,
        value === undefined
          ? `rule.${key} is missing`
          : `rule.${key} must be a non-empty string, not ${shorten(value)}`,
        `set ${key} = "..." under [rule]`,
        `rule.${key}`,
      ),
    );
    return null;
  }

  number(key: string, required: boolean): number | null {
    const value = this.rule[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (value === undefined && !required) return null;
    this.issues.push(
      issue(
        'error',
        'rule-shape',
        this.path,
        value === undefined
          ? `rule.${key} is missing`
          : `rule.${key} must be a number, not ${shorten(value)}`,
        `set ${key} = <number> under [rule]`,
        `rule.${key}`,
      ),
    );
    return null;
  }

  strings(key: string): string[] {
    const value = this.rule[key];
    if (value === undefined) return [];
    const list = stringArray(value);
    if (list === null) {
      this.issues.push(
        issue(
          'error',
          'rule-shape',
          this.path,
          `rule.${key} must be a list of strings, not ${shorten(value)}`,
          undefined,
          `rule.${key}`,
        ),
      );
      return [];
    }
    return list;
  }
}

function table(value: unknown): Table | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
    ? (value as Table)
    : null;
}

function stringArray(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((item): item is string => typeof item === 'string')
    ? value
    : null;
}

function shorten(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function issue(
  level: InputIssue['level'],
  code: string,
  location: string,
  message: string,
  hint?: string,
  path?: string,
): InputIssue {
  return {
    level,
    code,
    location,
    message,
    ...(hint === undefined ? {} : { hint }),
    ...(path === undefined ? {} : { path }),
  };
}
