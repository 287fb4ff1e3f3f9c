// Tests the fixture runner behind `mfaguard rules test`: pass, fail and why.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AggregateRule, RuleLoadResult, RuleMeta } from '../model/index.ts';
import { fixtureDirFor, runRuleFixtures } from './fixtures.ts';
import { builtinRulesDir, loadRulePaths } from './load-rules.ts';

const SHIPPED = builtinRulesDir();
const RULE = 'iam-mfa-device-deactivated';

function shippedFixture(kind: string, name: string): string {
  return join(SHIPPED, 'fixtures', RULE, kind, name);
}

describe('runRuleFixtures', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mfaguard-fixtures-'));
    copyFileSync(join(SHIPPED, `${RULE}.yml`), join(root, `${RULE}.yml`));
    const dir = fixtureDirFor(join(root, `${RULE}.yml`));
    mkdirSync(join(dir, 'must-fire'), { recursive: true });
    mkdirSync(join(dir, 'must-not-fire'), { recursive: true });
    copyFileSync(shippedFixture('must-fire', 'root-own-device.json'), join(dir, 'must-fire', 'a-good.json'));
    // Misfiled on purpose: a refused call cannot fire, a successful one cannot stay silent.
    copyFileSync(
      shippedFixture('must-not-fire', 'access-denied.json'),
      join(dir, 'must-fire', 'b-refused.json'),
    );
    copyFileSync(
      shippedFixture('must-fire', 'root-own-device.json'),
      join(dir, 'must-not-fire', 'c-success.json'),
    );
    writeFileSync(join(dir, 'must-fire', 'd-not-json.json'), '{"eventName": ');
    writeFileSync(join(dir, 'must-fire', 'e-wrong-shape.json'), JSON.stringify({ eventName: 42 }));
    writeFileSync(join(dir, 'must-fire', 'f-empty-array.json'), '[]');
    const ok = JSON.parse(readFileSync(shippedFixture('must-fire', 'root-own-device.json'), 'utf8'));
    writeFileSync(
      join(dir, 'must-not-fire', 'g-records.json'),
      JSON.stringify({ Records: [{ ...ok, errorCode: 'AccessDenied' }, ok] }),
    );
    writeFileSync(join(dir, 'must-fire', 'notes.txt'), 'ignored: not JSON by extension');
    // A second rule with no fixtures at all.
    const other = readFileSync(join(SHIPPED, 'iam-virtual-mfa-device-deleted.yml'), 'utf8');
    writeFileSync(join(root, 'lonely.yml'), other);
    writeFileSync(join(root, 'broken.yml'), 'match: {name: x}\nid: broken\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('says for each fixture whether it passed and why, with the failing condition', () => {
    const reports = runRuleFixtures(loadRulePaths([join(root, `${RULE}.yml`)]));
    assert.equal(reports.length, 1);
    const report = reports[0];
    assert.equal(report?.outcome, 'fail');
    assert.equal(report?.ruleId, 'mfaguard-iam-mfa-device-deactivated');
    assert.deepEqual(report?.problems, []);
    const rows = report?.fixtures.map((f) => [
      f.file.slice(f.file.lastIndexOf('/') + 1),
      f.expect,
      f.passed,
      f.reason,
    ]);
    assert.deepEqual(rows, [
      ['a-good.json', 'must-fire', true, 'fired'],
      [
        'b-refused.json',
        'must-fire',
        false,
        'the record did not fire: match.all[2].outcome: expected outcome is "success", but outcome is "failure"',
      ],
      ['d-not-json.json', 'must-fire', false, rows?.[2]?.[3]],
      ['e-wrong-shape.json', 'must-fire', false, rows?.[3]?.[3]],
      ['f-empty-array.json', 'must-fire', false, 'fixture holds an empty array: give at least one record'],
      [
        'c-success.json',
        'must-not-fire',
        false,
        'the record fired (DeactivateMFADevice, outcome success, actor Root)',
      ],
      [
        'g-records.json',
        'must-not-fire',
        false,
        'record 1 fired (DeactivateMFADevice, outcome success, actor Root)',
      ],
    ]);
    assert.match(String(rows?.[2]?.[3]), /^fixture not JSON: /);
    assert.match(String(rows?.[3]?.[3]), /^record 0 is not a usable CloudTrail record: .*eventName/);
  });

  it('a built-in rule without fixtures fails; foreign rules need none unless asked', () => {
    const results = loadRulePaths([join(root, 'lonely.yml')]);
    const [report] = runRuleFixtures(results);
    assert.equal(report?.outcome, 'fail');
    assert.equal(report?.problems.length, 2);
    assert.match(report?.problems[0] ?? '', /^missing fixture folder .*fixtures\/lonely\/must-fire$/);
    assert.equal(runRuleFixtures(results, { requireFixtures: false })[0]?.outcome, 'pass');
  });

  it('load errors and unsupported rules are reported, not skipped', () => {
    const [broken] = runRuleFixtures(loadRulePaths([join(root, 'broken.yml')]));
    assert.equal(broken?.outcome, 'error');
    assert.ok((broken?.problems.length ?? 0) > 0);
    const unsupported: RuleLoadResult = {
      status: 'unsupported',
      path: 'x.toml',
      meta: { id: 'x' },
      reason: 'threshold rules are not supported',
    };
    assert.deepEqual(runRuleFixtures([unsupported])[0], {
      path: 'x.toml',
      ruleId: 'x',
      ruleName: null,
      outcome: 'unsupported',
      fixtures: [],
      problems: ['threshold rules are not supported'],
    });
  });

  it('aggregate rules are judged over all records of a fixture together', () => {
    const dir = join(root, 'fixtures', 'burst');
    mkdirSync(join(dir, 'must-fire'), { recursive: true });
    mkdirSync(join(dir, 'must-not-fire'), { recursive: true });
    const ok = JSON.parse(readFileSync(shippedFixture('must-fire', 'root-own-device.json'), 'utf8'));
    writeFileSync(join(dir, 'must-fire', 'two.json'), JSON.stringify([ok, { ...ok, eventID: 'other' }]));
    writeFileSync(join(dir, 'must-not-fire', 'one.json'), JSON.stringify(ok));
    const meta = { id: 'burst', name: 'burst', format: 'builtin', path: 'burst.yml' } as RuleMeta;
    const rule: AggregateRule = {
      kind: 'aggregate',
      meta,
      eventNames: null,
      eventSources: null,
      matches: (views) => views.event.name === 'DeactivateMFADevice',
      evaluate: (events) =>
        events.length >= 2
          ? [{ event: events[0]!, summary: `${events.length} removals`, eventIds: events.map((e) => e.id) }]
          : [],
    };
    const [report] = runRuleFixtures([{ status: 'ok', path: join(root, 'burst.yml'), rule, warnings: [] }]);
    assert.equal(report?.outcome, 'pass', JSON.stringify(report));
    assert.deepEqual(
      report?.fixtures.map((f) => f.reason),
      ['1 hit(s): 2 removals', 'no hit (1 of 1 records passed the prefilter)'],
    );
  });
});
