// CloudTrail IAM records for posture tests, shaped as CloudTrail logs them and normalised by the real ingest code.

import { normalizeRecord } from '../../ingest/index.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import { ACCOUNT } from './posture.ts';

let counter = 0;

/** A successful IAM call by an administrator, at `time` (ISO), with the request parameters CloudTrail logs. */
export function iamEvent(
  name: string,
  requestParameters: Record<string, unknown>,
  time: string,
  extra: { responseElements?: Record<string, unknown>; errorCode?: string; account?: string } = {},
): CloudTrailEvent {
  counter++;
  const account = extra.account ?? ACCOUNT;
  const record = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAADMINEXAMPLE',
      arn: `arn:aws:iam::${account}:user/admin`,
      accountId: account,
      userName: 'admin',
    },
    eventTime: time,
    eventSource: 'iam.amazonaws.com',
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters,
    responseElements: extra.responseElements ?? null,
    ...(extra.errorCode === undefined ? {} : { errorCode: extra.errorCode, errorMessage: 'denied' }),
    requestID: `req-${counter}`,
    eventID: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
  const normalized = normalizeRecord(record, { location: 'test', index: counter });
  if (!normalized.ok) throw new Error(`test event did not normalise: ${normalized.issue.message}`);
  return normalized.event;
}
