// What the store contract's parts share: event and alert builders, a case to work on, the test signature.

import assert from 'node:assert/strict';
import type { Actor, Alert, CloudTrailEvent, Severity } from '../../model/index.ts';
import { targetKeyOf } from '../keys.ts';
import type { Store } from '../store.ts';

/** Opens a store on one fresh, empty database; calling it again opens a second instance on the same database. */
export type OpenOnDatabase = () => Promise<Store>;

export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
export const MINUTE = 60_000;
export const ACCOUNT = '111122223333';

// ---------------------------------------------------------------------------------------------
// Builders

interface EventOverrides extends Partial<Omit<CloudTrailEvent, 'actor' | 'target'>> {
  readonly actor?: Partial<Actor>;
  readonly target?: Partial<CloudTrailEvent['target']>;
}

export function makeEvent(id: string, timeMs: number, overrides: EventOverrides = {}): CloudTrailEvent {
  const { actor, target, ...rest } = overrides;
  return {
    id,
    name: 'DeactivateMFADevice',
    source: 'iam.amazonaws.com',
    time: new Date(timeMs).toISOString(),
    timeMs,
    type: 'AwsApiCall',
    category: 'Management',
    account: ACCOUNT,
    region: 'us-east-1',
    sourceIp: '198.51.100.23',
    sourceIpIsAddress: true,
    userAgent: 'aws-cli/2.15.40 <script>x</script>',
    outcome: 'success',
    errorCode: null,
    errorMessage: null,
    mfaUsed: null,
    consoleLoginResult: null,
    readOnly: false,
    requestParameters: {
      userName: 'alice',
      serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice`,
      nested: { list: [1, 'two', null] },
    },
    responseElements: null,
    additionalEventData: null,
    origin: { location: 's3://bucket/key.json.gz', index: 3 },
    raw: { eventID: id, eventName: 'DeactivateMFADevice', ünïcode: 'ok ✓' },
    ...rest,
    actor: {
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
      userName: 'bob',
      principalId: 'AIDAEXAMPLEBOB',
      accountId: ACCOUNT,
      accessKeyId: 'AKIAEXAMPLEBOB',
      accessKeyKind: 'long-term',
      mfaAuthenticated: null,
      consoleSession: false,
      invokedBy: null,
      sessionIssuer: null,
      ...actor,
    },
    target: { userName: 'alice', serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice`, ...target },
  };
}

interface AlertOverrides {
  readonly ruleId?: string;
  readonly eventId?: string;
  readonly eventName?: string;
  readonly eventTimeMs?: number;
  readonly severity?: Severity;
  readonly riskScore?: number;
  readonly targetUser?: string | null;
  readonly classification?: Alert['classification'];
  readonly vulnerabilityWindowSeconds?: number;
}

export function makeAlert(id: string, overrides: AlertOverrides = {}): Alert {
  const severity = overrides.severity ?? 'high';
  const eventTimeMs = overrides.eventTimeMs ?? T0;
  return {
    id,
    rule: {
      id: overrides.ruleId ?? 'mfaguard-mfa-removed',
      name: 'MFA device removed',
      format: 'builtin',
      severity,
      riskScore: 50,
      mitre: [],
    },
    severity,
    riskScore: overrides.riskScore ?? 50,
    title: 'bob removed the MFA device of alice',
    event: {
      id: overrides.eventId ?? `evt-${id}`,
      name: overrides.eventName ?? 'DeactivateMFADevice',
      source: 'iam.amazonaws.com',
      time: new Date(eventTimeMs).toISOString(),
      outcome: 'success',
      errorCode: null,
      account: ACCOUNT,
      region: 'us-east-1',
      location: 'test',
      index: 0,
    },
    actor: {
      arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
      type: 'IAMUser',
      userName: 'bob',
      accessKeyId: null,
      accessKeyKind: null,
      sourceIp: '198.51.100.23',
      userAgent: 'aws-cli',
      mfaAuthenticated: false,
      consoleSession: false,
    },
    target: {
      userName: overrides.targetUser === undefined ? 'alice' : overrides.targetUser,
      serialNumber: null,
    },
    ...(overrides.classification === undefined ? {} : { classification: overrides.classification }),
    ...(overrides.vulnerabilityWindowSeconds === undefined
      ? {}
      : { vulnerabilityWindowSeconds: overrides.vulnerabilityWindowSeconds }),
    reasons: [{ code: 'no-mfa-session', message: 'the session had no MFA' }],
  };
}

export const ALICE = targetKeyOf(ACCOUNT, 'alice');
export const SYSTEM = { actor: 'system', nowMs: T0 + MINUTE };

/** A case for alice from one stored alert. */
export async function openCase(
  store: Store,
  alertId = 'a1',
  overrides: AlertOverrides = {},
): Promise<string> {
  const alert = makeAlert(alertId, overrides);
  await store.insertAlerts([alert], T0 + 30_000);
  const result = await store.openOrAttachCase({
    alert,
    targetKey: targetKeyOf(ACCOUNT, alert.target.userName ?? 'alice'),
    nowMs: T0 + MINUTE,
    actor: 'system',
  });
  return result.case.id;
}

export async function rejectsWith(
  promise: Promise<unknown>,
  type: new (...args: never[]) => Error,
  pattern?: RegExp,
): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof type,
    `expected ${type.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`,
  );
  if (pattern !== undefined) assert.match(caught.message, pattern);
  return caught;
}

// ---------------------------------------------------------------------------------------------

export type ContractTest = (title: string, body: (open: OpenOnDatabase) => Promise<void>) => void;
