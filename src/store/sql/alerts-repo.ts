// Stored alerts: idempotent inserts, triage updates, reads and the alert search.

import { alertRows, alertsWithCase, caseAsItStands, searchAlerts } from './alert-search-sql.ts';
import type { Alert } from '../../model/index.ts';
import { NotFoundError } from '../errors.ts';
import type { AlertQuery, InsertAlertsResult, Page, StoredAlert } from '../store.ts';
import { PreparedQuery } from './prepared-query.ts';
import type { Tables } from './query-builder.ts';
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

/** The stored columns of an alert (the others are generated from its body). */
type AlertRow = Omit<
  Tables['alerts'],
  'region' | 'source_ip' | 'actor_arn' | 'actor_user' | 'incident_id' | 'severity_order'
>;

// Per event in `serve`: compiled once per row count (prepared-query.ts).
const INSERT_ALERTS = new PreparedQuery<{ rows: AlertRow[] }, { id: string }>((db, v) =>
  db
    .insertInto('alerts')
    .values(v.rows)
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id'),
);

type AlertUpdate = Pick<Tables['alerts'], 'severity' | 'classification' | 'target_user' | 'body'> & {
  id: string;
  nowMs: number;
};

// Re-triage rewrites alerts per event: compiled once.
const UPDATE_ALERT = new PreparedQuery<AlertUpdate>((db, v) =>
  db
    .updateTable('alerts')
    .set({
      severity: v.severity,
      classification: v.classification,
      target_user: v.target_user,
      body: v.body,
      updated_at: v.nowMs,
    })
    .where('id', '=', v.id),
);

type AlertColumns = {
  id: string;
  body: string;
  detected_at: number;
  updated_at: number;
  case_id: number | null;
};

const GET_ALERT = new PreparedQuery<{ id: string }, AlertColumns>((db, v) =>
  alertRows(db).where('alerts.id', '=', v.id),
);

const GET_ALERT_WITH_CASE = new PreparedQuery<
  { id: string },
  AlertColumns & { case_state: string | null; case_classification: string | null }
>((db, v) => alertsWithCase(db).where('alerts.id', '=', v.id));

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
      const inserted = await INSERT_ALERTS.rows(this.conn, this.dialect, { rows });
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
    const changed = await UPDATE_ALERT.changes(this.conn, this.dialect, {
      id: alert.id,
      severity: alert.severity,
      classification: alert.classification ?? null,
      target_user: alert.target.userName,
      body,
      nowMs: requireTime(nowMs, 'nowMs'),
    });
    if (changed === 0) throw new NotFoundError('alert', alert.id);
    // The next re-triage reads it back: kept decoded, under the exact text written (a rollback leaves other text).
    this.caches?.alerts.remember(alert.id, body, alert);
  }

  async getAlert(id: string): Promise<StoredAlert | null> {
    const rows = await GET_ALERT.rows(this.conn, this.dialect, { id });
    return rows[0] === undefined ? null : toStoredAlert(rows[0], this.caches);
  }

  async getAlertWithCase(id: string): Promise<StoredAlert | null> {
    const rows = await GET_ALERT_WITH_CASE.rows(this.conn, this.dialect, { id });
    const row = rows[0];
    return row === undefined ? null : { ...toStoredAlert(row, this.caches), ...caseAsItStands(row) };
  }

  listAlerts(query: AlertQuery): Promise<Page<StoredAlert>> {
    return searchAlerts(this.conn, this.dialect, query);
  }
}
