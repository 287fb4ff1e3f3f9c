// Request bodies: fastify reads them (size limit, content types); this says how each kind is parsed and checked, and
// hands handlers the parsed value with the answers (400, 413, 415) the API has always given.

import type { IncomingMessage } from 'node:http';
import { itemProblem, MAX_JSON_DEPTH, scanJson, UnreadableRecord } from '../ingest/index.ts';
import { UsageError } from '../model/index.ts';
import type { RequestContext } from './context.ts';
import { HttpError } from './problem.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The answer for a body past `limit` bytes (announced or actual): nothing more is read, the connection closes. */
export function bodyTooLarge(limit: number): HttpError {
  return new HttpError(413, 'Payload too large', `the request body exceeds the limit of ${limit} bytes`, {
    connection: 'close',
  });
}

/** `application/json` and `application/*+json`, any charset parameter (EventBridge sends `; charset=utf-8`). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || JSON_MEDIA_TYPE.test(type);
}

/** The media types the JSON parser is registered for (fastify matches it against the type and its parameters). */
export const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json(?:;|$)/;

export function requireJsonContentType(req: IncomingMessage): void {
  if (!isJsonContentType(req.headers['content-type'])) throw unsupportedMediaType(req);
}

export function unsupportedMediaType(req: IncomingMessage): HttpError {
  const got = (req.headers['content-type'] ?? 'none').slice(0, 60);
  return new HttpError(415, 'Unsupported media type', `send the body as application/json; got ${got}`);
}

/** True when the request carries a body (a length above zero, or chunks). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

function parseText(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${what} is not valid JSON: ${message.slice(0, 160)}`);
  }
}

/** JSON's own whitespace (RFC 8259): space, tab, line feed, carriage return. */
const JSON_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** A body with nothing but whitespace is empty; found by its first other byte, without decoding it all to trim it. */
function requireContent(bytes: Buffer): void {
  for (const byte of bytes) if (!JSON_SPACE.has(byte)) return;
  throw new UsageError('the request body is empty; send a JSON document');
}

/**
 * Parses JSON, saying where it broke; the message never echoes more than a short excerpt. The nesting limit is
 * checked over the bytes first, so nothing recursive (validation, JSON.stringify in the store) ever sees a deeper value.
 */
export function parseJson(bytes: Buffer): unknown {
  requireContent(bytes);
  const { depth } = scanJson(bytes);
  if (depth > MAX_JSON_DEPTH) {
    throw new UsageError(
      `the request body nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted`,
    );
  }
  return parseText(bytes, 'the request body');
}

/**
 * Parses an ingestion body (one record or an array). An array item past the nesting or size limits becomes an
 * UnreadableRecord holding its bytes, so the live service dead-letters it and stores the other items; a single
 * document past the limits becomes one. JSON that is not valid is still the sender's mistake (400).
 */
export function parseRecords(bytes: Buffer): unknown {
  requireContent(bytes);
  const scan = scanJson(bytes);
  if (scan.items === null) {
    const problem = itemProblem(scan.depth, bytes.length);
    const value = parseText(bytes, 'the request body');
    return problem === null ? value : new UnreadableRecord(bytes, problem.code, problem.reason);
  }
  const problems = scan.items.map((span) => itemProblem(span.depth, span.end - span.start));
  if (problems.every((problem) => problem === null)) return parseText(bytes, 'the request body');
  return scan.items.map((span, index) => {
    const raw = bytes.subarray(span.start, span.end);
    const problem = problems[index];
    if (problem !== null && problem !== undefined)
      return new UnreadableRecord(raw, problem.code, problem.reason);
    return parseText(raw, `item [${index}] of the request body`);
  });
}

/**
 * The JSON body the server parsed for a route that `accepts` json or records. A request without a body still needs
 * the JSON content type (415 first, as a request with one would get), then gets the "empty" 400.
 */
export function jsonBody(ctx: RequestContext): unknown {
  if (ctx.body !== undefined) return ctx.body;
  requireJsonContentType(ctx.req);
  return parseJson(Buffer.alloc(0));
}

/** The body's bytes as sent, for a route that `accepts` bytes (a form); empty when there was none. */
export function bytesBody(ctx: RequestContext): Buffer {
  return Buffer.isBuffer(ctx.body) ? ctx.body : Buffer.alloc(0);
}
