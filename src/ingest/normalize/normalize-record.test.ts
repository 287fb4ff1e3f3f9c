// Tests normalizeRecord on well-formed records: actor kinds, targets, outcomes, sign-in fields, ids.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { CloudTrailEvent } from '../../model/index.ts';
import { normalizeRecord } from './normalize-record.ts';
import { SYNTHETIC_ID_PREFIX } from './synthetic-id.ts';

const ORIGIN = { location: 'fixtures/test.json', index: 3 };

function base(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEALICE',
      arn: 'arn:aws:iam::111122223333:user/Alice',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLEKEY',
      userName: 'Alice',
    },
    eventTime: '2024-05-01T12:30:45Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'DeactivateMFADevice',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { userName: 'Bob', serialNumber: 'arn:aws:iam::111122223333:mfa/Bob' },
    responseElements: null,
    requestID: 'req-1',
    eventID: 'e6b6b7f4-0000-4000-8000-000000000001',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    ...overrides,
  };
}

function normalize(record: unknown): CloudTrailEvent {
  const result = normalizeRecord(record, ORIGIN);
  if (!result.ok) assert.fail(`unexpected issue: ${result.issue.message}`);
  return result.event;
}

describe('normalizeRecord: the event itself', () => {
  it('copies the identifying fields and parses the time', () => {
    const event = normalize(base());
    assert.equal(event.id, 'e6b6b7f4-0000-4000-8000-000000000001');
    assert.equal(event.name, 'DeactivateMFADevice');
    assert.equal(event.source, 'iam.amazonaws.com');
    assert.equal(event.time, '2024-05-01T12:30:45Z');
    assert.equal(event.timeMs, Date.UTC(2024, 4, 1, 12, 30, 45));
    assert.equal(event.type, 'AwsApiCall');
    assert.equal(event.category, 'Management');
    assert.equal(event.region, 'us-east-1');
    assert.equal(event.account, '111122223333');
    assert.equal(event.readOnly, false);
    assert.equal(event.userAgent, 'aws-cli/2.15.0');
    assert.deepEqual(event.origin, ORIGIN);
  });

  it('keeps the raw record by reference, for Sigma rules and evidence', () => {
    const record = base();
    assert.equal(normalize(record).raw, record);
  });

  it('falls back to the caller account when recipientAccountId is absent', () => {
    const record = base();
    delete record['recipientAccountId'];
    assert.equal(normalize(record).account, '111122223333');
  });

  it('tells addresses from service names in sourceIPAddress', () => {
    assert.equal(normalize(base()).sourceIpIsAddress, true);
    assert.equal(normalize(base({ sourceIPAddress: '2001:db8::1' })).sourceIpIsAddress, true);
    const service = normalize(base({ sourceIPAddress: 'signin.amazonaws.com' }));
    assert.equal(service.sourceIp, 'signin.amazonaws.com');
    assert.equal(service.sourceIpIsAddress, false);
    assert.equal(normalize(base({ sourceIPAddress: undefined })).sourceIpIsAddress, false);
  });

  it('is lenient where CloudTrail is: null responseElements, no userAgent, empty strings', () => {
    const record = base({ userAgent: undefined, responseElements: null, awsRegion: '' });
    const event = normalize(record);
    assert.equal(event.userAgent, null);
    assert.equal(event.responseElements, null);
    assert.equal(event.region, null);
  });

  it('synthesises a stable id from the canonical JSON when eventID is missing', () => {
    const a = base({ eventID: undefined });
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    const idA = normalize(a).id;
    assert.ok(idA.startsWith(SYNTHETIC_ID_PREFIX));
    assert.equal(normalize(reordered).id, idA, 'key order must not change the id');
    assert.notEqual(normalize(base({ eventID: undefined, eventTime: '2024-05-01T12:30:46Z' })).id, idA);
    assert.ok(normalize(base({ eventID: '' })).id.startsWith(SYNTHETIC_ID_PREFIX));
  });

  it('reads an Insights event, whose name and source sit in insightDetails', () => {
    const event = normalize({
      eventVersion: '1.07',
      eventTime: '2019-11-14T00:51:00Z',
      awsRegion: 'us-east-1',
      eventID: 'insight-1',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '123456789012',
      insightDetails: {
        state: 'Start',
        eventSource: 'ssm.amazonaws.com',
        eventName: 'UpdateInstanceInformation',
      },
      eventCategory: 'Insight',
    });
    assert.equal(event.name, 'UpdateInstanceInformation');
    assert.equal(event.source, 'ssm.amazonaws.com');
    assert.equal(event.actor.type, 'Unknown');
    assert.equal(event.account, '123456789012');
  });

  it('accepts offsets and fractions in eventTime and rejects nothing valid', () => {
    assert.equal(
      normalize(base({ eventTime: '2024-05-01T14:30:45.250+02:00' })).timeMs,
      Date.UTC(2024, 4, 1, 12, 30, 45, 250),
    );
  });
});

