// The typed CloudTrail event fields a built-in rule may name, with their types, so a rule is checked at load time.

import type { CloudTrailEvent } from '../model/index.ts';

export type FieldKind = 'string' | 'boolean';

export interface FieldSpec {
  readonly kind: FieldKind;
  /** Closed set: any other value is a load error (the field can never hold it). */
  readonly values?: readonly string[];
  /** Open set: any other value is a load warning (AWS may add values; a typo never matches). */
  readonly knownValues?: readonly string[];
  /** What the field holds, for error messages and documentation. */
  readonly doc: string;
  readonly get: (event: CloudTrailEvent) => unknown;
}

const IDENTITY_TYPES = [
  'AWSAccount',
  'AWSService',
  'AssumedRole',
  'Directory',
  'FederatedUser',
  'IAMUser',
  'IdentityCenterUser',
  'Root',
  'SAMLUser',
  'Unknown',
  'WebIdentityUser',
] as const;

const str = (doc: string, get: (e: CloudTrailEvent) => unknown): FieldSpec => ({ kind: 'string', doc, get });
const bool = (doc: string, get: (e: CloudTrailEvent) => unknown): FieldSpec => ({
  kind: 'boolean',
  doc,
  get,
});

/** Every named field, alphabetical. Anything else is reached through `raw.<path>`. */
export const EVENT_FIELDS: Readonly<Record<string, FieldSpec>> = {
  account: str('recipientAccountId (or the actor account)', (e) => e.account),
  'actor.accessKeyId': str('userIdentity.accessKeyId', (e) => e.actor.accessKeyId),
  'actor.accessKeyKind': {
    kind: 'string',
    values: ['long-term', 'temporary'],
    doc: 'temporary for ASIA… keys, long-term for AKIA… keys',
    get: (e) => e.actor.accessKeyKind,
  },
  'actor.accountId': str('userIdentity.accountId', (e) => e.actor.accountId),
  'actor.arn': str('userIdentity.arn', (e) => e.actor.arn),
  'actor.consoleSession': bool(
    'the session credential came from a console sign-in',
    (e) => e.actor.consoleSession,
  ),
  'actor.invokedBy': str('userIdentity.invokedBy', (e) => e.actor.invokedBy),
  'actor.mfaAuthenticated': bool(
    'sessionContext.attributes.mfaAuthenticated',
    (e) => e.actor.mfaAuthenticated,
  ),
  'actor.principalId': str('userIdentity.principalId', (e) => e.actor.principalId),
  'actor.sessionIssuer.accountId': str(
    'sessionIssuer.accountId',
    (e) => e.actor.sessionIssuer?.accountId ?? null,
  ),
  'actor.sessionIssuer.arn': str('sessionIssuer.arn', (e) => e.actor.sessionIssuer?.arn ?? null),
  'actor.sessionIssuer.principalId': str(
    'sessionIssuer.principalId',
    (e) => e.actor.sessionIssuer?.principalId ?? null,
  ),
  'actor.sessionIssuer.type': {
    kind: 'string',
    knownValues: ['AWSAccount', 'IAMUser', 'Role', 'Root'],
    doc: 'sessionIssuer.type (Role, IAMUser, Root, AWSAccount)',
    get: (e) => e.actor.sessionIssuer?.type ?? null,
  },
  'actor.sessionIssuer.userName': str(
    'sessionIssuer.userName',
    (e) => e.actor.sessionIssuer?.userName ?? null,
  ),
  'actor.type': {
    kind: 'string',
    knownValues: IDENTITY_TYPES,
    doc: 'userIdentity.type',
    get: (e) => e.actor.type,
  },
  'actor.userName': str('IAM user name, role session name, or root', (e) => e.actor.userName),
  category: str('eventCategory', (e) => e.category),
  consoleLoginResult: str('responseElements.ConsoleLogin (Success/Failure)', (e) => e.consoleLoginResult),
  errorCode: str('errorCode', (e) => e.errorCode),
  errorMessage: str('errorMessage', (e) => e.errorMessage),
  id: str('eventID', (e) => e.id),
  mfaUsed: bool('additionalEventData.MFAUsed on sign-ins', (e) => e.mfaUsed),
  name: str('eventName', (e) => e.name),
  outcome: {
    kind: 'string',
    values: ['failure', 'success', 'unknown'],
    doc: 'success, failure (errorCode/errorMessage present, or ConsoleLogin Failure), unknown',
    get: (e) => e.outcome,
  },
  readOnly: bool('readOnly', (e) => e.readOnly),
  region: str('awsRegion', (e) => e.region),
  source: str('eventSource, e.g. iam.amazonaws.com', (e) => e.source),
  sourceIp: str('sourceIPAddress as delivered', (e) => e.sourceIp),
  sourceIpIsAddress: bool('sourceIPAddress is an IP literal', (e) => e.sourceIpIsAddress),
  'target.serialNumber': str('the MFA device named in the request', (e) => e.target.serialNumber),
  'target.userName': str('the IAM user named in the request', (e) => e.target.userName),
  time: str('eventTime as delivered', (e) => e.time),
  type: {
    kind: 'string',
    knownValues: ['AwsApiCall', 'AwsConsoleAction', 'AwsConsoleSignIn', 'AwsServiceEvent', 'AwsVpceEvent'],
    doc: 'eventType',
    get: (e) => e.type,
  },
  userAgent: str('userAgent', (e) => e.userAgent),
};

export const RAW_PREFIX = 'raw.';

/** A getter for `raw.a.b.c`: walks objects only; a missing step reads as undefined. */
export function rawGetter(path: string): (event: CloudTrailEvent) => unknown {
  const steps = path.slice(RAW_PREFIX.length).split('.');
  return (event) => {
    let value: unknown = event.raw;
    for (const step of steps) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  };
}

/** The closest known field name, for "did you mean" hints; null when nothing is close. */
export function suggestField(name: string): string | null {
  return closestName(name, Object.keys(EVENT_FIELDS));
}

/** The candidate within a few edits of `name` (case-insensitive), or null. */
export function closestName(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(3, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
