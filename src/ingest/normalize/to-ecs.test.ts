// Tests the ECS view field by field against Elastic's CloudTrail pipeline semantics, and the memoising views.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import type { CloudTrailEvent, EcsDocument } from '../../model/index.ts';
import { ECS_FIELDS, ecsFieldType, isEcsField } from './ecs-fields.ts';
import { createEventViews } from './event-views.ts';
import { normalizeRecord } from './normalize-record.ts';
import { ECS_FIELD_RESOLVERS, ecsDetailSectionOf, toEcs } from './to-ecs.ts';

function event(record: Record<string, unknown>): CloudTrailEvent {
  const result = normalizeRecord(record, { location: 'test', index: 0 });
  if (!result.ok) assert.fail(result.issue.message);
  return result.event;
}

function ecs(record: Record<string, unknown>): EcsDocument {
  return toEcs(event(record));
}

const ALICE = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEALICE',
  arn: 'arn:aws:iam::111122223333:user/Alice',
  accountId: '111122223333',
  accessKeyId: 'AKIAEXAMPLEKEY',
  userName: 'Alice',
  sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: '2024-05-01T11:00:00Z' } },
};

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: ALICE,
    eventTime: '2024-05-01T12:30:45Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'DeactivateMFADevice',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { userName: 'Bob', serialNumber: 'arn:aws:iam::111122223333:mfa/Bob' },
    responseElements: null,
    requestID: 'req-1',
    eventID: 'evt-1',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '444455556666',
    eventCategory: 'Management',
    ...overrides,
  };
}