describe('normalizeRecord: the actor', () => {
  it('IAM user with a long-term key, MFA-authenticated console session', () => {
    const event = normalize(
      base({
        userIdentity: {
          type: 'IAMUser',
          principalId: 'AIDAEXAMPLEALICE',
          arn: 'arn:aws:iam::111122223333:user/Alice',
          accountId: '111122223333',
          accessKeyId: 'ASIAEXAMPLETEMP',
          userName: 'Alice',
          sessionContext: { attributes: { mfaAuthenticated: 'TRUE', creationDate: '2024-05-01T12:00:00Z' } },
          invokedBy: 'signin.amazonaws.com',
        },
      }),
    );
    assert.equal(event.actor.type, 'IAMUser');
    assert.equal(event.actor.userName, 'Alice');
    assert.equal(event.actor.arn, 'arn:aws:iam::111122223333:user/Alice');
    assert.equal(event.actor.principalId, 'AIDAEXAMPLEALICE');
    assert.equal(event.actor.accountId, '111122223333');
    assert.equal(event.actor.accessKeyKind, 'temporary');
    assert.equal(event.actor.mfaAuthenticated, true);
    assert.equal(event.actor.consoleSession, true);
    assert.equal(event.actor.invokedBy, 'signin.amazonaws.com');
    assert.equal(event.actor.sessionIssuer, null);
  });

  it('AKIA keys are long-term, other prefixes unknown, and mfaAuthenticated absent is null', () => {
    const event = normalize(base());
    assert.equal(event.actor.accessKeyKind, 'long-term');
    assert.equal(event.actor.mfaAuthenticated, null);
    assert.equal(event.actor.consoleSession, false);
    const odd = normalize(
      base({ userIdentity: { type: 'IAMUser', userName: 'A', accessKeyId: 'EXAMPLE_KEY' } }),
    );
    assert.equal(odd.actor.accessKeyKind, null);
    const falseMfa = normalize(
      base({
        userIdentity: {
          type: 'IAMUser',
          userName: 'A',
          sessionContext: { attributes: { mfaAuthenticated: 'False' } },
        },
      }),
    );
    assert.equal(falseMfa.actor.mfaAuthenticated, false);
    const junk = normalize(
      base({
        userIdentity: {
          type: 'IAMUser',
          userName: 'A',
          sessionContext: { attributes: { mfaAuthenticated: 'maybe' } },
        },
      }),
    );
    assert.equal(junk.actor.mfaAuthenticated, null);
  });

  it('Root is called root, with an empty sessionIssuer read as none', () => {
    const event = normalize(
      base({
        userIdentity: {
          type: 'Root',
          principalId: '111122223333',
          arn: 'arn:aws:iam::111122223333:root',
          accountId: '111122223333',
          accessKeyId: 'ASIAEXAMPLEROOT',
          sessionContext: {
            sessionIssuer: {},
            webIdFederationData: {},
            attributes: { mfaAuthenticated: 'false' },
          },
        },
      }),
    );
    assert.equal(event.actor.type, 'Root');
    assert.equal(event.actor.userName, 'root');
    assert.equal(event.actor.sessionIssuer, null);
    assert.equal(event.actor.mfaAuthenticated, false);
  });

  it('AssumedRole is named by its session, the role kept as the session issuer', () => {
    const event = normalize(
      base({
        userIdentity: {
          type: 'AssumedRole',
          principalId: 'AROAEXAMPLEROLE:alice@example.com',
          arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/alice@example.com',
          accountId: '111122223333',
          accessKeyId: 'ASIAEXAMPLESESSION',
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: 'AROAEXAMPLEROLE',
              arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123',
              accountId: '111122223333',
              userName: 'AWSReservedSSO_Admin_0123',
            },
            attributes: { mfaAuthenticated: 'false', creationDate: '2024-05-01T12:00:00Z' },
          },
        },
        sessionCredentialFromConsole: 'true',
      }),
    );
    assert.equal(event.actor.userName, 'alice@example.com');
    assert.equal(event.actor.accessKeyKind, 'temporary');
    assert.equal(event.actor.consoleSession, true);
    assert.deepEqual(event.actor.sessionIssuer, {
      type: 'Role',
      arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123',
      userName: 'AWSReservedSSO_Admin_0123',
      principalId: 'AROAEXAMPLEROLE',
      accountId: '111122223333',
    });
  });

  it('AssumedRole without an ARN falls back to the session part of principalId', () => {
    const event = normalize(
      base({ userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:build-42' } }),
    );
    assert.equal(event.actor.userName, 'build-42');
  });

  it('FederatedUser is named from its ARN, the IAM user that federated kept as issuer', () => {
    const event = normalize(
      base({
        userIdentity: {
          type: 'FederatedUser',
          principalId: '111122223333:bob-federated',
          arn: 'arn:aws:sts::111122223333:federated-user/bob-federated',
          accountId: '111122223333',
          accessKeyId: 'ASIAEXAMPLEFED',
          sessionContext: {
            sessionIssuer: { type: 'IAMUser', userName: 'Bob', arn: 'arn:aws:iam::111122223333:user/Bob' },
          },
        },
      }),
    );
    assert.equal(event.actor.userName, 'bob-federated');
    assert.equal(event.actor.sessionIssuer?.userName, 'Bob');
  });

  it('IdentityCenterUser is named by its Identity Store user id', () => {
    const event = normalize(
      base({
        userIdentity: {
          type: 'IdentityCenterUser',
          accountId: '111122223333',
          onBehalfOf: {
            userId: '544894e8-80c1-707f-60e3-3ba6510dfac1',
            identityStoreArn: 'arn:aws:identitystore::111122223333:identitystore/d-1',
          },
          credentialId: 'EXAMPLECREDENTIAL',
        },
      }),
    );
    assert.equal(event.actor.type, 'IdentityCenterUser');
    assert.equal(event.actor.userName, '544894e8-80c1-707f-60e3-3ba6510dfac1');
  });

  it('AWSService is named by the service that invoked the call', () => {
    const event = normalize(
      base({ userIdentity: { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' } }),
    );
    assert.equal(event.actor.userName, 'cloudformation.amazonaws.com');
    assert.equal(event.actor.consoleSession, false);
  });

  it('an unknown identity type is kept verbatim', () => {
    const event = normalize(base({ userIdentity: { type: 'SomethingNew', userName: 'x' } }));
    assert.equal(event.actor.type, 'SomethingNew');
    assert.equal(event.actor.userName, 'x');
  });

  it('reads sessionCredentialFromConsole as a boolean or a string in any case, and ignores the user agent', () => {
    assert.equal(normalize(base({ sessionCredentialFromConsole: true })).actor.consoleSession, true);
    assert.equal(normalize(base({ sessionCredentialFromConsole: 'True' })).actor.consoleSession, true);
    assert.equal(normalize(base({ sessionCredentialFromConsole: 'false' })).actor.consoleSession, false);
    assert.equal(normalize(base({ userAgent: 'console.amazonaws.com' })).actor.consoleSession, false);
    const inContext = base({
      userIdentity: {
        type: 'IAMUser',
        userName: 'A',
        sessionContext: { sessionCredentialFromConsole: 'true' },
      },
    });
    assert.equal(normalize(inContext).actor.consoleSession, true);
  });
});

describe('normalizeRecord: the target', () => {
  it('takes the user and MFA serial named in the request', () => {
    assert.deepEqual(normalize(base()).target, {
      userName: 'Bob',
      serialNumber: 'arn:aws:iam::111122223333:mfa/Bob',
    });
  });

  it('is the caller when an IAM user deactivates without naming a user', () => {
    const event = normalize(
      base({ requestParameters: { serialNumber: 'arn:aws:iam::111122223333:mfa/Alice' } }),
    );
    assert.deepEqual(event.target, {
      userName: 'Alice',
      serialNumber: 'arn:aws:iam::111122223333:mfa/Alice',
    });
  });

  it('is root when root deactivates its own device, and when CloudTrail writes AWS ROOT USER', () => {
    const identity = { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' };
    const own = normalize(
      base({
        userIdentity: identity,
        requestParameters: { serialNumber: 'arn:aws:iam::111122223333:mfa/root-account-mfa-device' },
      }),
    );
    assert.equal(own.target.userName, 'root');
    const named = normalize(
      base({
        userIdentity: identity,
        eventName: 'EnableMFADevice',
        requestParameters: { userName: 'AWS ROOT USER', serialNumber: 'x' },
      }),
    );
    assert.equal(named.target.userName, 'root');
  });

  it('is unknown, not the caller, for a role without userName and for wrong-typed requestParameters', () => {
    const role = normalize(
      base({
        userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/R/s' },
        requestParameters: { serialNumber: 'arn:aws:iam::1:mfa/x' },
      }),
    );
    assert.deepEqual(role.target, { userName: null, serialNumber: 'arn:aws:iam::1:mfa/x' });
    const wrong = normalize(base({ requestParameters: 'userName=Bob' }));
    assert.deepEqual(wrong.target, { userName: null, serialNumber: null });
    assert.equal(wrong.requestParameters, null);
  });

  it('DeleteVirtualMFADevice names only the serial; CreateVirtualMFADevice takes it from the response', () => {
    const deleted = normalize(
      base({
        eventName: 'DeleteVirtualMFADevice',
        requestParameters: { serialNumber: 'arn:aws:iam::1:mfa/Bob' },
      }),
    );
    assert.deepEqual(deleted.target, { userName: null, serialNumber: 'arn:aws:iam::1:mfa/Bob' });
    const created = normalize(
      base({
        eventName: 'CreateVirtualMFADevice',
        requestParameters: { virtualMFADeviceName: 'Bob', path: '/' },
        responseElements: { virtualMFADevice: { serialNumber: 'arn:aws:iam::1:mfa/Bob' } },
      }),
    );
    assert.deepEqual(created.target, { userName: null, serialNumber: 'arn:aws:iam::1:mfa/Bob' });
  });

  it('ignores serialNumber outside IAM (STS takes the caller’s own MFA serial)', () => {
    const event = normalize(
      base({
        eventSource: 'sts.amazonaws.com',
        eventName: 'GetSessionToken',
        requestParameters: { serialNumber: 'arn:aws:iam::1:mfa/A', durationSeconds: 900 },
      }),
    );
    assert.deepEqual(event.target, { userName: null, serialNumber: null });
  });
});

describe('normalizeRecord: outcome and sign-in fields', () => {
  it('is failure when errorCode or errorMessage is present, success otherwise', () => {
    assert.equal(normalize(base()).outcome, 'success');
    const denied = normalize(base({ errorCode: 'AccessDenied', errorMessage: 'User: x is not authorized' }));
    assert.equal(denied.outcome, 'failure');
    assert.equal(denied.errorCode, 'AccessDenied');
    assert.equal(denied.errorMessage, 'User: x is not authorized');
    assert.equal(normalize(base({ errorMessage: 'Failed' })).outcome, 'failure');
    assert.equal(normalize(base({ errorCode: 403 })).errorCode, '403');
    assert.equal(normalize(base({ errorCode: '' })).outcome, 'success');
  });

  function signIn(result: string | undefined, extra: Record<string, unknown> = {}): CloudTrailEvent {
    return normalize(
      base({
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        eventType: 'AwsConsoleSignIn',
        requestParameters: null,
        responseElements: result === undefined ? null : { ConsoleLogin: result },
        ...extra,
      }),
    );
  }

  it('takes ConsoleLogin’s own result, in any case', () => {
    assert.equal(signIn('Success').outcome, 'success');
    assert.equal(signIn('Success').consoleLoginResult, 'Success');
    assert.equal(signIn('Failure', { errorMessage: 'Failed authentication' }).outcome, 'failure');
    assert.equal(signIn('FAILURE').outcome, 'failure');
    assert.equal(signIn('Pending').outcome, 'unknown');
    assert.equal(signIn('Pending', { errorMessage: 'x' }).outcome, 'failure');
    assert.equal(signIn(undefined).consoleLoginResult, null);
  });

  it('reads MFAUsed Yes / No / YES, and null when absent or unreadable', () => {
    assert.equal(signIn('Success', { additionalEventData: { MFAUsed: 'Yes' } }).mfaUsed, true);
    assert.equal(signIn('Success', { additionalEventData: { MFAUsed: 'YES' } }).mfaUsed, true);
    assert.equal(signIn('Success', { additionalEventData: { MFAUsed: 'No' } }).mfaUsed, false);
    assert.equal(signIn('Success', { additionalEventData: { MobileVersion: 'No' } }).mfaUsed, null);
    assert.equal(signIn('Success', { additionalEventData: { MFAUsed: 'N/A' } }).mfaUsed, null);
    assert.equal(signIn('Success', { additionalEventData: 'MFAUsed=Yes' }).mfaUsed, null);
  });

  it('reads readOnly as a boolean or a string', () => {
    assert.equal(normalize(base({ readOnly: 'true' })).readOnly, true);
    assert.equal(normalize(base({ readOnly: undefined })).readOnly, null);
  });
});
