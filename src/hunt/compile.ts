// Compiles the loaded rules into the SQL a hunt sends where the data is: Athena (and DuckDB, running the very same text) or CloudTrail Lake.

import { UsageError } from '../model/index.ts';
import type { CompiledRule } from '../model/index.ts';
import { CLOUDTRAIL_COLUMNS, quoteIdentifier } from './schema.ts';
import type { Column } from './schema.ts';

/** Athena's SQL over the documented table (DuckDB runs it too), or CloudTrail Lake's over an event data store. */
export type Dialect = 'athena' | 'lake';

/** The time, account and region scope of a hunt; times are ISO-8601 UTC, `until` exclusive. */
export interface HuntScope {
  readonly since: string | null;
  readonly until: string | null;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
}

export const FULL_SCOPE: HuntScope = { since: null, until: null, accounts: [], regions: [] };

/** The partition projection columns a table has (AWS documents `timestamp` as `yyyy/MM/dd`; `region` and `account` as enums). */
export interface Partitions {
  readonly account: string | null;
  readonly region: string | null;
  /** A `yyyy/MM/dd` date column (`timestamp` in the AWS documentation, `date` in some others). */
  readonly date: string | null;
}

export const NO_PARTITIONS: Partitions = { account: null, region: null, date: null };

export interface TableLayout {
  readonly dialect: Dialect;
  /** The FROM reference, already quoted: `"db"."table"` or an event data store id. */
  readonly from: string;
  /** Athena: which of `CLOUDTRAIL_COLUMNS` the table has (a table made from the AWS documentation lacks `managementevent`). */
  readonly columns: ReadonlySet<string>;
  readonly partitions: Partitions;
}

/** What the loaded rules pin: event names and sources, so the engine sends back only the events they can fire on. */
export interface RulePin {
  readonly ruleIds: readonly string[];
  readonly names: readonly string[] | null;
  readonly sources: readonly string[] | null;
}

/** The names of the columns every hunt query returns besides the record's own. */
export const KEY_COLUMN = 'mfaguard_key';
export const COPIES_COLUMN = 'mfaguard_copies';
export const LAST_TIME_COLUMN = 'mfaguard_last_event_time';
export const LOCATION_COLUMN = 'mfaguard_location';
/** CloudTrail Lake keeps each event's JSON as delivered: the record comes back whole. */
export const LAKE_JSON_COLUMN = 'eventjson';

/**
 * The pins of the rules, grouped so that rules pinning the same events share one line of SQL. A rule that pins
 * neither names nor sources would need every event of the scope brought back, which is the copy a hunt exists to
 * avoid: it is refused, naming the rules, rather than quietly turning the hunt into a full export.
 */
export function rulePins(rules: readonly CompiledRule[]): RulePin[] {
  const unpinned = rules.filter((rule) => rule.eventNames === null && rule.eventSources === null);
  if (unpinned.length > 0) {
    const shown = unpinned.slice(0, 10).map((rule) => `${rule.meta.id} (${rule.meta.path})`);
    throw new UsageError(
      `hunt cannot push ${unpinned.length === 1 ? 'this rule' : `these ${unpinned.length} rules`} down to the engine: ` +
        `${shown.join(', ')}${unpinned.length > 10 ? ', …' : ''} pin${unpinned.length === 1 ? 's' : ''} no event name or source, ` +
        'so every event would have to come back; leave them out of --rules, or run them with `mfaguard scan`',
    );
  }
  const byPredicate = new Map<string, { names: string[] | null; sources: string[] | null; ids: string[] }>();
  for (const rule of rules) {
    const names = rule.eventNames === null ? null : [...rule.eventNames].sort();
    const sources = rule.eventSources === null ? null : [...rule.eventSources].sort();
    const key = JSON.stringify([names, sources]);
    const entry = byPredicate.get(key);
    if (entry === undefined) byPredicate.set(key, { names, sources, ids: [rule.meta.id] });
    else entry.ids.push(rule.meta.id);
  }
  return [...byPredicate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => ({ ruleIds: entry.ids.sort(), names: entry.names, sources: entry.sources }));
}

