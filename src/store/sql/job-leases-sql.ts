// SQL for the scheduled jobs' leases, shared by SQLite and PostgreSQL: one row per job, won by one upsert.

import type { JobLease, JobLeaseInput } from '../job-leases.ts';
import type { Dialect, SqlConn } from './driver.ts';
import { queryBuilder, queryChanges, queryRows } from './query-builder.ts';
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

export async function acquireJobLease(
  conn: SqlConn,
  dialect: Dialect,
  input: JobLeaseInput,
): Promise<boolean> {
  // One statement decides: the upsert's WHERE sees the latest row (PostgreSQL locks it while deciding), so of two
  // workers asking at once exactly one gets a row back. Renewal by the holder keeps its generation.
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .insertInto('job_leases')
      .values({
        name: input.name,
        holder: input.workerId,
        lease_until: input.nowMs + input.leaseMs,
        generation: 1,
        taken_at: input.nowMs,
      })
      .onConflict((conflict) =>
        conflict
          .column('name')
          .doUpdateSet((eb) => {
            const sameHolder = eb('job_leases.holder', '=', eb.ref('excluded.holder'));
            return {
              holder: eb.ref('excluded.holder'),
              lease_until: eb.ref('excluded.lease_until'),
              generation: eb
                .case()
                .when(sameHolder)
                .then(eb.ref('job_leases.generation'))
                .else(eb('job_leases.generation', '+', 1))
                .end(),
              taken_at: eb
                .case()
                .when(sameHolder)
                .then(eb.ref('job_leases.taken_at'))
                .else(eb.ref('excluded.taken_at'))
                .end(),
            };
          })
          .where((eb) =>
            eb.or([
              eb('job_leases.holder', '=', eb.ref('excluded.holder')),
              eb('job_leases.lease_until', '<=', eb.ref('excluded.taken_at')),
            ]),
          ),
      )
      .returning('name'),
  );
  return rows.length > 0;
}

export async function releaseJobLease(
  conn: SqlConn,
  dialect: Dialect,
  name: string,
  workerId: string,
): Promise<boolean> {
  // The deadline is moved to the start of time rather than the row deleted, so the generation keeps counting.
  const changed = await queryChanges(
    conn,
    queryBuilder(dialect)
      .updateTable('job_leases')
      .set({ lease_until: 0 })
      .where('name', '=', name)
      .where('holder', '=', workerId)
      .where('lease_until', '>', 0),
  );
  return changed > 0;
}

export async function getJobLease(conn: SqlConn, dialect: Dialect, name: string): Promise<JobLease | null> {
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('job_leases')
      .select(['name', 'holder', 'lease_until', 'generation'])
      .where('name', '=', name),
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    name: row.name,
    holder: row.holder,
    until: Number(row.lease_until),
    generation: Number(row.generation),
  };
}
