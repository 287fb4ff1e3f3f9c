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
import type { SqlConn, SqlValue } from './driver.ts';
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

interface SummaryRow {
  id: number | string;
  account_id: string;
  taken_at: number | string;
  source: string;
  console_users: number | string;
  console_users_with_mfa: number | string;
  mfa_enforced_by_policy: number | string;
  cis_score: number | string | null;
  [key: string]: unknown;
}

interface FullRow extends SummaryRow {
  state_json: string;
  event_facts_json: string;
  based_on: number | string | null;
}

const SUMMARY_COLUMNS = `id, account_id, taken_at, source, console_users, console_users_with_mfa,
  mfa_enforced_by_policy, cis_score`;
const FULL_COLUMNS = `${SUMMARY_COLUMNS}, state_json, event_facts_json, based_on`;

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
  input: PostureSnapshotInput,
): Promise<PostureSnapshotSummary> {
  const basedOn = input.basedOn === null ? null : numericId(input.basedOn);
  const rows = await conn.query<SummaryRow>(
    `INSERT INTO posture_snapshots (account_id, taken_at, source, console_users, console_users_with_mfa,
       mfa_enforced_by_policy, cis_score, state_json, event_facts_json, based_on)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING ${SUMMARY_COLUMNS}`,
    [
      input.accountId,
      input.takenAt,
      input.source,
      input.consoleUsers,
      input.consoleUsersWithMfa,
      input.mfaEnforcedByPolicy,
      input.cisScore,
      JSON.stringify(input.state ?? null),
      JSON.stringify(input.eventFacts),
      basedOn,
    ],
  );
  const summary = toSummary(rows[0] as SummaryRow);
  const snapshotId = Number(summary.id);
  for (let start = 0; start < input.findings.length; start += FINDINGS_PER_INSERT) {
    const batch = input.findings.slice(start, start + FINDINGS_PER_INSERT);
    const params: SqlValue[] = [];
    batch.forEach((finding, offset) => {
      params.push(
        snapshotId,
        start + offset,
        finding.checkId,
        finding.status,
        finding.resource.arn ?? finding.resource.name,
        JSON.stringify(finding),
      );
    });
    await conn.execute(
      `INSERT INTO posture_findings (snapshot_id, position, check_id, status, resource, body)
       VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
  return summary;
}

export async function listPostureSnapshots(
  conn: SqlConn,
  query: PostureSnapshotQuery,
): Promise<PostureSnapshotSummary[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (query.from !== undefined) {
    where.push('taken_at >= ?');
    params.push(query.from);
  }
  if (query.to !== undefined) {
    where.push('taken_at < ?');
    params.push(query.to);
  }
  if (query.accountId !== undefined) {
    where.push('account_id = ?');
    params.push(query.accountId);
  }
  const rows = await conn.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM posture_snapshots
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY taken_at, id`,
    params,
  );
  const before =
    query.carryIn === true && query.from !== undefined
      ? await latestBefore(conn, query.from, query.accountId)
      : [];
  return [...before, ...rows].map(toSummary);
}

/** The newest snapshot of each account (or of the one asked for) taken before `from`, oldest first. */
async function latestBefore(
  conn: SqlConn,
  from: number,
  accountId: string | undefined,
): Promise<SummaryRow[]> {
  const account = accountId === undefined ? '' : 'AND p.account_id = ?';
  return conn.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM posture_snapshots p
     WHERE p.taken_at < ? ${account}
       AND NOT EXISTS (SELECT 1 FROM posture_snapshots q
                       WHERE q.account_id = p.account_id AND q.taken_at < ?
                         AND (q.taken_at > p.taken_at OR (q.taken_at = p.taken_at AND q.id > p.id)))
     ORDER BY p.taken_at, p.id`,
    [from, ...(accountId === undefined ? [] : [accountId]), from],
  );
}

async function withDetails(conn: SqlConn, row: FullRow): Promise<StoredPostureSnapshot> {
  const findings = await conn.query<{ body: string }>(
    `SELECT body FROM posture_findings WHERE snapshot_id = ? ORDER BY position`,
    [Number(row.id)],
  );
  return {
    ...toSummary(row),
    state: JSON.parse(row.state_json) as unknown,
    findings: findings.map((finding) => JSON.parse(finding.body) as Finding),
    eventFacts: JSON.parse(row.event_facts_json) as PostureEventFact[],
    basedOn: row.based_on === null ? null : String(row.based_on),
  };
}

export async function getPostureSnapshot(conn: SqlConn, id: string): Promise<StoredPostureSnapshot | null> {
  const numeric = numericId(id);
  if (numeric === null) return null;
  const rows = await conn.query<FullRow>(`SELECT ${FULL_COLUMNS} FROM posture_snapshots WHERE id = ?`, [
    numeric,
  ]);
  const row = rows[0];
  return row === undefined ? null : withDetails(conn, row);
}

export async function latestPostureSnapshots(
  conn: SqlConn,
  query: { readonly accountId?: string },
): Promise<StoredPostureSnapshot[]> {
  const rows = await conn.query<FullRow>(
    `SELECT ${FULL_COLUMNS} FROM posture_snapshots s
     WHERE s.id = (SELECT t.id FROM posture_snapshots t WHERE t.account_id = s.account_id
                   ORDER BY t.taken_at DESC, t.id DESC LIMIT 1)
       ${query.accountId === undefined ? '' : 'AND s.account_id = ?'}
     ORDER BY s.account_id`,
    query.accountId === undefined ? [] : [query.accountId],
  );
  const snapshots: StoredPostureSnapshot[] = [];
  for (const row of rows) snapshots.push(await withDetails(conn, row));
  return snapshots;
}