/**
 * The slice query. It reads the scope once: rows an engine pin or triage needs are grouped by eventID (the copy an
 * organisation trail and an account trail both deliver comes back once), and every other row falls into one group
 * whose key is NULL and which only counts them and keeps the newest event time, the coverage triage needs to know
 * whether a grace period has passed. A second scan for that time would double the bytes Athena bills.
 */
export function compileSliceQuery(
  pins: readonly RulePin[],
  contextNames: readonly string[],
  scope: HuntScope,
  layout: TableLayout,
): string {
  const predicate = slicePredicate(pins, contextNames, layout.dialect);
  return [
    '-- mfaguard hunt: the events the loaded rules can fire on and those triage reads, once per eventID;',
    '-- every other event in scope falls into the group keyed NULL, which counts them and keeps the newest time',
    ...groupedQuery(
      `CASE WHEN (\n${predicate.map((line) => `      ${line}`).join('\n')}\n    ) THEN ${ref('eventid', layout.dialect)} END`,
      scopeConditions(scope, layout),
      layout,
    ),
  ].join('\n');
}

/**
 * The baseline query: what the callers found did before the hunt's start, over the triage look-back, so the
 * familiarity of an address or client is judged on their history and not only on the hunted window.
 */
export function compileBaselineQuery(
  pins: readonly RulePin[],
  contextNames: readonly string[],
  callers: { readonly arns: readonly string[]; readonly principalIds: readonly string[] },
  window: { readonly from: string; readonly until: string },
  layout: TableLayout,
): string {
  const d = layout.dialect;
  const who = [
    ...(callers.arns.length === 0 ? [] : [`${ref('useridentity.arn', d)} IN (${list(callers.arns)})`]),
    ...(callers.principalIds.length === 0
      ? []
      : [`${ref('useridentity.principalid', d)} IN (${list(callers.principalIds)})`]),
  ];
  if (who.length === 0) throw new Error('compileBaselineQuery needs at least one caller');
  const where = [
    ...scopeConditions({ ...FULL_SCOPE, since: window.from, until: window.until }, layout),
    `(\n      ${slicePredicate(pins, contextNames, d).join('\n      ')}\n    )`,
    `(${who.join(' OR ')})`,
  ];
  return [
    '-- mfaguard hunt: the baseline slice, what the callers found did in the look-back before the hunted window',
    ...groupedQuery(ref('eventid', d), where, layout),
  ].join('\n');
}

function slicePredicate(
  pins: readonly RulePin[],
  contextNames: readonly string[],
  dialect: Dialect,
): string[] {
  const name = ref('eventname', dialect);
  const source = ref('eventsource', dialect);
  const lines = [`${name} IN (${list([...contextNames].sort())})  -- correlation and baselines`];
  for (const pin of pins) {
    const parts = [
      ...(pin.names === null ? [] : [`${name} IN (${list(pin.names)})`]),
      ...(pin.sources === null ? [] : [`${source} IN (${list(pin.sources)})`]),
    ];
    const condition = parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
    lines.push(`OR ${condition}  -- ${pin.ruleIds.map(commentText).join(', ')}`);
  }
  return lines;
}

/**
 * Rows grouped by `key`: the inner query reads the table once and keeps one copy of each column per group; the
 * outer one turns nested values into JSON text for the groups only, not for every row read.
 */
function groupedQuery(key: string, where: readonly string[], layout: TableLayout): string[] {
  const d = layout.dialect;
  const time = ref('eventtime', d);
  const columns = CLOUDTRAIL_COLUMNS.filter((c) => layout.columns.has(c.name));
  const inner =
    d === 'lake'
      ? [`arbitrary(eventJson) AS ${LAKE_JSON_COLUMN}`]
      : [
          // The first file in path order, as a scan of the folder reads it first: where a copy is found is stable.
          `min("$path") AS ${LOCATION_COLUMN}`,
          ...columns.map((c) => `arbitrary(${c.name}) AS ${c.name}`),
        ];
  const outer =
    d === 'lake'
      ? [
          KEY_COLUMN,
          COPIES_COLUMN,
          `to_iso8601(${LAST_TIME_COLUMN}) AS ${LAST_TIME_COLUMN}`,
          LAKE_JSON_COLUMN,
        ]
      : [KEY_COLUMN, COPIES_COLUMN, LAST_TIME_COLUMN, LOCATION_COLUMN, ...columns.map(selectExpression)];
  return [
    'SELECT',
    outer.map((c) => `  ${c}`).join(',\n'),
    'FROM (',
    '  SELECT',
    [
      `${key} AS ${KEY_COLUMN}`,
      `count(*) AS ${COPIES_COLUMN}`,
      `max(${time}) AS ${LAST_TIME_COLUMN}`,
      ...inner,
    ]
      .map((c) => `    ${c}`)
      .join(',\n'),
    `  FROM ${layout.from}`,
    ...(where.length === 0 ? [] : ['  WHERE', `    ${where.join('\n    AND ')}`]),
    '  GROUP BY 1',
    ') AS grouped',
  ];
}

