// KPI reads (snapshot and facts) and the MFA denials recorded for them.

import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DenialFact, KpiFacts, KpiFactsQuery } from '../kpi-facts.ts';
import { kpiFacts, removalAlertsWithCase } from './kpi-facts-sql.ts';
import { recordDenials } from './mfa-denials-sql.ts';
import type { Classification, Severity } from '../../model/index.ts';
import { CLASSIFICATIONS, SEVERITIES, isSeverity } from '../../model/index.ts';
import { AUTO_RESOLUTIONS } from '../case-lifecycle.ts';
import { durationStats, nearestRank } from '../stats.ts';
import type { KpiSnapshot, RemovalMonth } from '../store.ts';
import { invalid, requireText, requireTime, monthOf, SqlRepository } from './sql-helpers.ts';
import type { Tables } from './query-builder.ts';
import { queryBuilder, queryRows } from './query-builder.ts';

type Db = Kysely<Tables>;
type Window = { readonly from: number; readonly to: number };

/** Detection delays (ms) of alerts detected in the window. */
function detectionDelays(db: Db, { from, to }: Window) {
  return (
    db
      .selectFrom('alerts')
      .select((eb) => eb('detected_at', '-', eb.ref('event_time_ms')).as('d'))
      .where('detected_at', '>=', from)
      .where('detected_at', '<', to)
      // Alerts of cases of another kind (a user provisioned without MFA, alerted on after a grace) are not
      // detections of a removal: their delay is the grace, not the pipeline's.
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('case_alerts as ca')
              .innerJoin('cases as c', 'c.id', 'ca.case_id')
              .select(sql.lit(1).as('one'))
              .whereRef('ca.alert_id', '=', 'alerts.id')
              .where('c.kind', 'is not', null),
          ),
        ),
      )
  );
}

/** Removal cases resolved in the window, by a person (`auto` false) or automatically. */
function resolvedRemovalCases(db: Db, { from, to }: Window, auto: boolean) {
  return db
    .selectFrom('cases')
    .where('resolved_at', 'is not', null)
    .where('resolved_at', '>=', from)
    .where('resolved_at', '<', to)
    .where('kind', 'is', null)
    .where((eb) =>
      auto
        ? eb('resolution', 'in', AUTO_RESOLUTIONS)
        : eb.or([eb('resolution', 'is', null), eb('resolution', 'not in', AUTO_RESOLUTIONS)]),
    );
}

/** MFA removals whose event falls in the window, with the classification that counts for each alert. */
function removalAlerts(db: Db, { from, to }: Window) {
  // Several rules may alert on one removal: the caller keeps one row per event, the case's classification winning
  // (verification answers land on the case), else the earliest alert's.
  return removalAlertsWithCase(db)
    .select((eb) => [
      'a.event_id',
      'a.event_time_ms',
      eb.fn.coalesce('c.classification', 'a.classification').as('classification'),
    ])
    .where('a.event_time_ms', '>=', from)
    .where('a.event_time_ms', '<', to)
    .orderBy('a.event_id')
    .orderBy('a.detected_at')
    .orderBy('a.id');
}

type Counts = Record<Classification | 'unclassified', number>;

const noCounts = (): Counts => ({
  rotation: 0,
  approved: 0,
  'admin-reset': 0,
  verified: 0,
  suspicious: 0,
  unauthorized: 0,
  unresolved: 0,
  unclassified: 0,
});

/** Removals per month of their event, one per event (the first row of each, as `removalAlerts` orders them). */
function removalsByMonth(
  removals: readonly { event_id: string; event_time_ms: number; classification: string | null }[],
): RemovalMonth[] {
  const months = new Map<string, Counts>();
  const seenEvents = new Set<string>();
  for (const removal of removals) {
    if (seenEvents.has(removal.event_id)) continue;
    seenEvents.add(removal.event_id);
    const month = monthOf(Number(removal.event_time_ms));
    let counts = months.get(month);
    if (counts === undefined) {
      counts = noCounts();
      months.set(month, counts);
    }
    const key =
      removal.classification !== null &&
      (CLASSIFICATIONS as readonly string[]).includes(removal.classification)
        ? (removal.classification as Classification)
        : 'unclassified';
    counts[key]++;
  }
  return [...months.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([month, byClassification]) => ({
      month,
      total: Object.values(byClassification).reduce((sum, n) => sum + n, 0),
      byClassification,
    }));
}

function openCasesBySeverity(rows: readonly { severity: string; n: number }[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const row of rows) {
    if (isSeverity(row.severity)) counts[row.severity] = Number(row.n);
  }
  return counts;
}

/** KPIs. */
export class KpisRepo extends SqlRepository {
  async kpiSnapshot(query: { readonly fromMs: number; readonly toMs: number }): Promise<KpiSnapshot> {
    const window = { from: requireTime(query.fromMs, 'fromMs'), to: requireTime(query.toMs, 'toMs') };
    const { from, to } = window;
    const db = queryBuilder(this.dialect);
    const mttd = await queryRows(this.conn, detectionDelays(db, window));
    const mttr = await queryRows(
      this.conn,
      resolvedRemovalCases(db, window, false).select((eb) =>
        eb('resolved_at', '-', eb.ref('detected_at')).as('d'),
      ),
    );
    const autoResolved = await queryRows(
      this.conn,
      resolvedRemovalCases(db, window, true).select((eb) => eb.fn.countAll<number>().as('n')),
    );
    const removals = await queryRows(this.conn, removalAlerts(db, window));
    const openBySeverity = await queryRows(
      this.conn,
      db
        .selectFrom('cases')
        .select((eb) => ['severity', eb.fn.countAll<number>().as('n')])
        .where('state', '<>', 'resolved')
        .groupBy('severity'),
    );
    const windows = await queryRows(
      this.conn,
      db
        .selectFrom('cases')
        .select('vulnerability_window_seconds as v')
        .where('vulnerability_window_seconds', 'is not', null)
        .where('first_event_at', '>=', from)
        .where('first_event_at', '<', to),
    );
    const answers = await queryRows(
      this.conn,
      db
        .selectFrom('verifications')
        .select((eb) => eb('answered_at', '-', eb.ref('created_at')).as('d'))
        .where('answered_at', 'is not', null)
        .where('answered_at', '>=', from)
        .where('answered_at', '<', to),
    );
    const windowValues = windows.map((row) => Number(row.v)).sort((a, b) => a - b);
    return {
      fromMs: from,
      toMs: to,
      mttd: durationStats(mttd.map((row) => Number(row.d))),
      mttr: durationStats(mttr.map((row) => Number(row.d))),
      autoResolved: Number(autoResolved[0]?.n ?? 0),
      removalsByMonth: removalsByMonth(removals),
      openCasesBySeverity: openCasesBySeverity(openBySeverity),
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
      if (denial.withoutMfa !== null && typeof denial.withoutMfa !== 'boolean')
        throw invalid(
          `denials[${index}].withoutMfa`,
          `expected true, false or null, got ${String(denial.withoutMfa)}`,
        );
    });
    return recordDenials(this.conn, this.dialect, denials);
  }
}
