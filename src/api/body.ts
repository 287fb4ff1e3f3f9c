// Reading request bodies: a hard size limit (reading stops there), JSON only, parsed once with a clear error.

import type { IncomingMessage } from 'node:http';
import { UsageError } from '../model/index.ts';
import { HttpError } from './problem.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

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
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw tooLarge();
    chunks.push(buffer);
  }
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

/** Parses JSON, saying where it broke; the message never echoes more than a short excerpt. */
export function parseJson(bytes: Buffer): unknown {
  const source = bytes.toString('utf8');
  if (source.trim() === '') throw new UsageError('the request body is empty; send a JSON document');
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`the request body is not valid JSON: ${message.slice(0, 160)}`);
  }
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  requireJsonContentType(req);
  return parseJson(await readBody(req, limit));
}
