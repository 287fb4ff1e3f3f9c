// Stored events (deduped by eventID) and the baseline sightings recorded with them.

import type { InsertObject, QueryCreator, SelectQueryBuilder } from 'kysely';
import type { SightingQuery, SightingRow } from '../baseline-sightings.ts';
import {
  findSightings,
  recordSightingChunks,
  recordSightings,
  sightingChunks,
  sightingParams,
  sightingsUpsert,
} from './baseline-sightings-sql.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import { actorKeyOf, eventTargetKey } from '../keys.ts';
import type { EventQuery, InsertEventsResult } from '../store.ts';
import type { SqlValue } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { reusedRows } from './query-builder.ts';
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

/** The columns of one event row, in the builder's parameter order. */
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

  /** One multi-row insert (per event in `serve`: compiled once per row count), with sightings riding along. */
  #insertChunk(
    rows: readonly Tables['events'][],
    riding: readonly SightingRow[] | undefined,
  ): Promise<{ id: string }[]> {
    const params: SqlValue[] = riding === undefined ? [] : sightingParams(riding);
    for (const row of rows)
      params.push(
        row.id,
        row.time_ms,
        row.name,
        row.account ?? null,
        row.actor_key ?? null,
        row.target_key ?? null,
        row.body,
      );
    const key = `events:${rows.length}:${riding?.length ?? 0}`;
    return reusedRows(this.conn, this.dialect, key, params, (db) =>
      riding === undefined
        ? eventsInsert(db, rows)
        : eventsInsert(
            db.with('sightings', (creator) => sightingsUpsert(creator, this.dialect, riding)),
            rows,
          ),
    );
  }

  async findEvents(query: EventQuery): Promise<CloudTrailEvent[]> {
    const from = requireTime(query.fromMs, 'fromMs');
    const to = requireTime(query.toMs, 'toMs');
    const limit = query.limit === undefined ? 10_000 : requireLimit(query.limit, 'limit', 100_000);
    if (LIST_FILTERS.some(([, field]) => query[field]?.length === 0)) return [];
    const either = query.actorOrTargetKeys;
    // A UNION of one branch per key column, so each branch uses its own index ((actor_key, time_ms), (target_key,
    // time_ms)); an OR in one WHERE may make the planner fall back to the time or name index and read the window.
    const branches = (
      either === undefined
        ? [undefined]
        : ([
            ['actor_key', either.actorKeys],
            ['target_key', either.targetKeys],
          ] as const)
    ).filter((branch) => branch === undefined || branch[1].length > 0);
    if (branches.length === 0) return [];
    const common: SqlValue[] = [from, to];
    for (const [, field] of LIST_FILTERS) common.push(...(query[field] ?? []));
    const params: SqlValue[] = [];
    for (const branch of branches) params.push(...common, ...(branch?.[1] ?? []));
    params.push(limit);
    // Run per event by correlation: compiled once per shape (which lists, how long).
    const key = `events-find:${[...LIST_FILTERS.map(([, field]) => query[field]?.length ?? '-'), ...branches.map((b) => (b === undefined ? 'all' : `${b[0]}${b[1].length}`))].join(':')}`;
    const rows = await reusedRows<{ id: string; body: string }>(
      this.conn,
      this.dialect,
      key,
      params,
      (db) => {
        const filtered = (branch: (typeof branches)[number]) => {
          let select: EventFilter = db
            .selectFrom('events')
            .where('time_ms', '>=', from)
            .where('time_ms', '<', to);
          for (const [column, field] of LIST_FILTERS) {
            const values = query[field];
            if (values !== undefined) select = select.where(column, 'in', values);
          }
          return branch === undefined ? select : select.where(branch[0], 'in', branch[1]);
        };
        const [first, ...rest] = branches;
        if (first === undefined)
          return filtered(first).select(['id', 'body']).orderBy('time_ms').orderBy('id').limit(limit);
        // The branches select time_ms too: the UNION's ORDER BY names result columns.
        let union = filtered(first).select(['id', 'time_ms', 'body']);
        for (const branch of rest) union = union.union(filtered(branch).select(['id', 'time_ms', 'body']));
        return union.orderBy('time_ms').orderBy('id').limit(limit);
      },
    );
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
