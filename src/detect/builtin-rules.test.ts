// Collection-wide checks over every shipped rule: metadata complete, fixtures present and behaving; all offenders reported at once.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { createEventViews, normalizeRecord } from '../ingest/index.ts';
import type { CloudTrailEvent, CompiledRule } from '../model/index.ts';
import { isSeverity, severityFromRiskScore } from '../model/index.ts';
import { createEngine } from './engine.ts';
import { FIXTURE_KINDS, runRuleFixtures } from './fixtures.ts';
import { builtinRulesDir, loadBuiltinRules } from './load-rules.ts';
import { checkMitreMapping } from './mitre.ts';
import { BURST_RULE } from './correlate/index.ts';

const RULES_DIR = builtinRulesDir();
const results = loadBuiltinRules();
const rules: CompiledRule[] = results.flatMap((r) => (r.status === 'ok' ? [r.rule] : []));

describe('every built-in rule', () => {
  it('loads without errors or warnings', () => {
    const offenders = results.flatMap((r) =>
      r.status === 'ok'
        ? r.warnings.map((w) => `${r.path}:${w.line ?? '?'}: warning ${w.code}: ${w.message}`)
        : r.status === 'error'
          ? r.issues.map((i) => `${r.path}:${i.line ?? '?'}:${i.column ?? '?'}: ${i.code}: ${i.message}`)
          : [`${r.path}: unsupported: ${r.reason}`],
    );
    assert.deepEqual(offenders, []);
    assert.ok(rules.length >= 7, `expected at least 7 rules, found ${rules.length}`);
  });

  it('has complete metadata', () => {
    const offenders: string[] = [];
    const ids = new Map<string, string>();
    for (const rule of rules) {
      const m = rule.meta;
      const where = m.path;
      const bad = (what: string): void => void offenders.push(`${where}: ${what}`);
      const stem = basename(m.path).replace(/\.ya?ml$/, '');
      if (m.id !== `mfaguard-${stem}`) bad(`id ${m.id} should be mfaguard-${stem} (the file name)`);
      if (ids.has(m.id)) bad(`id ${m.id} also used by ${ids.get(m.id)}`);
      ids.set(m.id, where);
      if (m.name.trim().length < 10) bad('name is missing or too short');
      if (m.description.trim().length < 40) bad('description is missing or too short');
      if (!isSeverity(m.severity)) bad(`severity ${String(m.severity)} is not a severity`);
      if (!Number.isInteger(m.riskScore) || m.riskScore < 0 || m.riskScore > 100)
        bad(`riskScore ${m.riskScore} is not 0-100`);
      else if (m.severity !== 'info' && severityFromRiskScore(m.riskScore) !== m.severity) {
        bad(
          `riskScore ${m.riskScore} falls in the ${severityFromRiskScore(m.riskScore)} band, not ${m.severity}`,
        );
      }
      if (m.mitre.length === 0) bad('no MITRE ATT&CK mapping');
      for (const mapping of m.mitre) {
        if (mapping.tactic === null) bad(`mapping ${mapping.technique.id} has no tactic`);
        for (const problem of checkMitreMapping(mapping)) bad(problem);
      }
      if ((m.investigationGuide ?? '').trim().length < 200)
        bad('investigation guide is missing or too short');
      if (m.falsePositives.length === 0) bad('no false positives listed');
      if (m.investigationFields.length === 0) bad('no investigation fields');
      if (m.references.length === 0) bad('no references');
      if (m.maturity === null) bad('no maturity');
      if (rule.kind !== 'event' || rule.eventNames === null)
        bad('does not pin the event names it fires on (it would run on every event)');
    }
    assert.deepEqual(offenders, []);
  });

  it('has must-fire and must-not-fire fixtures, and every fixture behaves', () => {
    const offenders: string[] = [];
    for (const report of runRuleFixtures(results)) {
      for (const problem of report.problems) offenders.push(`${report.path}: ${problem}`);
      for (const f of report.fixtures) if (!f.passed) offenders.push(`${f.file} (${f.expect}): ${f.reason}`);
      for (const kind of FIXTURE_KINDS) {
        if (!report.fixtures.some((f) => f.expect === kind))
          offenders.push(`${report.path}: no ${kind} fixture`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('every fixture folder belongs to a rule', () => {
    const stems = new Set(rules.map((r) => basename(r.meta.path).replace(/\.ya?ml$/, '')));
    const fixturesDir = join(RULES_DIR, 'fixtures');
    const orphans = existsSync(fixturesDir) ? readdirSync(fixturesDir).filter((d) => !stems.has(d)) : [];
    assert.deepEqual(orphans, []);
  });
});

describe("README's table of the built-in rules", () => {
  // What a reader picks rules by: each row's id and "severity / risk" must be the rule's own. The row of
  // `mfaguard-provisioned-without-mfa` is raised by serve (src/app), outside what this folder may import.
  const rows = new Map(
    [
      ...readFileSync(join(RULES_DIR, '..', 'README.md'), 'utf8').matchAll(
        /^\| `(mfaguard-[a-z0-9-]+)` \| ([^|]+) \|/gm,
      ),
    ].map((match) => [match[1]!, match[2]!.trim()]),
  );

  it('gives every shipped rule and the burst rule with their severity and risk score', () => {
    const offenders: string[] = [];
    for (const meta of [...rules.map((rule) => rule.meta), BURST_RULE.meta]) {
      const row = rows.get(meta.id);
      if (row === undefined) offenders.push(`${meta.id}: no row`);
      else if (!row.startsWith(`${meta.severity} / ${meta.riskScore}`))
        offenders.push(`${meta.id}: README says "${row}", the rule ${meta.severity} / ${meta.riskScore}`);
    }
    assert.deepEqual(offenders, []);
    assert.ok(rows.size >= rules.length + 1, `only ${rows.size} rows read`);
  });
});

describe('the rules together, over all fixtures', () => {
  /** Which rules fire on each fixture record when every built-in rule runs in one engine. */
  function firedOn(relative: string): string[] {
    const file = join(RULES_DIR, 'fixtures', relative);
    const record: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const normalized = normalizeRecord(record, { location: file, index: 0 });
    assert.ok(normalized.ok, `${relative} did not normalise`);
    const event: CloudTrailEvent = normalized.event;
    const result = createEngine(rules).match(createEventViews(event));
    assert.deepEqual(result.issues, []);
    return result.rules.map((r) => r.meta.id.replace(/^mfaguard-/, ''));
  }

  it('a refused deactivation is only ever an attempt, never a removal', () => {
    assert.deepEqual(firedOn('iam-mfa-deactivation-refused/must-fire/access-denied-long-term-key.json'), [
      'iam-mfa-deactivation-refused',
    ]);
    assert.deepEqual(firedOn('root-mfa-removed/must-not-fire/root-deactivation-failed.json'), [
      'iam-mfa-deactivation-refused',
    ]);
  });

  it("root removing its own MFA is both a deactivation and root's MFA removed", () => {
    assert.deepEqual(firedOn('iam-mfa-device-deactivated/must-fire/root-own-device.json'), [
      'iam-mfa-device-deactivated',
      'root-mfa-removed',
    ]);
    assert.deepEqual(firedOn('root-mfa-removed/must-fire/root-deletes-own-virtual-device.json'), [
      'iam-virtual-mfa-device-deleted',
      'root-mfa-removed',
    ]);
  });

  it('root signing in without MFA is the root sign-in rule, not the IAM-user one', () => {
    assert.deepEqual(firedOn('root-console-sign-in/must-fire/root-without-mfa.json'), [
      'root-console-sign-in',
    ]);
    assert.deepEqual(firedOn('console-sign-in-without-mfa/must-fire/iam-user-password-only.json'), [
      'console-sign-in-without-mfa',
    ]);
  });
});
