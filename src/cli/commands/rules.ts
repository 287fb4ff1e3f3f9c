// `mfaguard rules`: list, validate and test detection rules — built-in YAML, Elastic TOML and Sigma YAML alike.

import {
  describeRulePrefilter,
  estimatePrefilterCost,
  loadBuiltinRules,
  loadRulePaths,
  rulePrefilter,
  runRuleFixtures,
} from '../../detect/index.ts';
import type { PrefilterCost } from '../../detect/index.ts';
import type { RuleLoadResult, RuleMeta } from '../../model/index.ts';
import { UsageError } from '../../model/index.ts';
import { forTerminal, renderIssue } from '../../report/index.ts';
import { parseChoice } from '../args.ts';
import { defineCommand } from '../command.ts';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { CORRELATION_PREFILTER, CORRELATION_RULES, renderRuleDetails, ruleDetails } from './rules-show.ts';

interface ValidationEntry {
  readonly path: string;
  readonly id: string | null;
  readonly name: string | null;
  readonly format: string | null;
  readonly severity: string | null;
  readonly status: 'ok' | 'unsupported' | 'error';
  readonly reason: string | null;
  readonly warnings: readonly string[];
  /** What `scan` searches the bytes for to find the records this rule can fire on; null for rules that did not load. */
  readonly prefilter: string | null;
  /** What the rule costs a scan (see `estimatePrefilterCost`); null for rules that did not load. */
  readonly cost: PrefilterCost | null;
  /** Why that cost, in words. */
  readonly costWhy: string | null;
}

/** The cost of a rule that pins nothing, said wherever such a rule is listed. */
export const UNPINNED_COST =
  'pins no event name, source or field value: while it is loaded, scan parses every record (the --strict speed: slower, see docs/scan.md)';

/** How a rule that pins nothing shows in PREFILTER. */
const NO_NEEDLE = describeRulePrefilter({ kind: 'none' });

function describePrefilter(result: Extract<RuleLoadResult, { status: 'ok' }>): string {
  return describeRulePrefilter(rulePrefilter(result.rule));
}

function describeIssue(issue: { line?: number; column?: number; message: string; hint?: string }): string {
  const where =
    issue.line === undefined
      ? ''
      : `line ${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}: `;
  return `${where}${issue.message}${issue.hint === undefined ? '' : ` (${issue.hint})`}`;
}

export function toValidationEntry(result: RuleLoadResult): ValidationEntry {
  if (result.status === 'ok') {
    const meta = result.rule.meta;
    const pin = rulePrefilter(result.rule);
    const estimate = estimatePrefilterCost(pin);
    return {
      path: result.path,
      id: meta.id,
      name: meta.name,
      format: meta.format,
      severity: meta.severity,
      status: 'ok',
      reason: null,
      warnings: [
        ...result.warnings.map(describeIssue),
        ...(pin.kind === 'none'
          ? [UNPINNED_COST]
          : estimate.cost === 'high'
            ? [`scan cost high: ${estimate.why}`]
            : []),
      ],
      prefilter: describePrefilter(result),
      cost: estimate.cost,
      costWhy: estimate.why,
    };
  }
  return {
    path: result.path,
    id: result.meta.id ?? null,
    name: result.meta.name ?? null,
    format: result.meta.format ?? null,
    severity: result.meta.severity ?? null,
    status: result.status,
    reason: result.status === 'unsupported' ? result.reason : result.issues.map(describeIssue).join('; '),
    warnings: [],
    prefilter: null,
    cost: null,
    costWhy: null,
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.min(60, Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0))),
  );
  const cell = (text: string, column: number): string => {
    const width = widths[column]!;
    const clipped = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    return column === header.length - 1 ? clipped : clipped.padEnd(width);
  };
  return [header, ...rows]
    .map((row) => row.map((text, column) => cell(forTerminal(text), column)).join('  '))
    .join('\n');
}

function load(paths: readonly string[], builtin: boolean): RuleLoadResult[] {
  return [...(builtin ? loadBuiltinRules() : []), ...loadRulePaths(paths)];
}

