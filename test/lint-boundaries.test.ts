// The dependency-direction lint bites: the rules of eslint.boundaries.js flag each kind of wrong import in a fixture
// tree, let the right ones through, and are the ones the repository's own lint (run by .ci/run) applies to src/.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
// @ts-expect-error -- the lint configuration is plain JavaScript without declarations.
import { boundaryConfig } from '../eslint.boundaries.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const fixture = path.join(repo, 'test/fixtures/boundaries');

type BoundaryConfig = (options: { root: string; files?: string[] }) => ESLint.Options['overrideConfig'][];

async function lintFixture(): Promise<Map<string, string[]>> {
  const eslint = new ESLint({
    cwd: fixture,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['src/**/*.ts'], languageOptions: { parser: tseslint.parser } },
      ...((boundaryConfig as BoundaryConfig)({ root: path.join(fixture, 'src') }) as object[]),
    ],
  });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  const byFile = new Map<string, string[]>();
  for (const result of results) {
    const relative = path.relative(path.join(fixture, 'src'), result.filePath);
    byFile.set(
      relative,
      result.messages.map((message) => `${message.line}:${message.ruleId ?? 'fatal'}`),
    );
  }
  return byFile;
}

describe('dependency direction lint', () => {
  it('flags every kind of wrong import in the fixture, and only those', async () => {
    const found = await lintFixture();
    const wrong = Object.fromEntries([...found].filter(([, messages]) => messages.length > 0));
    assert.deepEqual(wrong, {
      // model/ imports nothing of ours
      'model/wrong.ts': ['2:import-x/no-restricted-paths'],
      // another folder's inner file instead of its index.ts
      'ingest/index.ts': ['3:import-x/no-restricted-paths'],
      // a stage reaching the composition root
      'enrich/index.ts': ['2:import-x/no-restricted-paths'],
      // the composition root importing a shell
      'app/index.ts': ['2:import-x/no-restricted-paths'],
      // a shell importing the CLI
      'api/index.ts': ['2:import-x/no-restricted-paths'],
      // an import circle
      'detect/cycle-a.ts': ['2:import-x/no-cycle'],
      'detect/cycle-b.ts': ['2:import-x/no-cycle'],
    });
    // The right imports were seen and passed: shells reaching app/ and report/, stages reaching index.ts files,
    // and a test reaching another folder's internals.
    for (const file of [
      'api/routes.ts',
      'cli/index.ts',
      'cli/run.ts',
      'report/index.ts',
      'cli/wrong.test.ts',
    ]) {
      assert.deepEqual(found.get(file), [], file);
    }
  });

  it('is what the repository lint applies to src/, and .ci/run runs that lint', async () => {
    const eslint = new ESLint({ cwd: repo });
    const production = (await eslint.calculateConfigForFile(path.join(repo, 'src/app/scan.ts'))) as {
      rules: Record<string, unknown>;
    };
    assert.equal((production.rules['import-x/no-restricted-paths'] as unknown[])[0], 2);
    assert.equal((production.rules['import-x/no-cycle'] as unknown[])[0], 2);
    const test = (await eslint.calculateConfigForFile(path.join(repo, 'src/app/scan.test.ts'))) as {
      rules: Record<string, unknown>;
    };
    assert.equal(test.rules['import-x/no-restricted-paths'], undefined);
    assert.equal((test.rules['import-x/no-cycle'] as unknown[])[0], 2);
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(pkg.scripts['lint'], 'eslint .');
    assert.match(readFileSync(path.join(repo, '.ci/run'), 'utf8'), /^npm run lint$/m);
  });
});
