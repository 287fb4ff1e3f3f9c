// Holds the ECS view against Elastic's own expected output for raw CloudTrail events (../shared/corpus), all mismatches at once.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';

import { normalizeRecord } from './normalize-record.ts';
import { CORPUS, corpusMissing } from '../../test-support/requirements.ts';
import { corpusDir, readJsonLines } from './test-support/test-corpus.ts';
import { toEcs } from './to-ecs.ts';

interface ExpectedPair {
  readonly source_file: string;
  readonly index: number;
  readonly raw_event_original: unknown;
  readonly expected_ecs: Record<string, unknown>;
}

describe('ECS view against Elastic’s pipeline test expectations', () => {
  it('produces every expected field with the expected value', (t) => {
    const corpus = corpusDir();
    if (corpus === null) return void corpusMissing(t, CORPUS);
    const pairs = readJsonLines(
      path.join(corpus, 'elastic-integrations', 'aws_cloudtrail_pipeline_expected_ecs_subset.jsonl'),
    ) as ExpectedPair[];
    assert.ok(pairs.length >= 7, `expected at least 7 pairs, found ${pairs.length}`);
    const mismatches: string[] = [];
    let checked = 0;
    pairs.forEach((pair, line) => {
      const where = `${path.basename(pair.source_file)}#${pair.index} (line ${line + 1})`;
      const result = normalizeRecord(pair.raw_event_original, {
        location: pair.source_file,
        index: pair.index,
      });
      if (!result.ok) {
        mismatches.push(`${where}: not normalised: ${result.issue.message}`);
        return;
      }
      const doc = toEcs(result.event);
      for (const [field, expected] of Object.entries(pair.expected_ecs)) {
        checked += 1;
        const actual = doc[field];
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          mismatches.push(
            `${where}: ${field} expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
          );
        }
      }
    });
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${checked} expected fields differ`);
    assert.ok(checked > 50, `only ${checked} fields checked`);
  });
});
