// mfaguard's own rule format: one YAML file of metadata plus a declarative `match`, checked and compiled once at load.

import { LineCounter, isMap, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type {
  CloudTrailEvent,
  EventRule,
  EventViews,
  InputIssue,
  MitreMapping,
  MitreRef,
  RuleLoadResult,
  RuleMeta,
  Severity,
} from '../../../model/index.ts';
import { SEVERITIES, isSeverity } from '../../../model/index.ts';
import { closestName } from '../../fields.ts';
import { compileMatch, describeValue } from '../../match.ts';
import type { CompiledMatch, DocPath, MatchProblem } from '../../match.ts';
import { checkMitreMapping, mitreTacticUrl, mitreTechniqueUrl } from '../../mitre.ts';
import type { ExplainableRule, SeverityAssessment, SeverityMappedRule } from '../../rule-extras.ts';

/** Top-level keys of a built-in rule file; `true` marks the required ones. */
const RULE_KEYS: Readonly<Record<string, boolean>> = {
  description: true,
  falsePositives: true,
  id: true,
  investigationFields: true,
  investigationGuide: true,
  match: true,
  maturity: false,
  mitre: true,
  name: true,
  references: false,
  riskScore: true,
  severity: true,
  severityMapping: false,
  tags: false,
};

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface SeverityMappingEntry {
  readonly when: CompiledMatch;
  readonly severity: Severity;
  readonly riskScore: number;
  readonly reason: string;
}

/** A compiled built-in rule: an event rule that can also explain a mismatch and map severity per event. */
export class BuiltinRule implements EventRule, ExplainableRule, SeverityMappedRule {
  readonly kind = 'event' as const;
  readonly eventNames: ReadonlySet<string> | null;
  readonly eventSources: ReadonlySet<string> | null;
  readonly meta: RuleMeta;
  readonly #match: CompiledMatch;
  readonly #severityMapping: readonly SeverityMappingEntry[];

  constructor(meta: RuleMeta, match: CompiledMatch, severityMapping: readonly SeverityMappingEntry[]) {
    this.meta = meta;
    this.#match = match;
    this.#severityMapping = severityMapping;
    this.eventNames = match.eventNames;
    this.eventSources = match.eventSources;
  }

  matches(views: EventViews): boolean {
    return this.#match.test(views.event);
  }

  explainMismatch(views: EventViews): string | null {
    return this.#match.explainMismatch(views.event);
  }

  assess(event: CloudTrailEvent): SeverityAssessment | null {
    for (const entry of this.#severityMapping) {
      if (entry.when.test(event))
        return { severity: entry.severity, riskScore: entry.riskScore, reason: entry.reason };
    }
    return null;
  }

  /** The match condition in words. */
  get condition(): string {
    return this.#match.label;
  }
}

/** True for YAML files that look like built-in rules (a top-level `match:`), and not Sigma (`detection:`). */
export function looksLikeBuiltinRule(path: string, text: string): boolean {
  return /\.ya?ml$/i.test(path) && /^match\s*:/m.test(text) && !/^detection\s*:/m.test(text);
}

/**
 * Loads one built-in rule. `displayPath` goes into `meta.path` (relative to the rules root for the
 * shipped rules); `location` is where issues point.
 */
export function loadBuiltinRule(
  location: string,
  text: string,
  displayPath: string = location,
): RuleLoadResult {
  const read = readRuleDocument(location, text);
  if (read.raw === null) {
    return {
      status: 'error',
      path: location,
      meta: { format: 'builtin', path: displayPath },
      issues: read.reader.issues,
    };
  }
  const { reader, raw } = read;
  checkRuleKeys(reader, raw);

  const id = reader.string(raw, 'id');
  if (id !== null && !RULE_ID.test(id)) {
    reader.error(
      ['id'],
      'rule-id',
      `rule id ${JSON.stringify(id)} may hold only letters, digits, '.', '_' and '-'`,
    );
  }
  const name = reader.string(raw, 'name');
  const description = reader.string(raw, 'description');
  const severity = reader.severity(raw.severity, ['severity']);
  const riskScore = reader.riskScore(raw.riskScore, ['riskScore']);
  const mitre = reader.mitre(raw.mitre);
  const falsePositives = reader.stringList(raw, 'falsePositives') ?? [];
  const investigationGuide = reader.string(raw, 'investigationGuide');
  const investigationFields = reader.stringList(raw, 'investigationFields') ?? [];
  const references = reader.stringList(raw, 'references') ?? [];
  const tags = reader.stringList(raw, 'tags') ?? [];
  const maturity = raw.maturity === undefined ? null : reader.string(raw, 'maturity');

  let match: CompiledMatch | null = null;
  if ('match' in raw) {
    const compiled = compileMatch(raw.match, ['match']);
    reader.addMatchProblems(compiled.problems);
    match = compiled.match;
  }
  const severityMapping = reader.severityMapping(raw.severityMapping);

  const partial: Partial<RuleMeta> = {
    format: 'builtin',
    path: displayPath,
    ...(id === null ? {} : { id }),
    ...(name === null ? {} : { name }),
    ...(severity === null ? {} : { severity }),
  };
  if (
    reader.errorCount > 0 ||
    match === null ||
    id === null ||
    name === null ||
    description === null ||
    severity === null ||
    riskScore === null ||
    mitre === null ||
    investigationGuide === null
  ) {
    return { status: 'error', path: location, meta: partial, issues: reader.issues };
  }
  const meta: RuleMeta = {
    id,
    name,
    description: description.trim(),
    format: 'builtin',
    path: displayPath,
    severity,
    riskScore,
    mitre,
    falsePositives: falsePositives.map((s) => s.trim()),
    investigationGuide: investigationGuide.trim(),
    investigationFields,
    references,
    tags,
    maturity,
  };
  return {
    status: 'ok',
    path: location,
    rule: new BuiltinRule(meta, match, severityMapping ?? []),
    warnings: reader.issues,
  };
}

/** The YAML document as one mapping, or null with the issues recorded in the reader. */
function readRuleDocument(
  location: string,
  text: string,
): { reader: RuleReader; raw: Record<string, unknown> | null } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const reader = new RuleReader(location, doc, lineCounter);
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      reader.issues.push({
        level: 'error',
        code: 'rule-yaml',
        location,
        line: pos.line,
        column: pos.col,
        message: `not valid YAML: ${err.message.split('\n')[0] ?? err.code}`,
      });
    }
    return { reader, raw: null };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    reader.error(
      [],
      'rule-shape',
      `a rule file holds one mapping of keys (id, name, match, ...), got ${describeValue(data)}`,
    );
    return { reader, raw: null };
  }
  return { reader, raw: data as Record<string, unknown> };
}