/** Nested values come back as JSON text: Athena prints a struct as `{a=1, b=x}`, which cannot be read back safely. */
function selectExpression(column: Column): string {
  return column.type.kind === 'string'
    ? column.name
    : `json_format(CAST(${column.name} AS JSON)) AS ${column.name}`;
}

function scopeConditions(scope: HuntScope, layout: TableLayout): string[] {
  const d = layout.dialect;
  const time = ref('eventtime', d);
  const conditions: string[] = [];
  const { partitions } = layout;
  if (scope.since !== null) {
    if (partitions.date !== null)
      conditions.push(`${quoteIdentifier(partitions.date)} >= ${literal(partitionDay(scope.since))}`);
    conditions.push(`${time} >= ${timeLiteral(scope.since, d)}`);
  }
  if (scope.until !== null) {
    // A file lands in the folder of its delivery day, which can be the day after its last event's.
    if (partitions.date !== null)
      conditions.push(
        `${quoteIdentifier(partitions.date)} <= ${literal(partitionDay(nextDay(scope.until)))}`,
      );
    conditions.push(`${time} < ${timeLiteral(scope.until, d)}`);
  }
  if (scope.accounts.length > 0) {
    if (partitions.account !== null)
      conditions.push(`${quoteIdentifier(partitions.account)} IN (${list(scope.accounts)})`);
    conditions.push(`${ref('recipientaccountid', d)} IN (${list(scope.accounts)})`);
  }
  if (scope.regions.length > 0) {
    if (partitions.region !== null)
      conditions.push(`${quoteIdentifier(partitions.region)} IN (${list(scope.regions)})`);
    conditions.push(`${ref('awsregion', d)} IN (${list(scope.regions)})`);
  }
  return conditions;
}

/** CloudTrail Lake's samples spell columns as the record does; Athena's table has them in lower case. */
const LAKE_NAMES: Readonly<Record<string, string>> = {
  awsregion: 'awsRegion',
  eventid: 'eventID',
  eventname: 'eventName',
  eventsource: 'eventSource',
  eventtime: 'eventTime',
  recipientaccountid: 'recipientAccountId',
  'useridentity.arn': 'userIdentity.arn',
  'useridentity.principalid': 'userIdentity.principalId',
};

function ref(column: string, dialect: Dialect): string {
  return dialect === 'lake' ? (LAKE_NAMES[column] ?? column) : column;
}

/** Athena's `eventtime` is the delivered text (`2024-03-04T10:00:00Z`), which orders as time; Lake's is a timestamp. */
function timeLiteral(iso: string, dialect: Dialect): string {
  const seconds = iso.slice(0, 19);
  return dialect === 'lake' ? literal(seconds.replace('T', ' ')) : literal(`${seconds}Z`);
}

function nextDay(iso: string): string {
  return new Date(Date.parse(iso) + 86_400_000).toISOString();
}

function partitionDay(iso: string): string {
  return iso.slice(0, 10).replaceAll('-', '/');
}

/** A SQL string literal. Values come from rule files and the command line: quotes are doubled, control characters refused. */
export function literal(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new UsageError(
      `a value for the hunt query holds a control character: ${JSON.stringify(value.slice(0, 60))}`,
    );
  return `'${value.replaceAll("'", "''")}'`;
}

function list(values: readonly string[]): string {
  return values.map(literal).join(', ');
}

/** Rule ids go into SQL comments, so nothing that could end the comment or the line survives. */
function commentText(value: string): string {
  return value.replace(/[^A-Za-z0-9._:/@-]/g, '_').slice(0, 120);
}
