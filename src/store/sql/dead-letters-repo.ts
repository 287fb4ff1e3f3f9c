// Dead letters: unreadable input kept with its raw bytes and the reason.

import type { AddDeadLetterInput, DeadLetter } from '../store.ts';
import { queryBuilder, queryRows } from './query-builder.ts';
import { invalid, requireText, requireTime, requireLimit, SqlRepository } from './sql-helpers.ts';

/** Dead letters. */
export class DeadLettersRepo extends SqlRepository {
  async addDeadLetter(input: AddDeadLetterInput): Promise<DeadLetter> {
    requireText(input.source, 'source');
    requireText(input.reason, 'reason');
    requireTime(input.nowMs, 'nowMs');
    const raw = typeof input.raw === 'string' ? Buffer.from(input.raw, 'utf8') : input.raw;
    if (!Buffer.isBuffer(raw)) throw invalid('raw', 'expected a Buffer or a string');
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .insertInto('dead_letters')
        .values({
          source: input.source,
          location: input.location,
          reason: input.reason,
          raw,
          created_at: input.nowMs,
        })
        .returning('id'),
    );
    return {
      id: String(rows[0]?.id),
      source: input.source,
      location: input.location,
      reason: input.reason,
      raw,
      createdAt: input.nowMs,
    };
  }

  async listDeadLetters(query: { readonly limit: number }): Promise<DeadLetter[]> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('dead_letters')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(requireLimit(query.limit, 'limit')),
    );
    return rows.map((row) => ({
      id: String(row.id),
      source: row.source,
      location: row.location,
      reason: row.reason,
      raw: Buffer.isBuffer(row.raw) ? row.raw : Buffer.from(row.raw),
      createdAt: row.created_at,
    }));
  }
}
