// The `--file` argument of `npm run mutate`: a file of a target, maybe cut to a range of lines
// (`src/x.ts:120-260`), which is what Stryker's own `mutate` entries accept. A big file measured against all its
// tests takes hours on the shared machine; a range of it, minutes, and each range keeps its own report.

/** A file to mutate, with the lines to mutate (1-based, both included) or all of it. */
export interface FileSpec {
  readonly file: string;
  readonly lines: { readonly from: number; readonly to: number } | null;
}

// Stryker's own form also takes columns (`:5:4-6:4`); lines are enough to cut a file into runs.
const RANGE = /^(.+?):(\d+)-(\d+)$/;

/**
 * Splits `src/x.ts:120-260` into the file and its lines; a text without `:<from>-<to>` is a whole file.
 * Throws on a range Stryker would refuse or that cannot name a line (0, backwards), and on a colon that is
 * not followed by a range (a typo such as `src/x.ts:120` would otherwise name a file that does not exist).
 */
export function parseFileSpec(spec: string): FileSpec {
  const match = RANGE.exec(spec);
  if (match === null) {
    if (/:\d/.test(spec))
      throw new Error(`${spec}: a range of lines is written <file>:<from>-<to>, e.g. src/x.ts:120-260`);
    return { file: spec, lines: null };
  }
  const [, file, fromText, toText] = match as unknown as [string, string, string, string];
  const from = Number(fromText);
  const to = Number(toText);
  if (from < 1) throw new Error(`${spec}: lines start at 1`);
  if (from > to) throw new Error(`${spec}: the range ends (${to}) before it starts (${from})`);
  return { file, lines: { from, to } };
}

/** Back to the text Stryker's `mutate` option takes: `src/x.ts` or `src/x.ts:120-260`. */
export function formatFileSpec(spec: FileSpec): string {
  return spec.lines === null ? spec.file : `${spec.file}:${spec.lines.from}-${spec.lines.to}`;
}

/** Refuses a range past the end of the file (Stryker would mutate nothing there and report a score of n/a). */
export function checkRangeFits(spec: FileSpec, lineCount: number): void {
  if (spec.lines !== null && spec.lines.from > lineCount)
    throw new Error(`${formatFileSpec(spec)}: ${spec.file} has only ${lineCount} lines`);
}

/** Lines of a text as an editor numbers them: a last line without its newline still counts. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}
