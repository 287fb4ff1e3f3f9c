// The mutation score per folder, as Stryker defines it: killed and timed out over everything that ran or had no test.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MAX_REPORT_NAME, formatScores, readScore, reportName, scoreReport } from './mutation-summary.ts';

const mutants = (...statuses: string[]) => statuses.map((status, i) => ({ id: String(i), status }));

void describe('mutation summary', () => {
  void it('scores a report: compile errors and ignored mutants do not count', () => {
    const report = {
      schemaVersion: '2',
      files: {
        'src/a.ts': { mutants: mutants('Killed', 'Killed', 'Survived', 'Timeout', 'CompileError') },
        'src/b.ts': { mutants: mutants('NoCoverage', 'Killed', 'Ignored', 'RuntimeError') },
      },
    };
    assert.deepEqual(scoreReport('enrich', report), {
      target: 'enrich',
      killed: 3,
      timedOut: 1,
      survived: 1,
      noCoverage: 1,
      score: (100 * 4) / 6,
    });
    assert.equal(scoreReport('empty', { files: {} }).score, null);
  });

  void it('prints one line per folder and marks those under the goal', () => {
    const text = formatScores(
      [
        { target: 'enrich', killed: 84, timedOut: 1, survived: 15, noCoverage: 0, score: 85 },
        { target: 'posture-checks', killed: 60, timedOut: 0, survived: 40, noCoverage: 0, score: 60 },
        { target: 'none', killed: 0, timedOut: 0, survived: 0, noCoverage: 0, score: null },
      ],
      80,
    );
    assert.equal(
      text,
      [
        'enrich           85.0%  killed 84 + 1 timed out, 15 survived, 0 without tests',
        'posture-checks   60.0%  killed 60 + 0 timed out, 40 survived, 0 without tests  (below 80%)',
        'none               n/a  killed 0 + 0 timed out, 0 survived, 0 without tests',
      ].join('\n'),
    );
  });

  void it('says which report is missing or broken', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mfaguard-mutation-'));
    try {
      assert.throws(
        () => readScore('cases', path.join(dir, 'cases.json')),
        /^Error: cases: no report at .*\(ENOENT\)$/,
      );
      writeFileSync(path.join(dir, 'bad.json'), '{"files": ');
      assert.throws(() => readScore('bad', path.join(dir, 'bad.json')), /bad: .*bad\.json is not JSON/);
      writeFileSync(path.join(dir, 'other.json'), '{"thresholds": {}}');
      assert.throws(() => readScore('other', path.join(dir, 'other.json')), /not a Stryker JSON report/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('mutation report names', () => {
  void it('keeps a per-file run apart from its target and from other files', () => {
    assert.equal(reportName({ target: 'posture-checks', files: [], tests: [] }), 'posture-checks');
    const one = reportName({ target: 'posture-checks', files: ['src/posture/checks/check.ts'], tests: [] });
    assert.equal(one, 'posture-checks@posture.checks.check');
    const other = reportName({
      target: 'posture-checks',
      files: ['src/posture/checks/iam_user_mfa_enforced_by_policy/index.ts'],
      tests: [],
    });
    assert.equal(other, 'posture-checks@posture.checks.iam_user_mfa_enforced_by_policy.index');
    const two = reportName({
      target: 'posture-policy',
      files: ['src/posture/policy/arn.ts', 'src/posture/policy/wildcard.ts'],
      tests: ['src/posture/policy/arn.test.ts'],
    });
    assert.equal(two, 'posture-policy@posture.policy.arn+posture.policy.wildcard');
  });

  void it('shortens the name of a run over many files with a stable hash, so it still fits a file name', () => {
    const checks = [
      'iam_user_mfa_enforced_by_policy',
      'iam_root_hardware_mfa_enabled',
      'iam_user_hardware_mfa_enabled',
      'iam_console_user_without_mfa',
      'iam_root_mfa_enabled',
      'iam_user_access_key_unused',
      'iam_user_console_access_unused',
      'iam_user_no_setup_initial_access_key',
      'iam_user_two_active_access_keys',
      'iam_virtual_mfa_device_unassigned',
    ];
    const files = checks.map((check) => `src/posture/checks/${check}/index.ts`);
    const name = reportName({ target: 'posture-checks', files, tests: [] });
    assert.ok(name.length <= MAX_REPORT_NAME, `${name.length} characters`);
    assert.match(
      name,
      /^posture-checks@posture\.checks\.iam_user_mfa_enforced_by_policy\.index\+.*~[0-9a-f]{16}$/,
    );
    // The same run always finds its report again; a run that differs only past the cut has a report of its own.
    assert.equal(reportName({ target: 'posture-checks', files: [...files], tests: [] }), name);
    const changed = [...files.slice(0, -1), 'src/posture/checks/iam_user_mfa_enforced_by_policy/inputs.ts'];
    assert.notEqual(reportName({ target: 'posture-checks', files: changed, tests: [] }), name);
    // Every file the run writes under that name can be made (the old name died here with ENAMETOOLONG).
    const dir = mkdtempSync(path.join(tmpdir(), 'mutation-name-'));
    try {
      for (const suffix of ['.json', '.incremental.json', '.test.mjs'])
        writeFileSync(path.join(dir, name + suffix), '');
      mkdirSync(path.join(dir, name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('keeps a name of up to MAX_REPORT_NAME characters as it is', () => {
    const target = 'posture-policy';
    const room = MAX_REPORT_NAME - `${target}@policy.`.length;
    const exact = reportName({ target, files: [`src/policy/${'a'.repeat(room)}.ts`], tests: [] });
    assert.equal(exact, `${target}@policy.${'a'.repeat(room)}`);
    assert.equal(exact.length, MAX_REPORT_NAME);
    const over = reportName({ target, files: [`src/policy/${'a'.repeat(room + 1)}.ts`], tests: [] });
    assert.equal(over.length, MAX_REPORT_NAME);
    assert.match(over, /^posture-policy@policy\.a+~[0-9a-f]{16}$/);
  });
});
