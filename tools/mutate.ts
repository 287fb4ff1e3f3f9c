// `npm run mutate [target...]`: StrykerJS over the pure core, one target folder at a time, then a score per folder.
// Slow on purpose (every mutant re-runs the tests that cover it), so it stays out of `npm test`.
//
// `npm run mutate -- <target> --file <path> [--file <path>...] [--tests <glob>...]` mutates only the given files of
// one target (with the target's tests, or only the tests matching --tests), and keeps its report apart from the
// target's: a whole target takes hours on a shared machine, one file minutes. `--file <path>:<from>-<to>` mutates
// only those lines of the file (a big file cut into runs), with a report per range.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkRangeFits, formatFileSpec, lineCount, parseFileSpec } from './mutation-args.ts';
import { formatScores, readScore, reportName, type MutationRun } from './mutation-summary.ts';

const GOAL = 80;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targets = JSON.parse(readFileSync(path.join(root, 'tools', 'mutation-targets.json'), 'utf8')) as Record<
  string,
  { readonly mutate: readonly string[] }
>;

function fail(message: string): never {
  console.error(`mutate: ${message}`);
  process.exit(2);
}

function parse(): { readonly runs: readonly MutationRun[]; readonly summaryOnly: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        summary: { type: 'boolean', default: false },
        file: { type: 'string', multiple: true, default: [] },
        tests: { type: 'string', multiple: true, default: [] },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { positionals: asked, values } = parsed;
  const known = Object.keys(targets);
  const unknown = asked.filter((a) => !known.includes(a));
  if (unknown.length > 0) fail(`unknown target ${unknown.join(', ')}; known: ${known.join(', ')}`);
  let specs;
  try {
    specs = values.file.map(parseFileSpec);
  } catch (error) {
    fail((error as Error).message);
  }
  const files = specs.map((spec) => ({
    ...spec,
    file: path.relative(root, path.resolve(spec.file)).split(path.sep).join('/'),
  }));
  if (files.length === 0) {
    if (values.tests.length > 0) fail('--tests needs --file (a whole target always runs its own tests)');
    return {
      runs: (asked.length > 0 ? asked : known).map((target) => ({ target, files: [], tests: [] })),
      summaryOnly: values.summary,
    };
  }
  if (asked.length !== 1) fail('--file needs exactly one target, whose tests cover the file');
  const missing = files.filter((f) => !existsSync(path.join(root, f.file)));
  if (missing.length > 0) fail(`no such file: ${missing.map((f) => f.file).join(', ')}`);
  try {
    for (const spec of files)
      checkRangeFits(spec, lineCount(readFileSync(path.join(root, spec.file), 'utf8')));
  } catch (error) {
    fail((error as Error).message);
  }
  return {
    runs: [{ target: asked[0]!, files: files.map(formatFileSpec), tests: values.tests }],
    summaryOnly: values.summary,
  };
}

const { runs, summaryOnly } = parse();

// Stryker tests a copy of the project in .stryker-tmp/, where ../shared/corpus no longer resolves: point at it.
const corpus = path.resolve(root, '..', 'shared', 'corpus');
const env = { ...process.env, ...(existsSync(corpus) ? { MFAGUARD_CORPUS: corpus } : {}) };

let failed = false;
if (!summaryOnly) {
  for (const run of runs) {
    console.log(`\n== mutate ${reportName(run)} ==`);
    const result = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...env,
        MFAGUARD_MUTATE_TARGET: run.target,
        MFAGUARD_MUTATE_NAME: reportName(run),
        // Paths and globs contain no newline, so one per line survives the trip through the environment.
        MFAGUARD_MUTATE_FILES: run.files.join('\n'),
        MFAGUARD_MUTATE_TESTS: run.tests.join('\n'),
      },
    });
    if (result.status !== 0) {
      console.error(`mutate: stryker failed for ${reportName(run)} (exit ${result.status ?? result.signal})`);
      failed = true;
    }
  }
}

const scores = [];
for (const run of runs) {
  const name = reportName(run);
  try {
    scores.push(readScore(name, path.join(root, 'reports', 'mutation', `${name}.json`)));
  } catch (error) {
    console.error(`mutate: ${(error as Error).message}`);
    failed = true;
  }
}
if (scores.length > 0)
  console.log(`\nMutation score per folder (goal ${GOAL}%):\n${formatScores(scores, GOAL)}`);
process.exit(failed ? 1 : 0);