describe('toEcs', () => {
  it('maps an IAM call as Elastic does', () => {
    const doc = ecs(record());
    const expected: Record<string, unknown> = {
      '@timestamp': '2024-05-01T12:30:45.000Z',
      'data_stream.dataset': 'aws.cloudtrail',
      'event.dataset': 'aws.cloudtrail',
      'event.module': 'aws',
      'event.kind': 'event',
      'event.id': 'evt-1',
      'event.action': 'DeactivateMFADevice',
      'event.provider': 'iam.amazonaws.com',
      'event.outcome': 'success',
      'event.category': ['iam'],
      'event.type': ['user', 'change'],
      'cloud.provider': 'aws',
      'cloud.region': 'us-east-1',
      'cloud.account.id': '111122223333',
      'user.name': 'Alice',
      'user.id': 'AIDAEXAMPLEALICE',
      'user.target.name': 'Bob',
      'related.user': ['Alice', 'Bob'],
      'source.address': '198.51.100.7',
      'source.ip': '198.51.100.7',
      'user_agent.original': 'aws-cli/2.15.0',
      'aws.cloudtrail.user_identity.type': 'IAMUser',
      'aws.cloudtrail.user_identity.arn': 'arn:aws:iam::111122223333:user/Alice',
      'aws.cloudtrail.user_identity.access_key_id': 'AKIAEXAMPLEKEY',
      'aws.cloudtrail.user_identity.session_context.mfa_authenticated': 'false',
      'aws.cloudtrail.user_identity.session_context.creation_date': '2024-05-01T11:00:00.000Z',
      'aws.cloudtrail.event_version': '1.09',
      'aws.cloudtrail.event_type': 'AwsApiCall',
      'aws.cloudtrail.event_category': 'Management',
      'aws.cloudtrail.request_id': 'req-1',
      'aws.cloudtrail.management_event': 'true',
      'aws.cloudtrail.read_only': false,
      'aws.cloudtrail.recipient_account_id': '444455556666',
      'aws.cloudtrail.request_parameters': '{serialNumber=arn:aws:iam::111122223333:mfa/Bob, userName=Bob}',
      'aws.cloudtrail.flattened.request_parameters.userName': 'Bob',
      'aws.cloudtrail.flattened.request_parameters.serialNumber': 'arn:aws:iam::111122223333:mfa/Bob',
    };
    const mismatches = Object.entries(expected).filter(
      ([key, value]) => JSON.stringify(doc[key]) !== JSON.stringify(value),
    );
    assert.deepEqual(
      mismatches.map(([key]) => `${key}: ${JSON.stringify(doc[key])}`),
      [],
    );
    assert.equal(doc['aws.cloudtrail.response_elements'], undefined, 'null responseElements leave no field');
  });

  it('names an assumed role by its role, as Elastic does, and maps the session issuer', () => {
    const doc = ecs(
      record({
        userIdentity: {
          type: 'AssumedRole',
          principalId: 'AROAEXAMPLE:dev-session',
          arn: 'arn:aws:sts::111122223333:assumed-role/Deployer/dev-session',
          accountId: '111122223333',
          accessKeyId: 'ASIAEXAMPLE',
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: 'AROAEXAMPLE',
              arn: 'arn:aws:iam::111122223333:role/Deployer',
              accountId: '111122223333',
              userName: 'Deployer',
            },
            attributes: { mfaAuthenticated: 'true', creationDate: '20131102T010628Z' },
          },
        },
      }),
    );
    assert.equal(doc['user.name'], 'Deployer');
    assert.equal(doc['user.id'], 'AROAEXAMPLE:dev-session');
    assert.equal(doc['aws.cloudtrail.user_identity.session_context.session_issuer.type'], 'Role');
    assert.equal(
      doc['aws.cloudtrail.user_identity.session_context.session_issuer.arn'],
      'arn:aws:iam::111122223333:role/Deployer',
    );
    assert.equal(
      doc['aws.cloudtrail.user_identity.session_context.session_issuer.principal_id'],
      'AROAEXAMPLE',
    );
    assert.equal(
      doc['aws.cloudtrail.user_identity.session_context.session_issuer.account_id'],
      '111122223333',
    );
    assert.equal(doc['aws.cloudtrail.user_identity.session_context.mfa_authenticated'], 'true');
    assert.equal(
      doc['aws.cloudtrail.user_identity.session_context.creation_date'],
      undefined,
      'basic-format dates fail in Elastic too',
    );
  });

  it('gives root no user.name, as Elastic does', () => {
    const doc = ecs(
      record({
        userIdentity: {
          type: 'Root',
          arn: 'arn:aws:iam::111122223333:root',
          accountId: '111122223333',
          principalId: '111122223333',
        },
      }),
    );
    assert.equal(doc['user.name'], undefined);
    assert.equal(doc['aws.cloudtrail.user_identity.type'], 'Root');
  });

  it('keeps service names out of source.ip', () => {
    const doc = ecs(record({ sourceIPAddress: 'cloudformation.amazonaws.com' }));
    assert.equal(doc['source.address'], 'cloudformation.amazonaws.com');
    assert.equal(doc['source.ip'], undefined);
  });

  it('maps a failed call', () => {
    const doc = ecs(record({ errorCode: 'AccessDenied', errorMessage: 'not authorized' }));
    assert.equal(doc['event.outcome'], 'failure');
    assert.equal(doc['aws.cloudtrail.error_code'], 'AccessDenied');
    assert.equal(doc['aws.cloudtrail.error_message'], 'not authorized');
  });

  it('maps a console sign-in: outcome from the response, MFA and mobile flags as booleans', () => {
    const signIn = (mfa: string, result: string, extra: Record<string, unknown> = {}): EcsDocument =>
      ecs(
        record({
          eventSource: 'signin.amazonaws.com',
          eventName: 'ConsoleLogin',
          requestParameters: null,
          responseElements: { ConsoleLogin: result },
          additionalEventData: {
            LoginTo: 'https://console.aws.amazon.com/',
            MobileVersion: 'No',
            MFAUsed: mfa,
          },
          ...extra,
        }),
      );
    const yes = signIn('YES', 'Success');
    assert.equal(yes['event.outcome'], 'success');
    assert.deepEqual(yes['event.category'], ['authentication']);
    assert.deepEqual(yes['event.type'], ['info']);
    assert.equal(yes['aws.cloudtrail.console_login.additional_eventdata.mfa_used'], true);
    assert.equal(yes['aws.cloudtrail.console_login.additional_eventdata.mobile_version'], false);
    assert.equal(
      yes['aws.cloudtrail.console_login.additional_eventdata.login_to'],
      'https://console.aws.amazon.com/',
    );
    assert.equal(
      signIn('No', 'Success')['aws.cloudtrail.console_login.additional_eventdata.mfa_used'],
      false,
    );
    assert.equal(
      signIn('Yes', 'Failure', { errorMessage: 'Failed authentication' })['event.outcome'],
      'failure',
    );
  });

  it('does not add console_login fields to other events', () => {
    const doc = ecs(record({ additionalEventData: { MFAUsed: 'Yes' } }));
    assert.equal(doc['aws.cloudtrail.console_login.additional_eventdata.mfa_used'], undefined);
    assert.equal(doc['aws.cloudtrail.flattened.additional_eventdata.MFAUsed'], 'Yes');
    assert.equal(doc['aws.cloudtrail.additional_eventdata'], '{MFAUsed=Yes}');
  });

  it('flattens lists of objects into multi-valued keyword leaves', () => {
    const doc = ecs(
      record({
        eventSource: 'ec2.amazonaws.com',
        eventName: 'AuthorizeSecurityGroupIngress',
        requestParameters: {
          groupId: 'sg-1',
          ipPermissions: {
            items: [
              { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } },
              {
                ipProtocol: 'tcp',
                fromPort: 3389,
                toPort: 3389,
                ipRanges: { items: [{ cidrIp: '10.0.0.0/8' }] },
              },
            ],
          },
          dryRun: false,
        },
      }),
    );
    assert.deepEqual(doc['aws.cloudtrail.flattened.request_parameters.ipPermissions.items.fromPort'], [
      '22',
      '3389',
    ]);
    assert.deepEqual(
      doc['aws.cloudtrail.flattened.request_parameters.ipPermissions.items.ipRanges.items.cidrIp'],
      ['0.0.0.0/0', '10.0.0.0/8'],
    );
    assert.equal(doc['aws.cloudtrail.flattened.request_parameters.dryRun'], 'false');
    assert.deepEqual(doc['event.type'], ['info']);
    assert.equal(doc['event.category'], undefined);
  });

  it('maps resources, TLS details, group and renamed user fields', () => {
    const doc = ecs(
      record({
        eventName: 'UpdateUser',
        requestParameters: { userName: 'bob', newUserName: 'robert', groupName: 'admins' },
        responseElements: { user: { userId: 'AIDAUSER' }, group: { groupId: 'AGPAGROUP' } },
        resources: [
          { ARN: 'arn:aws:iam::1:user/bob', accountId: '1', type: 'AWS::IAM::User' },
          { ARN: 'arn:aws:iam::1:user/bob', accountId: '1', type: 'AWS::IAM::User' },
          { ARN: 'arn:aws:iam::1:group/admins', accountId: '1', type: 'AWS::IAM::Group' },
        ],
        tlsDetails: {
          tlsVersion: 'TLSv1.3',
          cipherSuite: 'TLS_AES_128_GCM_SHA256',
          clientProvidedHostHeader: 'iam.amazonaws.com',
        },
        sessionCredentialFromConsole: 'true',
        sharedEventID: 'shared-1',
        vpcEndpointId: 'vpce-1',
      }),
    );
    assert.deepEqual(doc['aws.cloudtrail.resources.arn'], [
      'arn:aws:iam::1:user/bob',
      'arn:aws:iam::1:group/admins',
    ]);
    assert.equal(doc['aws.cloudtrail.resources.account_id'], '1');
    assert.deepEqual(doc['aws.cloudtrail.resources.type'], ['AWS::IAM::User', 'AWS::IAM::Group']);
    assert.equal(doc['tls.version_protocol'], 'tls');
    assert.equal(doc['tls.version'], '1.3');
    assert.equal(doc['tls.cipher'], 'TLS_AES_128_GCM_SHA256');
    assert.equal(doc['tls.client.server_name'], 'iam.amazonaws.com');
    assert.equal(doc['user.changes.name'], 'robert');
    assert.equal(doc['user.target.id'], 'AIDAUSER');
    assert.equal(doc['group.name'], 'admins');
    assert.equal(doc['group.id'], 'AGPAGROUP');
    assert.deepEqual(doc['related.user'], ['Alice', 'bob', 'robert']);
    assert.equal(doc['aws.cloudtrail.session_credential_from_console'], 'true');
    assert.equal(doc['aws.cloudtrail.shared_event_id'], 'shared-1');
    assert.equal(doc['aws.cloudtrail.vpc_endpoint_id'], 'vpce-1');
  });

  it('only ever produces fields listed in ECS_FIELDS, and shares only frozen arrays', () => {
    const docs = [
      ecs(record()),
      ecs(
        record({
          resources: [{ ARN: 'a', accountId: '1', type: 't' }],
          tlsDetails: { tlsVersion: 'TLSv1.2' },
        }),
      ),
      ecs(
        record({
          eventName: 'ConsoleLogin',
          responseElements: { ConsoleLogin: 'Success' },
          additionalEventData: { MFAUsed: 'No' },
        }),
      ),
      ecs({
        eventTime: '2019-11-14T00:51:00Z',
        eventType: 'AwsCloudTrailInsight',
        eventID: 'i',
        insightDetails: {
          eventName: 'X',
          eventSource: 'y',
          insightContext: { statistics: { baseline: { average: 1.5 } } },
        },
      }),
    ];
    const unknown = docs.flatMap((doc) => Object.keys(doc).filter((key) => !isEcsField(key)));
    assert.deepEqual(unknown, []);
    assert.ok(Object.isFrozen(docs[0]!['event.type']));
    assert.ok(Object.isFrozen(docs[0]!['event.category']));
    assert.equal(
      docs[3]!['aws.cloudtrail.flattened.insight_details.insightContext.statistics.baseline.average'],
      '1.5',
    );
    assert.equal(docs[3]!['event.action'], undefined, 'Elastic takes event.action from eventName only');
  });

  it('describes its fields with their Elasticsearch types', () => {
    assert.ok(ECS_FIELDS.includes('user.target.name'));
    assert.ok(ECS_FIELDS.includes('aws.cloudtrail.flattened.request_parameters.*'));
    assert.deepEqual([...ECS_FIELDS], [...ECS_FIELDS].sort());
    assert.equal(ecsFieldType('source.ip'), 'ip');
    assert.equal(ecsFieldType('@timestamp'), 'date');
    assert.equal(ecsFieldType('aws.cloudtrail.read_only'), 'boolean');
    assert.equal(ecsFieldType('aws.cloudtrail.flattened.request_parameters.key'), 'flattened');
    assert.equal(ecsFieldType('aws.cloudtrail.flattened.request_parameters'), null);
    assert.equal(ecsFieldType('source.as.organization.name'), null);
  });
});

