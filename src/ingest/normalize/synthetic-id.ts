// A stable stand-in for a missing eventID, so that dedupe still recognises the same record delivered twice.

import { createHash } from 'node:crypto';

/** Prefix that marks an id mfaguard made up; real CloudTrail eventIDs are UUIDs and never start with it. */
export const SYNTHETIC_ID_PREFIX = 'mfaguard-sha256-';

/**
 * The SHA-256 of the record's canonical JSON (object keys sorted at every depth), so key order and whitespace
 * in the delivery do not change the id. Only records without an eventID pay for this.
 */
export function synthesiseEventId(record: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  writeCanonical(hash, record);
  return SYNTHETIC_ID_PREFIX + hash.digest('hex').slice(0, 32);
}

interface Sink {
  update(data: string): unknown;
}

function writeCanonical(sink: Sink, value: unknown): void {
  if (Array.isArray(value)) {
    sink.update('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) sink.update(',');
      writeCanonical(sink, value[i]);
    }
    sink.update(']');
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort();
    sink.update('{');
    let first = true;
    for (const key of keys) {
      const item = object[key];
      if (item === undefined) continue;
      if (!first) sink.update(',');
      first = false;
      sink.update(JSON.stringify(key));
      sink.update(':');
      writeCanonical(sink, item);
    }
    sink.update('}');
  } else {
    // undefined inside arrays and non-JSON values serialise as JSON.stringify would (null).
    sink.update(JSON.stringify(value) ?? 'null');
  }
}
