// Triage judged on data it was not tuned on: a confusion matrix (episode kind × classification) over a large generated
// mix, and the classifications the real scan gives on the public captures in ../shared/corpus.
//
//   npm run bench:triage -- [--episodes 20000] [--seed 1000003]... [--corpus ../shared/corpus] [--workers N]
//
// Not a test: it prints figures (the tests hold the same properties on a smaller mix).

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runScan } from '../src/app/scan.ts';
import { evaluateMix, formatMatrix } from '../src/app/triage-evaluation.ts';
import type { Evaluation } from '../src/app/triage-evaluation.ts';
import { generateEpisodeMix } from '../src/generate/index.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

function percent(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`;
}

function summarise(evaluation: Evaluation): string {
  const of = (kind: string) => evaluation.removals.filter((r) => r.episode.kind === kind);
  const rotations = of('rotation');
  const takeovers = [...of('takeover'), ...of('takeover-own-device')];
  const resets = of('admin-reset');
  const roots = of('root');
  const high = (severity: string) => severity === 'high' || severity === 'critical';
  const lines = [
    `rotations -> rotation:                 ${rotations.filter((r) => r.classification === 'rotation').length}/${rotations.length} (${percent(rotations.filter((r) => r.classification === 'rotation').length, rotations.length)})`,
    `takeovers -> suspicious, high or more: ${takeovers.filter((r) => r.classification === 'suspicious' && high(r.severity)).length}/${takeovers.length} (${percent(takeovers.filter((r) => r.classification === 'suspicious' && high(r.severity)).length, takeovers.length)})`,
    `admin resets -> suspicious:            ${resets.filter((r) => r.classification === 'suspicious').length}/${resets.length}`,
    `root -> rotation:                      ${roots.filter((r) => r.classification === 'rotation').length}/${roots.length}; root not critical: ${roots.filter((r) => r.severity !== 'critical').length}`,
  ];
  const misses = new Map<string, number>();
  for (const r of evaluation.removals) {
    const expected =
      r.episode.kind === 'rotation'
        ? r.classification === 'rotation'
        : r.episode.kind.startsWith('takeover')
          ? r.classification === 'suspicious'
          : r.episode.kind === 'admin-reset'
            ? r.classification === 'admin-reset'
            : true;
    if (expected) continue;
    const key = `${r.episode.kind}/${r.episode.variant} -> ${r.classification} [${r.reasons.filter((code) => code !== 'incident-member').join(', ')}]`;
    misses.set(key, (misses.get(key) ?? 0) + 1);
  }
  if (misses.size > 0) {
    lines.push('misses (count, kind/variant -> classification [reasons]):');
    for (const [key, n] of [...misses].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`  ${n}  ${key}`);
  }
  const ambiguous = new Map<string, number>();
  for (const r of of('ambiguous')) {
    const key = `${r.episode.variant} -> ${r.classification}`;
    ambiguous.set(key, (ambiguous.get(key) ?? 0) + 1);
  }
  lines.push('ambiguous episodes (no expectation):');
  for (const [key, n] of [...ambiguous].sort()) lines.push(`  ${n}  ${key}`);
  return lines.join('\n');
}

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, ext));
    else if (entry.endsWith(ext)) out.push(full);
  }
  return out.sort();
}

/** The CloudTrail records inside a corpus file whose lines wrap them (`record`, `log`, `raw_event_original`). */
function unwrapLines(file: string, field: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as Record<string, unknown>)[field])
    .filter((record) => typeof record === 'object' && record !== null);
}

async function corpus(root: string, workers: number): Promise<void> {
  const sources: { name: string; inputs: () => string[] }[] = [
    { name: 'stratus-red-team', inputs: () => [join(root, 'stratus-red-team/docs/detonation-logs')] },
    { name: 'otrf-security-datasets', inputs: () => [join(root, 'otrf-security-datasets')] },
    { name: 'elastic-beats', inputs: () => filesUnder(join(root, 'elastic-beats'), '.log') },
  ];
  const wrapped: { name: string; files: string[]; field: string }[] = [
    { name: 'awsdocs', files: filesUnder(join(root, 'awsdocs'), '.jsonl'), field: 'record' },
    {
      name: 'elastic-integrations',
      files: filesUnder(join(root, 'elastic-integrations'), '.jsonl'),
      field: 'raw_event_original',
    },
    { name: 'panther (rule test logs)', files: filesUnder(join(root, 'panther'), '.jsonl'), field: 'log' },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-corpus-'));
  try {
    for (const source of wrapped) {
      const records = source.files.flatMap((file) => unwrapLines(file, source.field));
      const file = join(dir, `${source.name.split(' ')[0]!}.json`);
      writeFileSync(file, JSON.stringify(records));
      sources.push({ name: source.name, inputs: () => [file] });
    }
    console.log('\ncorpus (../shared/corpus): the real scan, built-in rules, default triage');
    console.log(
      'source                        events  unreadable  removals  classifications (all triaged alerts)',
    );
    for (const source of sources) {
      const inputs = source.inputs().filter((input) => existsSync(input));
      if (inputs.length === 0) {
        console.log(`${source.name.padEnd(28)}  absent`);
        continue;
      }
      const result = await runScan({ inputs, workers });
      const removals = result.alerts.filter(
        (alert) => alert.event.name === 'DeactivateMFADevice' && alert.incident?.role === 'removal',
      );
      const counts = new Map<string, number>();
      for (const alert of result.alerts) {
        if (alert.classification === undefined) continue;
        const key = `${alert.event.name}:${alert.classification}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const classes =
        [...counts]
          .sort()
          .map(([key, n]) => `${key}=${n}`)
          .join(' ') || '-';
      console.log(
        `${source.name.padEnd(28)}  ${String(result.stats.events).padStart(6)}  ${String(result.stats.unreadable).padStart(10)}  ${String(new Set(removals.map((a) => a.event.id)).size).padStart(8)}  ${classes}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    episodes: { type: 'string', default: '20000' },
    seed: { type: 'string', multiple: true },
    corpus: { type: 'string', default: resolve(repoRoot, '../shared/corpus') },
    workers: { type: 'string', default: '0' },
  },
});
const episodes = Number(values.episodes);
const seeds = (values.seed ?? ['1000003']).map(Number);
const workers = Number(values.workers);
for (const seed of seeds) {
  const started = performance.now();
  const mix = generateEpisodeMix({ seed, episodes });
  const evaluation = await evaluateMix(mix, { workers });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\ngenerated mix: seed ${seed}, ${mix.episodes.length} episodes, ${evaluation.removals.length} removals, ${evaluation.events} events (${seconds} s)`,
  );
  console.log(formatMatrix(evaluation.matrix));
  console.log(summarise(evaluation));
}
await corpus(values.corpus, workers);
