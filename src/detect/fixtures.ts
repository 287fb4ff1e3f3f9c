// Runs each rule against its fixtures (records that must fire, records that must not) for `mfaguard rules test` and the collection test.

import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { createEventViews, normalizeRecord } from '../ingest/index.ts';
import type { CloudTrailEvent, CompiledRule, RuleLoadResult } from '../model/index.ts';
import { isExplainable } from './rule-extras.ts';

export type FixtureExpectation = 'must-fire' | 'must-not-fire';
export const FIXTURE_KINDS: readonly FixtureExpectation[] = ['must-fire', 'must-not-fire'];

export interface FixtureResult {
  readonly file: string;
  readonly expect: FixtureExpectation;
  readonly passed: boolean;
  /** Why it passed or failed, in words (for a failure: the first condition that did not hold, where we can say). */
  readonly reason: string;
}

export interface FixtureReport {
  /** The rule file. */
  readonly path: string;
  readonly ruleId: string | null;
  readonly ruleName: string | null;
  /** `pass`: loaded and every fixture behaved; `fail`: a fixture misbehaved or required fixtures are missing. */
  readonly outcome: 'pass' | 'fail' | 'unsupported' | 'error';
  readonly fixtures: readonly FixtureResult[];
  /** Problems that are not one fixture's: load errors, missing fixture folders, unreadable folders. */
  readonly problems: readonly string[];
}

export interface FixtureOptions {
  /**
   * Whether a rule without must-fire and must-not-fire fixtures fails. Default: required for built-in rules,
   * optional for foreign ones (an Elastic or Sigma folder rarely ships fixtures).
   */
  readonly requireFixtures?: boolean;
}

/** Fixtures of `<dir>/<stem>.<ext>` live in `<dir>/fixtures/<stem>/{must-fire,must-not-fire}/*.json`. */
export function fixtureDirFor(rulePath: string): string {
  return join(dirname(rulePath), 'fixtures', basename(rulePath, extname(rulePath)));
}

export function runRuleFixtures(
  results: readonly RuleLoadResult[],
  options: FixtureOptions = {},
): FixtureReport[] {
  return results.map((result) => {
    if (result.status === 'error') {
      return {
        path: result.path,
        ruleId: result.meta.id ?? null,
        ruleName: result.meta.name ?? null,
        outcome: 'error',
        fixtures: [],
        problems: result.issues.map((i) => `${i.line === undefined ? '' : `line ${i.line}: `}${i.message}`),
      };
    }
    if (result.status === 'unsupported') {
      return {
        path: result.path,
        ruleId: result.meta.id ?? null,
        ruleName: result.meta.name ?? null,
        outcome: 'unsupported',
        fixtures: [],
        problems: [result.reason],
      };
    }
    const rule = result.rule;
    const required = options.requireFixtures ?? rule.meta.format === 'builtin';
    const dir = fixtureDirFor(result.path);
    const fixtures: FixtureResult[] = [];
    const problems: string[] = [];
    for (const expect of FIXTURE_KINDS) {
      const files = listJson(join(dir, expect));
      if (typeof files === 'string') {
        if (required) problems.push(files);
        continue;
      }
      if (files.length === 0 && required) problems.push(`no ${expect} fixtures in ${join(dir, expect)}`);
      for (const file of files) fixtures.push(runFixture(rule, file, expect));
    }
    const failed = problems.length > 0 || fixtures.some((f) => !f.passed);
    return {
      path: result.path,
      ruleId: rule.meta.id,
      ruleName: rule.meta.name,
      outcome: failed ? 'fail' : 'pass',
      fixtures,
      problems,
    };
  });
}

function listJson(dir: string): string[] | string {
  try {
    return readdirSync(dir)
      .filter((n) => n.toLowerCase().endsWith('.json'))
      .sort()
      .map((n) => join(dir, n));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return code === 'ENOENT'
      ? `missing fixture folder ${dir}`
      : `cannot read fixture folder ${dir}: ${String(code ?? err)}`;
  }
}

/** A fixture file holds one record, a JSON array of records, or `{"Records": [...]}`. */
function readRecords(file: string): unknown[] | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return `cannot read: ${String((err as { code?: unknown }).code ?? err)}`;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (Array.isArray(data)) return data.length === 0 ? 'holds an empty array: give at least one record' : data;
  if (data !== null && typeof data === 'object' && Array.isArray((data as { Records?: unknown }).Records)) {
    const records = (data as { Records: unknown[] }).Records;
    return records.length === 0 ? 'holds an empty Records array' : records;
  }
  return [data];
}

function runFixture(rule: CompiledRule, file: string, expect: FixtureExpectation): FixtureResult {
  const fail = (reason: string): FixtureResult => ({ file, expect, passed: false, reason });
  const records = readRecords(file);
  if (typeof records === 'string') return fail(`fixture ${records}`);
  const events: CloudTrailEvent[] = [];
  for (const [index, record] of records.entries()) {
    const normalized = normalizeRecord(record, { location: file, index });
    if (!normalized.ok)
      return fail(`record ${index} is not a usable CloudTrail record: ${normalized.issue.message}`);
    events.push(normalized.event);
  }
  try {
    return rule.kind === 'event'
      ? eventFixture(rule, file, expect, events)
      : aggregateFixture(rule, file, expect, events);
  } catch (err) {
    return fail(`the rule threw: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function eventFixture(
  rule: CompiledRule,
  file: string,
  expect: FixtureExpectation,
  events: readonly CloudTrailEvent[],
): FixtureResult {
  for (const [index, event] of events.entries()) {
    const views = createEventViews(event);
    const fired = rule.matches(views);
    const which = events.length === 1 ? 'the record' : `record ${index}`;
    if (expect === 'must-fire' && !fired) {
      const why = isExplainable(rule) ? rule.explainMismatch(views) : null;
      return {
        file,
        expect,
        passed: false,
        reason: `${which} did not fire${why === null ? '' : `: ${why}`}`,
      };
    }
    if (expect === 'must-not-fire' && fired) {
      return {
        file,
        expect,
        passed: false,
        reason: `${which} fired (${event.name}, outcome ${event.outcome}, actor ${event.actor.type})`,
      };
    }
  }
  return { file, expect, passed: true, reason: expect === 'must-fire' ? 'fired' : 'did not fire' };
}

function aggregateFixture(
  rule: CompiledRule,
  file: string,
  expect: FixtureExpectation,
  events: readonly CloudTrailEvent[],
): FixtureResult {
  if (rule.kind !== 'aggregate') throw new Error('not an aggregate rule');
  const kept = events.filter((event) => rule.matches(createEventViews(event)));
  const hits = rule.evaluate(kept);
  const passed = expect === 'must-fire' ? hits.length > 0 : hits.length === 0;
  const reason =
    hits.length > 0
      ? `${hits.length} hit(s): ${hits.map((h) => h.summary).join('; ')}`
      : `no hit (${kept.length} of ${events.length} records passed the prefilter)`;
  return { file, expect, passed, reason };
}
