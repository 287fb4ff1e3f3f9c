// Guards what loading the app costs `scan` at start-up: the store drivers and the posture AWS SDK clients load when
// used, not with the modules that merely share a folder face with them.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** CommonJS packages each weighing a tenth of a CPU second or more to load, none of which `scan` calls. */
const NOT_AT_START_UP = [
  '@aws-sdk/client-iam',
  '@aws-sdk/client-organizations',
  '@aws-sdk/client-securityhub',
  '@aws-sdk/client-sts',
  'better-sqlite3',
  'pg',
];

test('importing the app (what the scan command does) loads no store driver and no posture SDK client', () => {
  // A child process: this test process may have loaded any of them already. CommonJS packages imported from ES
  // modules still pass through the CommonJS loader, so its cache lists them.
  const script = `
    import { createRequire } from 'node:module';
    await import('./src/app/index.ts');
    const cache = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify(cache));
  `;
  const loaded = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    }),
  ) as string[];
  assert.ok(loaded.length > 0, 'the child reported no CommonJS module at all: the check would be empty');
  const offenders = NOT_AT_START_UP.filter((name) =>
    loaded.some((path) => path.includes(`/node_modules/${name}/`)),
  );
  assert.deepEqual(offenders, [], `loaded at start-up: ${offenders.join(', ')}`);
});
