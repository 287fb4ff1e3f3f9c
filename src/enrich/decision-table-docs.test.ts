// docs/triage.md shows users the evidence table (code, weight, role): it must say what decision-table.ts does.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EVIDENCE } from './decision-table.ts';

const DOC = readFileSync(new URL('../../docs/triage.md', import.meta.url), 'utf8');

/** `code weight role` for every row of the evidence table (a row may name several codes). */
function documented(): string[] {
  const rows: string[] = [];
  for (const line of DOC.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // | code | weight | role | when |  -> ['', code, weight, role, when, '']
    if (cells.length !== 6 || !cells[1]?.startsWith('`')) continue;
    const weight = /^[+]?(\d+)/.exec(cells[2] ?? '')?.[1];
    if (weight === undefined) continue;
    for (const code of (cells[1] ?? '').matchAll(/`([a-z-]+)`/g))
      rows.push(`${code[1]} ${weight} ${cells[3]}`);
  }
  return rows.sort();
}

describe('the evidence table in docs/triage.md', () => {
  it('lists every piece of evidence with the weight and role the code gives it, and nothing else', () => {
    const code = Object.entries(EVIDENCE)
      .map(([name, spec]) => `${name} ${spec.weight} ${spec.role}`)
      .sort();
    assert.deepEqual(documented(), code);
  });

  it('the check bites: a wrong weight or role in the doc is a difference', () => {
    const rows = documented();
    assert.ok(rows.length >= 30, `expected the whole table, read ${rows.length} rows`);
    assert.ok(rows.includes('attacker-device 25 takeover'));
    assert.ok(rows.includes('re-enrolled-before 0 context'));
  });
});
