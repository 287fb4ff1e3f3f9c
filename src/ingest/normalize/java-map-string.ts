// Reproduces the text Elastic's pipeline stores in aws.cloudtrail.request_parameters & co: Java's Map.toString of the parsed JSON.

/**
 * Elastic's CloudTrail pipeline parses the record into Java `HashMap`s, drops null and empty values
 * recursively, then stores `requestParameters.toString()`: `{serialNumber=arn:…, userName=Alice}`. KQL rules
 * match wildcards against that text (`*logging*enabled=false*`), so the key order matters, and it is
 * `HashMap` bucket order, not the order in the JSON. This renders the same text, or undefined when Elastic
 * would have dropped the value (null, `""`, or containers that are empty once those are gone).
 *
 * Known limits: JSON numbers written with a fractional zero (`1.0`) reach us as integers and print as `1`,
 * where Java prints `1.0`; and a bin of 8+ colliding keys, which Java turns into a tree, keeps list order.
 */
export function javaString(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length === 0 ? undefined : value;
  if (typeof value === 'number') return javaNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return javaList(value);
  if (typeof value === 'object' && value !== null) return javaMap(value as Record<string, unknown>);
  return undefined;
}

function javaList(items: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  for (const item of items) {
    const rendered = javaString(item);
    if (rendered !== undefined) parts.push(rendered);
  }
  return parts.length === 0 ? undefined : `[${parts.join(', ')}]`;
}

function javaMap(map: Record<string, unknown>): string | undefined {
  const parts: string[] = [];
  for (const key of hashMapOrder(Object.keys(map))) {
    const rendered = javaString(map[key]);
    if (rendered !== undefined) parts.push(`${key}=${rendered}`);
  }
  return parts.length === 0 ? undefined : `{${parts.join(', ')}}`;
}

/** Java's `String.hashCode` over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHash(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(31, hash) + value.charCodeAt(i)) | 0;
  return hash;
}

const INITIAL_CAPACITY = 16;
const LOAD_FACTOR = 0.75;
const TREEIFY_THRESHOLD = 8;
const MIN_TREEIFY_CAPACITY = 64;

/**
 * The iteration order of a `new HashMap<>()` after putting `keys` in this order: by bucket, and in insertion
 * order inside a bucket. Insertion is simulated because the final capacity depends on it (Java also doubles
 * the table, below 64 buckets, when one bucket reaches 8 entries).
 */
export function hashMapOrder(keys: readonly string[]): string[] {
  if (keys.length <= 1) return keys.slice();
  // Up to 8 keys no bucket can overflow and the table stays at 16: a stable sort by bucket is the whole story.
  if (keys.length <= TREEIFY_THRESHOLD) {
    const bucketOf = (key: string): number => {
      const hash = javaStringHash(key);
      return (hash ^ (hash >>> 16)) & (INITIAL_CAPACITY - 1);
    };
    return keys
      .map((key, index) => ({ key, bucket: bucketOf(key), index }))
      .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
      .map((entry) => entry.key);
  }
  return simulatedHashMapOrder(keys);
}

/** The full simulation behind `hashMapOrder`, exported so tests can hold the fast path against it. */
export function simulatedHashMapOrder(keys: readonly string[]): string[] {
  const hashes = new Map<string, number>();
  for (const key of keys) {
    const hash = javaStringHash(key);
    hashes.set(key, hash ^ (hash >>> 16));
  }
  let capacity = INITIAL_CAPACITY;
  let buckets: string[][] = emptyBuckets(capacity);
  let size = 0;
  const rehash = (): void => {
    capacity *= 2;
    const next = emptyBuckets(capacity);
    for (const bucket of buckets)
      for (const key of bucket) next[hashes.get(key)! & (capacity - 1)]!.push(key);
    buckets = next;
  };
  for (const key of keys) {
    const bucket = buckets[hashes.get(key)! & (capacity - 1)]!;
    bucket.push(key);
    if (bucket.length > TREEIFY_THRESHOLD && capacity < MIN_TREEIFY_CAPACITY) rehash();
    size += 1;
    if (size > capacity * LOAD_FACTOR) rehash();
  }
  const ordered: string[] = [];
  for (const bucket of buckets) for (const key of bucket) ordered.push(key);
  return ordered;
}

function emptyBuckets(capacity: number): string[][] {
  const buckets: string[][] = new Array<string[]>(capacity);
  for (let i = 0; i < capacity; i++) buckets[i] = [];
  return buckets;
}

/** `Integer`/`Long` print as plain digits; `Double` as Java's `Double.toString` (`1.5E-4`, `2.5E21`). */
export function javaNumber(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  const magnitude = Math.abs(value);
  // Integers this large were almost surely written as doubles (`2.5e21`); JSON.parse cannot tell us.
  if (Number.isInteger(value) && magnitude < 1e21) return String(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) return String(value);
  const [mantissa = '0', exponent = '0'] = value.toExponential().split('e');
  const javaMantissa = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${javaMantissa}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}
