// What a handler answers: status, headers and a body, so handlers stay pure and tests read values, not sockets.

import { printableIso } from '../model/index.ts';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  /** `Set-Cookie` values (one header line each): the dashboard's session and sign-in cookies. */
  readonly cookies?: readonly string[];
}

/** The API never lets a browser cache an answer: it carries alerts, cases and tokens. */
const NO_STORE = { 'cache-control': 'no-store' } as const;

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(value),
  };
}

export function noContent(): Reply {
  return { status: 204, headers: { ...NO_STORE }, body: '' };
}

export function text(status: number, body: string, contentType: string): Reply {
  return { status, headers: { 'content-type': contentType, ...NO_STORE }, body };
}

/**
 * Milliseconds since the epoch as the API shows times: ISO 8601 in UTC (null stays null). A stored value outside
 * years 1970..9999 (written before the edge checked it) shows as null instead of failing the whole list.
 */
export function iso(ms: number | null): string | null {
  return ms === null ? null : printableIso(ms);
}
