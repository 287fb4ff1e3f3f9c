// `mfaguard rules show ID`: one rule in full — what Elastic's rule details page shows (description, false positives,
// investigation guide, ATT&CK, references) plus what it costs a scan. Rule files are user-supplied and may come
// from anywhere, so every text goes through `forTerminal`.

import {
  BURST_RULE,
  describeRulePrefilter,
  estimatePrefilterCost,
  rulePrefilter,
} from '../../detect/index.ts';
import type { RuleLoadResult, RuleMeta } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal } from '../../report/index.ts';

/** What scan searches for, said of a rule raised by correlation rather than by one record. */
export const CORRELATION_PREFILTER = 'correlation: raised from the stored removals, by no record alone';

/** A rule as `rules show` prints it: its metadata, and how scan finds the records it reads. */
export interface RuleDetails extends RuleMeta {
  readonly prefilter: string;
  /** Null for the correlation rule: it reads the removals the other rules found, at no cost of its own. */
  readonly cost: string | null;
  readonly costWhy: string | null;
}

/** The rules raised by correlation, listed beside the loaded ones (they have no file). */
export const CORRELATION_RULES: readonly RuleMeta[] = [BURST_RULE.meta];

export function ruleDetails(id: string, loaded: readonly RuleLoadResult[], builtin: boolean): RuleDetails {
  const found = loaded.find((result) => result.status === 'ok' && result.rule.meta.id === id);
  if (found?.status === 'ok') {
    const pin = rulePrefilter(found.rule);
    const estimate = estimatePrefilterCost(pin);
    return {
      ...found.rule.meta,
      prefilter: describeRulePrefilter(pin),
      cost: estimate.cost,
      costWhy: estimate.why,
    };
  }
  const correlated = builtin ? CORRELATION_RULES.find((meta) => meta.id === id) : undefined;
  if (correlated !== undefined)
    return { ...correlated, prefilter: CORRELATION_PREFILTER, cost: null, costWhy: null };
  const broken = loaded.find((result) => result.status !== 'ok' && result.meta.id === id);
  throw new UsageError(
    broken === undefined
      ? `no rule with id '${id.slice(0, 100)}' (\`mfaguard rules list\` lists the ids; rules in files need their PATH)`
      : `rule '${id.slice(0, 100)}' in ${broken.path} did not load (\`mfaguard rules validate\` says why)`,
  );
}

function section(title: string, body: readonly string[]): string[] {
  return body.length === 0 ? [] : ['', title, ...body.map((line) => `  ${line}`)];
}

/** The text form: a header of fields, then the long texts, each line escaped for the terminal. */
export function renderRuleDetails(rule: RuleDetails): string {
  const text = (value: string): string => forTerminal(value);
  const attack = rule.mitre.map(
    (m) =>
      (m.tactic === null ? '' : `${m.tactic.id} ${m.tactic.name} / `) +
      `${m.technique.id} ${m.technique.name}` +
      (m.subtechnique === null ? '' : ` / ${m.subtechnique.id} ${m.subtechnique.name}`),
  );
  const fields: [string, string][] = [
    ['ID', rule.id],
    ['Name', rule.name],
    ['Format', rule.format],
    ['File', rule.path],
    ['Severity', `${rule.severity} (risk score ${rule.riskScore})`],
    ['Maturity', rule.maturity ?? '-'],
    ['Tags', rule.tags.length === 0 ? '-' : rule.tags.join(', ')],
    ['Prefilter', rule.prefilter],
    ['Scan cost', rule.cost === null ? '-' : `${rule.cost}: ${rule.costWhy ?? ''}`],
  ];
  const lines = [
    ...fields.map(([name, value]) => `${`${name}:`.padEnd(11)}${text(value)}`),
    ...section('Description', rule.description.split('\n').map(text)),
    ...section('ATT&CK', attack.map(text)),
    ...section(
      'False positives',
      rule.falsePositives.map((fp) => `- ${text(fp)}`),
    ),
    ...section('Investigation guide', (rule.investigationGuide ?? '').split('\n').filter(Boolean).map(text)),
    ...section('Investigation fields', rule.investigationFields.map(text)),
    ...section('References', rule.references.map(text)),
  ];
  return `${lines.join('\n')}\n`;
}
