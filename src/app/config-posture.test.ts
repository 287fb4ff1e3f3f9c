import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { UsageError } from '../model/index.ts';
import { parseConfig } from './config.ts';

const EXAMPLE = new URL('../../mfaguard.example.yml', import.meta.url);

describe('config: posture section', () => {
  it('the example file configures the scheduled audit', () => {
    const config = parseConfig(readFileSync(EXAMPLE, 'utf8'), 'mfaguard.example.yml');
    assert.deepEqual(config.posture, {
      intervalMs: 24 * 3_600_000,
      organization: false,
      accounts: ['444455556666'],
      roleName: 'OrganizationAccountAccessRole',
      provisionedGraceMs: 24 * 3_600_000,
    });
  });

  it('absent: no posture settings (serve runs no audit); present but empty: the defaults', () => {
    assert.equal(parseConfig('triage: {}\n', 'a.yml').posture, undefined);
    assert.equal(parseConfig('posture: {}\n', 'b.yml').posture?.intervalMs, 24 * 3_600_000);
  });

  it('names every wrong value by path', () => {
    let issues: readonly { path?: string }[] = [];
    try {
      parseConfig(
        'posture:\n  interval: 1m\n  organization: yes please\n  accounts: [1234]\n  role: "bad role"\n  provisionedGrace: soon\n  colour: blue\n',
        'c.yml',
      );
    } catch (error) {
      assert.ok(error instanceof UsageError);
      issues = error.issues;
    }
    assert.deepEqual(issues.map((issue) => issue.path).sort(), [
      'posture.accounts.0',
      'posture.colour',
      'posture.interval',
      'posture.organization',
      'posture.provisionedGrace',
      'posture.role',
    ]);
  });
});
