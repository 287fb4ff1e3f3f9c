// What must hold on realistic behaviour, judged by the real scan on generated episodes from seeds triage was not tuned
// on: rotations recognised, takeovers named, administrators' resets not called suspicious, root never a rotation; and
// the classification does not move with unrelated noise, another order of arrival, or another split into files.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateEpisodeMix } from '../generate/index.ts';
import type { EpisodeMix } from '../generate/index.ts';
import { severityRank } from '../model/index.ts';
import { runScan } from './scan.ts';
import { evaluateMix, formatMatrix, tabulate } from './triage-evaluation.ts';
import type { EvaluatedRemoval } from './triage-evaluation.ts';
import { assertProperty } from '../test-support/property.ts';

/** Seeds kept apart from the ones triage was developed on (1–20). */
const SEEDS = { large: 880_301, noise: 880_302, order: 880_303 } as const;

function share(removals: readonly EvaluatedRemoval[], ok: (removal: EvaluatedRemoval) => boolean): number {
  return removals.length === 0 ? 1 : removals.filter(ok).length / removals.length;
}

function describeMisses(removals: readonly EvaluatedRemoval[]): string {
  return removals
    .slice(0, 5)
    .map((r) => `${r.episode.variant} -> ${r.classification} (${r.reasons.join(', ')})`)
    .join('; ');
}

describe('triage on a large realistic mix', async () => {
  const mix = generateEpisodeMix({ seed: SEEDS.large, episodes: 1000 });
  const evaluation = await evaluateMix(mix);
  const of = (kind: string): EvaluatedRemoval[] => evaluation.removals.filter((r) => r.episode.kind === kind);

  it('prints its confusion matrix', () => {
    console.log(
      `\nconfusion matrix, seed ${SEEDS.large}, ${mix.episodes.length} episodes:\n${formatMatrix(evaluation.matrix)}`,
    );
    assert.ok(evaluation.removals.length >= mix.episodes.length);
    assert.equal(
      evaluation.removals.filter((r) => r.classification === 'none').length,
      0,
      'every removal is triaged',
    );
  });

  it('recognises at least 95% of self-service rotations as rotations', () => {
    const rotations = of('rotation');
    assert.ok(rotations.length >= 200, `only ${rotations.length} rotations`);
    const misses = rotations.filter((r) => r.classification !== 'rotation');
    assert.ok(share(rotations, (r) => r.classification === 'rotation') >= 0.95, describeMisses(misses));
  });

  it("names every takeover, with or without the intruder's own device, suspicious at high severity or more", () => {
    for (const kind of ['takeover', 'takeover-own-device']) {
      const takeovers = of(kind);
      assert.ok(takeovers.length >= 50, `only ${takeovers.length} ${kind}`);
      const misses = takeovers.filter(
        (r) =>
          r.classification !== 'suspicious' ||
          r.severity === 'none' ||
          severityRank(r.severity) < severityRank('high'),
      );
      assert.deepEqual(misses, [], `${kind}: ${describeMisses(misses)}`);
    }
  });

  it("calls no administrator's reset suspicious without another signal", () => {
    const resets = of('admin-reset');
    assert.ok(resets.length >= 100, `only ${resets.length} resets`);
    const suspicious = resets.filter((r) => r.classification === 'suspicious');
    assert.deepEqual(suspicious, [], describeMisses(suspicious));
    assert.ok(share(resets, (r) => r.classification === 'admin-reset') === 1);
  });

  it('never calls root a rotation, and always critical', () => {
    const roots = of('root');
    assert.ok(roots.length >= 20);
    assert.deepEqual(
      roots.filter((r) => r.classification === 'rotation' || r.severity !== 'critical'),
      [],
    );
  });
});

/** Classification and severity of every episode's removals, keyed by eventID. */
function verdicts(mix: EpisodeMix, alerts: Parameters<typeof tabulate>[1]): Map<string, string> {
  return new Map(
    tabulate(mix.episodes, alerts).removals.map((r) => [
      r.eventId,
      `${r.classification}/${r.severity}/${r.riskScore}`,
    ]),
  );
}

describe('the classification is a property of the events, not of how they arrive', () => {
  it('does not change when unrelated noise is added', async () => {
    const quiet = generateEpisodeMix({ seed: SEEDS.noise, episodes: 120, accounts: 2 });
    const noisy = generateEpisodeMix({ seed: SEEDS.noise, episodes: 120, accounts: 2, noisePerDay: 100 });
    assert.ok(noisy.records.length > quiet.records.length + 5_000);
    const [a, b] = await Promise.all([evaluateMix(quiet), evaluateMix(noisy)]);
    assert.deepEqual(verdicts(noisy, b.alerts), verdicts(quiet, a.alerts));
  });

  it('does not change with the order of records or their split into files', async () => {
    const mix = generateEpisodeMix({ seed: SEEDS.order, episodes: 60, accounts: 2, historyDays: 10 });
    const expected = verdicts(mix, (await evaluateMix(mix)).alerts);
    await assertProperty(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), {
          minLength: mix.records.length,
          maxLength: mix.records.length,
        }),
        fc.array(fc.integer({ min: 1, max: mix.records.length }), { minLength: 1, maxLength: 6 }),
        async (keys, cuts) => {
          // A random permutation (sort by random keys), cut into files at random points.
          const shuffled = mix.records
            .map((record, i) => ({ record, key: keys[i] ?? 0, i }))
            .sort((x, y) => x.key - y.key || x.i - y.i)
            .map((entry) => entry.record);
          const bounds = [...new Set([0, ...cuts, shuffled.length])].sort((x, y) => x - y);
          const dir = mkdtempSync(join(tmpdir(), 'mfaguard-order-'));
          try {
            for (let f = 0; f + 1 < bounds.length; f++) {
              writeFileSync(
                join(dir, `part-${f}.json`),
                JSON.stringify({ Records: shuffled.slice(bounds[f], bounds[f + 1]) }),
              );
            }
            const result = await runScan({ inputs: [dir], workers: 0 });
            assert.deepEqual(verdicts(mix, result.alerts), expected);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 4 },
    );
  });
});
