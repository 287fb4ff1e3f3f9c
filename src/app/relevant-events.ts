// The slice of CloudTrail that correlation and baselines need: everything else is counted, scanned by rules, and dropped.

import { CREDENTIAL_LIST_CALLS, MFA_DEVICE_EVENTS, SESSION_PROBES } from '../detect/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import { IAM_POLICY_CHANGE_EVENTS } from '../model/index.ts';

/**
 * Identity changes, sign-ins, the credential list calls the console makes around a security-credentials page (or
 * that reconnaissance makes), and identity probes. Built from correlation's own lists so the two never drift.
 */
export const RELEVANT_EVENT_NAMES: ReadonlySet<string> = new Set([
  ...MFA_DEVICE_EVENTS,
  ...CREDENTIAL_LIST_CALLS,
  ...SESSION_PROBES,
  // Credentials and users
  'CreateAccessKey',
  'CreateLoginProfile',
  'CreateUser',
  'DeleteLoginProfile',
  'DeleteUser',
  'UpdateAccessKey',
  'UpdateLoginProfile',
  // Privilege changes: every policy change, which the stored posture also follows between audits (serve re-reads
  // them from the store; relevant-events.test.ts checks posture's whole list is kept).
  ...IAM_POLICY_CHANGE_EVENTS,
  // Sign-in
  'ConsoleLogin',
  'CheckMfa',
]);

export function isRelevantEvent(event: CloudTrailEvent): boolean {
  return RELEVANT_EVENT_NAMES.has(event.name);
}
