// The published build holds no test code: tsconfig.build.json leaves out tests and test-support/ folders, and
// nothing compiled imports a test tool (a helper left outside test-support/ would bring one with it).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** The modules a compiled file imports, statically or on demand. */
function importedModules(code: string): string[] {
  const specifiers = code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm);
  return [...specifiers].map((match) => match[1]!);
}

/** `@scope/name/deep` and `name/deep` to the package's name. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('the build', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'mfaguard-dist-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('holds no test files, no test-support/, and nothing that imports a test tool', () => {
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], {
      cwd: repo,
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const testTools = new Set([
      ...Object.keys(pkg.devDependencies),
      'node:test',
      'node:assert',
      'node:assert/strict',
    ]);
    const files = filesUnder(out);
    assert.ok(
      files.includes('cli/main.js') && files.includes('index.js'),
      'the build has the CLI and the entry',
    );
    const offenders: string[] = [];
    for (const file of files) {
      if (/(^|\/)test-support\/|\.test\.|\.contract\.|testkit|test-helpers/.test(file)) offenders.push(file);
      if (!file.endsWith('.js')) continue;
      for (const specifier of importedModules(readFileSync(path.join(out, file), 'utf8'))) {
        if (specifier.startsWith('.')) continue;
        if (testTools.has(specifier) || testTools.has(packageName(specifier))) {
          offenders.push(`${file} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });
});
