// Judging triage against labelled episodes: the real scan over a generated mix, tabulated as episode kind × classification.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TriageConfig } from '../enrich/index.ts';
import type { Episode, EpisodeKind, EpisodeMix } from '../generate/index.ts';
import { EPISODE_KINDS } from '../generate/index.ts';
import type { Alert, Classification, Severity } from '../model/index.ts';
import { CLASSIFICATIONS } from '../model/index.ts';
import { runScan } from './scan.ts';

export interface EvaluatedRemoval {
  readonly episode: Episode;
  readonly eventId: string;
  /** `none` when no alert on the removal was triaged (a miss). */
  readonly classification: Classification | 'none';
  readonly severity: Severity | 'none';
  readonly riskScore: number;
  readonly reasons: readonly string[];
}

export type ConfusionMatrix = Record<EpisodeKind, Record<Classification | 'none', number>>;

export interface Evaluation {
  readonly removals: readonly EvaluatedRemoval[];
  readonly matrix: ConfusionMatrix;
  readonly alerts: readonly Alert[];
  readonly events: number;
}

/** Records per delivery file written for the scan: CloudTrail delivers a few hundred to a few thousand per file. */
const RECORDS_PER_FILE = 2000;

/** Writes the mix as CloudTrail delivery files under `dir` (oldest first), one `{"Records":[...]}` document each. */
export function writeMix(mix: EpisodeMix, dir: string): string[] {
  const files: string[] = [];
  for (let from = 0; from < mix.records.length; from += RECORDS_PER_FILE) {
    const file = join(dir, `mix-${String(files.length).padStart(5, '0')}.json`);
    writeFileSync(file, JSON.stringify({ Records: mix.records.slice(from, from + RECORDS_PER_FILE) }));
    files.push(file);
  }
  return files;
}

export function emptyMatrix(): ConfusionMatrix {
  const row = (): Record<Classification | 'none', number> =>
    Object.fromEntries([...CLASSIFICATIONS, 'none'].map((name) => [name, 0])) as Record<
      Classification | 'none',
      number
    >;
  return Object.fromEntries(EPISODE_KINDS.map((kind) => [kind, row()])) as ConfusionMatrix;
}

/** The triaged alert that speaks for each removal: the built-in rule's, else any rule's. */
function removalAlerts(alerts: readonly Alert[]): Map<string, Alert> {
  const byEvent = new Map<string, Alert>();
  for (const alert of alerts) {
    if (alert.classification === undefined || alert.incident?.role !== 'removal') continue;
    const current = byEvent.get(alert.event.id);
    if (current === undefined || alert.rule.id === 'mfaguard-iam-mfa-device-deactivated')
      byEvent.set(alert.event.id, alert);
  }
  return byEvent;
}

/** Tabulates the triaged alerts of a run against the episodes' labels. */
export function tabulate(
  episodes: readonly Episode[],
  alerts: readonly Alert[],
): { removals: EvaluatedRemoval[]; matrix: ConfusionMatrix } {
  const matrix = emptyMatrix();
  const removals: EvaluatedRemoval[] = [];
  const byEvent = removalAlerts(alerts);
  for (const episode of episodes) {
    for (const eventId of episode.removals) {
      const alert = byEvent.get(eventId);
      const classification = alert?.classification ?? 'none';
      matrix[episode.kind][classification]++;
      removals.push({
        episode,
        eventId,
        classification,
        severity: alert?.severity ?? 'none',
        riskScore: alert?.riskScore ?? 0,
        reasons: (alert?.reasons ?? []).map((reason) => reason.code),
      });
    }
  }
  return { removals, matrix };
}

/** Scans the mix as delivery files with the real scan (workers as asked) and judges every removal. */
export async function evaluateMix(
  mix: EpisodeMix,
  options: { readonly triage?: TriageConfig; readonly workers?: number } = {},
): Promise<Evaluation> {
  const dir = mkdtempSync(join(tmpdir(), 'mfaguard-eval-'));
  try {
    writeMix(mix, dir);
    const result = await runScan({
      inputs: [dir],
      workers: options.workers ?? 0,
      ...(options.triage === undefined ? {} : { triage: options.triage }),
    });
    const { removals, matrix } = tabulate(mix.episodes, result.alerts);
    return { removals, matrix, alerts: result.alerts, events: result.stats.events };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The matrix as a fixed-width table: one row per episode kind, one column per classification, then the total. */
export function formatMatrix(matrix: ConfusionMatrix): string {
  const columns = [...CLASSIFICATIONS, 'none'] as const;
  const width = Math.max(...columns.map((name) => name.length), 6);
  const head = [
    'episode kind'.padEnd(20),
    ...columns.map((name) => name.padStart(width)),
    'total'.padStart(7),
  ];
  const lines = [head.join(' ')];
  for (const kind of EPISODE_KINDS) {
    const row = matrix[kind];
    const total = columns.reduce((sum, name) => sum + row[name], 0);
    if (total === 0) continue;
    lines.push(
      [
        kind.padEnd(20),
        ...columns.map((name) => String(row[name]).padStart(width)),
        String(total).padStart(7),
      ].join(' '),
    );
  }
  return lines.join('\n');
}
