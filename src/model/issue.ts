// A problem found in input (file, record, rule, config, request): what was wrong, where, and how to fix it.

export type IssueLevel = 'error' | 'warning' | 'note';

export interface InputIssue {
  readonly level: IssueLevel;
  /** Stable machine code, e.g. `gzip-truncated`, `not-json`, `record-shape`. */
  readonly code: string;
  /** File path, S3 URL, `stdin`, rule path... */
  readonly location: string;
  /** Record index inside the location, line and column, or a JSON path, where known. */
  readonly index?: number;
  readonly line?: number;
  readonly column?: number;
  readonly path?: string;
  /** What was expected and what arrived (shortened), in words. */
  readonly message: string;
  /** How to fix it, where we can say. */
  readonly hint?: string;
}

/** A batch loader's answer: what it accepted and everything it could not. */
export interface Loaded<T> {
  readonly items: T[];
  readonly issues: InputIssue[];
}
