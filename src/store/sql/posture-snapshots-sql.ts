// SQL for posture snapshots and their findings, shared by SQLite and PostgreSQL (they differ only in column types).

import type { Finding } from '../../model/index.ts';
import type {
  PostureEventFact,
  PostureSnapshotInput,
  PostureSnapshotQuery,
  PostureSnapshotSummary,
  StoredPostureSnapshot,
} from '../posture-snapshots.ts';
import { POSTURE_SNAPSHOT_SOURCES } from '../posture-snapshots.ts';
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Dialect, SqlConn } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { queryChanges, queryBuilder, queryRows } from './query-builder.ts';
import type { SchemaMigration } from './schema.ts';

// Findings get their own table rather than one JSON column: trends read only the summary columns, and a large
// account's findings (thousands) are then never loaded to draw a chart. The state JSON is read only for the
// latest snapshot, when events update it.
const tables = (id: string, int: string, time: string, real: string): string => `
CREATE TABLE posture_snapshots (
  id                     ${id},
  account_id             TEXT NOT NULL,
  taken_at               ${time} NOT NULL,
  source                 TEXT NOT NULL CHECK (source IN (${POSTURE_SNAPSHOT_SOURCES.map((s) => `'${s}'`).join(', ')})),
  console_users          INTEGER NOT NULL,
  console_users_with_mfa INTEGER NOT NULL,
  mfa_enforced_by_policy INTEGER NOT NULL,
  cis_score              ${real},
  state_json             TEXT NOT NULL,
  event_facts_json       TEXT NOT NULL,
  based_on               ${int} REFERENCES posture_snapshots (id)
);
CREATE INDEX posture_snapshots_time ON posture_snapshots (taken_at, id);
CREATE INDEX posture_snapshots_account ON posture_snapshots (account_id, taken_at, id);
CREATE TABLE posture_findings (
  snapshot_id ${int} NOT NULL REFERENCES posture_snapshots (id),
  position    INTEGER NOT NULL,
  check_id    TEXT NOT NULL,
  status      TEXT NOT NULL,
  resource    TEXT NOT NULL,
  body        TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, position)
);
`;

// Version 18: after the people (16) and alert-search (17) migrations that landed with it. Written once for both
// databases (`schema.ts` names the types that differ).
export const POSTURE_MIGRATION: SchemaMigration = {
  version: 18,
  name: 'posture-snapshots',
  sql: (t) => tables(t.id, t.integer, t.integer, t.real),
};

const SUMMARY_COLUMNS = [
  'id',
  'account_id',
  'taken_at',
  'source',
  'console_users',
  'console_users_with_mfa',
  'mfa_enforced_by_policy',
  'cis_score',
] as const;
const FULL_COLUMNS = [...SUMMARY_COLUMNS, 'state_json', 'event_facts_json', 'based_on'] as const;

type SummaryRow = Pick<Selectable<Tables['posture_snapshots']>, (typeof SUMMARY_COLUMNS)[number]>;
type FullRow = Pick<Selectable<Tables['posture_snapshots']>, (typeof FULL_COLUMNS)[number]>;

/** Rows of findings per INSERT: 6 parameters each stays far below both databases' parameter limits. */
const FINDINGS_PER_INSERT = 500;

function toSummary(row: SummaryRow): PostureSnapshotSummary {
  return {
    id: String(row.id),
    accountId: row.account_id,
    takenAt: Number(row.taken_at),
    source: row.source === 'events' ? 'events' : 'audit',
    consoleUsers: Number(row.console_users),
    consoleUsersWithMfa: Number(row.console_users_with_mfa),
    mfaEnforcedByPolicy: Number(row.mfa_enforced_by_policy),
    cisScore: row.cis_score === null ? null : Number(row.cis_score),
  };
}

function numericId(id: string): number | null {
  return /^\d{1,15}$/.test(id) ? Number(id) : null;
}

export async function recordPostureSnapshot(
  conn: SqlConn,
  dialect: Dialect,
  input: PostureSnapshotInput,
): Promise<PostureSnapshotSummary> {
  const db = queryBuilder(dialect);
  const basedOn = input.basedOn === null ? null : numericId(input.basedOn);
  const rows = await queryRows(
    conn,
    db
      .insertInto('posture_snapshots')
      .values({
        account_id: input.accountId,
        taken_at: input.takenAt,
        source: input.source,
        console_users: input.consoleUsers,
        console_users_with_mfa: input.consoleUsersWithMfa,
        mfa_enforced_by_policy: input.mfaEnforcedByPolicy,
        cis_score: input.cisScore,
        state_json: JSON.stringify(input.state ?? null),
        event_facts_json: JSON.stringify(input.eventFacts),
        based_on: basedOn,
      })
      .returning(SUMMARY_COLUMNS),
  );
  const summary = toSummary(rows[0] as SummaryRow);
  const snapshotId = Number(summary.id);
  for (let start = 0; start < input.findings.length; start += FINDINGS_PER_INSERT) {
    const batch = input.findings.slice(start, start + FINDINGS_PER_INSERT);
    await queryChanges(
      conn,
      db.insertInto('posture_findings').values(
        batch.map((finding, offset) => ({
          snapshot_id: snapshotId,
          position: start + offset,
          check_id: finding.checkId,
          status: finding.status,
          resource: finding.resource.arn ?? finding.resource.name,
          body: JSON.stringify(finding),
        })),
      ),
    );
  }
  return summary;
}