/** Unknown keys (with the nearest known one) and missing required keys. */
function checkRuleKeys(reader: RuleReader, raw: Record<string, unknown>): void {
  for (const key of Object.keys(raw)) {
    if (!(key in RULE_KEYS)) {
      const near = closestName(key.replace(/[_-]/g, ''), Object.keys(RULE_KEYS));
      reader.error(
        [key],
        'unknown-key',
        `unknown key \`${key}\``,
        near === undefined ? `known keys: ${Object.keys(RULE_KEYS).join(', ')}` : `did you mean \`${near}\`?`,
        true,
      );
    }
  }
  for (const [key, required] of Object.entries(RULE_KEYS)) {
    if (required && !(key in raw)) reader.error([], 'missing-key', `required key \`${key}\` is missing`);
  }
}

/** Reads typed values out of the parsed document, recording issues with line and column. */
class RuleReader {
  readonly issues: InputIssue[] = [];
  errorCount = 0;

  constructor(
    private readonly location: string,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  error(path: DocPath, code: string, message: string, hint?: string, onKey = false): null {
    this.errorCount++;
    this.push('error', path, code, message, hint, onKey);
    return null;
  }

  push(
    level: 'error' | 'warning',
    path: DocPath,
    code: string,
    message: string,
    hint: string | undefined,
    onKey: boolean,
  ): void {
    const pos = this.position(path, onKey);
    this.issues.push({
      level,
      code,
      location: this.location,
      ...(pos ?? {}),
      ...(path.length === 0 ? {} : { path: formatPath(path) }),
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  }

  addMatchProblems(problems: readonly MatchProblem[]): void {
    for (const p of problems) {
      if (p.level === 'error') this.errorCount++;
      this.push(p.level, p.path, p.code, p.message, p.hint, p.onKey);
    }
  }

  /** Line and column (1-based) of the node at `path`, or of its key; the nearest known ancestor otherwise. */
  position(path: DocPath, onKey: boolean): { line: number; column: number } | null {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const node = depth === 0 ? this.doc.contents : this.nodeAt(prefix, onKey && depth === path.length);
      const offset = node?.range?.[0];
      if (offset !== undefined) {
        const { line, col } = this.lineCounter.linePos(offset);
        return { line, column: col };
      }
    }
    return null;
  }

  nodeAt(path: DocPath, key: boolean): YamlNode | null {
    let node: unknown = this.doc.contents;
    for (const [i, step] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === step);
        if (pair === undefined) return null;
        node = last && key ? pair.key : pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        node = node.items[step];
      } else {
        return null;
      }
    }
    return (node as YamlNode | null) ?? null;
  }

  string(obj: Record<string, unknown>, key: string, path: DocPath = [key]): string | null {
    const value = obj[key];
    if (value === undefined) return null;
    if (typeof value !== 'string' || value.trim() === '') {
      return this.error(path, 'value-type', `\`${key}\` must be non-empty text, got ${describeValue(value)}`);
    }
    return value;
  }

  stringList(obj: Record<string, unknown>, key: string): string[] | null {
    const value = obj[key];
    if (value === undefined) return null;
    if (!Array.isArray(value))
      return this.error(
        [key],
        'value-type',
        `\`${key}\` must be a list of text, got ${describeValue(value)}`,
      );
    let ok = true;
    for (const [i, item] of value.entries()) {
      if (typeof item !== 'string' || item.trim() === '') {
        ok = false;
        this.error(
          [key, i],
          'value-type',
          `\`${key}\` items must be non-empty text, got ${describeValue(item)}`,
        );
      }
    }
    return ok ? (value as string[]) : null;
  }

