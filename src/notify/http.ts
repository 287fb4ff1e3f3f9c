// One HTTP POST for the HTTP notifiers: timeout and cancellation, no redirects, and the status turned into a SendResult.

import { forLog } from '../report/index.ts';
import type { SendFailure, SendResult } from './notification.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface PostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** How errors name the receiver: never the full URL, whose path may be the secret (Slack). */
  readonly label: string;
  readonly fetch: FetchLike;
  readonly nowMs: number;
}

export interface PostResponse {
  readonly status: number;
  readonly headers: Headers;
  /** At most MAX_RESPONSE_CHARS of the body: enough for an error message, never a memory hazard. */
  readonly body: string;
}

const MAX_RESPONSE_CHARS = 16_384;
const MAX_ERROR_BODY = 200;

/** Where a URL points, without path, query or credentials. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'DNS lookup failed for now',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed while sending',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the receiver',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
};

/** The most telling errno-style code on the error or its causes (nodemailer keeps the socket's as `originalCode`). */
function errorCode(error: unknown): string | undefined {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, originalCode, cause } = current as {
      code?: unknown;
      originalCode?: unknown;
      cause?: unknown;
    };
    for (const value of [originalCode, code]) if (typeof value === 'string') codes.push(value);
    current = cause;
  }
  return codes.find((code) => Object.hasOwn(NETWORK_CODES, code)) ?? codes[0];
}

/** A one-line reason for a failed connection: what happened and the errno code, never a stack. */
export function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined) return `${NETWORK_CODES[code] ?? 'network error'} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  return forLog(message.split('\n')[0] ?? 'network error').slice(0, MAX_ERROR_BODY);
}

class TimedOut extends Error {}

async function readCapped(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.length >= MAX_RESPONSE_CHARS) {
      await reader.cancel();
      break;
    }
  }
  return text.slice(0, MAX_RESPONSE_CHARS);
}

/** POSTs and returns the response, or a failure for timeouts, cancellation and network errors (all retryable). */
export async function post(
  request: PostRequest,
): Promise<{ response: PostResponse } | { failure: SendFailure }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimedOut()), request.timeoutMs);
  const onAbort = (): void => controller.abort(request.signal?.reason);
  if (request.signal?.aborted === true) onAbort();
  else request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await request.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      // A redirect would carry the signed body (and Slack's secret path) somewhere nobody configured.
      redirect: 'manual',
      signal: controller.signal,
    });
    const body = await readCapped(response);
    return { response: { status: response.status, headers: response.headers, body } };
  } catch (error) {
    if (controller.signal.aborted) {
      const timedOut = controller.signal.reason instanceof TimedOut;
      const error = timedOut
        ? `${request.label}: no answer within ${request.timeoutMs} ms (timeout)`
        : `${request.label}: cancelled before an answer arrived`;
      // Either way the receiver may or may not have acted: at-least-once, so try again.
      return { failure: { ok: false, retryable: true, error } };
    }
    return {
      failure: { ok: false, retryable: true, error: `${request.label}: ${describeNetworkError(error)}` },
    };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }
}

/** A short, log-safe excerpt of a response body for an error message. */
export function bodyExcerpt(body: string): string {
  const trimmed = body.trim();
  if (trimmed === '') return '';
  return `: ${forLog(trimmed.length > MAX_ERROR_BODY ? `${trimmed.slice(0, MAX_ERROR_BODY)}…` : trimmed)}`;
}

/**
 * The usual HTTP answer: 2xx ok; 408, 425, 429 and 5xx retryable (with Retry-After); 3xx and other 4xx not,
 * because sending the same request again gives the same answer.
 */
export function resultFromStatus(
  response: PostResponse,
  label: string,
  nowMs: number,
  okDetail?: string,
): SendResult {
  const { status } = response;
  if (status >= 200 && status < 300)
    return okDetail === undefined ? { ok: true } : { ok: true, detail: okDetail };
  const excerpt = bodyExcerpt(response.body);
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), nowMs);
    const error = `${label}: HTTP ${status}${excerpt}`;
    return retryAfterMs === undefined
      ? { ok: false, retryable: true, error }
      : { ok: false, retryable: true, error, retryAfterMs };
  }
  if (status >= 300 && status < 400) {
    return {
      ok: false,
      retryable: false,
      error: `${label}: HTTP ${status} redirect not followed; configure the final URL`,
    };
  }
  return { ok: false, retryable: false, error: `${label}: HTTP ${status}${excerpt}` };
}
