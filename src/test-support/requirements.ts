// Decides what a test does when something it needs (PostgreSQL, Chromium, the shared corpus) is missing: a loud
// skip on a developer's machine, a failure where MFAGUARD_REQUIRE_<X>=1 says it must be there (CI sets all three).

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export type Requirement = 'pg' | 'chromium' | 'corpus';

export const REQUIRE_VARIABLES: Readonly<Record<Requirement, string>> = {
  chromium: 'MFAGUARD_REQUIRE_CHROMIUM',
  corpus: 'MFAGUARD_REQUIRE_CORPUS',
  pg: 'MFAGUARD_REQUIRE_PG',
};

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The external corpus: MFAGUARD_CORPUS, or `../shared/corpus` beside the repository. */
export const CORPUS = process.env['MFAGUARD_CORPUS'] ?? path.resolve(REPO, '..', 'shared', 'corpus');

export function isRequired(requirement: Requirement): boolean {
  const value = process.env[REQUIRE_VARIABLES[requirement]];
  return value !== undefined && value !== '' && value !== '0';
}

/**
 * A skip reason for `problem`, printed where a person running the suite sees it; when the requirement is set,
 * throws instead, so the test (or the file, at load time) fails rather than passing by skipping.
 */
export function skipReasonOrFail(requirement: Requirement, what: string, problem: string): string {
  const message = `${what}: ${problem}`;
  if (isRequired(requirement)) {
    throw new Error(
      `${message} — ${REQUIRE_VARIABLES[requirement]}=1 requires it, so this is a failure, not a skip`,
    );
  }
  console.error(`\n*** SKIPPED ${message} (set ${REQUIRE_VARIABLES[requirement]}=1 to make this fail) ***\n`);
  return message;
}

/** Skips (or fails) `t` when `problem` is not null; true when the test must stop here. */
export function missing(t: TestContext, requirement: Requirement, problem: string | null): boolean {
  if (problem === null) return false;
  t.skip(skipReasonOrFail(requirement, t.name, problem));
  return true;
}

/** Null when every corpus path exists, else which one is absent. */
export function corpusProblem(...paths: readonly string[]): string | null {
  const absent = paths.find((p) => !existsSync(p));
  return absent === undefined ? null : `corpus file ${absent} absent (corpus: ${CORPUS})`;
}

/** Skips (or fails) `t` unless every path of the corpus it reads is there. */
export function corpusMissing(t: TestContext, ...paths: readonly string[]): boolean {
  return missing(t, 'corpus', corpusProblem(...paths));
}
