// The three kinds of error: the user's input, the outside world, and our own bugs.

import type { InputIssue } from './issue.ts';

/** The user's input or configuration is wrong: exit 2, HTTP 400. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly issues: readonly InputIssue[];
  constructor(message: string, issues: readonly InputIssue[] = []) {
    super(message);
    this.issues = issues;
  }
}

/** AWS, the network or the file system failed; `retryable` says whether trying again may help. */
export class ExternalError extends Error {
  override readonly name = 'ExternalError';
  readonly retryable: boolean;
  readonly service: string;
  constructor(service: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.service = service;
    this.retryable = options.retryable ?? false;
  }
}

/** Something that should never happen: a bug in mfaguard. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}
