// Stored events (deduped by eventID) and the baseline sightings recorded with them.

import type { InsertObject, QueryCreator, SelectQueryBuilder } from 'kysely';
import type { SightingQuery, SightingRow } from '../baseline-sightings.ts';
import {
  findSightings,
  PG_SIGHTINGS_UPSERT,
  recordSightingChunks,
  sightingArrays,
  recordSightings,
  sightingChunks,
  sightingsUpsert,
} from './baseline-sightings-sql.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import { actorKeyOf, eventTargetKey } from '../keys.ts';
import type { EventQuery, InsertEventsResult } from '../store.ts';
import type { SqlValue } from './driver.ts';
import { PreparedQuery } from './prepared-query.ts';
import type { Tables } from './query-builder.ts';
import {
  INSERT_CHUNK,
  parseEvent,
  requireText,
  requireTime,
  requireLimit,
  requireSightings,
  chunks,
  compareIds,
  SqlRepository,
} from './sql-helpers.ts';

/** The columns of one event row. */
function eventRow(event: CloudTrailEvent): Tables['events'] {
  return {
    id: event.id,
    time_ms: event.timeMs,
    name: event.name,
    account: event.account,
    actor_key: actorKeyOf(event.actor),
    target_key: eventTargetKey(event),
    body: JSON.stringify(event),
  };
}

function eventsInsert<DB extends Tables>(db: QueryCreator<DB>, rows: readonly InsertObject<DB, 'events'>[]) {
  return db
    .insertInto('events')
    .values(rows)
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id');
}

/** The lists findEvents filters by, in the order their terms (and parameters) appear. */
const LIST_FILTERS = [
  ['name', 'names'],
  ['actor_key', 'actorKeys'],
  ['target_key', 'targetKeys'],
  ['account', 'accounts'],
] as const;

type EventFilter = SelectQueryBuilder<Tables, 'events', object>;

/** One multi-row insert (per event in `serve`: compiled once per row count), with sightings riding along. */
const INSERT_EVENTS = new PreparedQuery(
  (db, v: { rows: readonly Tables['events'][]; riding: readonly SightingRow[] | undefined }, dialect) => {
    const riding = v.riding;
    return riding === undefined
      ? eventsInsert(db, v.rows)
      : eventsInsert(
          db.with('sightings', (creator) => sightingsUpsert(creator, dialect, riding)),
          v.rows,
        );
  },
);

/**
 * PostgreSQL: the same insert with one array per column, unnested into rows (pg binds a JS array as an array). One
 * text whatever the row count (1 for a single-event post, up to INSERT_CHUNK for a coalesced write) and whether the
 * sightings ride along, so it is prepared once per connection and planned once; the VALUES lists were a text per
 * pair of row counts, each parsed and planned at every call, and their shapes could pass PreparedQuery's cache.
 */
const PG_EVENTS_INSERT =
  'insert into events (id, time_ms, name, account, actor_key, target_key, body) ' +
  'select * from unnest(?::text[], ?::int8[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) ' +
  'on conflict (id) do nothing returning id';
const PG_EVENTS_WITH_SIGHTINGS = `with sightings as (${PG_SIGHTINGS_UPSERT}) ${PG_EVENTS_INSERT}`;

type EventSearch = { [field in (typeof LIST_FILTERS)[number][1]]: readonly string[] | undefined } & {
  from: number;
  to: number;
  limit: number;
  /** `true` or undefined, never false: the build sees only which values are undefined (see PreparedQuery). */
  untargeted: true | undefined;
  /** The keys of `actorOrTargetKeys`, undefined when not asked for or empty (that branch of the UNION is left out). */
  eitherActors: readonly string[] | undefined;
  eitherTargets: readonly string[] | undefined;
};

// Run per event by correlation: compiled once per shape (which lists, how long). A UNION of one branch per key
// column, so each branch uses its own index ((actor_key, time_ms), (target_key, time_ms)); an OR in one WHERE may
// make the planner fall back to the time or name index and read the window.
const FIND_EVENTS = new PreparedQuery((db, v: EventSearch) => {
  const filtered = (branch: readonly ['actor_key' | 'target_key', readonly string[]] | undefined) => {
    let select: EventFilter = db
      .selectFrom('events')
      .where('time_ms', '>=', v.from)
      .where('time_ms', '<', v.to);
    for (const [column, field] of LIST_FILTERS) {
      const values = v[field];
      if (values !== undefined) select = select.where(column, 'in', values);
    }
    if (v.untargeted !== undefined) select = select.where('target_key', 'is', null);
    return branch === undefined ? select : select.where(branch[0], 'in', branch[1]);
  };
  if (v.eitherActors === undefined && v.eitherTargets === undefined)
    return filtered(undefined).select(['id', 'body']).orderBy('time_ms').orderBy('id').limit(v.limit);
  const branches = (
    [
      ['actor_key', v.eitherActors],
      ['target_key', v.eitherTargets],
    ] as const
  ).flatMap(([column, keys]) => (keys === undefined ? [] : [[column, keys] as const]));
  // The branches select time_ms too: the UNION's ORDER BY names result columns.
  const [first, ...rest] = branches.map((branch) => filtered(branch).select(['id', 'time_ms', 'body']));
  let union = first!;
  for (const branch of rest) union = union.union(branch);
  return union.orderBy('time_ms').orderBy('id').limit(v.limit);
});

