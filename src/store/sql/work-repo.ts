// Coordination between workers and restarts: checkpoints, work claims and job leases.

import type { JobLease, JobLeaseInput } from '../job-leases.ts';
import { acquireJobLease, getJobLease, releaseJobLease } from './job-leases-sql.ts';
import type { ClaimWorkInput } from '../store.ts';
import { invalid, requireText, requireTime, SqlRepository } from './sql-helpers.ts';
import { queryBuilder, queryRows } from './query-builder.ts';

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
    const rows = await this.conn.query(
      `INSERT INTO work_items (key, owner, lease_until, attempts, claimed_at, done_at)
       VALUES (?, ?, ?, 1, ?, NULL)
       ON CONFLICT (key) DO UPDATE
         SET owner = excluded.owner, lease_until = excluded.lease_until,
             attempts = work_items.attempts + 1, claimed_at = excluded.claimed_at
         WHERE work_items.done_at IS NULL
           AND (work_items.owner = excluded.owner OR work_items.lease_until <= excluded.claimed_at)
       RETURNING key`,
      [input.key, input.workerId, input.nowMs + input.leaseMs, input.nowMs],
    );
    return rows.length > 0;
  }

  async completeWork(key: string, workerId: string, nowMs: number): Promise<boolean> {
    const changed = await this.conn.execute(
      `UPDATE work_items SET done_at = ?, lease_until = NULL WHERE key = ? AND owner = ? AND done_at IS NULL`,
      [requireTime(nowMs, 'nowMs'), key, workerId],
    );
    return changed > 0;
  }

  async isWorkDone(key: string): Promise<boolean> {
    const rows = await this.conn.query(`SELECT key FROM work_items WHERE key = ? AND done_at IS NOT NULL`, [
      key,
    ]);
    return rows.length > 0;
  }

  acquireJobLease(input: JobLeaseInput): Promise<boolean> {
    requireText(input.name, 'name');
    requireText(input.workerId, 'workerId');
    requireTime(input.nowMs, 'nowMs');
    if (!Number.isFinite(input.leaseMs) || input.leaseMs <= 0)
      throw invalid('leaseMs', 'expected a positive number of milliseconds');
    return acquireJobLease(this.conn, input);
  }

  releaseJobLease(name: string, workerId: string): Promise<boolean> {
    return releaseJobLease(this.conn, requireText(name, 'name'), requireText(workerId, 'workerId'));
  }

  getJobLease(name: string): Promise<JobLease | null> {
    return getJobLease(this.conn, requireText(name, 'name'));
  }
}
