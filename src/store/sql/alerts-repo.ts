// Stored alerts: idempotent inserts, triage updates, reads and the alert search.

import { searchAlerts } from './alert-search-sql.ts';
import type { Alert } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import type { AlertQuery, InsertAlertsResult, Page, StoredAlert } from '../store.ts';
import type { SqlValue } from './driver.ts';
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

interface AlertRow {
  body: string;
  detected_at: number;
  updated_at: number;
  case_id: number | null;
  id: string;
  [key: string]: unknown;
}

function toStoredAlert(row: AlertRow, caches: SqlCaches | undefined): StoredAlert {
  return {
    alert: caches === undefined ? parseAlert(row.body) : caches.alerts.decode(row.id, row.body, parseAlert),
    detectedAt: row.detected_at,
    updatedAt: row.updated_at,
    caseId: row.case_id === null ? null : String(row.case_id),
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
      const params: SqlValue[] = [];
      for (const { alert, eventTime } of chunk) {
        params.push(
          alert.id,
          alert.rule.id,
          alert.severity,
          alert.classification ?? null,
          alert.target.userName,
          alert.event.account,
          alert.event.id,
          alert.event.name,
          alert.event.outcome,
          eventTime,
          detectedAtMs,
          detectedAtMs,
          JSON.stringify(alert),
        );
      }
      const rows = await this.conn.query<{ id: string }>(
        `INSERT INTO alerts (id, rule_id, severity, classification, target_user, account, event_id, event_name,
                             event_outcome, event_time_ms, detected_at, updated_at, body)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        params,
      );
      for (const row of rows) insertedIds.add(row.id);
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
    const changed = await this.conn.execute(
      `UPDATE alerts SET severity = ?, classification = ?, target_user = ?, body = ?, updated_at = ? WHERE id = ?`,
      [
        alert.severity,
        alert.classification ?? null,
        alert.target.userName,
        body,
        requireTime(nowMs, 'nowMs'),
        alert.id,
      ],
    );
    if (changed === 0) throw new NotFoundError('alert', alert.id);
    // The next re-triage reads it back: kept decoded, under the exact text written (a rollback leaves other text).
    this.caches?.alerts.remember(alert.id, body, alert);
  }

  async getAlert(id: string): Promise<StoredAlert | null> {
    const rows = await this.conn.query<AlertRow>(
      `SELECT a.id, a.body, a.detected_at, a.updated_at, ca.case_id
       FROM alerts a LEFT JOIN case_alerts ca ON ca.alert_id = a.id
       WHERE a.id = ?`,
      [id],
    );
    return rows[0] === undefined ? null : toStoredAlert(rows[0], this.caches);
  }

  listAlerts(query: AlertQuery): Promise<Page<StoredAlert>> {
    return searchAlerts(this.conn, query);
  }
}
