// The Elastic TOML loader: the corpus' 85 AWS query rules, metadata, unsupported types, broken files, threshold and new_terms.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type {
  AggregateRule,
  CloudTrailEvent,
  EcsDocument,
  EventRule,
  EventViews,
  RuleLoadResult,
} from '../../../model/index.ts';
import * as ingest from '../../../ingest/index.ts';
import { makeEvent } from '../../test-support/event.ts';
import { RULE_FORMATS } from '../index.ts';
import { createElasticLoader } from './load.ts';
import { CORPUS, corpusMissing } from '../../../test-support/requirements.ts';

const corpus = CORPUS;
const awsRules = path.join(corpus, 'elastic', 'rules', 'integrations', 'aws');
const otherRules = path.join(
  corpus,
  'elastic',
  'other_types_iam_signin_related',
  'rules',
  'integrations',
  'aws',
);
const beats = path.join(corpus, 'elastic-beats', 'x-pack', 'filebeat', 'module', 'aws', 'cloudtrail', 'test');
const MFA_RULE_ID = 'd8fc1cca-93ed-43c1-bbb6-c0dd3eff2958';

const loader = createElasticLoader();

function ok(result: RuleLoadResult): Extract<RuleLoadResult, { status: 'ok' }> {
  if (result.status !== 'ok') assert.fail(JSON.stringify(result, null, 2).slice(0, 2000));
  return result;
}

const views = (event: CloudTrailEvent, doc: EcsDocument): EventViews => ({ event, ecs: () => doc });

const RULE_HEAD = `[metadata]
maturity = "development"

[rule]
rule_id = "test-rule"
name = "Test rule"
description = "A rule for tests."
risk_score = 47
severity = "medium"
`;

