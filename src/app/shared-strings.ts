// Shares the repeated strings of the kept slice: events that cross from worker threads arrive with copies of their own.

/**
 * The kept slice holds tens of thousands of typed events per million records, and every one that crossed from a
 * worker thread carries its own copy of strings most events share (the file's path in `origin`, the account, region,
 * user agent, caller ARN, event source). Replacing each with one shared copy roughly halves the slice's memory. No
 * library does this for plain objects; the walk is shallow because events are (objects of) a few levels at most.
 * Bounded: past `limit` distinct strings the table starts again, which only costs some sharing.
 */
export class StringSharer {
  private table = new Map<string, string>();

  constructor(private readonly limit = 200_000) {}

  /** Distinct strings in the table. */
  get size(): number {
    return this.table.size;
  }

  /** The same value with its strings (to `depth` levels of plain objects and arrays) replaced by shared copies. */
  share<T>(value: T, depth = 3): T {
    return this.walk(value, depth) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.string(value);
    if (depth === 0 || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      const items = value as unknown[];
      for (let i = 0; i < items.length; i++) items[i] = this.walk(items[i], depth - 1);
      return items;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = this.walk(record[key], depth - 1);
    return record;
  }

  private string(value: string): string {
    // Long free text (error messages, policies) is rarely repeated: sharing it would only fill the table.
    if (value.length > 512) return value;
    const known = this.table.get(value);
    if (known !== undefined) return known;
    if (this.table.size >= this.limit) this.table = new Map();
    this.table.set(value, value);
    return value;
  }
}
