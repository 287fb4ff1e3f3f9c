// The store's typed errors: not found, conflict (incl. invalid case transitions), misuse, and an unreachable database.

import { ExternalError } from '../model/index.ts';

export type StoreErrorCode =
  'not-found' | 'conflict' | 'invalid-transition' | 'misuse' | 'closed' | 'query-failed';

/** Base of the store's own errors; `code` lets the API map them without string matching. */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** The row a mutation names does not exist (HTTP 404). Reads return null instead of throwing. */
export class NotFoundError extends StoreError {
  override readonly name: string = 'NotFoundError';
  readonly entity: string;
  readonly id: string;
  constructor(entity: string, id: string) {
    super('not-found', `${entity} ${JSON.stringify(id)} not found`);
    this.entity = entity;
    this.id = id;
  }
}

/** The change collides with the current state (HTTP 409): a duplicate key, a concurrent update, a lost race. */
export class ConflictError extends StoreError {
  override readonly name: string = 'ConflictError';
  /** True when the same call may succeed if retried (deadlock, serialisation failure). */
  readonly retryable: boolean;
  constructor(
    message: string,
    options: { retryable?: boolean; cause?: unknown; code?: 'conflict' | 'invalid-transition' } = {},
  ) {
    super(options.code ?? 'conflict', message, options.cause === undefined ? {} : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** A case state change outside the allowed lifecycle (see CASE_TRANSITIONS). */
export class InvalidTransitionError extends ConflictError {
  override readonly name: string = 'InvalidTransitionError';
  readonly caseId: string;
  readonly from: string;
  readonly to: string;
  readonly allowed: readonly string[];
  constructor(caseId: string, from: string, to: string, allowed: readonly string[]) {
    super(
      `case ${caseId}: cannot go from ${from} to ${to}; allowed from ${from}: ${allowed.length === 0 ? 'none (final state)' : allowed.join(', ')}`,
      { code: 'invalid-transition' },
    );
    this.caseId = caseId;
    this.from = from;
    this.to = to;
    this.allowed = allowed;
  }
}

/**
 * The database cannot be reached or used (connection refused, authentication, locked too long).
 * An ExternalError so the CLI and API map it like any other outside-world failure (exit code, HTTP 503).
 */
export class StoreUnavailableError extends ExternalError {
  readonly code = 'unavailable';
  /** The store URL with any password removed: safe to log and show. */
  readonly url: string;
  /**
   * True when the failure is momentary and nothing was committed (connection reset or refused, the server
   * shutting down): the same work may be run again at once, after a short pause. SQLite's busy wait and
   * a lost COMMIT (outcome unknown) are not transient in this sense: the caller answers 503 instead.
   */
  readonly transient: boolean;
  constructor(
    url: string,
    message: string,
    options: { retryable?: boolean; transient?: boolean; cause?: unknown } = {},
  ) {
    super('store', `store ${url}: ${message}`, {
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.url = url;
    this.transient = options.transient ?? false;
  }
}

/** Whether running the same store work again may succeed now: a lost race or a momentary outage. */
export function isTransientStoreError(error: unknown): boolean {
  return (
    (error instanceof ConflictError && error.retryable) ||
    (error instanceof StoreUnavailableError && error.transient)
  );
}

export function isStoreError(error: unknown): error is StoreError | StoreUnavailableError {
  return error instanceof StoreError || error instanceof StoreUnavailableError;
}
