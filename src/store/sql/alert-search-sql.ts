// The alerts list with its filters, sorts and keyset paging, and the indexes it needs, for SQLite and PostgreSQL.

import type { Alert, CaseState, Classification } from '../../model/index.ts';
import { CLASSIFICATIONS, SEVERITIES, UsageError } from '../../model/index.ts';
import { CASE_STATES } from '../case-lifecycle.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { AlertQuery, AlertSort, Page, StoredAlert } from '../store.ts';
import { ALERT_SORTS } from '../store.ts';
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Dialect, SqlConn } from './driver.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryRows } from './query-builder.ts';
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

/** One indexed column per sort; its value is the cursor's position. */
const SORT_COLUMNS = {
  detectedAt: 'alerts.detected_at',
  eventTime: 'alerts.event_time_ms',
  severity: 'alerts.severity_order',
} as const satisfies Record<AlertSort, string>;

/** A WHERE term over the alert and its case link. */
type Term = (eb: ExpressionBuilder<Tables, 'alerts' | 'case_alerts' | 'cases'>) => Expression<SqlBool>;

/** Plain comparisons: query field, column, operator (values checked where they need it, in `filters`). */
const COMPARISONS = [
  ['since', 'alerts.detected_at', '>='],
  ['until', 'alerts.detected_at', '<'],
  ['eventFrom', 'alerts.event_time_ms', '>='],
  ['eventTo', 'alerts.event_time_ms', '<'],
  ['severity', 'alerts.severity', '='],
  ['ruleId', 'alerts.rule_id', '='],
] as const;

const PLACE_COMPARISONS = [
  ['account', 'alerts.account'],
  ['region', 'alerts.region'],
  ['sourceIp', 'alerts.source_ip'],
] as const;

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

/** The query's values, checked: times are times, enumerations hold one of their values. */
function checked(
  query: AlertQuery,
): Partial<Record<(typeof COMPARISONS)[number][0] | 'classification', string | number>> {
  return {
    ...(query.since === undefined ? {} : { since: time(query.since, 'since') }),
    ...(query.until === undefined ? {} : { until: time(query.until, 'until') }),
    ...(query.eventFrom === undefined ? {} : { eventFrom: time(query.eventFrom, 'eventFrom') }),
    ...(query.eventTo === undefined ? {} : { eventTo: time(query.eventTo, 'eventTo') }),
    ...(query.severity === undefined ? {} : { severity: oneOf(query.severity, SEVERITIES, 'severity') }),
    ...(query.classification === undefined
      ? {}
      : { classification: oneOf(query.classification, CLASSIFICATIONS, 'classification') }),
    ...(query.ruleId === undefined ? {} : { ruleId: query.ruleId }),
  };
}

/** WHERE terms for every filter the query names (the case state's term needs the cases join: see searchAlerts). */
function filters(query: AlertQuery): Term[] {
  const terms: Term[] = [];
  const values = checked(query);
  for (const [field, column, op] of COMPARISONS) {
    const value = values[field];
    if (value !== undefined) terms.push((eb) => eb(column, op, value));
  }
  const targetUser = query.targetUser;
  if (targetUser !== undefined)
    terms.push((eb) => eb(eb.fn('lower', ['alerts.target_user']), '=', eb.fn('lower', [eb.val(targetUser)])));
  for (const [field, column] of PLACE_COMPARISONS) {
    const value = query[field];
    if (value !== undefined) terms.push((eb) => eb(column, '=', value));
  }
  const actor = query.actor;
  if (actor !== undefined)
    terms.push((eb) =>
      actor.startsWith('arn:')
        ? eb('alerts.actor_arn', '=', actor)
        : eb('alerts.actor_user', '=', eb.fn<string>('lower', [eb.val(actor)])),
    );
  if (query.incident !== undefined) {
    const incident = query.incident;
    terms.push((eb) => eb('alerts.incident_id', '=', incident));
  }
  const classification = query.classification === undefined ? undefined : String(values.classification);
  if (classification !== undefined)
    // A person classifies the case, not its alerts: the case's classification wins once it has one.
    terms.push((eb) =>
      eb(eb.fn.coalesce('cases.classification', 'alerts.classification'), '=', classification),
    );
  if (query.caseState === 'none') terms.push((eb) => eb('case_alerts.case_id', 'is', null));
  return terms;
}

