// Builders of typed CloudTrail events for triage tests: only the fields triage reads, with realistic defaults.

import { buildAlert, loadBuiltinRules } from '../../detect/index.ts';
import type { Alert, CloudTrailEvent } from '../../model/index.ts';

export const ACCOUNT = '111122223333';
let counter = 0;

export interface EventSpec {
  readonly name: string;
  readonly at: string;
  readonly actor?: string;
  readonly actorType?: string;
  readonly target?: string | null;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly mfa?: boolean | null;
  readonly key?: 'temporary' | 'long-term';
  readonly console?: boolean;
  readonly outcome?: 'success' | 'failure';
  readonly mfaUsed?: boolean | null;
  readonly id?: string;
  readonly source?: string;
  /** The device serial in the request; default `arn:aws:iam::<account>:mfa/<target>` for a named target. */
  readonly serial?: string | null;
  /** For an `AssumedRole` caller: the role its session belongs to (e.g. an `AWSReservedSSO_*` role). */
  readonly role?: string;
  /** Extra request parameters. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export function makeEvent(spec: EventSpec): CloudTrailEvent {
  const actorName = spec.actor ?? 'alice';
  const actorType = spec.actorType ?? (actorName === 'root' ? 'Root' : 'IAMUser');
  const arn =
    actorType === 'Root'
      ? `arn:aws:iam::${ACCOUNT}:root`
      : actorType === 'AssumedRole'
        ? `arn:aws:sts::${ACCOUNT}:assumed-role/${spec.role ?? 'SomeRole'}/${actorName}`
        : `arn:aws:iam::${ACCOUNT}:user/${actorName}`;
  const timeMs = Date.parse(spec.at);
  const target = spec.target === undefined ? null : spec.target;
  const serial =
    spec.serial !== undefined
      ? spec.serial
      : target === null || !spec.name.includes('MFADevice')
        ? null
        : `arn:aws:iam::${ACCOUNT}:mfa/${target}`;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/${spec.role?.startsWith('AWSReservedSSO_') === true ? 'aws-reserved/sso.amazonaws.com/' : ''}${spec.role ?? 'SomeRole'}`;
  return {
    id: spec.id ?? `evt-${String(++counter).padStart(6, '0')}`,
    name: spec.name,
    source: spec.source ?? (spec.name === 'ConsoleLogin' ? 'signin.amazonaws.com' : 'iam.amazonaws.com'),
    time: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
    timeMs,
    type: spec.name === 'ConsoleLogin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
    category: 'Management',
    account: ACCOUNT,
    region: 'us-east-1',
    sourceIp: spec.ip ?? '198.51.100.10',
    sourceIpIsAddress: true,
    userAgent: spec.userAgent ?? 'console.amazonaws.com',
    outcome: spec.outcome ?? 'success',
    errorCode: spec.outcome === 'failure' ? 'AccessDenied' : null,
    errorMessage: null,
    actor: {
      type: actorType,
      arn,
      userName: actorType === 'Root' ? 'root' : actorName,
      principalId:
        actorType === 'AssumedRole' ? `AROAEXAMPLE:${actorName}` : `AIDA${actorName.toUpperCase()}`,
      accountId: ACCOUNT,
      accessKeyId: spec.key === 'temporary' ? 'ASIAEXAMPLE' : 'AKIAEXAMPLE',
      accessKeyKind: spec.key ?? 'long-term',
      mfaAuthenticated: spec.mfa === undefined ? true : spec.mfa,
      consoleSession: spec.console ?? false,
      invokedBy: null,
      sessionIssuer:
        actorType === 'AssumedRole'
          ? {
              type: 'Role',
              arn: roleArn,
              userName: spec.role ?? 'SomeRole',
              principalId: 'AROAEXAMPLE',
              accountId: ACCOUNT,
            }
          : null,
    },
    target: { userName: target, serialNumber: serial },
    mfaUsed: spec.mfaUsed ?? null,
    consoleLoginResult: null,
    readOnly: spec.name.startsWith('List') || spec.name.startsWith('Get'),
    requestParameters:
      target === null && serial === null && spec.parameters === undefined
        ? null
        : {
            ...(target === null ? {} : { userName: target }),
            ...(serial === null ? {} : { serialNumber: serial }),
            ...spec.parameters,
          },
    responseElements: null,
    additionalEventData: null,
    origin: { location: 'test', index: 0 },
    raw: {},
  };
}

const DEACTIVATION_RULE = (() => {
  const result = loadBuiltinRules().find(
    (candidate) =>
      candidate.status === 'ok' && candidate.rule.meta.id === 'mfaguard-iam-mfa-device-deactivated',
  );
  if (result?.status !== 'ok') throw new Error('the built-in DeactivateMFADevice rule did not load');
  return result.rule;
})();

/** The alert the built-in DeactivateMFADevice rule raises for `event` (any event: the rule is not evaluated). */
export function removalAlert(event: CloudTrailEvent, riskScore = 47): Alert {
  const alert = buildAlert(DEACTIVATION_RULE, event);
  return { ...alert, riskScore, rule: { ...alert.rule, riskScore } };
}