function write(ctx: CommandContext, text: string): void {
  ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export const RULES_COMMAND: Command = defineCommand({
  name: 'rules',
  usage: '<list|validate|test> [PATH...] [options]',
  description: `  list [PATH...]       built-in rules plus the rules in PATH: id, name, format, severity, status, the
                       prefilter (the event names, sources or field values scan searches the bytes for;
                       "no needle" means every record is parsed while the rule is loaded) and its cost to a
                       scan: low (a few calls' records parsed), medium (a service's, or a frequent call's),
                       high (a value most records hold: most parsed, each may alert), full (every record)
  validate PATH...     one entry per rule file: {path, id, name, format, status: ok|unsupported|error, reason,
                       prefilter, cost, costWhy}; a whole folder is validated and every problem reported
  show ID [PATH...]    one rule in full: description, ATT&CK, false positives, investigation guide,
                       references, prefilter and cost (--format json: the same as one object)
  test [PATH...]       runs each rule's fixtures (records that must fire and must not) and reports each one;
                       fixtures of <dir>/<name>.<ext> live in <dir>/fixtures/<name>/{must-fire,must-not-fire}/*.json

PATH is a rule file or a folder of them (searched recursively): mfaguard's own YAML rules, Elastic
detection-rules TOML, or Sigma YAML with logsource aws/cloudtrail.`,
  examples: [
    'mfaguard rules list',
    'mfaguard rules validate ./my-rules --format json',
    'mfaguard rules show mfaguard-mfa-removal-burst',
    'mfaguard rules test ./my-rules --no-builtin',
  ],
  footer:
    'Exit codes: 0 all good; 1 (test) a fixture failed; 3 (validate, list) some rule files have errors; 2 usage error (show: no rule with that id).',
  declare: (command) =>
    command
      .argument('[action]', 'list, show, validate or test')
      .argument('[PATH...]', 'rule files or folders')
      .option('--format <format>', 'table (default) or json')
      .option('--no-builtin', 'list/show/test: leave out the built-in rules'),
  async action(values, args, ctx) {
    const [action, ...positionals] = args;
    const format = parseChoice('format', values.format, ['table', 'json'] as const, 'table');
    const builtin = values.builtin !== false;
    await Promise.resolve();
    switch (action) {
      case 'list':
        return listRules(ctx, load(positionals, builtin), format, builtin);
      case 'show':
        return showRule(ctx, positionals, builtin, format);
      case 'validate':
        return validateRules(ctx, positionals, format);
      case 'test':
        return testRules(ctx, load(positionals, builtin), format);
      case undefined:
      default:
        throw new UsageError(
          `rules needs an action: list, show, validate or test${action === undefined ? '' : `; got '${action.slice(0, 30)}'`}`,
        );
    }
  },
});

type RulesFormat = 'table' | 'json';

/** `rules list`: every rule loaded, with its status and the prefilter scan builds from it. */
function listRules(
  ctx: CommandContext,
  loaded: readonly RuleLoadResult[],
  format: RulesFormat,
  builtin: boolean,
): number {
  const entries = [
    ...loaded.map(toValidationEntry),
    ...(builtin ? CORRELATION_RULES.map(correlationEntry) : []),
  ];
  if (format === 'json') write(ctx, JSON.stringify(entries, null, 2));
  else {
    write(
      ctx,
      table(
        ['ID', 'NAME', 'FORMAT', 'SEVERITY', 'STATUS', 'COST', 'PREFILTER'],
        entries.map((entry) => [
          entry.id ?? '-',
          entry.name ?? entry.path,
          entry.format ?? '-',
          entry.severity ?? '-',
          entry.status,
          entry.cost ?? '-',
          entry.prefilter ?? '-',
        ]),
      ),
    );
    const counts = countStatuses(entries);
    ctx.stderr.write(
      `${entries.length} rules: ${counts.ok} ok, ${counts.unsupported} unsupported, ${counts.error} with errors\n`,
    );
    const unpinned = entries.filter((entry) => entry.prefilter === NO_NEEDLE);
    if (unpinned.length > 0) {
      ctx.stderr.write(
        `note: ${unpinned.length} rule(s) pin no event name or source nor any field value; while loaded, scan parses every record (the --strict speed): ${unpinned.map((entry) => forTerminal(entry.id ?? entry.path)).join(', ')}\n`,
      );
    }
    const broad = entries.filter((entry) => entry.cost === 'high');
    if (broad.length > 0) {
      ctx.stderr.write(
        `note: ${broad.length} rule(s) pin what most records hold; while loaded, scan parses most records and they may alert on each (cost high):\n${broad.map((entry) => `  ${forTerminal(entry.id ?? entry.path)}: ${forTerminal(entry.costWhy ?? '')}`).join('\n')}\n`,
      );
    }
  }
  return entries.some((entry) => entry.status === 'error') ? EXIT.partial : EXIT.ok;
}

/** A rule raised by correlation, listed with the loaded ones: it has no file, no needle and no scan cost. */
function correlationEntry(meta: RuleMeta): ValidationEntry {
  return {
    path: meta.path,
    id: meta.id,
    name: meta.name,
    format: meta.format,
    severity: meta.severity,
    status: 'ok',
    reason: null,
    warnings: [],
    prefilter: CORRELATION_PREFILTER,
    cost: null,
    costWhy: null,
  };
}

/** `rules show ID [PATH...]`: one rule, built-in, correlation or from PATH, in full. */
function showRule(
  ctx: CommandContext,
  positionals: readonly string[],
  builtin: boolean,
  format: RulesFormat,
): number {
  const [id, ...paths] = positionals;
  if (id === undefined || id === '')
    throw new UsageError('rules show needs a rule ID (see `mfaguard rules list`)');
  const details = ruleDetails(id, load(paths, builtin), builtin);
  write(ctx, format === 'json' ? JSON.stringify(details, null, 2) : renderRuleDetails(details));
  return EXIT.ok;
}

/** `rules validate PATH...`: each rule file ok, unsupported or in error, with why. */
function validateRules(ctx: CommandContext, positionals: readonly string[], format: RulesFormat): number {
  if (positionals.length === 0)
    throw new UsageError('rules validate needs at least one PATH (a rule file or folder)');
  const results = loadRulePaths(positionals);
  const entries = results.map(toValidationEntry);
  if (format === 'json') write(ctx, JSON.stringify(entries, null, 2));
  else {
    for (const entry of entries) {
      const label = entry.status === 'ok' ? 'ok' : entry.status === 'unsupported' ? 'unsupported' : 'error';
      write(
        ctx,
        `${label.padEnd(11)}  ${forTerminal(entry.path)}${entry.reason === null ? '' : `: ${forTerminal(entry.reason)}`}`,
      );
      if (entry.prefilter !== null)
        write(
          ctx,
          `${''.padEnd(11)}  prefilter: ${forTerminal(entry.prefilter)} (scan cost ${entry.cost ?? '-'}: ${forTerminal(entry.costWhy ?? '')})`,
        );
      for (const warning of entry.warnings) write(ctx, `${''.padEnd(11)}  warning: ${forTerminal(warning)}`);
    }
    const counts = countStatuses(entries);
    ctx.stderr.write(
      `${entries.length} rule files: ${counts.ok} ok, ${counts.unsupported} unsupported, ${counts.error} with errors\n`,
    );
  }
  return entries.some((entry) => entry.status === 'error') ? EXIT.partial : EXIT.ok;
}

/** `rules test`: every rule's fixtures (must fire, must not fire) run through the engine. */
function testRules(ctx: CommandContext, loaded: readonly RuleLoadResult[], format: RulesFormat): number {
  const reports = runRuleFixtures(loaded);
  if (format === 'json') write(ctx, JSON.stringify(reports, null, 2));
  else {
    for (const report of reports) {
      write(
        ctx,
        `${report.outcome.padEnd(11)}  ${forTerminal(report.ruleId ?? report.path)}  ${forTerminal(report.ruleName ?? '')}`,
      );
      for (const fixture of report.fixtures) {
        write(
          ctx,
          `  ${fixture.passed ? 'pass' : 'FAIL'}  ${fixture.expect.padEnd(13)}  ${forTerminal(fixture.file)}${fixture.passed ? '' : `: ${forTerminal(fixture.reason)}`}`,
        );
      }
      for (const problem of report.problems)
        write(
          ctx,
          `  ${renderIssue({ level: 'error', code: 'rule', location: report.path, message: problem })}`,
        );
    }
    const failed = reports.filter((report) => report.outcome === 'fail' || report.outcome === 'error').length;
    const fixtures = reports.reduce((sum, report) => sum + report.fixtures.length, 0);
    ctx.stderr.write(
      `${reports.length} rules, ${fixtures} fixtures: ${failed === 0 ? 'all passed' : `${failed} rule(s) failed`}\n`,
    );
  }
  return reports.some((report) => report.outcome === 'fail' || report.outcome === 'error')
    ? EXIT.failOn
    : EXIT.ok;
}

function countStatuses(entries: readonly ValidationEntry[]): Record<ValidationEntry['status'], number> {
  const counts = { ok: 0, unsupported: 0, error: 0 };
  for (const entry of entries) counts[entry.status]++;
  return counts;
}
