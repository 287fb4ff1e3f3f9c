// KPI reads (snapshot and facts) and the MFA denials recorded for them.

import type { DenialFact, KpiFacts, KpiFactsQuery } from '../kpi-facts.ts';
import { kpiFacts } from './kpi-facts-sql.ts';
import { recordDenials } from './mfa-denials-sql.ts';
import type { Classification, Severity } from '../../model/index.ts';
import { CLASSIFICATIONS, SEVERITIES, isSeverity } from '../../model/index.ts';
import { AUTO_RESOLUTIONS } from '../case-lifecycle.ts';
import { durationStats, nearestRank } from '../stats.ts';
import type { KpiSnapshot, RemovalMonth } from '../store.ts';
import { invalid, requireText, requireTime, monthOf, SqlRepository } from './sql-helpers.ts';

/** KPIs. */
export class KpisRepo extends SqlRepository {
  // eslint-disable-next-line max-lines-per-function -- split pending, issue 14 (this folder is being rewritten)
  async kpiSnapshot(query: { readonly fromMs: number; readonly toMs: number }): Promise<KpiSnapshot> {
    const from = requireTime(query.fromMs, 'fromMs');
    const to = requireTime(query.toMs, 'toMs');
    const mttd = await this.conn.query<{ d: number }>(
      // Alerts of cases of another kind (a user provisioned without MFA, alerted on after a grace) are not detections
      // of a removal: their delay is the grace, not the pipeline's.
      `SELECT detected_at - event_time_ms AS d FROM alerts WHERE detected_at >= ? AND detected_at < ?
         AND NOT EXISTS (SELECT 1 FROM case_alerts ca JOIN cases c ON c.id = ca.case_id
                         WHERE ca.alert_id = alerts.id AND c.kind IS NOT NULL)`,
      [from, to],
    );
    const auto = AUTO_RESOLUTIONS.map(() => '?').join(', ');
    const mttr = await this.conn.query<{ d: number }>(
      `SELECT resolved_at - detected_at AS d FROM cases WHERE resolved_at IS NOT NULL AND resolved_at >= ? AND resolved_at < ?
         AND kind IS NULL AND (resolution IS NULL OR resolution NOT IN (${auto}))`,
      [from, to, ...AUTO_RESOLUTIONS],
    );
    const autoResolved = await this.conn.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM cases WHERE resolved_at IS NOT NULL AND resolved_at >= ? AND resolved_at < ?
         AND kind IS NULL AND resolution IN (${auto})`,
      [from, to, ...AUTO_RESOLUTIONS],
    );
    // Several rules may alert on one removal: one row per event, the case's classification winning
    // (verification answers land on the case), else the earliest alert's.
    const removals = await this.conn.query<{
      event_id: string;
      event_time_ms: number;
      classification: string | null;
    }>(
      `SELECT a.event_id, a.event_time_ms, COALESCE(c.classification, a.classification) AS classification
       FROM alerts a
       LEFT JOIN case_alerts ca ON ca.alert_id = a.id
       LEFT JOIN cases c ON c.id = ca.case_id
       WHERE a.event_name = 'DeactivateMFADevice' AND a.event_outcome = 'success'
         AND a.event_time_ms >= ? AND a.event_time_ms < ?
       ORDER BY a.event_id, a.detected_at, a.id`,
      [from, to],
    );
    const openBySeverity = await this.conn.query<{ severity: string; n: number }>(
      `SELECT severity, COUNT(*) AS n FROM cases WHERE state <> 'resolved' GROUP BY severity`,
    );
    const windows = await this.conn.query<{ v: number }>(
      `SELECT vulnerability_window_seconds AS v FROM cases
       WHERE vulnerability_window_seconds IS NOT NULL AND first_event_at >= ? AND first_event_at < ?`,
      [from, to],
    );
    const answers = await this.conn.query<{ d: number }>(
      `SELECT answered_at - created_at AS d FROM verifications WHERE answered_at IS NOT NULL AND answered_at >= ? AND answered_at < ?`,
      [from, to],
    );

    const months = new Map<string, Record<Classification | 'unclassified', number>>();
    const seenEvents = new Set<string>();
    for (const removal of removals) {
      if (seenEvents.has(removal.event_id)) continue;
      seenEvents.add(removal.event_id);
      const month = monthOf(Number(removal.event_time_ms));
      let counts = months.get(month);
      if (counts === undefined) {
        counts = {
          rotation: 0,
          approved: 0,
          'admin-reset': 0,
          verified: 0,
          suspicious: 0,
          unauthorized: 0,
          unresolved: 0,
          unclassified: 0,
        };
        months.set(month, counts);
      }
      const key =
        removal.classification !== null &&
        (CLASSIFICATIONS as readonly string[]).includes(removal.classification)
          ? (removal.classification as Classification)
          : 'unclassified';
      counts[key]++;
    }
    const removalsByMonth: RemovalMonth[] = [...months.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([month, byClassification]) => ({
        month,
        total: Object.values(byClassification).reduce((sum, n) => sum + n, 0),
        byClassification,
      }));

    const openCasesBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
      Severity,
      number
    >;
    for (const row of openBySeverity) {
      if (isSeverity(row.severity)) openCasesBySeverity[row.severity] = Number(row.n);
    }
    const windowValues = windows.map((row) => Number(row.v)).sort((a, b) => a - b);
    return {
      fromMs: from,
      toMs: to,
      mttd: durationStats(mttd.map((row) => Number(row.d))),
      mttr: durationStats(mttr.map((row) => Number(row.d))),
      autoResolved: Number(autoResolved[0]?.n ?? 0),
      removalsByMonth,
      openCasesBySeverity,
      vulnerabilityWindow: {
        count: windowValues.length,
        medianSeconds: nearestRank(windowValues, 50),
        p90Seconds: nearestRank(windowValues, 90),
      },
      verificationAnswerTime: durationStats(answers.map((row) => Number(row.d))),
    };
  }

  kpiFacts(query: KpiFactsQuery): Promise<KpiFacts> {
    return kpiFacts(this.conn, this.dialect, {
      fromMs: requireTime(query.fromMs, 'fromMs'),
      toMs: requireTime(query.toMs, 'toMs'),
    });
  }

  recordDenials(denials: readonly DenialFact[]): Promise<void> {
    denials.forEach((denial, index) => {
      requireText(denial.eventId, `denials[${index}].eventId`);
      requireTime(denial.timeMs, `denials[${index}].timeMs`);
      requireText(denial.errorCode, `denials[${index}].errorCode`);
      if (denial.kind !== 'mfa-policy' && denial.kind !== 'no-mfa-session')
        throw invalid(
          `denials[${index}].kind`,
          `expected mfa-policy or no-mfa-session, got ${String(denial.kind)}`,
        );
    });
    return recordDenials(this.conn, this.dialect, denials);
  }
}
