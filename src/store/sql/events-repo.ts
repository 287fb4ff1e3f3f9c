// Stored events (deduped by eventID) and the baseline sightings recorded with them.

import type { SightingQuery, SightingRow } from '../baseline-sightings.ts';
import { findSightings, recordSightings, sightingsUpserts } from './baseline-sightings-sql.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import { actorKeyOf, eventTargetKey } from '../keys.ts';
import type { EventQuery, InsertEventsResult } from '../store.ts';
import type { SqlValue } from './driver.ts';
import {
  INSERT_CHUNK,
  parseEvent,
  requireText,
  requireTime,
  requireLimit,
  requireSightings,
  placeholders,
  chunks,
  compareIds,
  SqlRepository,
} from './sql-helpers.ts';

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
    const upserts = this.#sightingUpserts(options.sightings ?? []);
    // Sorted so that concurrent batches lock unique-index entries in the same order (no deadlocks on PostgreSQL).
    const sorted = [...events].sort((a, b) => compareIds(a.id, b.id));
    const insertedIds = new Set<string>();
    const eventChunks = chunks(sorted, INSERT_CHUNK);
    // PostgreSQL: the last sightings upsert rides along with the first events insert as a data-modifying CTE, one
    // statement (and one round trip) where there were two; sightings first, in key order, as on their own.
    const riding = this.dialect.name === 'postgres' && eventChunks.length > 0 ? upserts.pop() : undefined;
    for (const upsert of upserts) await this.conn.execute(upsert.sql, upsert.params);
    for (const [index, chunk] of eventChunks.entries()) {
      const params: SqlValue[] = [];
      for (const event of chunk) {
        params.push(
          event.id,
          event.timeMs,
          event.name,
          event.account,
          actorKeyOf(event.actor),
          eventTargetKey(event),
          JSON.stringify(event),
        );
      }
      const insert = `INSERT INTO events (id, time_ms, name, account, actor_key, target_key, body)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (id) DO NOTHING
         RETURNING id`;
      const rows =
        riding !== undefined && index === 0
          ? await this.conn.query<{ id: string }>(`WITH sightings AS (${riding.sql}) ${insert}`, [
              ...riding.params,
              ...params,
            ])
          : await this.conn.query<{ id: string }>(insert, params);
      for (const row of rows) insertedIds.add(row.id);
    }
    const inserted: CloudTrailEvent[] = [];
    for (const event of events) {
      if (insertedIds.delete(event.id)) inserted.push(event);
    }
    return { inserted, duplicates: events.length - inserted.length };
  }

  #sightingUpserts(rows: readonly SightingRow[]): ReturnType<typeof sightingsUpserts> {
    requireSightings(rows);
    return sightingsUpserts(this.dialect, rows);
  }

  async findEvents(query: EventQuery): Promise<CloudTrailEvent[]> {
    const where = ['time_ms >= ?', 'time_ms < ?'];
    const params: SqlValue[] = [requireTime(query.fromMs, 'fromMs'), requireTime(query.toMs, 'toMs')];
    const lists: [string, readonly string[] | undefined][] = [
      ['name', query.names],
      ['actor_key', query.actorKeys],
      ['target_key', query.targetKeys],
      ['account', query.accounts],
    ];
    for (const [column, values] of lists) {
      if (values === undefined) continue;
      if (values.length === 0) return [];
      where.push(`${column} IN (${placeholders(values.length)})`);
      params.push(...values);
    }
    const limit = query.limit === undefined ? 10_000 : requireLimit(query.limit, 'limit', 100_000);
    const either = query.actorOrTargetKeys;
    let sql = `SELECT id, body FROM events WHERE ${where.join(' AND ')} ORDER BY time_ms, id LIMIT ?`;
    if (either !== undefined) {
      // A UNION of one branch per key column, so each branch uses its own index ((actor_key, time_ms), (target_key,
      // time_ms)); an OR in one WHERE may make the planner fall back to the time or name index and read the window.
      const branches: string[] = [];
      const common = [...params];
      params.length = 0;
      for (const [column, values] of [
        ['actor_key', either.actorKeys],
        ['target_key', either.targetKeys],
      ] as const) {
        if (values.length === 0) continue;
        branches.push(
          `SELECT id, time_ms, body FROM events WHERE ${where.join(' AND ')} AND ${column} IN (${placeholders(values.length)})`,
        );
        params.push(...common, ...values);
      }
      if (branches.length === 0) return [];
      sql = `${branches.join(' UNION ')} ORDER BY time_ms, id LIMIT ?`;
    }
    params.push(limit);
    const rows = await this.conn.query<{ id: string; body: string }>(sql, params);
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
    return findSightings(this.conn, query);
  }
}
