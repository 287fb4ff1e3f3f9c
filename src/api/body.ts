// Reading request bodies: a hard size limit (reading stops there), JSON only, parsed once with a clear error.

import type { IncomingMessage } from 'node:http';
import { itemProblem, MAX_JSON_DEPTH, scanJson, UnreadableRecord } from '../ingest/index.ts';
import { UsageError } from '../model/index.ts';
import { HttpError } from './problem.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The client closed the connection before its body arrived: nothing to answer, a client error to log (no stack). */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/** Reads the whole body, or throws 413 as soon as it passes `limit` (announced or actual): nothing more is read. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(413, 'Payload too large', `the request body exceeds the limit of ${limit} bytes`, {
      connection: 'close',
    });
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > limit) throw tooLarge();
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // Node ends the stream with `aborted` (ECONNRESET) when the client goes away mid-upload.
    if (req.destroyed || !req.complete) throw new ClientClosedError('the client closed the connection');
    throw error;
  }
  if (!req.complete) throw new ClientClosedError('the client closed the connection');
  return Buffer.concat(chunks, size);
}

/** `application/json` and `application/*+json`, any charset parameter (EventBridge sends `; charset=utf-8`). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

export function requireJsonContentType(req: IncomingMessage): void {
  if (!isJsonContentType(req.headers['content-type'])) {
    const got = (req.headers['content-type'] ?? 'none').slice(0, 60);
    throw new HttpError(415, 'Unsupported media type', `send the body as application/json; got ${got}`);
  }
}

function parseText(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${what} is not valid JSON: ${message.slice(0, 160)}`);
  }
}

function requireContent(bytes: Buffer): void {
  if (bytes.toString('utf8').trim() === '')
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

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  requireJsonContentType(req);
  return parseJson(await readBody(req, limit));
}
