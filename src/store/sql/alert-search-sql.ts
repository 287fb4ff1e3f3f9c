// The alerts list with its filters, sorts and keyset paging, and the indexes it needs, for SQLite and PostgreSQL.

import type { Alert, CaseState, Classification } from '../../model/index.ts';
import { CLASSIFICATIONS, SEVERITIES, UsageError } from '../../model/index.ts';
import { CASE_STATES } from '../case-lifecycle.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { AlertQuery, AlertSort, Page, StoredAlert } from '../store.ts';
import { ALERT_SORTS } from '../store.ts';
import type { SqlConn, SqlValue } from './driver.ts';
import type { SchemaDialect, SchemaMigration } from './schema.ts';

/**
 * The severity sort key packs the rank above the detection time (rank × 2^50 + detectedAt, below 2^53), so one
 * indexed column orders by severity, then newest, and the keyset cursor stays a (number, id) pair.
 */
const SEVERITY_SHIFT = 2 ** 50;
const severityRankSql = `(CASE severity ${SEVERITIES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE 0 END)`;

/**
 * The facts people filter by live inside the alert's JSON body; generated columns expose them to indexes without
 * touching the insert path, and stay right when triage rewrites the body. `json` reads a path of the body.
 */
const facets = (json: (path: readonly string[]) => string): [string, string][] => [
  ['region', json(['event', 'region'])],
  ['source_ip', json(['actor', 'sourceIp'])],
  ['actor_arn', json(['actor', 'arn'])],
  ['actor_user', `LOWER(${json(['actor', 'userName'])})`],
  ['incident_id', `COALESCE(${json(['incident', 'removalEventId'])}, event_id)`],
];

const INDEXES = `
CREATE INDEX alerts_event_order ON alerts (event_time_ms DESC, id DESC);
CREATE INDEX alerts_severity_order ON alerts (severity_order DESC, id DESC);
CREATE INDEX alerts_account ON alerts (account, detected_at);
CREATE INDEX alerts_region ON alerts (region, detected_at);
CREATE INDEX alerts_source_ip ON alerts (source_ip, detected_at);
CREATE INDEX alerts_actor_arn ON alerts (actor_arn, detected_at);
CREATE INDEX alerts_actor_user ON alerts (actor_user, detected_at);
CREATE INDEX alerts_target_user ON alerts (LOWER(target_user), detected_at);
CREATE INDEX alerts_rule ON alerts (rule_id, detected_at);
CREATE INDEX alerts_classification ON alerts (classification, detected_at);
CREATE INDEX alerts_incident ON alerts (incident_id);
`;

// SQLite may add only VIRTUAL generated columns to an existing table (computed on read, indexable); PostgreSQL has
// only STORED ones (the table is rewritten once); text -> jsonb is immutable.
const columns = (t: SchemaDialect): string =>
  [
    ...facets((path) => t.jsonText('body', path)).map(([name, expr]) => [name, 'TEXT', expr] as const),
    [
      'severity_order',
      'BIGINT',
      `${severityRankSql} * ${t.bigintLiteral(SEVERITY_SHIFT)} + detected_at`,
    ] as const,
  ]
    .map(([name, type, expr]) => `ALTER TABLE alerts ADD COLUMN ${name} ${t.generatedColumn(type, expr)};`)
    .join('\n');

// Version 16, the next free number when it was written; self-contained, so it can be renumbered at a merge.
export const ALERT_SEARCH_MIGRATION: SchemaMigration = {
  version: 17,
  name: 'alert-search',
  sql: (t) => columns(t) + INDEXES,
};

interface Row {
  id: string;
  body: string;
  detected_at: number | string;
  updated_at: number | string;
  case_id: number | string | null;
  case_state: string | null;
  case_classification: string | null;
  sort_key: number | string;
  [key: string]: unknown;
}

const SORT_COLUMNS: Readonly<Record<AlertSort, string>> = {
  detectedAt: 'a.detected_at',
  eventTime: 'a.event_time_ms',
  severity: 'a.severity_order',
};

function invalid(location: string, message: string): UsageError {
  return new UsageError(`${location}: ${message}`, [
    { level: 'error', code: 'store-input', location, message },
  ]);
}

