// `mfaPolicies` in the configuration: the MFA-enforcing policies whose explicit denies the denial KPI counts.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { UsageError } from '../model/index.ts';
import { parseConfig } from './config.ts';

const EXAMPLE = new URL('../../mfaguard.example.yml', import.meta.url);

describe('config: mfaPolicies', () => {
  it('the example file names a policy by name and one by ARN; absent or empty: none', () => {
    const config = parseConfig(readFileSync(EXAMPLE, 'utf8'), 'mfaguard.example.yml');
    assert.deepEqual(config.mfaPolicies, [
      'RequireSecondFactor',
      'arn:aws:iam::111122223333:policy/security/DenyWithoutToken',
    ]);
    assert.deepEqual(parseConfig('triage: {}\n', 'a.yml').mfaPolicies, []);
    assert.deepEqual(parseConfig('mfaPolicies:\n', 'b.yml').mfaPolicies, []);
  });

  it('names every wrong entry with its line and what a policy reference looks like', () => {
    let issues: readonly { path?: string; line?: number; message: string }[] = [];
    try {
      parseConfig('mfaPolicies:\n  - ForceMFA\n  - "has space"\n  - 42\n', 'c.yml');
    } catch (error) {
      assert.ok(error instanceof UsageError);
      issues = error.issues;
    }
    assert.deepEqual(
      issues.map((issue) => [issue.path, issue.line]),
      [
        ['mfaPolicies.1', 3],
        ['mfaPolicies.2', 4],
      ],
    );
    assert.match(issues[0]!.message, /policy name \(ForceMFA\) or ARN/);
    let whole = '';
    try {
      parseConfig('mfaPolicies: ForceMFA\n', 'd.yml');
    } catch (error) {
      whole = error instanceof UsageError ? error.issues.map((issue) => issue.message).join() : '';
    }
    assert.match(whole, /expected a list of policy names or ARNs/);
  });
});