export async function listPostureSnapshots(
  conn: SqlConn,
  dialect: Dialect,
  query: PostureSnapshotQuery,
): Promise<PostureSnapshotSummary[]> {
  const { from, to, accountId } = query;
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('posture_snapshots')
      .select(SUMMARY_COLUMNS)
      .$if(from !== undefined, (select) => select.where('taken_at', '>=', from ?? 0))
      .$if(to !== undefined, (select) => select.where('taken_at', '<', to ?? 0))
      .$if(accountId !== undefined, (select) => select.where('account_id', '=', accountId ?? ''))
      .orderBy('taken_at')
      .orderBy('id'),
  );
  const before =
    query.carryIn === true && from !== undefined ? await latestBefore(conn, dialect, from, accountId) : [];
  return [...before, ...rows].map(toSummary);
}

/** The newest snapshot of each account (or of the one asked for) taken before `from`, oldest first. */
function latestBefore(
  conn: SqlConn,
  dialect: Dialect,
  from: number,
  accountId: string | undefined,
): Promise<SummaryRow[]> {
  return queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('posture_snapshots as p')
      .select(SUMMARY_COLUMNS.map((column) => `p.${column}` as const))
      .where('p.taken_at', '<', from)
      .$if(accountId !== undefined, (select) => select.where('p.account_id', '=', accountId ?? ''))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('posture_snapshots as q')
              .select(sql.lit(1).as('one'))
              .whereRef('q.account_id', '=', 'p.account_id')
              .where('q.taken_at', '<', from)
              .where((eb) =>
                eb.or([
                  eb('q.taken_at', '>', eb.ref('p.taken_at')),
                  eb.and([eb('q.taken_at', '=', eb.ref('p.taken_at')), eb('q.id', '>', eb.ref('p.id'))]),
                ]),
              ),
          ),
        ),
      )
      .orderBy('p.taken_at')
      .orderBy('p.id'),
  );
}

async function withDetails(conn: SqlConn, dialect: Dialect, row: FullRow): Promise<StoredPostureSnapshot> {
  const findings = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('posture_findings')
      .select('body')
      .where('snapshot_id', '=', Number(row.id))
      .orderBy('position'),
  );
  return {
    ...toSummary(row),
    state: JSON.parse(row.state_json) as unknown,
    findings: findings.map((finding) => JSON.parse(finding.body) as Finding),
    eventFacts: JSON.parse(row.event_facts_json) as PostureEventFact[],
    basedOn: row.based_on === null ? null : String(row.based_on),
  };
}

export async function getPostureSnapshot(
  conn: SqlConn,
  dialect: Dialect,
  id: string,
): Promise<StoredPostureSnapshot | null> {
  const numeric = numericId(id);
  if (numeric === null) return null;
  const rows = await queryRows(
    conn,
    queryBuilder(dialect).selectFrom('posture_snapshots').select(FULL_COLUMNS).where('id', '=', numeric),
  );
  const row = rows[0];
  return row === undefined ? null : withDetails(conn, dialect, row);
}

export async function latestPostureSnapshots(
  conn: SqlConn,
  dialect: Dialect,
  query: { readonly accountId?: string },
): Promise<StoredPostureSnapshot[]> {
  const { accountId } = query;
  const rows = await queryRows(
    conn,
    queryBuilder(dialect)
      .selectFrom('posture_snapshots as s')
      .select(FULL_COLUMNS.map((column) => `s.${column}` as const))
      .where('s.id', '=', (eb) =>
        eb
          .selectFrom('posture_snapshots as t')
          .select('t.id')
          .whereRef('t.account_id', '=', 's.account_id')
          .orderBy('t.taken_at', 'desc')
          .orderBy('t.id', 'desc')
          .limit(1),
      )
      .$if(accountId !== undefined, (select) => select.where('s.account_id', '=', accountId ?? ''))
      .orderBy('s.account_id'),
  );
  const snapshots: StoredPostureSnapshot[] = [];
  for (const row of rows) snapshots.push(await withDetails(conn, dialect, row));
  return snapshots;
}
