// Test helper: finds the shared external corpus (../shared/corpus beside the repo) and reads its CloudTrail samples.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CORPUS } from '../../../test-support/requirements.ts';

/** The shared corpus (see test-support/requirements.ts), or null when this checkout has none. */
export function corpusDir(): string | null {
  return existsSync(CORPUS) ? CORPUS : null;
}

/** Files under `dir` (recursively) whose names end with `suffix`, sorted for stable output. */
export function filesUnder(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...filesUnder(full, suffix));
    else if (entry.endsWith(suffix)) found.push(full);
  }
  return found.sort();
}

/** Parses JSON Lines, skipping blank lines. */
export function readJsonLines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}
