import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateArchive } from './archive.ts';
import { DEMO_SAMPLE_OPTIONS } from './demo-sample.ts';
import { listFiles } from './test-support/archive-files.ts';

const SAMPLE = fileURLToPath(new URL('../../samples/demo/', import.meta.url));

void test('samples/demo is exactly what the generator writes with the demo options', async (t) => {
  assert.ok(
    existsSync(SAMPLE),
    'samples/demo is missing: run `node --import tsx src/generate/make-demo-sample.ts`',
  );
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const truth = await generateArchive({ ...DEMO_SAMPLE_OPTIONS, outDir: dir });
  const expected = listFiles(SAMPLE);
  const actual = listFiles(dir);
  assert.deepEqual(actual, expected, 'the file lists differ');
  const differing = expected.filter((f) => !readFileSync(join(SAMPLE, f)).equals(readFileSync(join(dir, f))));
  assert.deepEqual(
    differing,
    [],
    'files differ: regenerate with `node --import tsx src/generate/make-demo-sample.ts` and review',
  );
  assert.ok(truth.bytes.written < 3.2e6, `the sample grew to ${truth.bytes.written} bytes`);
  assert.ok(truth.expectedAlerts.total >= 15);
});