describe('createEventViews', () => {
  it('computes the ECS view once and returns the same document afterwards', () => {
    const views = createEventViews(event(record()));
    const first = views.ecs();
    assert.equal(views.ecs(), first);
    assert.equal(first['event.action'], 'DeactivateMFADevice');
    assert.equal(views.event.name, 'DeactivateMFADevice');
  });
});

describe('the lazy ECS view', () => {
  it('reads the same values as the full mapping, field by field and as a whole', () => {
    const fixtures = new URL('../../../rules/fixtures/', import.meta.url);
    let checked = 0;
    let sectionFields = 0;
    for (const rule of readdirSync(fixtures)) {
      for (const kind of ['must-fire', 'must-not-fire']) {
        const dir = new URL(`${rule}/${kind}/`, fixtures);
        for (const name of readdirSync(dir)) {
          const result = normalizeRecord(JSON.parse(readFileSync(new URL(name, dir), 'utf8')), {
            location: name,
            index: 0,
          });
          if (!result.ok) continue;
          const full = toEcs(result.event);
          // Field by field, details first on a fresh view, then core on another: both orders agree.
          const detailsFirst = createEventViews(result.event).ecs();
          const coreFirst = createEventViews(result.event).ecs();
          for (const key of Object.keys(full).reverse()) assert.deepEqual(detailsFirst[key], full[key], key);
          for (const key of Object.keys(full)) assert.deepEqual(coreFirst[key], full[key], key);
          assert.deepEqual({ ...createEventViews(result.event).ecs() }, full);
          assert.equal(createEventViews(result.event).ecs()['no.such.field'], undefined);
          // The single-field resolvers, read first on a fresh view, give what the mapping gives (absent included).
          for (const key of ECS_FIELD_RESOLVERS.keys()) {
            assert.deepEqual(createEventViews(result.event).ecs()[key], full[key], `resolver ${key}`);
          }
          // A detail section's fields, read first on a fresh view, each alone and then all of them before the
          // rest: the section mapped alone gives what the full mapping gives, and completing it afterwards agrees.
          const sectionFirst = createEventViews(result.event).ecs();
          for (const key of Object.keys(full)) {
            const section = ecsDetailSectionOf(key);
            if (section === null) continue;
            assert.deepEqual(createEventViews(result.event).ecs()[key], full[key], `section ${key}`);
            assert.ok(key in createEventViews(result.event).ecs(), `section has ${key}`);
            assert.deepEqual(sectionFirst[key], full[key], `section first ${key}`);
            sectionFields++;
          }
          for (const section of ['request_parameters', 'response_elements', 'insight_details']) {
            const missing = `aws.cloudtrail.flattened.${section}.no_such_key`;
            assert.equal(sectionFirst[missing], undefined, missing);
            assert.equal(missing in sectionFirst, false, missing);
          }
          assert.deepEqual({ ...sectionFirst }, full);
          checked++;
        }
      }
    }
    assert.ok(checked >= 30, `only ${checked} fixtures checked`);
    assert.ok(sectionFields >= 30, `only ${sectionFields} section fields checked`);
  });
});
