// Decoded JSON bodies by row id, so rows read again and again (a burst's chain, re-read on every re-triage) are parsed once.
//
// A hit is used only when the stored text is exactly the text it was decoded from, so the cache can never hand out a
// stale value: a row that changed (an updated alert), was rolled back and written anew, or was read from another
// database through the same process decodes again. Comparing two strings is a memcmp, far cheaper than JSON.parse.
// Bounded, least recently used first out. Hand-written: a Map already keeps insertion order, which is all an LRU of
// this size needs; a dependency (lru-cache) would add TTLs, sizes and disposal hooks nothing here uses.
//
// The decoded values are shared between callers: they must be treated as read-only (stored events and alerts are).

/** Entries kept: a burst's chain and its window several times over, a few tens of MB at most. */
export const DECODED_CACHE_ENTRIES = 20_000;

export class DecodedCache<T> {
  readonly #entries = new Map<string, { readonly text: string; readonly value: T }>();
  readonly #capacity: number;
  #hits = 0;
  #misses = 0;

  constructor(capacity = DECODED_CACHE_ENTRIES) {
    this.#capacity = capacity;
  }

  /** The value decoded from `text` for `id`: from the cache when the same text was decoded before, else decoded now. */
  decode(id: string, text: string, decode: (text: string) => T): T {
    const held = this.#entries.get(id);
    if (held !== undefined && held.text === text) {
      this.#hits++;
      // Moved to the end: the most recently used is evicted last.
      this.#entries.delete(id);
      this.#entries.set(id, held);
      return held.value;
    }
    this.#misses++;
    const value = decode(text);
    this.remember(id, text, value);
    return value;
  }

  /** Records a value whose text is known (just written): the next read of that text needs no parse. */
  remember(id: string, text: string, value: T): void {
    this.#entries.delete(id);
    this.#entries.set(id, { text, value });
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** Hits and misses since the start (tests, and a look at how well it works under a burst). */
  get stats(): { readonly hits: number; readonly misses: number; readonly size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }
}
