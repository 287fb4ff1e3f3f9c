import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputIssue } from '../../../model/index.ts';
import { RULE_FORMATS } from '../index.ts';
import { isSigmaRuleText, loadSigmaRule } from './loader.ts';
import { loadOk, sigmaRule, viewsOf } from './test-support/helpers.ts';

const FULL = `title: Console login without MFA
id: 0ba6d8b8-3b1a-4c2e-9a43-4a9b6f4c2e11
status: test
description: A user signed in without MFA.
references:
    - https://example.com/a
tags:
    - attack.initial-access
    - attack.persistence
    - attack.t1078.004
    - attack.t1078
fields:
    - userIdentity.arn
    - sourceIPAddress
falsepositives:
    - Break-glass users
level: critical
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: ConsoleLogin
        additionalEventData.MFAUsed: 'NO'
    condition: selection
`;

const issuesOf = (path: string, text: string): InputIssue[] => {
  const r = loadSigmaRule(path, text);
  assert.equal(r.status, 'error', JSON.stringify(r));
  return r.status === 'error' ? [...r.issues] : [];
};

void describe('Sigma loader', () => {
  void it('maps metadata: title, id, status, level, risk score, MITRE, fields, false positives', () => {
    const { rule } = loadOk(FULL, 'rules/x.yml');
    const m = rule.meta;
    assert.equal(m.name, 'Console login without MFA');
    assert.equal(m.id, '0ba6d8b8-3b1a-4c2e-9a43-4a9b6f4c2e11');
    assert.equal(m.format, 'sigma');
    assert.equal(m.path, 'rules/x.yml');
    assert.equal(m.maturity, 'test');
    assert.equal(m.severity, 'critical');
    assert.equal(m.riskScore, 99);
    assert.deepEqual(m.investigationFields, ['userIdentity.arn', 'sourceIPAddress']);
    assert.deepEqual(m.falsePositives, ['Break-glass users']);
    assert.deepEqual(m.references, ['https://example.com/a']);
    assert.deepEqual(
      m.mitre.map((x) => [x.tactic?.id, x.technique.id, x.subtechnique?.id]),
      [
        ['TA0001', 'T1078', 'T1078.004'],
        ['TA0003', 'T1078', 'T1078.004'],
      ],
    );
    assert.deepEqual([...(rule.eventNames ?? [])], ['ConsoleLogin']);
    assert.equal(rule.eventSources, null);
  });

  void it('maps every level', () => {
    const levels = {
      informational: ['info', 0],
      low: ['low', 21],
      medium: ['medium', 47],
      high: ['high', 73],
      critical: ['critical', 99],
    };
    for (const [level, [severity, score]] of Object.entries(levels)) {
      const { rule } = loadOk(FULL.replace('level: critical', `level: ${level}`));
      assert.deepEqual([rule.meta.severity, rule.meta.riskScore], [severity, score], level);
    }
    assert.equal(issuesOf('x.yml', FULL.replace('level: critical', 'level: severe'))[0]?.line, 17);
  });

  void it('reports other log sources as unsupported, with the reason', () => {
    const r = loadSigmaRule(
      'w.yml',
      FULL.replace(
        'product: aws\n    service: cloudtrail',
        'product: windows\n    category: process_creation',
      ),
    );
    assert.equal(r.status, 'unsupported');
    assert.match(
      r.status === 'unsupported' ? r.reason : '',
      /category: process_creation, product: windows.*CloudTrail/,
    );
  });

  void it('pins event names only where sound', () => {
    const pins = (detection: string): string[] | null => {
      const { rule } = loadOk(sigmaRule(detection));
      return rule.eventNames === null ? null : [...rule.eventNames].sort();
    };
    assert.deepEqual(pins('a:\n    eventName: [B, A]\ncondition: a'), ['A', 'B']);
    assert.deepEqual(pins('a:\n    eventName: A\nb:\n    eventName: B\ncondition: a or b'), ['A', 'B']);
    assert.deepEqual(
      pins('a:\n    eventName: A\nb:\n    userAgent: x\ncondition: a or b'),
      null,
      'one side of an or pins nothing',
    );
    assert.deepEqual(pins('a:\n    eventName: A\nb:\n    eventName: B\ncondition: a and not b'), ['A']);
    assert.deepEqual(pins('a:\n    eventName: A\ncondition: not a'), null);
    assert.deepEqual(
      pins('a:\n    eventName|startswith: A\ncondition: a'),
      null,
      'modified values do not pin',
    );
    assert.deepEqual(pins("a:\n    eventName: 'Get*'\ncondition: a"), null, 'wildcards do not pin');
    assert.deepEqual(pins('a:\n    eventName: [A, null]\ncondition: a'), null, 'null does not pin');
    assert.deepEqual(pins('a:\n    - eventName: A\n    - eventName: B\ncondition: a'), ['A', 'B']);
    assert.deepEqual(pins('s_a:\n    eventName: A\ns_b:\n    eventName: B\ncondition: 1 of s_*'), ['A', 'B']);
    assert.deepEqual(pins('s_a:\n    eventName: A\nx:\n    userAgent: y\ncondition: all of them'), ['A']);
    // Sound: the rule still fires on everything its pins admit.
    const { rule } = loadOk(sigmaRule('a:\n    eventName: A\nb:\n    eventName: B\ncondition: a or b'));
    assert.equal(rule.matches(viewsOf({ eventName: 'B' })), true);
  });

  void it('a condition list is an OR', () => {
    const { rule } = loadOk(
      sigmaRule('a:\n    eventName: A\nb:\n    eventName: B\ncondition:\n    - a\n    - b'),
    );
    assert.deepEqual(
      ['A', 'B', 'C'].map((n) => rule.matches(viewsOf({ eventName: n }))),
      [true, true, false],
    );
  });

  void it('bad YAML: an error with path, line, column and hint', () => {
    const [issue] = issuesOf(
      'rules/bad.yml',
      'title: x\ndetection:\n  selection:\n    eventName: [a, b\n  condition: selection\n',
    );
    assert.equal(issue?.location, 'rules/bad.yml');
    assert.equal(issue?.code, 'yaml-syntax');
    assert.equal(typeof issue?.line, 'number');
    assert.equal(typeof issue?.column, 'number');
    assert.match(issue?.hint ?? '', /indentation/);
    const dup = issuesOf('d.yml', sigmaRule('s:\n    eventName: a\n    eventName: b\ncondition: s'));
    assert.equal(dup[0]?.code, 'yaml-syntax');
    assert.equal(dup[0]?.line, 10);
  });

  void it('unknown condition name: line and column of the name', () => {
    const [issue] = issuesOf(
      'c.yml',
      sigmaRule('selection:\n    eventName: a\ncondition: selection and not filtr'),
    );
    assert.equal(issue?.code, 'sigma-condition');
    assert.match(issue?.message ?? '', /unknown search identifier 'filtr'/);
    assert.equal(issue?.line, 10);
    assert.equal(issue?.column, 5 + 'condition: '.length + 'selection and not '.length);
    assert.match(issue?.hint ?? '', /selection/);
  });

  void it('unbalanced parentheses: the column, also inside quotes', () => {
    const [issue] = issuesOf(
      'p.yml',
      sigmaRule("a:\n    eventName: a\nb:\n    eventName: b\ncondition: '(a or b'"),
    );
    assert.equal(issue?.code, 'sigma-condition');
    assert.equal(issue?.line, 12);
    assert.equal(issue?.column, 5 + "condition: '".length + '(a or b'.length);
  });

  void it('reports every problem of a file at once', () => {
    const issues = issuesOf(
      'm.yml',
      sigmaRule('a:\n    eventName|nope: a\nb:\n    x|cidr: bad\ncondition: a and c'),
    );
    assert.deepEqual(issues.map((i) => i.code).sort(), ['sigma-cidr', 'sigma-condition', 'sigma-modifier']);
  });

  void it('shape errors: missing detection, condition, title; wrong types', () => {
    assert.match(
      issuesOf('a.yml', 'title: t\nlogsource:\n    product: aws\n')[0]?.message ?? '',
      /needs 'detection'/,
    );
    assert.match(
      issuesOf('b.yml', sigmaRule('s:\n    eventName: a'))[0]?.message ?? '',
      /needs a 'condition'/,
    );
    assert.match(
      issuesOf('c.yml', sigmaRule('s:\n    eventName: a\ncondition: s', 'level: low\n'))[0]?.message ?? '',
      /title/,
    );
    assert.match(
      issuesOf('d.yml', sigmaRule('s:\n    eventName: {a: 1}\ncondition: s'))[0]?.message ?? '',
      /nested map/,
    );
    assert.match(issuesOf('e.yml', sigmaRule('s: []\ncondition: s'))[0]?.message ?? '', /empty list/);
    assert.match(issuesOf('f.yml', '- just\n- a list\n')[0]?.message ?? '', /not a map/);
    assert.match(issuesOf('g.yml', '')[0]?.message ?? '', /no YAML document/);
  });

  void it('never throws, whatever the text', () => {
    for (const text of [
      '\u0000',
      ':',
      'detection: 5\nlogsource: 3',
      'a: *unknown',
      '{{{',
      'detection:\n  condition: [1, 2]\nlogsource: {}',
    ]) {
      const r = loadSigmaRule('x.yml', text);
      assert.ok(['error', 'unsupported'].includes(r.status), text);
    }
  });

  void it('canLoad knows Sigma from built-in rules and other YAML, and the registry lists it', () => {
    assert.equal(isSigmaRuleText('a.yml', FULL), true);
    assert.equal(isSigmaRuleText('a.txt', FULL), false);
    assert.equal(isSigmaRuleText('a.yml', 'id: mfaguard-x\nname: y\nmatch:\n  eventName: A\n'), false);
    assert.equal(isSigmaRuleText('a.yaml', 'title: c\ncorrelation:\n  type: temporal\n'), true);
    assert.equal(RULE_FORMATS.sigma?.id, 'sigma');
    assert.equal(RULE_FORMATS.sigma?.canLoad('x.yml', FULL), true);
    assert.deepEqual(
      Object.keys(RULE_FORMATS),
      [...Object.keys(RULE_FORMATS)].sort(),
      'registry in alphabetical order',
    );
  });

  void it('warns about a value that looks like a field name', () => {
    const { result } = loadOk(
      sigmaRule('f:\n    userIdentity.arn|contains: responseElements.accessKey.userName\ncondition: not f'),
    );
    assert.ok(
      result.warnings.some((w) => w.code === 'sigma-value-looks-like-field' && /fieldref/.test(w.hint ?? '')),
    );
  });
});
