// The whole scan over real public CloudTrail (Stratus Red Team detonations, OTRF): no MFA removal, nothing suspicious.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScan } from './scan.ts';
import { CORPUS as SHARED_CORPUS, corpusMissing } from '../test-support/requirements.ts';

const CORPUS = `${SHARED_CORPUS}/`;
const STRATUS = `${CORPUS}stratus-red-team/docs/detonation-logs`;
const OTRF = `${CORPUS}otrf-security-datasets`;

describe('scan over the public corpus', () => {
  it('reads every Stratus and OTRF record, raises no MFA-removal alert and no suspicious classification', async (t) => {
    if (corpusMissing(t, STRATUS, OTRF)) return;
    const result = await runScan({ inputs: [STRATUS, OTRF], workers: 0 });
    assert.equal(result.stats.unreadable, 0, JSON.stringify(result.issues.slice(0, 3)));
    assert.ok(result.stats.events >= 400, `only ${result.stats.events} events`);
    const removals = result.alerts.filter((alert) => alert.event.name === 'DeactivateMFADevice');
    assert.deepEqual(removals, []);
    const suspicious = result.alerts.filter(
      (alert) => alert.classification === 'suspicious' || alert.classification === 'unauthorized',
    );
    assert.deepEqual(suspicious, []);
    // The one thing these captures should raise: Stratus' console sign-in without MFA.
    assert.deepEqual(
      result.alerts.map((alert) => alert.rule.id),
      ['mfaguard-console-sign-in-without-mfa'],
    );
  });
});
