// Small readers that turn loosely typed CloudTrail JSON values into typed ones, once, at the edge.

/** A JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `value`, or null when it is absent or not an object. */
export function objectOrNull(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

/**
 * A non-empty string, or null. CloudTrail writes `""` for "not applicable" (e.g. `accessKeyId` on sign-ins)
 * and Elastic's pipeline drops empty strings, so empty means absent everywhere in mfaguard.
 */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** `"true"`/`"false"` in any case, or a JSON boolean; anything else is "the record does not say". */
export function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  if (value.length === 4 && value.toLowerCase() === 'true') return true;
  if (value.length === 5 && value.toLowerCase() === 'false') return false;
  return null;
}

/** `Yes`/`No` in any case (CloudTrail writes both `Yes` and `YES` for `MFAUsed`). */
export function yesNo(value: unknown): boolean | null {
  if (typeof value !== 'string') return null;
  if (value.length === 3 && value.toLowerCase() === 'yes') return true;
  if (value.length === 2 && value.toLowerCase() === 'no') return false;
  return null;
}
