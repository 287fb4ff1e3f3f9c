// Tests the built-in rule format: loading, validation with line and column, severity mapping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputIssue, RuleLoadResult } from '../../../model/index.ts';
import { makeEvent, viewsOf } from '../../test-support/event.ts';
import { builtin } from './index.ts';
import { BuiltinRule, loadBuiltinRule, looksLikeBuiltinRule } from './builtin-loader.ts';

const VALID = `id: test-rule
name: Test rule
description: A rule for tests.
severity: medium
riskScore: 47
mitre:
  - tactic: { id: TA0040, name: Impact }
    technique: { id: T1531, name: Account Access Removal }
  - tactic: { id: TA0003, name: Persistence }
    technique: { id: T1556, name: Modify Authentication Process }
    subtechnique: { id: T1556.006, name: Multi-Factor Authentication }
falsePositives: [rotation]
investigationFields: [user.name]
investigationGuide: Look at it.
match:
  all:
    - source: iam.amazonaws.com
    - name: DeactivateMFADevice
    - outcome: success
`;

function issuesOf(result: RuleLoadResult): InputIssue[] {
  assert.equal(result.status, 'error', `expected an error result, got ${result.status}`);
  return result.status === 'error' ? [...result.issues] : [];
}

function withReplaced(from: string, to: string): string {
  assert.ok(VALID.includes(from), `fixture text lacks ${from}`);
  return VALID.replace(from, to);
}

