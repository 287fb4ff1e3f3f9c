// Problems in the inputs, printed on standard error as they are found: shared by `scan`, `kpi` and `hunt`.

import type { InputIssue } from '../model/index.ts';
import { renderIssue } from '../report/index.ts';
import type { CommandContext } from './command.ts';

/** Beyond this many problems in one file, the rest are counted, not printed. */
const ISSUES_SHOWN_PER_LOCATION = 10;

/** Prints problems as they are found, a few per file, so a broken archive cannot flood the terminal. */
export function issuePrinter(
  ctx: CommandContext,
  quiet: boolean,
): { onIssue: (issue: InputIssue) => void; flush: () => void } {
  const perLocation = new Map<string, number>();
  return {
    onIssue: (issue) => {
      if (quiet) return;
      const seen = (perLocation.get(issue.location) ?? 0) + 1;
      perLocation.set(issue.location, seen);
      if (seen <= ISSUES_SHOWN_PER_LOCATION) ctx.stderr.write(renderIssue(issue) + '\n');
    },
    flush: () => {
      if (quiet) return;
      for (const [location, count] of perLocation) {
        if (count > ISSUES_SHOWN_PER_LOCATION) {
          ctx.stderr.write(
            renderIssue({
              level: 'note',
              code: 'more-issues',
              location,
              message: `${count - ISSUES_SHOWN_PER_LOCATION} more problems in this input not shown (use --format json to see all)`,
            }) + '\n',
          );
        }
      }
    },
  };
}
