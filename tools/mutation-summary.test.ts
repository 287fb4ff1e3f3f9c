// The mutation score per folder, as Stryker defines it: killed and timed out over everything that ran or had no test.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatScores, readScore, reportName, scoreReport } from './mutation-summary.ts';

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
});
