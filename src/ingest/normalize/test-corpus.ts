// Test helper: finds the shared external corpus (../shared/corpus beside the repo) and reads its CloudTrail samples.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `<repo>/../shared/corpus`, or null when this checkout has no corpus beside it. */
export function corpusDir(): string | null {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const dir = path.resolve(repoRoot, '..', 'shared', 'corpus');
  return existsSync(dir) ? dir : null;
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
