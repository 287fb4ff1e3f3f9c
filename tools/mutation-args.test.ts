// `--file <path>:<from>-<to>`: a range of lines of a big file, mutated alone, with its own report.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkRangeFits, formatFileSpec, lineCount, parseFileSpec } from './mutation-args.ts';
import { reportName } from './mutation-summary.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

void describe('mutation --file ranges', () => {
  void it('splits a file from its range of lines, and writes it back as Stryker takes it', () => {
    const whole = parseFileSpec('src/posture/policy/document.ts');
    assert.deepEqual(whole, { file: 'src/posture/policy/document.ts', lines: null });
    const range = parseFileSpec('src/posture/policy/document.ts:120-260');
    assert.deepEqual(range, { file: 'src/posture/policy/document.ts', lines: { from: 120, to: 260 } });
    assert.equal(formatFileSpec(range), 'src/posture/policy/document.ts:120-260');
    assert.equal(formatFileSpec(whole), 'src/posture/policy/document.ts');
    // One line is a range too; a Windows-style path keeps its drive letter's colon.
    assert.deepEqual(parseFileSpec('src/a.ts:7-7').lines, { from: 7, to: 7 });
    assert.deepEqual(parseFileSpec('C:/w/src/a.ts:1-9'), {
      file: 'C:/w/src/a.ts',
      lines: { from: 1, to: 9 },
    });
  });

  void it('refuses a range that names no line, runs backwards or is half written', () => {
    assert.throws(() => parseFileSpec('src/a.ts:0-10'), /^Error: src\/a\.ts:0-10: lines start at 1$/);
    assert.throws(
      () => parseFileSpec('src/a.ts:20-10'),
      /^Error: src\/a\.ts:20-10: the range ends \(10\) before it starts \(20\)$/,
    );
    for (const typo of ['src/a.ts:120', 'src/a.ts:120-', 'src/a.ts:5:4-6:4'])
      assert.throws(() => parseFileSpec(typo), /a range of lines is written <file>:<from>-<to>/, typo);
  });

  void it('refuses a range that starts past the end of the file', () => {
    assert.equal(lineCount('a\nb\n'), 2);
    assert.equal(lineCount('a\nb'), 2);
    assert.equal(lineCount(''), 0);
    checkRangeFits(parseFileSpec('src/a.ts:2-9'), 2); // ends past the end: Stryker stops at the last line
    checkRangeFits(parseFileSpec('src/a.ts'), 0);
    assert.throws(
      () => checkRangeFits(parseFileSpec('src/a.ts:3-9'), 2),
      /^Error: src\/a\.ts:3-9: src\/a\.ts has only 2 lines$/,
    );
  });

  void it('keeps the report of each range apart from the whole file and from the other ranges', () => {
    const run = (...files: string[]) => reportName({ target: 'posture-policy', files, tests: [] });
    const whole = run('src/posture/policy/document.ts');
    const first = run('src/posture/policy/document.ts:1-200');
    const second = run('src/posture/policy/document.ts:201-544');
    assert.equal(whole, 'posture-policy@posture.policy.document');
    assert.equal(first, 'posture-policy@posture.policy.document.L1-200');
    assert.equal(second, 'posture-policy@posture.policy.document.L201-544');
    assert.equal(
      run('src/posture/policy/document.ts:1-200', 'src/posture/policy/arn.ts'),
      'posture-policy@posture.policy.document.L1-200+posture.policy.arn',
    );
  });

  void it('npm run mutate says what is wrong with a range before starting Stryker', () => {
    const mutate = (...args: string[]) =>
      // --summary: were the check ever to let a bad range through, only a report is read, no Stryker run starts.
      spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'tools', 'mutate.ts'), '--summary', ...args],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
    const backwards = mutate('posture-policy', '--file', 'src/posture/policy/arn.ts:50-10');
    assert.equal(backwards.status, 2);
    assert.match(
      backwards.stderr,
      /mutate: src\/posture\/policy\/arn\.ts:50-10: the range ends \(10\) before it starts \(50\)/,
    );
    const past = mutate('posture-policy', '--file', 'src/posture/policy/arn.ts:5000-6000');
    assert.equal(past.status, 2);
    assert.match(
      past.stderr,
      /mutate: src\/posture\/policy\/arn\.ts:5000-6000: src\/posture\/policy\/arn\.ts has only \d+ lines/,
    );
    const missing = mutate('posture-policy', '--file', 'src/posture/policy/nothing.ts:1-5');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /mutate: no such file: src\/posture\/policy\/nothing\.ts/);
  });
});
