// Works out whom an IAM call was about: the user named in the request (or the caller, when IAM defaults to it) and the MFA device.

import type { Actor, Target } from '../../model/index.ts';
import type { JsonObject } from './values.ts';
import { objectOrNull, text } from './values.ts';

const IAM_SOURCE = 'iam.amazonaws.com';

/**
 * IAM actions whose `UserName` parameter is optional and defaults to the caller ("IAM determines the user name
 * implicitly based on the AWS access key ID signing the request"), e.g. root deactivating its own MFA device.
 */
const DEFAULTS_TO_CALLER: ReadonlySet<string> = new Set([
  'ChangePassword',
  'CreateAccessKey',
  'CreateLoginProfile',
  'DeactivateMFADevice',
  'DeleteAccessKey',
  'DeleteLoginProfile',
  'DeleteSigningCertificate',
  'EnableMFADevice',
  'GetAccessKeyLastUsed',
  'GetLoginProfile',
  'GetUser',
  'ListAccessKeys',
  'ListMFADevices',
  'ListSigningCertificates',
  'ResyncMFADevice',
  'UpdateAccessKey',
  'UpdateLoginProfile',
  'UpdateSigningCertificate',
  'UploadSigningCertificate',
]);

/** How CloudTrail names the root user in `requestParameters.userName` (IAM user names cannot contain spaces). */
const ROOT_USER_PARAMETER = 'AWS ROOT USER';

export const NO_TARGET: Target = { userName: null, serialNumber: null };

/**
 * `requestParameters` is the object, or null when absent; `undefined` when it arrived with the wrong type, in
 * which case the target is unknown rather than guessed to be the caller.
 */
export function readTarget(
  name: string,
  source: string,
  requestParameters: JsonObject | null | undefined,
  responseElements: JsonObject | null,
  actor: Actor,
): Target {
  if (requestParameters === undefined) return NO_TARGET;
  const named = requestParameters === null ? null : text(requestParameters['userName']);
  let userName: string | null = named === ROOT_USER_PARAMETER ? 'root' : named;
  let serialNumber: string | null = null;
  if (source === IAM_SOURCE) {
    if (
      userName === null &&
      DEFAULTS_TO_CALLER.has(name) &&
      (actor.type === 'IAMUser' || actor.type === 'Root')
    ) {
      userName = actor.userName;
    }
    serialNumber = requestParameters === null ? null : text(requestParameters['serialNumber']);
    if (serialNumber === null && name === 'CreateVirtualMFADevice' && responseElements !== null) {
      const device = objectOrNull(responseElements['virtualMFADevice']);
      serialNumber = device === null ? null : text(device['serialNumber']);
    }
  }
  return userName === null && serialNumber === null ? NO_TARGET : { userName, serialNumber };
}
