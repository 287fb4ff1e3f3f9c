// Who is an administrator with working MFA, read from posture snapshots by the posture's own administrator check.

import { CHECKS, DEFAULT_POSTURE_CONFIG, runChecks } from '../posture/index.ts';
import type { AccountSnapshot } from '../posture/index.ts';
import type { AdminFact, PostureView } from './safeguards.ts';

const ADMIN_CHECK = 'iam_administrator_access_with_mfa';

/**
 * The administrators of one snapshot as `iam_administrator_access_with_mfa` judges them (AdministratorAccess directly
 * or through a group; MFA active), or null when the snapshot cannot say (authorization details or report missing).
 */
export function adminFactsOf(snapshot: AccountSnapshot, now: Date): AdminFact[] | null {
  const check = CHECKS[ADMIN_CHECK];
  if (check === undefined) return null;
  const findings = runChecks({ [ADMIN_CHECK]: check }, snapshot, {
    now,
    config: DEFAULT_POSTURE_CONFIG,
    analyze: null,
  });
  if (findings.some((f) => f.status === 'ERROR') || findings.every((f) => f.status === 'NOT_APPLICABLE'))
    return snapshot.authorization.state === 'collected' && snapshot.credentialReport.state === 'collected'
      ? []
      : null;
  return findings
    .filter((f) => f.status === 'PASS' || f.status === 'FAIL')
    .map((f) => ({ userName: f.resource.name, mfaWorking: f.status === 'PASS' }));
}

/** A posture view over snapshots by account id; an account without one answers null (no posture stored). */
export function postureFromSnapshots(snapshots: readonly AccountSnapshot[], now: () => Date): PostureView {
  return {
    administrators(account) {
      const snapshot = snapshots.find((s) => account !== null && s.accountId === account);
      return Promise.resolve(snapshot === undefined ? null : adminFactsOf(snapshot, now()));
    },
  };
}