/**
 * A list of `in` values padded to a power of two by repeating its last value (same rows: `in` ignores repeats). Each
 * list length is another statement text (compiled and, on SQLite, prepared and kept), and a write of many requests
 * probes with as many keys as it has callers: padded, a query has a handful of texts per list, not one per length.
 */
export function padded(values: readonly string[] | undefined): readonly string[] | undefined {
  if (values === undefined || values.length <= 2) return values;
  const length = 2 ** Math.ceil(Math.log2(values.length));
  if (length === values.length) return values;
  const last = values[values.length - 1]!;
  return [...values, ...Array.from({ length: length - values.length }, () => last)];
}

/** Events and baseline sightings. */
export class EventsRepo extends SqlRepository {
  async insertEvents(
    events: readonly CloudTrailEvent[],
    options: { readonly sightings?: readonly SightingRow[] } = {},
  ): Promise<InsertEventsResult> {
    events.forEach((event, index) => {
      requireText(event.id, `events[${index}].id`);
      requireText(event.name, `events[${index}].name`);
      requireTime(event.timeMs, `events[${index}].timeMs`);
    });
    requireSightings(options.sightings ?? []);
    const upserts = sightingChunks(options.sightings ?? []);
    // Sorted so that concurrent batches lock unique-index entries in the same order (no deadlocks on PostgreSQL).
    const sorted = [...events].sort((a, b) => compareIds(a.id, b.id));
    const insertedIds = new Set<string>();
    const eventChunks = chunks(sorted, INSERT_CHUNK);
    // PostgreSQL: the last sightings upsert rides along with the first events insert as a data-modifying CTE, one
    // statement (and one round trip) where there were two; sightings first, in key order, as on their own.
    const riding = this.dialect.name === 'postgres' && eventChunks.length > 0 ? upserts.pop() : undefined;
    if (upserts.length > 0) await recordSightingChunks(this.conn, this.dialect, upserts);
    for (const [index, chunk] of eventChunks.entries()) {
      const rows = await this.#insertChunk(chunk.map(eventRow), index === 0 ? riding : undefined);
      for (const row of rows) insertedIds.add(row.id);
    }
    const inserted: CloudTrailEvent[] = [];
    for (const event of events) {
      if (insertedIds.delete(event.id)) inserted.push(event);
    }
    return { inserted, duplicates: events.length - inserted.length };
  }

  #insertChunk(
    rows: readonly Tables['events'][],
    riding: readonly SightingRow[] | undefined,
  ): Promise<{ id: string }[]> {
    if (this.dialect.name === 'postgres') {
      const columns: unknown[] = [
        rows.map((row) => row.id),
        rows.map((row) => row.time_ms),
        rows.map((row) => row.name),
        rows.map((row) => row.account),
        rows.map((row) => row.actor_key),
        rows.map((row) => row.target_key),
        rows.map((row) => row.body),
      ];
      return riding === undefined
        ? this.conn.query(PG_EVENTS_INSERT, columns as SqlValue[])
        : this.conn.query(PG_EVENTS_WITH_SIGHTINGS, [...sightingArrays(riding), ...(columns as SqlValue[])]);
    }
    return INSERT_EVENTS.rows(this.conn, this.dialect, { rows, riding });
  }

  async findEvents(query: EventQuery): Promise<CloudTrailEvent[]> {
    const from = requireTime(query.fromMs, 'fromMs');
    const to = requireTime(query.toMs, 'toMs');
    const limit = query.limit === undefined ? 10_000 : requireLimit(query.limit, 'limit', 100_000);
    if (LIST_FILTERS.some(([, field]) => query[field]?.length === 0)) return [];
    const either = query.actorOrTargetKeys;
    const nonEmpty = (keys: readonly string[]) => (keys.length > 0 ? keys : undefined);
    const eitherActors = either === undefined ? undefined : nonEmpty(either.actorKeys);
    const eitherTargets = either === undefined ? undefined : nonEmpty(either.targetKeys);
    if (either !== undefined && eitherActors === undefined && eitherTargets === undefined) return [];
    const rows = await FIND_EVENTS.rows(this.conn, this.dialect, {
      from,
      to,
      limit,
      names: padded(query.names),
      actorKeys: padded(query.actorKeys),
      targetKeys: padded(query.targetKeys),
      accounts: padded(query.accounts),
      untargeted: query.untargeted === true ? true : undefined,
      eitherActors: padded(eitherActors),
      eitherTargets: padded(eitherTargets),
    });
    const cache = this.caches?.events;
    return rows.map((row) =>
      cache === undefined ? parseEvent(row.body) : cache.decode(row.id, row.body, parseEvent),
    );
  }

  recordSightings(rows: readonly SightingRow[]): Promise<void> {
    requireSightings(rows);
    return recordSightings(this.conn, this.dialect, rows);
  }

  findSightings(query: SightingQuery): Promise<SightingRow[]> {
    requireTime(query.fromMs, 'fromMs');
    requireTime(query.toMs, 'toMs');
    return findSightings(this.conn, this.dialect, query);
  }
}
