// Indexes a JSON object the way Elasticsearch's `flattened` field type does: every leaf under its dotted path, as keyword text.

/**
 * Adds each leaf of `value` to `into` under `prefix.path.to.leaf`. Arrays do not add a path segment (a leaf
 * inside a list of objects collects every value, as `ipPermissions.items.fromPort` does in Elastic); values
 * become keyword strings (`true`, `22`), as the flattened type indexes them; null and `""` are skipped, as
 * Elastic's pipeline drops them.
 */
export function collectFlattened(
  prefix: string,
  value: unknown,
  into: Map<string, string[]>,
  depth = 0,
): void {
  // Elasticsearch refuses flattened objects deeper than 20 levels; deeper leaves cannot be searched there either.
  if (depth > 20 || value === null || value === undefined) return;
  if (typeof value === 'string') {
    if (value.length > 0) push(into, prefix, value);
  } else if (typeof value === 'number') {
    push(into, prefix, String(value));
  } else if (typeof value === 'boolean') {
    push(into, prefix, value ? 'true' : 'false');
  } else if (Array.isArray(value)) {
    for (const item of value) collectFlattened(prefix, item, into, depth + 1);
  } else if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) collectFlattened(`${prefix}.${key}`, object[key], into, depth + 1);
  }
}

function push(into: Map<string, string[]>, path: string, value: string): void {
  const values = into.get(path);
  if (values === undefined) into.set(path, [value]);
  else if (!values.includes(value)) values.push(value);
}
