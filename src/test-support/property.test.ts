// Property runs are replayable: a failure names its seed and path, FC_SEED replays the same cases, and no test
// file calls fast-check's assert (or check) without going through assertProperty.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { assertProperty } from './property.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'mfaguard-fc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The error `fn` throws (or rejects with). */
async function failureOf(fn: () => void | Promise<void>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the property to fail');
}

void describe('assertProperty', () => {
  void it('a failing property names its counterexample, seed and path, and the pair replays it', async () => {
    const property = fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => n < 500_000);
    const error = await failureOf(() => assertProperty(property));
    const replay = /Replay: FC_SEED=(-?\d+) FC_PATH=([\d:]+) node --import tsx --test/.exec(error.message);
    assert.ok(replay, error.message);
    assert.match(error.message, /Counterexample: \[500000\]/);
    // The printed seed and path go straight to the failing case (one run, the shrunk counterexample).
    const again = fc.check(property, { seed: Number(replay[1]), path: replay[2]! });
    assert.equal(again.failed, true);
    assert.equal(again.numRuns, 1);
    assert.deepEqual(again.counterexample, [500000]);
  });

  void it('async properties too', async () => {
    const error = await failureOf(() =>
      assertProperty(fc.asyncProperty(fc.boolean(), (b) => Promise.resolve(b && !b))),
    );
    assert.match(error.message, /Replay: FC_SEED=-?\d+ FC_PATH=/);
  });

  void it('passes quietly when the property holds', () => {
    assertProperty(fc.property(fc.integer(), (n) => n === n));
  });

  void it('FC_SEED replays the same cases in another process; another seed gives others', () => {
    const file = path.join(dir, 'seeded.test.mts');
    writeFileSync(
      file,
      `import { test } from 'node:test';
import fc from '${import.meta.resolve('fast-check')}';
import { assertProperty } from '${pathToFileURL(path.join(REPO, 'src/test-support/property.ts')).href}';
test('records', () => {
  const seen: number[] = [];
  assertProperty(fc.property(fc.integer(), (n) => { seen.push(n); return true; }), { numRuns: 5 });
  console.log('SEEN ' + seen.join(','));
});
`,
    );
    const seen = (seed: string): string => {
      const env: NodeJS.ProcessEnv = { ...process.env, FC_SEED: seed };
      delete env['NODE_TEST_CONTEXT'];
      delete env['FC_PATH'];
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', file], {
        cwd: REPO,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const line = /SEEN ([-\d,]+)/.exec(run.stdout);
      assert.ok(line, run.stdout);
      return line[1]!;
    };
    assert.equal(seen('424242'), seen('424242'));
    assert.notEqual(seen('424242'), seen('777'));
  });

  void it('refuses an FC_SEED that is not an integer, naming it', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `await import(${JSON.stringify(path.join(REPO, 'src/test-support/property.ts'))})`,
      ],
      { cwd: REPO, env: { ...process.env, FC_SEED: 'banana' }, encoding: 'utf8', timeout: 120_000 },
    );
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /FC_SEED must be an integer \(fast-check's seed\); got "banana"/);
  });
});

void it('every property test goes through assertProperty (seeded, replayable)', () => {
  const direct = /\bfc\s*\.\s*(?:assert|check)\s*\(/;
  const self = path.join('src', 'test-support');
  const offenders = ['src', 'test', 'rules', 'tools', 'bench']
    .flatMap((folder) =>
      readdirSync(path.join(REPO, folder), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.ts'))
        .map((name) => path.join(folder, name)),
    )
    .filter((file) => !file.startsWith(`${self}${path.sep}property`))
    .flatMap((file) =>
      readFileSync(path.join(REPO, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (direct.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
  assert.deepEqual(offenders, []);
});
