// Golden files: the rules' real-shaped CloudTrail fixtures, normalised and mapped to ECS, compared with testdata/*.golden.json.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { format, resolveConfig } from 'prettier';

import type { EcsDocument } from '../../model/index.ts';
import { normalizeRecord } from './normalize-record.ts';
import { filesUnder } from './test-support/test-corpus.ts';
import { toEcs } from './to-ecs.ts';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface Sample {
  readonly location: string;
  readonly records: readonly unknown[];
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Our own real-shaped records: the built-in rules' fixtures. The public corpus is checked by the conformance
 * tests but never copied into the repository, not even as derived goldens (its licences and README say so).
 */
function fixtureSamples(): Sample[] {
  const root = path.join(REPO, 'rules', 'fixtures');
  return filesUnder(root, '.json').map((file) => ({
    location: path.relative(REPO, file),
    records: [JSON.parse(readFileSync(file, 'utf8')) as unknown],
  }));
}

/** The golden view of a record: the typed event without what merely repeats the input, and its ECS view. */
function goldenOf(sample: Sample): unknown[] {
  return sample.records.map((record, index) => {
    const result = normalizeRecord(record, { location: sample.location, index });
    if (!result.ok) return { issue: result.issue };
    const {
      raw: _raw,
      requestParameters: _rp,
      responseElements: _re,
      additionalEventData: _ad,
      ...event
    } = result.event;
    return { event, ecs: sortedEcs(toEcs(result.event)) };
  });
}

/** ECS fields sorted by name; the flattened copies are left out, as they repeat the input leaf by leaf. */
function sortedEcs(doc: EcsDocument): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(doc).sort())
    if (!key.startsWith('aws.cloudtrail.flattened.')) sorted[key] = doc[key];
  return sorted;
}

const GOLDENS: readonly (readonly [name: string, load: () => Sample[]])[] = [
  ['rule-fixtures', fixtureSamples],
];

describe('normalisation goldens over real-shaped CloudTrail records', () => {
  for (const [name, load] of GOLDENS) {
    it(`${name} matches testdata/${name}.golden.json`, async () => {
      const samples = load();
      assert.ok(samples.length > 0, `no ${name} samples found`);
      const actual = JSON.parse(
        JSON.stringify(samples.map((sample) => ({ location: sample.location, results: goldenOf(sample) }))),
      ) as unknown;
      const file = path.join(TESTDATA, `${name}.golden.json`);
      if (UPDATE) {
        // Written as Prettier would, so the checked-in goldens pass the format check unchanged.
        const options = (await resolveConfig(file)) ?? {};
        writeFileSync(file, await format(JSON.stringify(actual), { ...options, filepath: file }));
        return;
      }
      assert.ok(
        existsSync(file),
        `${file} is missing: run with UPDATE_GOLDEN=1 once, review it, and check it in`,
      );
      assert.deepEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
