// The one place errors become HTTP problem responses (RFC 9457 application/problem+json), without internals.

import { ExternalError, UsageError } from '../model/index.ts';
import { ConflictError, NotFoundError, StoreError } from '../store/index.ts';
import type { Reply } from './reply.ts';

/** An answer the HTTP layer itself decides: 401, 403, 404 for routes, 405, 413, 415. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly title: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, title: string, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.status = status;
    this.title = title;
    this.headers = headers;
  }
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  /** For 400s from validation: each problem with where it is. */
  readonly issues?: readonly { readonly path?: string; readonly message: string }[];
}

const TYPE_BASE = 'https://mfaguard.dev/problems/';

function problemReply(problem: Problem, headers: Readonly<Record<string, string>> = {}): Reply {
  return {
    status: problem.status,
    headers: {
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
    body: JSON.stringify(problem),
  };
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/**
 * Maps anything thrown to a problem. The user's errors say what and where; the outside world's say which
 * service and that a retry may help; a bug says only that it is one (the details go to `log`, not the client).
 */
export function problemFor(
  error: unknown,
  instance: string,
  log: (message: string) => void = () => undefined,
): { reply: Reply; status: number } {
  const make = (
    status: number,
    title: string,
    detail: string,
    extra: Partial<Problem> = {},
    headers = {},
  ) => {
    const reply = problemReply(
      { type: TYPE_BASE + slug(title), title, status, detail, instance, ...extra },
      headers,
    );
    return { reply, status };
  };
  if (error instanceof HttpError) return make(error.status, error.title, error.message, {}, error.headers);
  if (error instanceof UsageError) {
    const issues = error.issues.map((issue) => ({
      ...(issue.path === undefined ? {} : { path: issue.path }),
      message: issue.message,
    }));
    return make(400, 'Bad request', error.message, issues.length === 0 ? {} : { issues });
  }
  if (error instanceof NotFoundError) return make(404, 'Not found', error.message);
  if (error instanceof ConflictError) return make(409, 'Conflict', error.message);
  if (error instanceof StoreError && error.code === 'closed') {
    return make(
      503,
      'Service unavailable',
      'the service is shutting down; try again shortly',
      {},
      {
        'retry-after': '5',
      },
    );
  }
  if (error instanceof ExternalError) {
    // StoreUnavailableError is an ExternalError: its message names the redacted store URL only.
    log(`${error.service}: ${error.message}`);
    return make(
      503,
      'Service unavailable',
      `${error.service} is unavailable; try again shortly`,
      {},
      {
        'retry-after': '5',
      },
    );
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  log(`internal error on ${instance}: ${text}`);
  return make(500, 'Internal error', 'an unexpected error occurred; it has been logged');
}
