// Opaque keyset cursors: (time, id) of the last row of a page, tagged with the list they belong to.

import { UsageError } from '../model/index.ts';

export interface CursorPosition {
  readonly at: number;
  readonly id: string;
}

export function encodeCursor(list: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify([list, position.at, position.id]), 'utf8').toString('base64url');
}

/** A cursor is client input (a query parameter): a bad one is a UsageError (HTTP 400), not a crash. */
export function decodeCursor(list: string, cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== list ||
    typeof parsed[1] !== 'number' ||
    !Number.isFinite(parsed[1]) ||
    typeof parsed[2] !== 'string'
  ) {
    throw new UsageError(
      `invalid cursor for ${list}: pass back the nextCursor of the previous page unchanged`,
      [
        {
          level: 'error',
          code: 'invalid-cursor',
          location: 'cursor',
          message: `expected a cursor returned by the ${list} list, got ${JSON.stringify(cursor.slice(0, 40))}`,
        },
      ],
    );
  }
  return { at: parsed[1], id: parsed[2] };
}
