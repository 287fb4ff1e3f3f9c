// The EventBridge rule that forwards MFA-relevant CloudTrail events to mfaguard, and where it sends them.

import { UsageError } from '../model/index.ts';
import { POSTURE_EVENT_NAMES } from '../posture/index.ts';

/**
 * IAM and sign-in events mfaguard's rules, live triage and posture updates consume (posture's list comes from posture
 * itself, so the two never drift; src/app/eventbridge-coverage.test.ts checks live triage's and the rules' names).
 */
export const MFA_EVENT_NAMES: readonly string[] = [
  ...new Set([
    'AddUserToGroup',
    'CheckMfa',
    'ConsoleLogin',
    'CreateAccessKey',
    'CreateLoginProfile',
    'CreateUser',
    'CreateVirtualMFADevice',
    'DeactivateMFADevice',
    'DeleteLoginProfile',
    'DeleteUser',
    'DeleteVirtualMFADevice',
    'EnableMFADevice',
    'ResyncMFADevice',
    'UpdateAccessKey',
    'UpdateLoginProfile',
    ...POSTURE_EVENT_NAMES,
  ]),
].sort();

export interface EventPattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
  readonly detail: { readonly eventSource: readonly string[]; readonly eventName: readonly string[] };
}

/**
 * The rule's event pattern. IAM is a global service: its CloudTrail events reach EventBridge in
 * us-east-1 only, so the rule belongs there (sign-in events arrive in the region of the sign-in; deploy
 * the rule in each region users sign in through, or rely on us-east-1 for the IAM half).
 */
export function buildEventPattern(): EventPattern {
  return {
    source: ['aws.iam', 'aws.signin'],
    'detail-type': ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail'],
    detail: { eventSource: ['iam.amazonaws.com', 'signin.amazonaws.com'], eventName: [...MFA_EVENT_NAMES] },
  };
}

export const INGEST_PATH = '/ingest/eventbridge';
/** The header the EventBridge connection sends mfaguard's API key in. */
export const API_KEY_HEADER = 'X-Mfaguard-Api-Key';

/** The API destination's URL: mfaguard's base URL (HTTPS, as EventBridge requires) plus the ingest path. */
export function ingestEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(
      `--endpoint: '${endpoint.slice(0, 80)}' is not a URL (expected e.g. https://mfaguard.example.com)`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new UsageError(
      `--endpoint must use https (EventBridge API destinations only call HTTPS); got '${url.protocol}'`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(
      '--endpoint must not carry credentials; the API key goes in the EventBridge connection',
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError('--endpoint must be a base URL without query or fragment');
  }
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = base.endsWith(INGEST_PATH) ? base : `${base}${INGEST_PATH}`;
  return url.toString();
}

export type EventTargetKind = 'api' | 'sqs';