function oneOf<T extends string>(value: unknown, choices: readonly T[], location: string): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
    throw invalid(location, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function time(value: unknown, location: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(location, `expected epoch milliseconds, got ${String(value)}`);
  return value;
}

/** The list name a cursor is tagged with: a cursor from another sort or direction is refused, not misread. */
function cursorList(sort: AlertSort, order: 'asc' | 'desc'): string {
  return sort === 'detectedAt' && order === 'desc' ? 'alerts' : `alerts:${sort}:${order}`;
}

/** WHERE terms and their parameters for every filter the query names. */
function filters(query: AlertQuery): { where: string[]; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const add = (term: string, ...values: SqlValue[]): void => {
    where.push(term);
    params.push(...values);
  };
  if (query.since !== undefined) add('a.detected_at >= ?', time(query.since, 'since'));
  if (query.until !== undefined) add('a.detected_at < ?', time(query.until, 'until'));
  if (query.eventFrom !== undefined) add('a.event_time_ms >= ?', time(query.eventFrom, 'eventFrom'));
  if (query.eventTo !== undefined) add('a.event_time_ms < ?', time(query.eventTo, 'eventTo'));
  if (query.severity !== undefined) add('a.severity = ?', oneOf(query.severity, SEVERITIES, 'severity'));
  if (query.classification !== undefined)
    add(
      // A person classifies the case, not its alerts: the case's classification wins once it has one.
      'COALESCE(c.classification, a.classification) = ?',
      oneOf(query.classification, CLASSIFICATIONS, 'classification'),
    );
  if (query.ruleId !== undefined) add('a.rule_id = ?', query.ruleId);
  if (query.targetUser !== undefined) add('LOWER(a.target_user) = LOWER(?)', query.targetUser);
  if (query.account !== undefined) add('a.account = ?', query.account);
  if (query.region !== undefined) add('a.region = ?', query.region);
  if (query.sourceIp !== undefined) add('a.source_ip = ?', query.sourceIp);
  if (query.actor !== undefined) {
    if (query.actor.startsWith('arn:')) add('a.actor_arn = ?', query.actor);
    else add('a.actor_user = LOWER(?)', query.actor);
  }
  if (query.incident !== undefined) add('a.incident_id = ?', query.incident);
  if (query.caseState === 'none') add('ca.case_id IS NULL');
  else if (query.caseState !== undefined)
    add('c.state = ?', oneOf(query.caseState, CASE_STATES, 'caseState'));
  return { where, params };
}

/** One page of alerts: filtered, sorted (ties by id) and paged by keyset, so pages hold still while alerts arrive. */
export async function searchAlerts(conn: SqlConn, query: AlertQuery): Promise<Page<StoredAlert>> {
  const limit = query.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw invalid('limit', `expected an integer from 1 to 1000, got ${String(limit)}`);
  const sort = query.sort === undefined ? 'detectedAt' : oneOf(query.sort, ALERT_SORTS, 'sort');
  const order = query.order === undefined ? 'desc' : oneOf(query.order, ['asc', 'desc'] as const, 'order');
  const column = SORT_COLUMNS[sort];
  const list = cursorList(sort, order);
  const { where, params } = filters(query);
  if (query.cursor !== undefined) {
    const position = decodeCursor(list, query.cursor);
    const beyond = order === 'desc' ? '<' : '>';
    where.push(`(${column} ${beyond} ? OR (${column} = ? AND a.id ${beyond} ?))`);
    params.push(position.at, position.at, position.id);
  }
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  params.push(limit + 1);
  const rows = await conn.query<Row>(
    `SELECT a.id, a.body, a.detected_at, a.updated_at, ca.case_id, c.state AS case_state,
            c.classification AS case_classification, ${column} AS sort_key
     FROM alerts a
     LEFT JOIN case_alerts ca ON ca.alert_id = a.id
     LEFT JOIN cases c ON c.id = ca.case_id
     ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY ${column} ${direction}, a.id ${direction}
     LIMIT ?`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      alert: JSON.parse(row.body) as Alert,
      detectedAt: Number(row.detected_at),
      updatedAt: Number(row.updated_at),
      caseId: row.case_id === null ? null : String(row.case_id),
      caseState: row.case_state as CaseState | null,
      caseClassification: row.case_classification as Classification | null,
    })),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor(list, { at: Number(last.sort_key), id: last.id })
        : null,
  };
}
