// The store's part of the familiarity baseline: one row per caller, value and day, written for every event ingested.

/** Who used what on which day (the shape of `BaselineSighting` in enrich/, which the store does not import). */
export interface SightingRow {
  /** The caller: its ARN, else principal id, else `account:userName` (enrich's `actorKey`). */
  readonly actor: string;
  /** `ip:<address>`, `ua:<client family>` or `any`. */
  readonly value: string;
  /** Days since the epoch (UTC). */
  readonly day: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly count: number;
}

export interface SightingQuery {
  readonly actors: readonly string[];
  /** Inclusive: the days that reach into [fromMs, toMs) are returned whole. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface BaselineSightingsTx {
  /** Adds sightings: a row already there keeps the earliest first, the latest last, and sums the counts. */
  recordSightings(rows: readonly SightingRow[]): Promise<void>;
  /** The sightings of these callers on the days that reach into the window, ordered by actor, value, day. */
  findSightings(query: SightingQuery): Promise<SightingRow[]>;
}
