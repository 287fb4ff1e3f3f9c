// A case's alerts as the live service reads them: the stored alerts of a case, the one that speaks for it, which join one.

import { isRemovalAlert } from '../../cases/index.ts';
import { BURST_RULE } from '../../detect/index.ts';
import type { Alert } from '../../model/index.ts';
import { severityRank } from '../../model/index.ts';
import type { CaseDetail, StoreTx } from '../../store/index.ts';

/** The alerts stored for a case (an id whose alert is gone is skipped). */
export async function caseAlerts(tx: StoreTx, detail: CaseDetail): Promise<Alert[]> {
  const stored = await Promise.all(detail.alertIds.map((id) => tx.getAlert(id)));
  return stored.flatMap((entry) => (entry === null ? [] : [entry.alert]));
}

/** The removal that best speaks for the case in messages: the worst one. */
export function leadAlert(alerts: readonly Alert[]): Alert | undefined {
  const pool = alerts.filter(isRemovalAlert);
  const list = pool.length > 0 ? pool : [...alerts];
  return list.sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.riskScore - a.riskScore,
  )[0];
}

/** Every alert about a user joins that user's case; the burst's own alert is about the caller, not one user. */
export function isTargetAlert(alert: Alert): boolean {
  return alert.rule.id !== BURST_RULE.meta.id;
}
