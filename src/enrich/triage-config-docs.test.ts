// docs/triage.md tells users the default windows of triage ("What is correlated"): DEFAULT_TRIAGE_CONFIG must be them,
// and a configuration that says nothing about people, hours or approvals must trust no one and approve nothing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_TRIAGE_CONFIG } from './triage-config.ts';

const DOC = readFileSync(new URL('../../docs/triage.md', import.meta.url), 'utf8');
const UNIT_MS: Readonly<Record<string, number>> = { min: 60_000, h: 3_600_000, days: 86_400_000 };

/** `1 h` → 3,600,000; `15 min` → 900,000; `30 days` → 2,592,000,000. */
function duration(text: string): number {
  const match = /^(\d+) (min|h|days)$/.exec(text.trim());
  assert.ok(match, `not a duration: ${text}`);
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
}

/** The default cell of each row of the windows table, by the setting it names. */
function documentedDefaults(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of DOC.split('\n')) {
    // | window | 1 h (`triage.graceWindow`) | what |
    const cell = /^\| [^|]+ \| ([^|(]+) \(`triage\.([A-Za-z]+)`\) \|/.exec(line);
    if (cell) out.set(cell[2] ?? '', (cell[1] ?? '').trim());
  }
  return out;
}

describe('the default triage configuration', () => {
  const documented = documentedDefaults();

  it('has the windows docs/triage.md gives', () => {
    assert.deepEqual([...documented.keys()].sort(), [
      'burst',
      'followUpWindow',
      'graceWindow',
      'lookbackDays',
      'precursorWindow',
    ]);
    assert.equal(DEFAULT_TRIAGE_CONFIG.precursorWindowMs, duration(documented.get('precursorWindow') ?? ''));
    assert.equal(DEFAULT_TRIAGE_CONFIG.graceWindowMs, duration(documented.get('graceWindow') ?? ''));
    assert.equal(DEFAULT_TRIAGE_CONFIG.followUpWindowMs, duration(documented.get('followUpWindow') ?? ''));
    assert.equal(DEFAULT_TRIAGE_CONFIG.lookbackMs, duration(documented.get('lookbackDays') ?? ''));
    const burst = /^(\d+) users in (.+)$/.exec(documented.get('burst') ?? '');
    assert.ok(burst, `burst default: ${documented.get('burst')}`);
    assert.equal(DEFAULT_TRIAGE_CONFIG.burstCount, Number(burst[1]));
    assert.equal(DEFAULT_TRIAGE_CONFIG.burstWindowMs, duration(burst[2] ?? ''));
  });

  it('reads the units as users do (the check bites on a wrong unit)', () => {
    assert.equal(duration('1 h'), 3_600_000);
    assert.equal(duration('15 min'), 900_000);
    assert.equal(duration('30 days'), 2_592_000_000);
    assert.throws(() => duration('1 hour'));
  });

  it('names no working hours, no privileged, break-glass or administrator user, no owner and no approval', () => {
    assert.equal(DEFAULT_TRIAGE_CONFIG.workingHours, null);
    assert.deepEqual([...DEFAULT_TRIAGE_CONFIG.privilegedUsers], []);
    assert.deepEqual([...DEFAULT_TRIAGE_CONFIG.breakGlassUsers], []);
    assert.deepEqual([...DEFAULT_TRIAGE_CONFIG.administrators], []);
    assert.deepEqual([...DEFAULT_TRIAGE_CONFIG.owners], []);
    assert.deepEqual(DEFAULT_TRIAGE_CONFIG.approvals, []);
  });
});
