// The slice of CloudTrail that correlation and baselines need: everything else is counted, scanned by rules, and dropped.

import { CREDENTIAL_LIST_CALLS, MFA_DEVICE_EVENTS, SESSION_PROBES } from '../detect/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';

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
  // Privilege changes, and every policy change the stored posture follows between audits (serve re-reads them from
  // the store). Written out rather than imported from posture/, whose index loads the IAM SDK that `scan` must not
  // pay for; relevant-events.test.ts checks that posture's list stays inside this one.
  'AddUserToGroup',
  'AttachGroupPolicy',
  'AttachUserPolicy',
  'CreatePolicyVersion',
  'DeleteGroupPolicy',
  'DeleteUserPermissionsBoundary',
  'DeleteUserPolicy',
  'DetachGroupPolicy',
  'DetachUserPolicy',
  'PutGroupPolicy',
  'PutUserPermissionsBoundary',
  'PutUserPolicy',
  'RemoveUserFromGroup',
  'SetDefaultPolicyVersion',
  // Sign-in
  'ConsoleLogin',
  'CheckMfa',
]);

export function isRelevantEvent(event: CloudTrailEvent): boolean {
  return RELEVANT_EVENT_NAMES.has(event.name);
}
