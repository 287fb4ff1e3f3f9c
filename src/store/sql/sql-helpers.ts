// What every SQL repository shares: input checks, id and paging helpers, decoded-body caches, the base class.

import type { SightingRow } from '../baseline-sightings.ts';
import type { Alert, Classification, CloudTrailEvent, Severity } from '../../model/index.ts';
import { CLASSIFICATIONS, SEVERITIES, UsageError, isSeverity } from '../../model/index.ts';
import { DecodedCache } from './decoded-cache.ts';
import type { ApiRole } from '../store.ts';
import type { Dialect, SqlConn } from './driver.ts';

export const API_ROLES: readonly ApiRole[] = ['viewer', 'responder', 'admin'];

/** Rows per multi-row INSERT: well under SQLite's bound-parameter limit, few round trips on PostgreSQL. */
export const INSERT_CHUNK = 100;

export const MAX_PAGE = 1000;

export const parseAlert = (text: string): Alert => JSON.parse(text) as Alert;

export const parseEvent = (text: string): CloudTrailEvent => JSON.parse(text) as CloudTrailEvent;

/**
 * Decoded bodies a store keeps across its transactions (see decoded-cache.ts): stored events never change and are
 * re-read by every re-triage of a burst; an alert is re-read right after this process wrote it.
 */
export interface SqlCaches {
  readonly events: DecodedCache<CloudTrailEvent>;
  readonly alerts: DecodedCache<Alert>;
}

export function newSqlCaches(): SqlCaches {
  return { events: new DecodedCache(), alerts: new DecodedCache() };
}

export function invalid(location: string, message: string): UsageError {
  return new UsageError(`${location}: ${message}`, [
    { level: 'error', code: 'store-input', location, message },
  ]);
}

export function requireText(value: unknown, location: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(location, 'expected a non-empty string');
  return value;
}

export function requireTime(value: unknown, location: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(location, `expected epoch milliseconds, got ${String(value)}`);
  return value;
}

export function requireLimit(value: unknown, location: string, max = MAX_PAGE): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(location, `expected an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

export function requireSeverity(value: unknown, location: string): Severity {
  if (!isSeverity(value))
    throw invalid(location, `expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

export function requireClassification(value: unknown, location: string): Classification {
  if (typeof value !== 'string' || !(CLASSIFICATIONS as readonly string[]).includes(value)) {
    throw invalid(location, `expected one of ${CLASSIFICATIONS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as Classification;
}

/** Surrogate ids are integers in the database; anything else cannot name a row (and must not reach a SQL cast). */
export function requireSightings(rows: readonly SightingRow[]): void {
  rows.forEach((row, index) => {
    requireText(row.actor, `sightings[${index}].actor`);
    requireTime(row.firstMs, `sightings[${index}].firstMs`);
  });
}

export function numericId(id: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : null;
}

/** A claim's channel filter, checked: undefined when not given. */
export function channelList(
  channels: readonly string[] | undefined,
  field: string,
): readonly string[] | undefined {
  if (channels === undefined) return undefined;
  const list: unknown = channels;
  if (!Array.isArray(list) || !list.every((channel) => typeof channel === 'string' && channel !== ''))
    throw invalid(field, 'expected a list of channel names');
  return channels;
}

export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** Byte order (what SQLite's BINARY and PostgreSQL's "C" collation use), so both stores order ids alike. */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/**
 * What every repository works over: one connection (or the one transaction on it), its dialect, and the store's
 * decoded-body caches. Protected, not #private: SqlOps composes the repositories by forwarding to instances.
 */
export abstract class SqlRepository {
  protected readonly conn: SqlConn;
  protected readonly dialect: Dialect;
  protected readonly caches: SqlCaches | undefined;

  constructor(conn: SqlConn, dialect: Dialect, caches?: SqlCaches) {
    this.conn = conn;
    this.dialect = dialect;
    this.caches = caches;
  }
}