describe('Elastic loader over the corpus', () => {
  it('loads all 85 AWS query rules with status ok', (t) => {
    if (corpusMissing(t, awsRules)) return;
    const files = readdirSync(awsRules).filter((f) => f.endsWith('.toml'));
    assert.equal(files.length, 85);
    const failures: string[] = [];
    for (const file of files) {
      const result = loader.load(file, readFileSync(path.join(awsRules, file), 'utf8'));
      if (result.status !== 'ok')
        failures.push(
          `${file}: ${result.status} ${JSON.stringify(result.status === 'error' ? result.issues : result.reason)}`,
        );
      else if (result.rule.kind !== 'event') failures.push(`${file}: expected an event rule`);
    }
    assert.deepEqual(failures, []);
  });

  it('pins event names and providers for the engine index, for most corpus rules', (t) => {
    if (corpusMissing(t, awsRules)) return;
    let pinned = 0;
    for (const file of readdirSync(awsRules)) {
      const { rule } = ok(loader.load(file, readFileSync(path.join(awsRules, file), 'utf8')));
      if (rule.eventNames !== null) pinned++;
    }
    // Only the rules that match event.action with wildcards or not at all stay unpinned.
    assert.ok(pinned >= 78, `${pinned} of 85 pinned`);
  });

  it('reads the MFA deactivation rule: metadata, MITRE mapping, investigation fields, pins', (t) => {
    const file = path.join(awsRules, 'impact_iam_deactivate_mfa_device.toml');
    if (corpusMissing(t, file)) return;
    const { rule } = ok(loader.load(file, readFileSync(file, 'utf8')));
    assert.equal(rule.meta.id, MFA_RULE_ID);
    assert.equal(rule.meta.name, 'AWS IAM Deactivation of MFA Device');
    assert.equal(rule.meta.format, 'elastic');
    assert.equal(rule.meta.severity, 'high');
    assert.equal(rule.meta.riskScore, 73);
    assert.equal(rule.meta.maturity, 'production');
    assert.match(rule.meta.investigationGuide ?? '', /^## Triage and analysis/);
    assert.equal(rule.meta.falsePositives.length, 1);
    assert.ok(rule.meta.tags.includes('Tactic: Impact'));
    assert.equal(rule.meta.references.length, 2);
    assert.deepEqual(rule.meta.investigationFields.slice(0, 3), [
      '@timestamp',
      'user.name',
      'user_agent.original',
    ]);
    assert.deepEqual(
      rule.meta.mitre.map((m) => `${m.tactic?.id}/${m.technique.id}/${m.subtechnique?.id ?? '-'}`),
      ['TA0040/T1531/-', 'TA0003/T1556/T1556.006', 'TA0005/T1556/T1556.006'],
    );
    assert.deepEqual([...(rule.eventNames ?? [])], ['DeactivateMFADevice']);
    assert.deepEqual([...(rule.eventSources ?? [])], ['iam.amazonaws.com']);
  });

  it('fires the MFA rule on the corpus DeactivateMFADevice, and not on a failed one', (t) => {
    const ruleFile = path.join(awsRules, 'impact_iam_deactivate_mfa_device.toml');
    const logFile = path.join(beats, 'deactivate-mfa-device-json.log');
    if (corpusMissing(t, ruleFile, logFile)) return;
    const rule = ok(loader.load(ruleFile, readFileSync(ruleFile, 'utf8'))).rule as EventRule;
    const record = JSON.parse(readFileSync(logFile, 'utf8').trim()) as Record<string, unknown>;
    const success = ingest.normalizeRecord(record, { location: logFile, index: 0 });
    assert.ok(success.ok);
    assert.equal(rule.matches(ingest.createEventViews(success.event)), true);
    const failedRecord = {
      ...record,
      eventID: 'failed-1',
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized to perform iam:DeactivateMFADevice',
    };
    const failed = ingest.normalizeRecord(failedRecord, { location: 'fixture', index: 1 });
    assert.ok(failed.ok);
    assert.equal(rule.matches(ingest.createEventViews(failed.event)), false);
  });

  it('warns about fields the ECS view does not fill, naming them', (t) => {
    const file = path.join(awsRules, 'persistence_iam_login_profile_created_or_modified.toml');
    if (corpusMissing(t, file)) return;
    const withFields = createElasticLoader({
      ecsFields: ingest.ECS_FIELDS,
      toEcs: (event) => ingest.toEcs(event),
    });
    const result = ok(withFields.load(file, readFileSync(file, 'utf8')));
    const unknown = result.warnings.filter((w) => w.code === 'unknown-field').map((w) => w.message);
    assert.equal(unknown.length, 1, JSON.stringify(unknown));
    assert.match(unknown[0]!, /"source\.as\.organization\.name"/);
    // Flattened request parameters are open-ended: knowing the root is enough.
    const flattened = path.join(awsRules, 'credential_access_credentials_in_s3_bucket.toml');
    assert.deepEqual(
      ok(withFields.load(flattened, readFileSync(flattened, 'utf8'))).warnings.filter(
        (w) => w.code === 'unknown-field',
      ),
      [],
    );
  });

  it('reports the other rule types as unsupported with the reason, and loads threshold and new_terms', (t) => {
    if (corpusMissing(t, otherRules)) return;
    const byStatus: Record<string, string[]> = {};
    for (const file of readdirSync(otherRules)) {
      const text = readFileSync(path.join(otherRules, file), 'utf8');
      const result = loader.load(file, text);
      const type = /^type = "(\w+)"/m.exec(text)?.[1] ?? '?';
      (byStatus[`${type}:${result.status}`] ??= []).push(file);
      if (result.status === 'unsupported') assert.match(result.reason, new RegExp(`rule type "${type}"`));
      if (result.status === 'ok') assert.equal(result.rule.kind, 'aggregate');
    }
    assert.deepEqual(
      Object.fromEntries(Object.entries(byStatus).map(([key, files]) => [key, files.length])),
      { 'eql:unsupported': 5, 'esql:unsupported': 6, 'new_terms:ok': 6, 'threshold:ok': 1 },
    );
  });

  it('is the registry entry for .toml files', () => {
    assert.equal(RULE_FORMATS['elastic']?.id, 'elastic');
    assert.equal(RULE_FORMATS['elastic']?.canLoad('rules/x.toml', ''), true);
    assert.equal(RULE_FORMATS['elastic']?.canLoad('rules/x.yml', 'title: x'), false);
  });
});

describe('Elastic loader: broken files', () => {
  it('reports broken TOML with the path, line and column, without throwing', () => {
    const result = loader.load(
      'rules/broken.toml',
      `${RULE_HEAD}type = "query"\nquery = '''\nevent.action: x\n`,
    );
    assert.equal(result.status, 'error');
    assert.ok(result.status === 'error');
    const [issue] = result.issues;
    assert.equal(issue?.code, 'toml-syntax');
    assert.equal(issue?.location, 'rules/broken.toml');
    assert.equal(typeof issue?.line, 'number');
    assert.equal(typeof issue?.column, 'number');
  });

  it('reports an unbalanced parenthesis at its place in the file', () => {
    const text = `${RULE_HEAD}type = "query"\nlanguage = "kuery"\nquery = '''\nevent.action: DeactivateMFADevice\n    and (event.outcome: success\n'''\n`;
    const result = loader.load('rules/paren.toml', text);
    assert.ok(result.status === 'error', JSON.stringify(result));
    const [issue] = result.issues;
    assert.equal(issue?.code, 'kql-syntax');
    assert.equal(issue?.location, 'rules/paren.toml');
    assert.match(issue?.message ?? '', /unbalanced parenthesis: "\(" opened at line 2, column 9/);
    assert.match(issue?.hint ?? '', /add "\)"/);
    const line = text.split('\n')[(issue?.line ?? 0) - 1] ?? '';
    assert.equal(line, '    and (event.outcome: success');
    assert.equal(line[(issue?.column ?? 0) - 1], '(');
    assert.equal(result.meta.id, 'test-rule');
  });

  it('reports a dangling and with its position', () => {
    const text = `${RULE_HEAD}type = "query"\nquery = "event.action: x and "\n`;
    const result = loader.load('rules/dangling.toml', text);
    assert.ok(result.status === 'error');
    assert.match(result.issues[0]?.message ?? '', /expected a condition after "and"/);
    assert.equal(result.issues[0]?.line, 11);
    assert.equal(result.issues[0]?.column, 26);
  });

  it('reports every missing or mistyped setting at once', () => {
    const result = loader.load(
      'rules/shape.toml',
      `[rule]\nname = "x"\nrisk_score = "high"\nseverity = "medium"\ntype = "query"\nquery = "a: 1"\ntags = "one"\n`,
    );
    assert.ok(result.status === 'error');
    assert.deepEqual(result.issues.map((i) => i.path).sort(), [
      'rule.risk_score',
      'rule.rule_id',
      'rule.tags',
    ]);
  });

  it('reports a file without [rule], an unknown type and a bad MITRE id', () => {
    assert.equal(loader.load('x.toml', 'a = 1').status, 'error');
    const unknownType = loader.load('x.toml', `${RULE_HEAD}type = "magic"\nquery = "a: 1"\n`);
    assert.ok(
      unknownType.status === 'error' && /rule\.type "magic"/.test(unknownType.issues[0]?.message ?? ''),
    );
    const badMitre = loader.load(
      'x.toml',
      `${RULE_HEAD}type = "query"\nquery = "a: 1"\n[[rule.threat]]\nframework = "MITRE ATT&CK"\n[[rule.threat.technique]]\nid = "1531"\nname = "Account Access Removal"\n[rule.threat.tactic]\nid = "TA0040"\nname = "Impact"\n`,
    );
    assert.ok(badMitre.status === 'error' && /technique id "1531"/.test(badMitre.issues[0]?.message ?? ''));
  });

  it('keeps loading the good rules of a folder when some are broken', () => {
    const files = {
      'a.toml': `${RULE_HEAD}type = "query"\nquery = "event.action: A"\n`,
      'b.toml': 'not toml at all [',
      'c.toml': `${RULE_HEAD}type = "query"\nquery = "event.action: (A or"\n`,
      'd.toml': `${RULE_HEAD}type = "query"\nquery = "event.action: D"\n`,
    };
    const statuses = Object.entries(files).map(([file, text]) => `${file}:${loader.load(file, text).status}`);
    assert.deepEqual(statuses, ['a.toml:ok', 'b.toml:error', 'c.toml:error', 'd.toml:ok']);
  });

  it('reports lucene, free text and invalid IP values', () => {
    const lucene = loader.load('x.toml', `${RULE_HEAD}type = "query"\nlanguage = "lucene"\nquery = "a:1"\n`);
    assert.ok(lucene.status === 'unsupported' && /Lucene/.test(lucene.reason));
    const free = loader.load(
      'x.toml',
      `${RULE_HEAD}type = "query"\nquery = "event.action: A and DeactivateMFADevice"\n`,
    );
    assert.ok(free.status === 'unsupported' && /free text/.test(free.reason));
    const ip = loader.load('x.toml', `${RULE_HEAD}type = "query"\nquery = "source.ip: internal"\n`);
    assert.ok(ip.status === 'error' && ip.issues[0]?.code === 'kql-invalid' && ip.issues[0]?.line === 11);
  });

  it('warns that exception lists cannot be resolved offline', () => {
    const result = ok(
      loader.load(
        'x.toml',
        `${RULE_HEAD}type = "query"\nquery = "event.action: A"\n[[rule.exceptions_list]]\nid = "abc"\nlist_id = "trusted-admins"\nnamespace_type = "single"\ntype = "detection"\n`,
      ),
    );
    assert.match(
      result.warnings.find((w) => w.code === 'exceptions-list')?.message ?? '',
      /trusted-admins.*cannot be resolved offline/,
    );
  });
});

describe('Elastic loader: threshold and new_terms over a scan', () => {
  const docs = new Map<string, EcsDocument>();
  const toEcs = (event: CloudTrailEvent): EcsDocument => docs.get(event.id) ?? {};
  const aggLoader = createElasticLoader({ toEcs });

  function event(id: string, minute: number, fields: EcsDocument): CloudTrailEvent {
    const e = makeEvent({ id, time: `t+${minute}`, timeMs: Date.UTC(2024, 0, 1) + minute * 60_000 });
    docs.set(id, { 'event.action': 'ConsoleLogin', ...fields });
    return e;
  }

  it('counts per group in a sliding window of the rule look-back and restarts after a hit', () => {
    const text = `${RULE_HEAD}type = "threshold"\nfrom = "now-6m"\nquery = "event.action: ConsoleLogin and event.outcome: failure"\n[rule.threshold]\nfield = ["cloud.account.id"]\nvalue = 3\n`;
    const rule = ok(aggLoader.load('t.toml', text)).rule as AggregateRule;
    assert.equal(rule.kind, 'aggregate');
    assert.deepEqual([...(rule.eventNames ?? [])], ['ConsoleLogin']);
    const failure = (id: string, minute: number, account: string) =>
      event(id, minute, { 'event.outcome': 'failure', 'cloud.account.id': account });
    const events = [
      failure('a1', 0, '111'),
      failure('a2', 2, '111'),
      failure('b1', 3, '222'),
      failure('a3', 5, '111'), // third for 111 within 6 minutes: hit
      failure('a4', 6, '111'),
      failure('a5', 7, '111'),
      failure('a6', 20, '111'), // a4, a5 are more than 6 minutes old by now
      failure('b2', 4, '222'),
    ];
    assert.equal(rule.matches(views(events[0]!, docs.get('a1')!)), true);
    assert.equal(
      rule.matches(
        views(makeEvent({ id: 'ok1' }), { 'event.action': 'ConsoleLogin', 'event.outcome': 'success' }),
      ),
      false,
    );
    const hits = rule.evaluate([...events].reverse());
    assert.deepEqual(
      hits.map((h) => h.event.id),
      ['a3'],
    );
    assert.deepEqual(hits[0]?.eventIds, ['a1', 'a2', 'a3']);
    assert.match(hits[0]?.summary ?? '', /3 events for cloud\.account\.id=111 within 6m \(threshold 3\)/);
    // Restart after the hit: a4, a5 and one more within 6 minutes make the next one.
    assert.deepEqual(
      rule.evaluate([...events, failure('a7', 8, '111')]).map((h) => h.event.id),
      ['a3', 'a7'],
    );
  });

  it('treats a combination as new when it was not seen in the history window, once the scan covers that window', () => {
    const text = `${RULE_HEAD}type = "new_terms"\nquery = "event.action: ConsoleLogin"\n[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["user.name", "source.ip"]\n[[rule.new_terms.history_window_start]]\nfield = "history_window_start"\nvalue = "now-1h"\n`;
    const result = ok(aggLoader.load('n.toml', text));
    const rule = result.rule as AggregateRule;
    assert.ok(result.warnings.some((w) => w.code === 'new-terms-history'));
    const login = (id: string, minute: number, user: string, ip: string) =>
      event(id, minute, { 'user.name': user, 'source.ip': ip });
    const events = [
      login('n1', 0, 'alice', '10.0.0.1'),
      login('n2', 30, 'bob', '10.0.0.2'), // within the first hour: cannot be judged
      login('n3', 61, 'alice', '10.0.0.1'), // seen 61 minutes ago: beyond the history, new again
      login('n4', 70, 'alice', '10.0.0.9'), // new combination
      login('n5', 80, 'alice', '10.0.0.9'), // seen 10 minutes ago
      login('n6', 85, 'bob', '10.0.0.2'), // seen 55 minutes ago
      event('n7', 90, { 'user.name': 'carol' }), // a field missing: no combination
    ];
    assert.deepEqual(
      rule.evaluate(events).map((h) => h.event.id),
      ['n3', 'n4'],
    );
    assert.match(rule.evaluate(events)[1]?.summary ?? '', /user\.name=alice, source\.ip=10\.0\.0\.9/);
  });

  it('rejects a threshold rule without a value and a new_terms rule without fields', () => {
    const threshold = aggLoader.load(
      't.toml',
      `${RULE_HEAD}type = "threshold"\nquery = "a: 1"\n[rule.threshold]\nfield = "x"\n`,
    );
    assert.ok(threshold.status === 'error' && threshold.issues[0]?.path === 'rule.threshold.value');
    const newTerms = aggLoader.load('n.toml', `${RULE_HEAD}type = "new_terms"\nquery = "a: 1"\n`);
    assert.ok(newTerms.status === 'error' && newTerms.issues[0]?.path === 'rule.new_terms.value');
  });
});
