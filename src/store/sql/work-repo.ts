// Coordination between workers and restarts: checkpoints, work claims and job leases.

import type { JobLease, JobLeaseInput } from '../job-leases.ts';
import { acquireJobLease, getJobLease, releaseJobLease } from './job-leases-sql.ts';
import type { ClaimWorkInput } from '../store.ts';
import { invalid, requireText, requireTime, SqlRepository } from './sql-helpers.ts';
import { queryBuilder, queryChanges, queryRows } from './query-builder.ts';

/** Checkpoints, work claims and job leases. */
export class WorkRepo extends SqlRepository {
  async getCheckpoint(key: string): Promise<string | null> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect).selectFrom('checkpoints').select('value').where('key', '=', key),
    );
    return rows[0]?.value ?? null;
  }

  async setCheckpoint(key: string, value: string, nowMs: number): Promise<void> {
    requireText(key, 'key');
    if (typeof value !== 'string') throw invalid('value', 'expected a string');
    await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .insertInto('checkpoints')
        .values({ key, value, updated_at: requireTime(nowMs, 'nowMs') })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    );
  }

  async claimWork(input: ClaimWorkInput): Promise<boolean> {
    requireText(input.key, 'key');
    requireText(input.workerId, 'workerId');
    requireTime(input.nowMs, 'nowMs');
    if (!Number.isFinite(input.leaseMs) || input.leaseMs <= 0)
      throw invalid('leaseMs', 'expected a positive number of milliseconds');
    // One statement decides ownership: the upsert's WHERE sees the latest row (PostgreSQL locks it while
    // deciding), so two workers can never both win. Done items and live foreign leases are left alone.
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .insertInto('work_items')
        .values({
          key: input.key,
          owner: input.workerId,
          lease_until: input.nowMs + input.leaseMs,
          attempts: 1,
          claimed_at: input.nowMs,
          done_at: null,
        })
        .onConflict((conflict) =>
          conflict
            .column('key')
            .doUpdateSet((eb) => ({
              owner: eb.ref('excluded.owner'),
              lease_until: eb.ref('excluded.lease_until'),
              attempts: eb('work_items.attempts', '+', 1),
              claimed_at: eb.ref('excluded.claimed_at'),
            }))
            .where('work_items.done_at', 'is', null)
            .where((eb) =>
              eb.or([
                eb('work_items.owner', '=', eb.ref('excluded.owner')),
                eb('work_items.lease_until', '<=', eb.ref('excluded.claimed_at')),
              ]),
            ),
        )
        .returning('key'),
    );
    return rows.length > 0;
  }

  async completeWork(key: string, workerId: string, nowMs: number): Promise<boolean> {
    const changed = await queryChanges(
      this.conn,
      queryBuilder(this.dialect)
        .updateTable('work_items')
        .set({ done_at: requireTime(nowMs, 'nowMs'), lease_until: null })
        .where('key', '=', key)
        .where('owner', '=', workerId)
        .where('done_at', 'is', null),
    );
    return changed > 0;
  }

  async isWorkDone(key: string): Promise<boolean> {
    const rows = await queryRows(
      this.conn,
      queryBuilder(this.dialect)
        .selectFrom('work_items')
        .select('key')
        .where('key', '=', key)
        .where('done_at', 'is not', null),
    );
    return rows.length > 0;
  }

  acquireJobLease(input: JobLeaseInput): Promise<boolean> {
    requireText(input.name, 'name');
    requireText(input.workerId, 'workerId');
    requireTime(input.nowMs, 'nowMs');
    if (!Number.isFinite(input.leaseMs) || input.leaseMs <= 0)
      throw invalid('leaseMs', 'expected a positive number of milliseconds');
    return acquireJobLease(this.conn, this.dialect, input);
  }

  releaseJobLease(name: string, workerId: string): Promise<boolean> {
    return releaseJobLease(
      this.conn,
      this.dialect,
      requireText(name, 'name'),
      requireText(workerId, 'workerId'),
    );
  }

  getJobLease(name: string): Promise<JobLease | null> {
    return getJobLease(this.conn, this.dialect, requireText(name, 'name'));
  }
}