describe('built-in rule loader', () => {
  it('loads a valid rule into an event rule with metadata, pins and MITRE references', () => {
    const result = loadBuiltinRule('/r/test-rule.yml', VALID, 'test-rule.yml');
    assert.equal(result.status, 'ok');
    if (result.status !== 'ok') return;
    const rule = result.rule;
    assert.ok(rule instanceof BuiltinRule);
    assert.equal(rule.kind, 'event');
    assert.equal(rule.meta.id, 'test-rule');
    assert.equal(rule.meta.format, 'builtin');
    assert.equal(rule.meta.path, 'test-rule.yml');
    assert.equal(rule.meta.riskScore, 47);
    assert.equal(rule.meta.maturity, null);
    assert.deepEqual(rule.meta.mitre[1], {
      tactic: { id: 'TA0003', name: 'Persistence', reference: 'https://attack.mitre.org/tactics/TA0003/' },
      technique: {
        id: 'T1556',
        name: 'Modify Authentication Process',
        reference: 'https://attack.mitre.org/techniques/T1556/',
      },
      subtechnique: {
        id: 'T1556.006',
        name: 'Multi-Factor Authentication',
        reference: 'https://attack.mitre.org/techniques/T1556/006/',
      },
    });
    assert.deepEqual([...(rule.eventNames ?? [])], ['DeactivateMFADevice']);
    assert.deepEqual([...(rule.eventSources ?? [])], ['iam.amazonaws.com']);
    assert.equal(rule.matches(viewsOf(makeEvent())), true);
    assert.equal(rule.matches(viewsOf(makeEvent({ outcome: 'failure' }))), false);
    assert.match(
      rule.explainMismatch(viewsOf(makeEvent({ outcome: 'failure' }))) ?? '',
      /match.all\[2\].outcome/,
    );
    assert.equal(rule.assess(makeEvent()), null);
  });

  it('severityMapping: the first entry whose `when` holds sets severity and risk', () => {
    const text = `${VALID}severityMapping:
  - when: { actor.type: Root }
    severity: critical
    riskScore: 99
    reason: root did it
`;
    const result = loadBuiltinRule('r.yml', text);
    assert.equal(result.status, 'ok');
    if (result.status !== 'ok' || !(result.rule instanceof BuiltinRule)) return;
    assert.deepEqual(result.rule.assess(makeEvent({ actor: { type: 'Root' } })), {
      severity: 'critical',
      riskScore: 99,
      reason: 'root did it',
    });
    assert.equal(result.rule.assess(makeEvent()), null);
  });

  it('names the line and column of an unknown field inside match', () => {
    const issues = issuesOf(
      loadBuiltinRule('r.yml', withReplaced('- outcome: success', '- outcom: success')),
    );
    assert.equal(issues.length, 1);
    assert.deepEqual(
      {
        code: issues[0]?.code,
        line: issues[0]?.line,
        column: issues[0]?.column,
        path: issues[0]?.path,
        location: issues[0]?.location,
      },
      { code: 'unknown-field', line: 19, column: 7, path: 'match.all[2].outcom', location: 'r.yml' },
    );
    assert.match(issues[0]?.hint ?? '', /did you mean `outcome`/);
  });

  it('names the line and column of a wrong value', () => {
    const issues = issuesOf(loadBuiltinRule('r.yml', withReplaced('riskScore: 47', 'riskScore: 470')));
    assert.deepEqual(
      issues.map((i) => [i.code, i.line, i.column]),
      [['value-type', 5, 12]],
    );
    assert.match(issues[0]?.message ?? '', /0 to 100, got number 470/);
  });

  it('reports every metadata problem at once', () => {
    const text = withReplaced('severity: medium', 'severity: severe')
      .replace('riskScore: 47', 'riskScore: "47"')
      .replace('name: Test rule\n', '')
      .replace('falsePositives: [rotation]', 'falsePositives: rotation')
      .replace('id: TA0040, name: Impact', 'id: TA0040, name: Persistence')
      .replace('id: T1556.006', 'id: T1078.004')
      .replace('investigationGuide: Look at it.', 'investigationGuide: Look at it.\nseverty: low');
    const issues = issuesOf(loadBuiltinRule('r.yml', text));
    assert.deepEqual(issues.map((i) => i.code).sort(), [
      'missing-key',
      'mitre',
      'mitre',
      'unknown-key',
      'value-type',
      'value-type',
      'value-type',
    ]);
    const unknown = issues.find((i) => i.code === 'unknown-key');
    assert.equal(unknown?.hint, 'did you mean `severity`?');
    assert.ok(issues.some((i) => /tactic TA0040 is named "Impact", not "Persistence"/.test(i.message)));
    assert.ok(issues.some((i) => /T1078.004 does not belong to technique T1556/.test(i.message)));
  });

  it('rejects YAML syntax errors and duplicate keys with a position', () => {
    const broken = issuesOf(loadBuiltinRule('r.yml', 'id: [unclosed\nname: x\n'));
    assert.equal(broken[0]?.code, 'rule-yaml');
    assert.equal(typeof broken[0]?.line, 'number');
    const dup = issuesOf(loadBuiltinRule('r.yml', `${VALID}id: again\n`));
    assert.equal(dup[0]?.code, 'rule-yaml');
    assert.match(dup[0]?.message ?? '', /unique/i);
  });

  it('rejects a file that is not a mapping, an empty file, and bad ids', () => {
    assert.equal(issuesOf(loadBuiltinRule('r.yml', '- a\n- b\n'))[0]?.code, 'rule-shape');
    assert.equal(issuesOf(loadBuiltinRule('r.yml', ''))[0]?.code, 'rule-shape');
    assert.equal(
      issuesOf(loadBuiltinRule('r.yml', withReplaced('id: test-rule', 'id: "bad id!"')))[0]?.code,
      'rule-id',
    );
  });

  it('rejects bad mitre and severityMapping entries', () => {
    const noMitre = issuesOf(loadBuiltinRule('r.yml', VALID.replace(/mitre:\n( {2}.*\n)+/, 'mitre: []\n')));
    assert.deepEqual(
      noMitre.map((i) => i.code),
      ['value-type'],
    );
    const badMapping = issuesOf(
      loadBuiltinRule(
        'r.yml',
        `${VALID}severityMapping:\n  - when: { mfaUsed: "No" }\n    severity: huge\n    extra: 1\n`,
      ),
    );
    assert.deepEqual(badMapping.map((i) => i.code).sort(), [
      'missing-key',
      'missing-key',
      'unknown-key',
      'value-type',
      'value-type',
    ]);
  });

  it('keeps warnings on an ok result', () => {
    const result = loadBuiltinRule('r.yml', withReplaced('- outcome: success', '- actor.type: IAMuser'));
    assert.equal(result.status, 'ok');
    assert.deepEqual(result.status === 'ok' ? result.warnings.map((w) => [w.level, w.code, w.line]) : [], [
      ['warning', 'value-unknown', 19],
    ]);
  });

  it('recognises its files by extension and a top-level match, not Sigma files', () => {
    assert.equal(looksLikeBuiltinRule('a.yml', VALID), true);
    assert.equal(looksLikeBuiltinRule('a.yaml', VALID), true);
    assert.equal(looksLikeBuiltinRule('a.toml', VALID), false);
    assert.equal(looksLikeBuiltinRule('a.yml', 'title: x\ndetection:\n  sel: {}\n'), false);
    assert.equal(builtin.id, 'builtin');
    assert.equal(builtin.load('x.yml', VALID).status, 'ok');
  });
});
