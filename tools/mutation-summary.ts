// Summarises StrykerJS JSON reports (mutation-testing-report-schema) into one score line per target folder.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseFileSpec } from './mutation-args.ts';

/** Stryker's mutant statuses; only some count towards the score (as in Stryker's own "mutation score"). */
type MutantStatus =
  'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

/**
 * One Stryker run: a whole target (no files), or some of its files or ranges of lines (`src/x.ts:120-260`, as
 * Stryker's `mutate` takes them), possibly with a narrower list of tests.
 */
export interface MutationRun {
  readonly target: string;
  readonly files: readonly string[];
  readonly tests: readonly string[];
}

/**
 * The name of a run's report (`reports/mutation/<name>.json`): the target's own for a whole target, else the target
 * and the files (and their ranges of lines), so a run over one file or range never overwrites the report of the
 * whole target, of another file or of another range of the same file.
 * `posture-checks` + `src/posture/checks/check.ts` → `posture-checks@posture.checks.check`;
 * `posture-policy` + `src/posture/policy/document.ts:120-260` → `posture-policy@posture.policy.document.L120-260`.
 */
export function reportName(run: MutationRun): string {
  if (run.files.length === 0) return run.target;
  const files = run.files.map((text) => {
    const { file, lines } = parseFileSpec(text);
    const name = file
      .replace(/^src\//, '')
      .replace(/\.ts$/, '')
      .replace(/[^A-Za-z0-9_-]+/g, '.');
    return lines === null ? name : `${name}.L${lines.from}-${lines.to}`;
  });
  return shortened(`${run.target}@${files.join('+')}`);
}

/**
 * The longest report name kept as it is. The name becomes file names (`<name>.incremental.json`, the longest) and a
 * sandbox folder, and a file name may have at most 255 bytes: ten files of a target made a name past that, and the
 * run died with ENAMETOOLONG. 120 leaves room for the suffixes and still reads as the files it names.
 */
export const MAX_REPORT_NAME = 120;

/**
 * A name longer than MAX_REPORT_NAME keeps its beginning (the target and the first files, for a reader) and ends
 * with a hash of the whole name: stable, so a re-run finds its report and incremental file again, and different
 * for two lists of files that only differ past the cut.
 */
function shortened(name: string): string {
  if (name.length <= MAX_REPORT_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_REPORT_NAME - hash.length - 1)}~${hash}`;
}

export interface MutationScore {
  readonly target: string;
  readonly killed: number;
  readonly timedOut: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** Killed or timed out, over every mutant that ran or had no test; null when there was none. */
  readonly score: number | null;
}

interface Report {
  readonly files: Readonly<
    Record<string, { readonly mutants: readonly { readonly status: MutantStatus }[] }>
  >;
}

function isReport(value: unknown): value is Report {
  if (typeof value !== 'object' || value === null || !('files' in value)) return false;
  const files = value.files;
  return typeof files === 'object' && files !== null;
}

export function scoreReport(target: string, report: unknown): MutationScore {
  if (!isReport(report)) throw new Error(`${target}: not a Stryker JSON report (no "files" object)`);
  const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) {
      if (mutant.status in count) count[mutant.status as keyof typeof count]++;
    }
  }
  const detected = count.Killed + count.Timeout;
  const valid = detected + count.Survived + count.NoCoverage;
  return {
    target,
    killed: count.Killed,
    timedOut: count.Timeout,
    survived: count.Survived,
    noCoverage: count.NoCoverage,
    score: valid === 0 ? null : (100 * detected) / valid,
  };
}

export function readScore(target: string, file: string): MutationScore {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `${target}: no report at ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${target}: ${file} is not JSON`);
  }
  return scoreReport(target, parsed);
}

/** One aligned line per target, e.g. `enrich   84.2%  killed 240 + 3 timed out, 41 survived, 4 without tests`. */
export function formatScores(scores: readonly MutationScore[], goal: number): string {
  const width = Math.max(...scores.map((s) => s.target.length), 6);
  return scores
    .map((s) => {
      const score = s.score === null ? '   n/a' : `${s.score.toFixed(1).padStart(5)}%`;
      const mark = s.score !== null && s.score < goal ? `  (below ${goal}%)` : '';
      return `${s.target.padEnd(width)}  ${score}  killed ${s.killed} + ${s.timedOut} timed out, ${s.survived} survived, ${s.noCoverage} without tests${mark}`;
    })
    .join('\n');
}
