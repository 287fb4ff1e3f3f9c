// SQL for the scheduled jobs' leases, shared by SQLite and PostgreSQL: one row per job, won by one upsert.

import type { JobLease, JobLeaseInput } from '../job-leases.ts';
import type { SqlConn } from './driver.ts';
import type { SchemaMigration } from './schema.ts';

// A lease row rather than pg_try_advisory_lock: an advisory lock belongs to one pooled connection, which the pool
// may hand to other work or drop, while a row with a deadline behaves the same on both databases and survives the
// holder's connection being replaced. The cost is that a crashed holder is replaced only when its lease runs out.
const TABLE = (bigint: string) => `
CREATE TABLE job_leases (
  name        TEXT PRIMARY KEY,
  holder      TEXT NOT NULL,
  lease_until ${bigint} NOT NULL,
  generation  ${bigint} NOT NULL,
  taken_at    ${bigint} NOT NULL
);
`;

export const JOB_LEASES_MIGRATION: SchemaMigration = {
  version: 3,
  name: 'job-leases',
  sql: (t) => TABLE(t.integer),
};

export async function acquireJobLease(conn: SqlConn, input: JobLeaseInput): Promise<boolean> {
  // One statement decides: the upsert's WHERE sees the latest row (PostgreSQL locks it while deciding), so of two
  // workers asking at once exactly one gets a row back. Renewal by the holder keeps its generation.
  const rows = await conn.query(
    `INSERT INTO job_leases (name, holder, lease_until, generation, taken_at)
     VALUES (?, ?, ?, 1, ?)
     ON CONFLICT (name) DO UPDATE
       SET holder = excluded.holder, lease_until = excluded.lease_until,
           generation = CASE WHEN job_leases.holder = excluded.holder THEN job_leases.generation
                             ELSE job_leases.generation + 1 END,
           taken_at = CASE WHEN job_leases.holder = excluded.holder THEN job_leases.taken_at
                           ELSE excluded.taken_at END
       WHERE job_leases.holder = excluded.holder OR job_leases.lease_until <= excluded.taken_at
     RETURNING name`,
    [input.name, input.workerId, input.nowMs + input.leaseMs, input.nowMs],
  );
  return rows.length > 0;
}

export async function releaseJobLease(conn: SqlConn, name: string, workerId: string): Promise<boolean> {
  // The deadline is moved to the start of time rather than the row deleted, so the generation keeps counting.
  const changed = await conn.execute(
    `UPDATE job_leases SET lease_until = 0 WHERE name = ? AND holder = ? AND lease_until > 0`,
    [name, workerId],
  );
  return changed > 0;
}

export async function getJobLease(conn: SqlConn, name: string): Promise<JobLease | null> {
  const rows = await conn.query<{
    name: string;
    holder: string;
    lease_until: number | string;
    generation: number | string;
  }>(`SELECT name, holder, lease_until, generation FROM job_leases WHERE name = ?`, [name]);
  const row = rows[0];
  if (row === undefined) return null;
  return {
    name: row.name,
    holder: row.holder,
    until: Number(row.lease_until),
    generation: Number(row.generation),
  };
}
