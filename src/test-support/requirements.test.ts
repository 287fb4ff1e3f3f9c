// Proves CI cannot pass by skipping: a tiny test file that needs PostgreSQL, Chromium or the corpus, pointed at
// one that is absent, fails under MFAGUARD_REQUIRE_<X>=1 and skips loudly without it. Also guards that every skip
// in the suite goes through requirements.ts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REQUIRE_VARIABLES } from './requirements.ts';
import type { Requirement } from './requirements.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mfaguard-require-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const url = (relative: string): string => pathToFileURL(path.join(REPO, relative)).href;

/** Each tiny test file asks for its dependency exactly as the real tests do. */
const CASES: Record<Requirement, { body: string; absent: Record<string, string> }> = {
  corpus: {
    body: `import { CORPUS, corpusMissing } from '${url('src/test-support/requirements.ts')}';
test('reads the corpus', (t) => { if (corpusMissing(t, CORPUS)) return; });`,
    absent: { MFAGUARD_CORPUS: path.join(dir, 'no-corpus') },
  },
  chromium: {
    body: `import { missing } from '${url('src/test-support/requirements.ts')}';
import { chromiumProblem } from '${url('test/web/test-support/browser.ts')}';
test('opens a browser', (t) => { if (missing(t, 'chromium', chromiumProblem())) return; });`,
    absent: { MFAGUARD_CHROMIUM: path.join(dir, 'no-chromium') },
  },
  pg: {
    body: `import { missing } from '${url('src/test-support/requirements.ts')}';
import { postgresProblem } from '${url('src/store/test-support/postgres.ts')}';
const problem = await postgresProblem();
test('uses PostgreSQL', (t) => { if (missing(t, 'pg', problem)) return; });`,
    // Port 1 is never PostgreSQL: the connection is refused at once.
    absent: { MFAGUARD_TEST_PG_PORT: '1' },
  },
};

function runTiny(requirement: Requirement, required: boolean): { status: number | null; output: string } {
  // .mts: the temporary folder has no package.json saying "module", and the PostgreSQL probe awaits at top level.
  const file = path.join(dir, `${requirement}.test.mts`);
  writeFileSync(file, `import { test } from 'node:test';\n${CASES[requirement].body}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...CASES[requirement].absent };
  // CI runs this very test with all three set: each run decides for itself.
  for (const variable of Object.values(REQUIRE_VARIABLES)) delete env[variable];
  // Under `node --test` this marks the child as part of our run, which would stop it running its own file.
  delete env['NODE_TEST_CONTEXT'];
  if (required) env[REQUIRE_VARIABLES[requirement]] = '1';
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

void describe('a missing dependency', () => {
  for (const requirement of Object.keys(CASES) as Requirement[]) {
    const variable = REQUIRE_VARIABLES[requirement];

    void it(`${requirement}: fails the run under ${variable}=1`, () => {
      const { status, output } = runTiny(requirement, true);
      assert.equal(status, 1, output);
      assert.match(output, /^# fail 1$/m);
      assert.match(output, new RegExp(`${variable}=1 requires it, so this is a failure, not a skip`));
    });

    void it(`${requirement}: skips loudly without ${variable}`, () => {
      const { status, output } = runTiny(requirement, false);
      assert.equal(status, 0, output);
      assert.match(output, /^# skipped 1$/m);
      assert.match(output, /^# fail 0$/m);
      assert.match(
        output,
        new RegExp(`\\*\\*\\* SKIPPED .*\\(set ${variable}=1 to make this fail\\) \\*\\*\\*`),
      );
    });
  }
});

function testFiles(folder: string): string[] {
  return readdirSync(path.join(REPO, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.includes('node_modules'))
    .map((name) => path.join(folder, name));
}

void it('every skip in the suite goes through test-support/requirements.ts', () => {
  // A skip that bypasses the helper is one CI cannot turn into a failure.
  const skip = /\bt\.skip\(|\bskip:|\.(?:skip|todo)\(|\btodo:/;
  const offenders = ['src', 'test', 'rules', 'tools']
    .flatMap(testFiles)
    .filter((file) => file !== path.join('src', 'test-support', 'requirements.ts'))
    .filter((file) => file !== path.join('src', 'test-support', 'requirements.test.ts'))
    .flatMap((file) =>
      readFileSync(path.join(REPO, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (skip.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
  assert.deepEqual(offenders, []);
});
