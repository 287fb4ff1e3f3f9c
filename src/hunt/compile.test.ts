// The SQL a hunt sends: golden files for every built-in rule (UPDATE_GOLDEN=1 rewrites them; review the diff), and what it refuses.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadRuleSet } from '../app/index.ts';
import { RELEVANT_EVENT_NAMES } from '../app/relevant-events.ts';
import { UsageError } from '../model/index.ts';
import type { CompiledRule, EventRule } from '../model/index.ts';
import { compileBaselineQuery, compileSliceQuery, FULL_SCOPE, literal, rulePins } from './compile.ts';
import type { HuntScope, TableLayout } from './compile.ts';
import { DOCUMENTED_COLUMN_NAMES } from './schema.ts';
import { ATHENA_GOLDEN_LAYOUT, GOLDEN_SCOPE, goldenRules } from './test-support/golden.ts';

const CONTEXT = [...RELEVANT_EVENT_NAMES];

/** Compares with a golden file; on a mismatch assert prints the line diff. */
function golden(name: string, actual: string): void {
  const url = new URL(`./golden/${name}`, import.meta.url);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(url, actual);
  assert.equal(
    actual,
    readFileSync(url, 'utf8'),
    `golden/${name} differs (UPDATE_GOLDEN=1 to rewrite, then review the diff)`,
  );
}

describe('hunt SQL', () => {
  const rules = goldenRules();

  it('has a golden Athena query for every built-in rule, and none for a rule that is gone', () => {
    assert.ok(rules.length >= 7, `expected the built-in rules, got ${rules.length}`);
    const perRule = readdirSync(new URL('./golden/', import.meta.url))
      .filter((name) => name.endsWith('.athena.sql') && !/^(builtin-scoped|baseline)\./.test(name))
      .sort();
    assert.deepEqual(perRule, rules.map((rule) => `${rule.meta.id}.athena.sql`).sort());
    for (const rule of rules) {
      golden(
        `${rule.meta.id}.athena.sql`,
        compileSliceQuery(rulePins([rule]), CONTEXT, FULL_SCOPE, ATHENA_GOLDEN_LAYOUT) + '\n',
      );
    }
  });

  it('has golden queries for all built-in rules with a scope, on Athena and CloudTrail Lake', () => {
    const pins = rulePins(rules);
    golden(
      'builtin-scoped.athena.sql',
      compileSliceQuery(pins, CONTEXT, GOLDEN_SCOPE, ATHENA_GOLDEN_LAYOUT) + '\n',
    );
    const lake: TableLayout = {
      dialect: 'lake',
      from: 'EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE',
      columns: new Set(),
      partitions: { account: null, region: null, date: null },
    };
    golden('builtin-scoped.lake.sql', compileSliceQuery(pins, CONTEXT, GOLDEN_SCOPE, lake) + '\n');
    golden(
      'baseline.athena.sql',
      compileBaselineQuery(
        pins,
        CONTEXT,
        { arns: ['arn:aws:iam::111122223333:user/alice'], principalIds: ['AIDAEXAMPLE'] },
        { from: '2024-02-04T00:00:00Z', until: '2024-03-05T00:00:00Z' },
        ATHENA_GOLDEN_LAYOUT,
      ) + '\n',
    );
  });

  it('selects only the columns the documented table has, and prunes by its partition', () => {
    const sql = compileSliceQuery(rulePins(rules), CONTEXT, GOLDEN_SCOPE, ATHENA_GOLDEN_LAYOUT);
    assert.ok(!DOCUMENTED_COLUMN_NAMES.has('managementevent'));
    assert.doesNotMatch(sql, /managementevent/);
    // The upper partition bound is the day after `until`: a file is filed under the day it was delivered.
    assert.match(sql, /"timestamp" >= '2024\/03\/05'/);
    assert.match(sql, /"timestamp" <= '2024\/03\/08'/);
    assert.match(sql, /eventtime < '2024-03-07T00:00:00Z'/);
    assert.match(sql, /recipientaccountid IN \('997747511021'\)/);
  });

  it('refuses a rule that pins no event name or source, naming it', () => {
    const loose = fakeRule('sigma-any-event', null, null);
    assert.throws(
      () => rulePins([...rules, loose]),
      (error: unknown) =>
        error instanceof UsageError &&
        /sigma-any-event/.test(error.message) &&
        /mfaguard scan/.test(error.message),
    );
  });

  it('keeps hostile rule text out of the SQL structure', () => {
    const hostile = fakeRule('x\n) OR 1=1 --', ["Deactivate'MFADevice"], null);
    const sql = compileSliceQuery(rulePins([hostile]), CONTEXT, FULL_SCOPE, ATHENA_GOLDEN_LAYOUT);
    assert.match(sql, /eventname IN \('Deactivate''MFADevice'\) {2}-- x___OR_1_1_--\n/);
    assert.throws(() => literal('a\u0000b'), UsageError);
  });

  it('refuses a scope value with a control character', () => {
    const scope: HuntScope = { ...FULL_SCOPE, accounts: ['1111\n22223333'] };
    assert.throws(() => compileSliceQuery(rulePins(rules), CONTEXT, scope, ATHENA_GOLDEN_LAYOUT), UsageError);
  });
});

function fakeRule(id: string, names: string[] | null, sources: string[] | null): CompiledRule {
  const base = loadRuleSet({ builtin: true, paths: [] }).rules[0]! as EventRule;
  return {
    ...base,
    meta: { ...base.meta, id, path: `${id}.yml` },
    eventNames: names === null ? null : new Set(names),
    eventSources: sources === null ? null : new Set(sources),
  };
}
