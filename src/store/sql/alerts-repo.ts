// Stored alerts: idempotent inserts, triage updates, reads and the alert search.

import { alertRows, alertsWithCase, caseAsItStands, searchAlerts } from './alert-search-sql.ts';
import type { Alert } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import type { AlertQuery, InsertAlertsResult, Page, StoredAlert } from '../store.ts';
import type { Tables } from './query-builder.ts';
import { reusedRows, reusedSql } from './query-builder.ts';
import {
  INSERT_CHUNK,
  parseAlert,
  invalid,
  requireText,
  requireTime,
  requireSeverity,
  requireClassification,
  chunks,
  compareIds,
  SqlRepository,
} from './sql-helpers.ts';
import type { SqlCaches } from './sql-helpers.ts';

function toStoredAlert(
  row: { id: string; body: string; detected_at: number; updated_at: number; case_id: number | null },
  caches: SqlCaches | undefined,
): StoredAlert {
  return {
    alert: caches === undefined ? parseAlert(row.body) : caches.alerts.decode(row.id, row.body, parseAlert),
    detectedAt: row.detected_at,
    updatedAt: row.updated_at,
    caseId: row.case_id === null ? null : String(row.case_id),
  };
}

/** The stored columns of an alert, in the order of their parameters in the insert. */
const ALERT_COLUMNS = [
  'id',
  'rule_id',
  'severity',
  'classification',
  'target_user',
  'account',
  'event_id',
  'event_name',
  'event_outcome',
  'event_time_ms',
  'detected_at',
  'updated_at',
  'body',
] as const;

type AlertRow = Pick<Tables['alerts'], (typeof ALERT_COLUMNS)[number]>;

function alertRow(alert: Alert, eventTime: number, detectedAtMs: number): AlertRow {
  return {
    id: alert.id,
    rule_id: alert.rule.id,
    severity: alert.severity,
    classification: alert.classification ?? null,
    target_user: alert.target.userName,
    account: alert.event.account,
    event_id: alert.event.id,
    event_name: alert.event.name,
    event_outcome: alert.event.outcome,
    event_time_ms: eventTime,
    detected_at: detectedAtMs,
    updated_at: detectedAtMs,
    body: JSON.stringify(alert),
  };
}

/** Alerts. */
export class AlertsRepo extends SqlRepository {
  async insertAlerts(alerts: readonly Alert[], detectedAtMs: number): Promise<InsertAlertsResult> {
    requireTime(detectedAtMs, 'detectedAtMs');
    const eventTimes = alerts.map((alert, index) => {
      requireText(alert.id, `alerts[${index}].id`);
      requireSeverity(alert.severity, `alerts[${index}].severity`);
      if (alert.classification !== undefined)
        requireClassification(alert.classification, `alerts[${index}].classification`);
      const eventTime = Date.parse(alert.event.time);
      if (Number.isNaN(eventTime))
        throw invalid(
          `alerts[${index}].event.time`,
          `expected an ISO-8601 time, got ${JSON.stringify(alert.event.time)}`,
        );
      return eventTime;
    });
    const indexed = alerts.map((alert, index) => ({ alert, eventTime: eventTimes[index] ?? 0 }));
    indexed.sort((a, b) => compareIds(a.alert.id, b.alert.id));
    const insertedIds = new Set<string>();
    for (const chunk of chunks(indexed, INSERT_CHUNK)) {
      const rows = chunk.map(({ alert, eventTime }) => alertRow(alert, eventTime, detectedAtMs));
      const params = rows.flatMap((row) => ALERT_COLUMNS.map((column) => row[column]));
      // Per event in `serve`: compiled once per row count.
      const inserted = await reusedRows(this.conn, this.dialect, `alerts:${rows.length}`, params, (db) =>
        db
          .insertInto('alerts')
          .values(rows)
          .onConflict((conflict) => conflict.column('id').doNothing())
          .returning('id'),
      );
      for (const row of inserted) insertedIds.add(row.id);
    }
    const inserted: Alert[] = [];
    for (const alert of alerts) {
      if (insertedIds.delete(alert.id)) inserted.push(alert);
    }
    return { inserted, duplicates: alerts.length - inserted.length };
  }

  async updateAlert(alert: Alert, nowMs: number): Promise<void> {
    requireSeverity(alert.severity, 'alert.severity');
    if (alert.classification !== undefined)
      requireClassification(alert.classification, 'alert.classification');
    const body = JSON.stringify(alert);
    const set = {
      severity: alert.severity,
      classification: alert.classification ?? null,
      target_user: alert.target.userName,
      body,
      updated_at: requireTime(nowMs, 'nowMs'),
    };
    const params = [set.severity, set.classification, set.target_user, body, set.updated_at, alert.id];
    // Re-triage rewrites alerts per event: compiled once.
    const text = reusedSql(this.dialect, 'alerts-update', params, (db) =>
      db.updateTable('alerts').set(set).where('id', '=', alert.id),
    );
    const changed = await this.conn.execute(text, params);
    if (changed === 0) throw new NotFoundError('alert', alert.id);
    // The next re-triage reads it back: kept decoded, under the exact text written (a rollback leaves other text).
    this.caches?.alerts.remember(alert.id, body, alert);
  }

  async getAlert(id: string): Promise<StoredAlert | null> {
    const rows = await reusedRows(this.conn, this.dialect, 'alerts-get', [id], (db) =>
      alertRows(db).where('alerts.id', '=', id),
    );
    return rows[0] === undefined ? null : toStoredAlert(rows[0], this.caches);
  }

  async getAlertWithCase(id: string): Promise<StoredAlert | null> {
    const rows = await reusedRows(this.conn, this.dialect, 'alerts-get-with-case', [id], (db) =>
      alertsWithCase(db).where('alerts.id', '=', id),
    );
    const row = rows[0];
    return row === undefined ? null : { ...toStoredAlert(row, this.caches), ...caseAsItStands(row) };
  }

  listAlerts(query: AlertQuery): Promise<Page<StoredAlert>> {
    return searchAlerts(this.conn, this.dialect, query);
  }
}
