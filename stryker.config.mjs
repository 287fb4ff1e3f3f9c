// StrykerJS configuration for `npm run mutate`: one target of tools/mutation-targets.json per run (chosen by
// MFAGUARD_MUTATE_TARGET), one test process at a time, incremental so a re-run only tests what changed.
import { readFileSync } from 'node:fs';

const targets = JSON.parse(readFileSync(new URL('./tools/mutation-targets.json', import.meta.url), 'utf8'));
const name = process.env.MFAGUARD_MUTATE_TARGET ?? '';
const target = targets[name];
if (target === undefined) {
  throw new Error(`MFAGUARD_MUTATE_TARGET must be one of ${Object.keys(targets).join(', ')}; got "${name}"`);
}

export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  tap: {
    testFiles: target.tests,
    // tsx runs the TypeScript tests as `npm test` does; the TAP reporter is what the runner reads.
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  mutate: [...target.mutate, '!**/*.test.ts', '!**/test-support/**'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['json', 'progress-append-only'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 20000,
};
