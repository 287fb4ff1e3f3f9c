// Golden files: real CloudTrail samples from ../shared/corpus, normalised and mapped to ECS, compared with testdata/*.golden.json.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { EcsDocument } from '../../model/index.ts';
import { normalizeRecord } from './normalize-record.ts';
import { corpusDir, filesUnder, readJsonLines } from './test-corpus.ts';
import { toEcs } from './to-ecs.ts';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** Stratus Red Team captures that exercise console sign-in, IAM users and login profiles, federation and admins. */
const STRATUS_FILES = [
  'aws.initial-access.console-login-without-mfa.json',
  'aws.persistence.iam-backdoor-user.json',
  'aws.persistence.iam-create-admin-user.json',
  'aws.persistence.iam-create-user-login-profile.json',
  'aws.persistence.sts-federation-token.json',
  'aws.privilege-escalation.iam-update-user-login-profile.json',
];

interface Sample {
  readonly location: string;
  readonly records: readonly unknown[];
}

function awsDocsSamples(corpus: string): Sample[] {
  return filesUnder(path.join(corpus, 'awsdocs'), '.jsonl').map((file) => ({
    location: path.relative(corpus, file),
    records: readJsonLines(file).map((line) => (line as { record: unknown }).record),
  }));
}

function beatsSamples(corpus: string): Sample[] {
  return filesUnder(path.join(corpus, 'elastic-beats'), '.log').map((file) => ({
    location: path.relative(corpus, file),
    records: readJsonLines(file),
  }));
}

function stratusSamples(corpus: string): Sample[] {
  const dir = path.join(corpus, 'stratus-red-team', 'docs', 'detonation-logs');
  return STRATUS_FILES.map((name) => ({
    location: path.relative(corpus, path.join(dir, name)),
    records: JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as unknown[],
  }));
}

/** The golden view of a record: the typed event without what merely repeats the input, and its ECS view. */
function goldenOf(sample: Sample): unknown[] {
  return sample.records.map((record, index) => {
    const result = normalizeRecord(record, { location: sample.location, index });
    if (!result.ok) return { issue: result.issue };
    const {
      raw: _raw,
      requestParameters: _rp,
      responseElements: _re,
      additionalEventData: _ad,
      ...event
    } = result.event;
    return { event, ecs: sortedEcs(toEcs(result.event)) };
  });
}

/** ECS fields sorted by name; the flattened copies are left out, as they repeat the input leaf by leaf. */
function sortedEcs(doc: EcsDocument): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(doc).sort())
    if (!key.startsWith('aws.cloudtrail.flattened.')) sorted[key] = doc[key];
  return sorted;
}

const GOLDENS: readonly (readonly [name: string, load: (corpus: string) => Sample[]])[] = [
  ['awsdocs', awsDocsSamples],
  ['elastic-beats', beatsSamples],
  ['stratus-red-team', stratusSamples],
];

describe('normalisation goldens over real CloudTrail samples', () => {
  for (const [name, load] of GOLDENS) {
    it(`${name} matches testdata/${name}.golden.json`, (t) => {
      const corpus = corpusDir();
      if (corpus === null) return t.skip('corpus absent');
      const samples = load(corpus);
      assert.ok(samples.length > 0, `no ${name} samples found`);
      const actual = JSON.parse(
        JSON.stringify(samples.map((sample) => ({ location: sample.location, results: goldenOf(sample) }))),
      ) as unknown;
      const file = path.join(TESTDATA, `${name}.golden.json`);
      if (UPDATE) {
        writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
        return;
      }
      assert.ok(
        existsSync(file),
        `${file} is missing: run with UPDATE_GOLDEN=1 once, review it, and check it in`,
      );
      assert.deepEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
