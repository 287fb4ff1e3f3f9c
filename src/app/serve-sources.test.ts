// The live source registry: alphabetical, and the live source contract run over every entry. Each source's folder
// holds its harness (ingest/sources/<folder>/test-support/harness.ts: SQS and CloudTrail mocked at the SDK, S3 served
// by s3rver, the store real SQLite), found through the registry entry, so a new source is tested without editing this
// file, and an entry without a harness fails here.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineLiveSourceContract } from '../ingest/sources/test-support/live-source.contract.ts';
import type { LiveSourceHarness } from '../ingest/sources/test-support/live-source.contract.ts';
import { LIVE_SOURCES } from './serve-sources.ts';
import type { LiveSourceEntry } from './serve-sources.ts';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/contract';

void describe('LIVE_SOURCES', () => {
  void it('is kept in alphabetical order', () => {
    const ids = Object.keys(LIVE_SOURCES);
    assert.deepEqual(ids, [...ids].sort());
  });

  void it('starts only the sources the settings ask for', () => {
    const settings = { sqsQueues: [QUEUE], lookupRegions: [] };
    assert.deepEqual(
      Object.entries(LIVE_SOURCES)
        .filter(([, entry]) => entry.targets(settings).length > 0)
        .map(([id]) => id),
      ['sqs'],
    );
  });
});

for (const [id, entry] of Object.entries(LIVE_SOURCES) as [string, LiveSourceEntry][]) {
  const where = `../ingest/sources/${entry.folder}/test-support/harness.ts`;
  let makeHarness: (() => Promise<LiveSourceHarness>) | undefined;
  try {
    ({ makeHarness } = (await import(where)) as { makeHarness?: () => Promise<LiveSourceHarness> });
  } catch (error) {
    void it(`live source ${id} has a contract harness at src/${where.slice(3)}`, () => {
      assert.fail(`cannot load it: ${(error as Error).message.split('\n')[0]}`);
    });
    continue;
  }
  void it(`live source ${id}'s harness exports makeHarness`, () => {
    assert.equal(typeof makeHarness, 'function');
  });
  if (makeHarness !== undefined) defineLiveSourceContract(id, makeHarness);
}