/** The keyset term: rows past the cursor's position in the list's order (ties broken by id). */
function beyondCursor(
  column: (typeof SORT_COLUMNS)[AlertSort],
  order: 'asc' | 'desc',
  list: string,
  cursor: string,
): Term {
  const position = decodeCursor(list, cursor);
  const beyond = order === 'desc' ? '<' : '>';
  return (eb) =>
    eb.or([
      eb(column, beyond, position.at),
      eb.and([eb(column, '=', position.at), eb('alerts.id', beyond, position.id)]),
    ]);
}

/**
 * Alerts with their case as it stands now (its state, and the classification a person gave it): the list's rows and
 * one alert's (`getAlertWithCase`) are the same columns, so a row and the alert read alone agree.
 */
export function alertsWithCase(db: Kysely<Tables>) {
  return alertRows(db)
    .leftJoin('cases', 'cases.id', 'case_alerts.case_id')
    .select(['cases.state as case_state', 'cases.classification as case_classification']);
}

/** An alert's stored columns and its case id: what `getAlert` reads on the pipeline's hot path. */
export function alertRows(db: Kysely<Tables>) {
  return db
    .selectFrom('alerts')
    .leftJoin('case_alerts', 'case_alerts.alert_id', 'alerts.id')
    .select(['alerts.id', 'alerts.body', 'alerts.detected_at', 'alerts.updated_at', 'case_alerts.case_id']);
}

/** The case columns of an `alertsWithCase` row, as a stored alert carries them (null when in no case). */
export function caseAsItStands(row: {
  readonly case_state: string | null;
  readonly case_classification: string | null;
}): Pick<StoredAlert, 'caseState' | 'caseClassification'> {
  return {
    caseState: row.case_state as CaseState | null,
    caseClassification: row.case_classification as Classification | null,
  };
}

/** One page of alerts: filtered, sorted (ties by id) and paged by keyset, so pages hold still while alerts arrive. */
export async function searchAlerts(
  conn: SqlConn,
  dialect: Dialect,
  query: AlertQuery,
): Promise<Page<StoredAlert>> {
  const limit = query.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw invalid('limit', `expected an integer from 1 to 1000, got ${String(limit)}`);
  const sort = query.sort === undefined ? 'detectedAt' : oneOf(query.sort, ALERT_SORTS, 'sort');
  const order = query.order === undefined ? 'desc' : oneOf(query.order, ['asc', 'desc'] as const, 'order');
  const column = SORT_COLUMNS[sort];
  const list = cursorList(sort, order);
  const terms = filters(query);
  if (query.cursor !== undefined) terms.push(beyondCursor(column, order, list, query.cursor));
  const caseState =
    query.caseState === undefined || query.caseState === 'none'
      ? undefined
      : oneOf(query.caseState, CASE_STATES, 'caseState');
  const rows = await queryRows(
    conn,
    alertsWithCase(queryBuilder(dialect))
      .select((eb) => [eb.ref(column).as('sort_key')])
      .$if(terms.length > 0, (select) => select.where((eb) => eb.and(terms.map((term) => term(eb)))))
      .$if(caseState !== undefined, (select) => select.where('cases.state', '=', caseState ?? ''))
      .orderBy(column, order)
      .orderBy('alerts.id', order)
      .limit(limit + 1),
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      alert: JSON.parse(row.body) as Alert,
      detectedAt: Number(row.detected_at),
      updatedAt: Number(row.updated_at),
      caseId: row.case_id === null ? null : String(row.case_id),
      ...caseAsItStands(row),
    })),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor(list, { at: Number(last.sort_key), id: last.id })
        : null,
  };
}
