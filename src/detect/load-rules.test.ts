// Tests rule loading from files and folders: every file gets a result, problems never stop the rest.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuleLoadResult } from '../model/index.ts';
import { RULE_FORMATS } from './formats/index.ts';
import { builtinRulesDir, loadBuiltinRules, loadRulePaths } from './load-rules.ts';

const shipped = join(builtinRulesDir(), 'iam-mfa-device-deactivated.yml');

function summary(results: readonly RuleLoadResult[], root: string): [string, string, string][] {
  return results.map((r) => [
    r.path.startsWith(root) ? r.path.slice(root.length + 1) : r.path,
    r.status,
    r.status === 'error' ? (r.issues[0]?.code ?? '') : r.status === 'ok' ? r.rule.meta.id : r.reason,
  ]);
}

describe('loadRulePaths', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mfaguard-rules-'));
    const text = readFileSync(shipped, 'utf8');
    mkdirSync(join(root, 'nested', 'deeper'), { recursive: true });
    mkdirSync(join(root, 'fixtures', 'a'), { recursive: true });
    mkdirSync(join(root, '.hidden'), { recursive: true });
    writeFileSync(join(root, 'a.yml'), text);
    writeFileSync(
      join(root, 'nested', 'deeper', 'b.yaml'),
      text.replace('id: mfaguard-iam-mfa-device-deactivated', 'id: b-rule'),
    );
    writeFileSync(join(root, 'nested', 'dup.yml'), text);
    writeFileSync(join(root, 'nested', 'broken.yml'), 'id: x\nmatch: {nope: 1}\n');
    writeFileSync(
      join(root, 'nested', 'latin1.yml'),
      Buffer.from([0x6d, 0x61, 0x74, 0x63, 0x68, 0x3a, 0x20, 0xe9, 0x0a]),
    );
    writeFileSync(join(root, 'nested', 'notes.yml'), 'just: some yaml\n');
    writeFileSync(join(root, 'README.md'), '# not a rule');
    writeFileSync(join(root, 'fixtures', 'a', 'ignored.yml'), text);
    writeFileSync(join(root, '.hidden', 'ignored.yml'), text);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('walks folders recursively, skips fixtures and hidden entries, and gives every rule file a result', () => {
    const results = loadRulePaths([root]);
    assert.deepEqual(summary(results, root), [
      ['a.yml', 'ok', 'mfaguard-iam-mfa-device-deactivated'],
      ['nested/broken.yml', 'error', 'missing-key'],
      ['nested/deeper/b.yaml', 'ok', 'b-rule'],
      ['nested/dup.yml', 'error', 'duplicate-rule-id'],
      ['nested/latin1.yml', 'error', 'rule-encoding'],
      ['nested/notes.yml', 'error', 'rule-format-unknown'],
    ]);
    const dup = results[3];
    assert.ok(dup?.status === 'error');
    assert.match(dup.issues[0]?.message ?? '', /already used by .*a\.yml/);
    const broken = results[1];
    assert.ok(broken?.status === 'error');
    assert.ok(broken.issues.some((i) => i.code === 'unknown-field' && i.line === 2));
  });

  it('loads a file named explicitly whatever its extension, and reports missing paths', () => {
    const results = loadRulePaths([join(root, 'README.md'), join(root, 'nope.yml'), join(root, 'a.yml')]);
    assert.deepEqual(summary(results, root), [
      ['README.md', 'error', 'rule-format-unknown'],
      ['nope.yml', 'error', 'rule-path-missing'],
      ['a.yml', 'ok', 'mfaguard-iam-mfa-device-deactivated'],
    ]);
    const missing = results[1];
    assert.ok(missing?.status === 'error');
    assert.equal(missing.issues[0]?.message, 'cannot open rule path: no such file or folder');
  });

  it('the registry starts with builtin and is alphabetical', () => {
    const ids = Object.keys(RULE_FORMATS);
    assert.ok(ids.includes('builtin'));
    assert.deepEqual(ids, [...ids].sort());
    for (const [id, loader] of Object.entries(RULE_FORMATS)) assert.equal(loader.id, id);
  });
});

describe('loadBuiltinRules', () => {
  it('loads every shipped rule with meta.path relative to the rules folder', () => {
    const results = loadBuiltinRules();
    assert.ok(results.length >= 7);
    for (const r of results) {
      assert.equal(r.status, 'ok', `${r.path}: ${JSON.stringify(r.status === 'error' ? r.issues : r)}`);
      if (r.status === 'ok') assert.equal(r.rule.meta.path, r.path.slice(builtinRulesDir().length));
    }
  });

  it('an unreadable rules folder is one error result, not an exception', () => {
    const results = loadBuiltinRules('/nonexistent/mfaguard/rules');
    assert.deepEqual(
      results.map((r) => [r.status, r.status === 'error' ? r.issues[0]?.code : '']),
      [['error', 'rules-dir-unreadable']],
    );
  });
});
