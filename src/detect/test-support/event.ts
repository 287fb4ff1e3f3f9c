// Builds typed events for unit tests of the matcher and engine, without going through normalisation.

import type { Actor, CloudTrailEvent, EventViews } from '../../model/index.ts';

export interface EventOverrides extends Partial<Omit<CloudTrailEvent, 'actor' | 'target'>> {
  readonly actor?: Partial<Actor>;
  readonly target?: Partial<CloudTrailEvent['target']>;
}

export function makeEvent(overrides: EventOverrides = {}): CloudTrailEvent {
  const { actor, target, ...rest } = overrides;
  return {
    id: 'evt-1',
    name: 'DeactivateMFADevice',
    source: 'iam.amazonaws.com',
    time: '2024-05-14T09:12:40Z',
    timeMs: Date.parse('2024-05-14T09:12:40Z'),
    type: 'AwsApiCall',
    category: 'Management',
    account: '111122223333',
    region: 'us-east-1',
    sourceIp: '198.51.100.23',
    sourceIpIsAddress: true,
    userAgent: 'aws-cli/2.15.40',
    outcome: 'success',
    errorCode: null,
    errorMessage: null,
    mfaUsed: null,
    consoleLoginResult: null,
    readOnly: false,
    requestParameters: { userName: 'alice', serialNumber: 'arn:aws:iam::111122223333:mfa/alice' },
    responseElements: null,
    additionalEventData: null,
    origin: { location: 'test.json', index: 0 },
    raw: {},
    ...rest,
    actor: {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111122223333:user/bob',
      userName: 'bob',
      principalId: 'AIDAEXAMPLEBOB',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLEBOB',
      accessKeyKind: 'long-term',
      mfaAuthenticated: null,
      consoleSession: false,
      invokedBy: null,
      sessionIssuer: null,
      ...actor,
    },
    target: { userName: 'alice', serialNumber: 'arn:aws:iam::111122223333:mfa/alice', ...target },
  };
}

/** Views without an ECS side: built-in rules read only the typed event. */
export function viewsOf(event: CloudTrailEvent): EventViews {
  return {
    event,
    ecs() {
      throw new Error('ECS view not available in this unit test');
    },
  };
}
