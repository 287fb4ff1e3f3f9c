// The slice of CloudTrail that correlation and baselines need: everything else is counted, scanned by rules, and dropped.

import type { CloudTrailEvent } from '../model/index.ts';

/** Identity changes, sign-ins and the reconnaissance that tends to precede an MFA removal. */
export const RELEVANT_EVENT_NAMES: ReadonlySet<string> = new Set([
  // MFA devices
  'CreateVirtualMFADevice',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
  'EnableMFADevice',
  'ResyncMFADevice',
  // Credentials and users
  'CreateAccessKey',
  'CreateLoginProfile',
  'CreateUser',
  'DeleteLoginProfile',
  'DeleteUser',
  'UpdateAccessKey',
  'UpdateLoginProfile',
  // Privilege changes
  'AddUserToGroup',
  'AttachUserPolicy',
  'PutUserPolicy',
  // Sign-in and session
  'ConsoleLogin',
  'CheckMfa',
  'GetSessionToken',
  'GetCallerIdentity',
  // Reconnaissance
  'GetAccountAuthorizationDetails',
  'ListAccessKeys',
  'ListMFADevices',
  'ListUsers',
  'ListVirtualMFADevices',
]);

export function isRelevantEvent(event: CloudTrailEvent): boolean {
  return RELEVANT_EVENT_NAMES.has(event.name);
}