  severity(value: unknown, path: DocPath): Severity | null {
    if (value === undefined) return null;
    if (!isSeverity(value))
      return this.error(
        path,
        'value-type',
        `severity must be one of ${SEVERITIES.join(', ')}, got ${describeValue(value)}`,
      );
    return value;
  }

  riskScore(value: unknown, path: DocPath): number | null {
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
      return this.error(
        path,
        'value-type',
        `riskScore must be a whole number from 0 to 100, got ${describeValue(value)}`,
      );
    }
    return value;
  }

  mitre(value: unknown): MitreMapping[] | null {
    if (value === undefined) return null;
    if (!Array.isArray(value) || value.length === 0) {
      return this.error(
        ['mitre'],
        'value-type',
        `\`mitre\` must be a non-empty list of {tactic, technique, subtechnique?}, got ${describeValue(value)}`,
      );
    }
    const out: MitreMapping[] = [];
    for (const [i, entry] of value.entries()) {
      const path = ['mitre', i];
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        this.error(
          path,
          'value-type',
          `expected {tactic, technique, subtechnique?}, got ${describeValue(entry)}`,
        );
        continue;
      }
      const e = entry as Record<string, unknown>;
      for (const key of Object.keys(e)) {
        if (!['tactic', 'technique', 'subtechnique'].includes(key)) {
          this.error(
            [...path, key],
            'unknown-key',
            `unknown key \`${key}\``,
            'keys: tactic, technique, subtechnique',
            true,
          );
        }
      }
      const tactic = this.mitreRef(e.tactic, [...path, 'tactic'], mitreTacticUrl);
      const technique = this.mitreRef(e.technique, [...path, 'technique'], mitreTechniqueUrl);
      const subtechnique =
        e.subtechnique === undefined
          ? null
          : this.mitreRef(e.subtechnique, [...path, 'subtechnique'], mitreTechniqueUrl);
      if (tactic === null || technique === null || (e.subtechnique !== undefined && subtechnique === null))
        continue;
      const mapping: MitreMapping = { tactic, technique, subtechnique };
      for (const problem of checkMitreMapping(mapping)) this.error(path, 'mitre', problem);
      out.push(mapping);
    }
    return out.length === value.length ? out : null;
  }

  mitreRef(value: unknown, path: DocPath, url: (id: string) => string): MitreRef | null {
    if (value === undefined)
      return this.error(path, 'missing-key', `\`${String(path[path.length - 1])}\` is missing`);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.error(path, 'value-type', `expected {id, name}, got ${describeValue(value)}`);
    }
    const ref = value as Record<string, unknown>;
    const id = this.string(ref, 'id', [...path, 'id']);
    const name = this.string(ref, 'name', [...path, 'name']);
    if (ref.id === undefined) this.error(path, 'missing-key', '`id` is missing');
    if (ref.name === undefined) this.error(path, 'missing-key', '`name` is missing');
    if (id === null || name === null) return null;
    return { id, name, reference: url(id) };
  }

  severityMapping(value: unknown): SeverityMappingEntry[] | null {
    if (value === undefined) return null;
    if (!Array.isArray(value) || value.length === 0) {
      return this.error(
        ['severityMapping'],
        'value-type',
        `\`severityMapping\` must be a non-empty list of {when, severity, riskScore, reason}, got ${describeValue(value)}`,
      );
    }
    const out: SeverityMappingEntry[] = [];
    for (const [i, entry] of value.entries()) {
      const path = ['severityMapping', i];
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        this.error(
          path,
          'value-type',
          `expected {when, severity, riskScore, reason}, got ${describeValue(entry)}`,
        );
        continue;
      }
      const e = entry as Record<string, unknown>;
      for (const key of Object.keys(e)) {
        if (!['when', 'severity', 'riskScore', 'reason'].includes(key)) {
          this.error(
            [...path, key],
            'unknown-key',
            `unknown key \`${key}\``,
            'keys: when, severity, riskScore, reason',
            true,
          );
        }
      }
      for (const key of ['when', 'severity', 'riskScore', 'reason']) {
        if (!(key in e)) this.error(path, 'missing-key', `\`${key}\` is missing`);
      }
      const severity = this.severity(e.severity, [...path, 'severity']);
      const riskScore = this.riskScore(e.riskScore, [...path, 'riskScore']);
      const reason = this.string(e, 'reason', [...path, 'reason']);
      let when: CompiledMatch | null = null;
      if (e.when !== undefined) {
        const compiled = compileMatch(e.when, [...path, 'when']);
        this.addMatchProblems(compiled.problems);
        when = compiled.match;
      }
      if (severity !== null && riskScore !== null && reason !== null && when !== null)
        out.push({ when, severity, riskScore, reason });
    }
    return out;
  }
}

function formatPath(path: DocPath): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out === '' ? step : `.${step}`;
  return out;
}
