// The EventBridge rule that forwards MFA-relevant CloudTrail events to mfaguard, and where it sends them.

import { ACCESS_DENIAL_CODES } from '../cases/index.ts';
import { CREDENTIAL_LIST_CALLS, SESSION_PROBES } from '../detect/index.ts';
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

/**
 * Read-only calls live triage reads: the credential list calls around a removal and the session probes (STS).
 * EventBridge delivers Get*, List* and Describe* calls only to a rule in the state that includes read-only management
 * events (see `ruleState`); without it they reach mfaguard through the trail alone (S3, SQS, LookupEvents).
 */
export const READ_ONLY_EVENT_NAMES: readonly string[] = [
  ...new Set([...CREDENTIAL_LIST_CALLS, ...SESSION_PROBES]),
].sort();

export interface EventPattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
  readonly detail: { readonly eventSource: readonly string[]; readonly eventName: readonly string[] };
}

export interface EventPatternOptions {
  /** Carry the read-only calls too (default true); the rule must then be in `ruleState(true)`. */
  readonly readOnly?: boolean;
}

/**
 * The rule's event pattern. IAM is a global service: its CloudTrail events reach EventBridge in us-east-1 only (as do
 * those of STS's global endpoint); sign-ins and regional STS calls arrive in their own region, which is why
 * `--regions` forwards other regions to the home one (see eventbridge-regions.ts).
 */
export function buildEventPattern(options: EventPatternOptions = {}): EventPattern {
  const readOnly = options.readOnly ?? true;
  return {
    source: readOnly ? ['aws.iam', 'aws.signin', 'aws.sts'] : ['aws.iam', 'aws.signin'],
    'detail-type': ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail'],
    detail: {
      eventSource: readOnly
        ? ['iam.amazonaws.com', 'signin.amazonaws.com', 'sts.amazonaws.com']
        : ['iam.amazonaws.com', 'signin.amazonaws.com'],
      eventName: readOnly
        ? [...new Set([...MFA_EVENT_NAMES, ...READ_ONLY_EVENT_NAMES])].sort()
        : [...MFA_EVENT_NAMES],
    },
  };
}

export interface DenialPattern {
  readonly 'detail-type': readonly string[];
  readonly detail: { readonly errorCode: readonly string[] };
}

/**
 * The second rule's pattern, for the KPI of MFA-related denials: the access denials of every service, with the error
 * codes the denial classifier knows (cases/mfa-denials.ts). Most denials are of reads, so it wants the rule state
 * that includes read-only calls; mfaguard keeps only the MFA-related ones (a narrow row each).
 */
export function buildDenialPattern(): DenialPattern {
  return { 'detail-type': ['AWS API Call via CloudTrail'], detail: { errorCode: [...ACCESS_DENIAL_CODES] } };
}

/** `ENABLED` skips read-only management events; this state is the documented way to receive them as well. */
export function ruleState(readOnly: boolean): 'ENABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' {
  return readOnly ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED';
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
