// The dependency direction of src/ as lint rules: eslint.config.js applies them to the sources, and
// test/lint-boundaries.test.ts applies them to a fixture tree of wrong imports to prove that they bite.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** The shells: only these (and the package's entry files) may import the composition root `app/`. */
const SHELLS = ['cli', 'api'];

/**
 * The folders are read from the tree, not listed, so that a new stage gets the rules the day it is created.
 * @param {string} root the `src` folder
 */
function topFolders(root) {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'test-support')
    .map((entry) => entry.name)
    .sort();
}

/**
 * The zones of import-x/no-restricted-paths. Targets are the importing files, `from` the imported ones.
 * @param {string} root absolute path of the `src` folder
 */
export function boundaryZones(root) {
  const folders = topFolders(root);
  const rootFiles = `${root}/*.ts`;
  const allBut = (...names) => `${root}/!(${names.join('|')})/**`;
  const zones = [
    {
      target: `${root}/model`,
      from: root,
      except: ['./model'],
      message: 'model/ holds shared types and errors only and imports nothing of ours.',
    },
  ];
  for (const folder of folders) {
    zones.push({
      target: [allBut(folder), rootFiles],
      from: `${root}/${folder}`,
      except: ['./index.ts'],
      message: `Import ${folder}/ through its public face, ${folder}/index.ts (export what you need there).`,
    });
  }
  zones.push(
    {
      target: [allBut('app', ...SHELLS)],
      from: `${root}/app`,
      message: 'Only the shells (cli/, api/) and the package entry reach the composition root app/.',
    },
    {
      target: [allBut('api', 'cli'), rootFiles],
      from: `${root}/api`,
      message: 'api/ is a shell: only the CLI (which starts the service) may import it.',
    },
    {
      target: [allBut('cli'), rootFiles],
      from: `${root}/cli`,
      message: 'cli/ is the outermost shell: nothing imports it.',
    },
  );
  return zones;
}

/**
 * Flat-config blocks: the direction rules on production files, and no import cycles anywhere under `root`.
 * Tests and test-support/ are outside the direction rules (a test may set up another folder's internals), not
 * outside the cycle rule.
 * @param {{ root: string, files?: string[] }} options `root` is the absolute `src` folder
 */
export function boundaryConfig({ root, files = ['src/**/*.ts'] }) {
  const settings = {
    'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    // no-cycle follows imports into files the linter is not looking at: they are parsed as TypeScript too.
    'import-x/extensions': ['.ts', '.js'],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
  };
  return [
    {
      files,
      ignores: ['**/*.test.ts', '**/test-support/**'],
      plugins: { 'import-x': importX },
      settings,
      rules: { 'import-x/no-restricted-paths': ['error', { zones: boundaryZones(root) }] },
    },
    {
      files,
      plugins: { 'import-x': importX },
      settings,
      rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
    },
  ];
}

export const SRC_ROOT = path.join(import.meta.dirname, 'src');
