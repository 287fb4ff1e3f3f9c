// Matching an MFA removal against approved changes (ticket, target, optional actor and account, time window).

import type { CloudTrailEvent } from '../model/index.ts';
import type { Approval } from './triage-config.ts';

/** IAM user names are unique regardless of case, so names are compared without it. */
function sameName(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}

export function findApproval(
  approvals: readonly Approval[],
  removal: CloudTrailEvent,
  targetUser: string | null,
): Approval | null {
  for (const approval of approvals) {
    if (!sameName(approval.user, targetUser)) continue;
    if (removal.timeMs < approval.fromMs || removal.timeMs > approval.toMs) continue;
    if (approval.account !== null && approval.account !== removal.account) continue;
    if (approval.actor !== null) {
      const actor = approval.actor;
      const matches = actor.startsWith('arn:')
        ? actor === removal.actor.arn
        : sameName(actor, removal.actor.userName);
      if (!matches) continue;
    }
    return approval;
  }
  return null;
}
