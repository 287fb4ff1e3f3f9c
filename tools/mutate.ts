// `npm run mutate [target...]`: StrykerJS over the pure core, one target folder at a time, then a score per folder.
// Slow on purpose (every mutant re-runs the tests that cover it), so it stays out of `npm test`.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatScores, readScore } from './mutation-summary.ts';

const GOAL = 80;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targets = Object.keys(
  JSON.parse(readFileSync(path.join(root, 'tools', 'mutation-targets.json'), 'utf8')) as Record<
    string,
    unknown
  >,
);

const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary');
const asked = args.filter((a) => !a.startsWith('--'));
const unknown = asked.filter((a) => !targets.includes(a));
if (unknown.length > 0) {
  console.error(`mutate: unknown target ${unknown.join(', ')}; known: ${targets.join(', ')}`);
  process.exit(2);
}
const chosen = asked.length > 0 ? asked : targets;

// Stryker tests a copy of the project in .stryker-tmp/, where ../shared/corpus no longer resolves: point at it.
const corpus = path.resolve(root, '..', 'shared', 'corpus');
const env = { ...process.env, ...(existsSync(corpus) ? { MFAGUARD_CORPUS: corpus } : {}) };

let failed = false;
if (!summaryOnly) {
  for (const target of chosen) {
    console.log(`\n== mutate ${target} ==`);
    const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...env, MFAGUARD_MUTATE_TARGET: target },
    });
    if (run.status !== 0) {
      console.error(`mutate: stryker failed for ${target} (exit ${run.status ?? run.signal})`);
      failed = true;
    }
  }
}

const scores = [];
for (const target of chosen) {
  try {
    scores.push(readScore(target, path.join(root, 'reports', 'mutation', `${target}.json`)));
  } catch (error) {
    console.error(`mutate: ${(error as Error).message}`);
    failed = true;
  }
}
if (scores.length > 0)
  console.log(`\nMutation score per folder (goal ${GOAL}%):\n${formatScores(scores, GOAL)}`);
process.exit(failed ? 1 : 0);
