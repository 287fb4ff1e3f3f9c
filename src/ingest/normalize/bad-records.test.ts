// Tries every shape problem normalizeRecord refuses, and checks each issue says where, which field and what arrived.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { InputIssue } from '../../model/index.ts';
import { normalizeRecord } from './normalize-record.ts';

const ORIGIN = {
  location: 's3://trail/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x.json.gz',
  index: 7,
};

function good(): Record<string, unknown> {
  return {
    eventTime: '2024-05-01T12:30:45Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'DeactivateMFADevice',
    eventID: 'id-1',
    userIdentity: { type: 'IAMUser', userName: 'Alice' },
  };
}

function issueOf(record: unknown): InputIssue {
  const result = normalizeRecord(record, ORIGIN);
  if (result.ok) assert.fail('expected a record-shape issue, got an event');
  assert.equal(result.issue.code, 'record-shape');
  assert.equal(result.issue.level, 'error');
  assert.equal(result.issue.location, ORIGIN.location);
  assert.equal(result.issue.index, 7);
  return result.issue;
}

describe('normalizeRecord: records it refuses', () => {
  const notObjects: [string, unknown, string][] = [
    ['null', null, 'got null'],
    ['a string', 'DeactivateMFADevice', 'got the string "DeactivateMFADevice"'],
    ['a number', 42, 'got number 42'],
    ['an array', [{ eventName: 'x' }], 'got an array of 1'],
    ['a boolean', true, 'got boolean true'],
  ];
  for (const [label, record, got] of notObjects) {
    it(`a record that is ${label}`, () => {
      const issue = issueOf(record);
      assert.equal(issue.path, undefined);
      assert.match(issue.message, /^the record: expected a CloudTrail record \(a JSON object\)/);
      assert.ok(issue.message.includes(got), issue.message);
      assert.ok(issue.hint !== undefined);
    });
  }

  const badFields: [string, string, unknown, RegExp][] = [
    [
      'missing eventName',
      'eventName',
      undefined,
      /eventName: expected a non-empty string .* got nothing \(the field is missing\)/,
    ],
    ['numeric eventName', 'eventName', 12, /got number 12/],
    ['empty eventName', 'eventName', '', /got an empty string/],
    ['missing eventSource', 'eventSource', undefined, /eventSource: expected a non-empty string/],
    ['object eventSource', 'eventSource', { a: 1 }, /got an object with keys a/],
    ['missing eventTime', 'eventTime', undefined, /eventTime: expected an ISO-8601 UTC time/],
    ['epoch-number eventTime', 'eventTime', 1714566645000, /got number 1714566645000/],
    ['unparseable eventTime', 'eventTime', 'yesterday at noon', /got the string "yesterday at noon"/],
    ['impossible date', 'eventTime', '2024-02-30T00:00:00Z', /eventTime/],
    ['time with junk after it', 'eventTime', '2024-05-01T12:30:45Zjunk', /eventTime/],
    ['numeric eventID', 'eventID', 123, /eventID: expected a string/],
    [
      'string userIdentity',
      'userIdentity',
      'Alice',
      /userIdentity: expected an object describing the caller, got the string "Alice"/,
    ],
    ['array userIdentity', 'userIdentity', [], /got an array of 0/],
  ];
  for (const [label, field, value, message] of badFields) {
    it(`a record with ${label}`, () => {
      const record = good();
      if (value === undefined) delete record[field];
      else record[field] = value;
      const issue = issueOf(record);
      assert.equal(issue.path, field);
      assert.match(issue.message, message);
    });
  }

  it('names the insightDetails path for an Insights event without a name', () => {
    const issue = issueOf({
      eventTime: '2024-05-01T12:30:45Z',
      eventType: 'AwsCloudTrailInsight',
      insightDetails: {},
    });
    assert.equal(issue.path, 'insightDetails.eventName');
  });

  it('shortens long values and strips control characters from the message', () => {
    const issue = issueOf({ ...good(), eventTime: `\u001b[31m${'x'.repeat(500)}` });
    assert.ok(issue.message.length < 200, `message too long: ${issue.message.length}`);
    assert.ok(!issue.message.includes('\u001b'));
    assert.ok(issue.message.includes('…'));
  });
});

describe('normalizeRecord: wrong-typed optional parts are kept as null, not refused', () => {
  for (const field of ['requestParameters', 'responseElements', 'additionalEventData'] as const) {
    for (const value of ['text', 5, ['a']]) {
      it(`${field} = ${JSON.stringify(value)}`, () => {
        const record = { ...good(), [field]: value };
        const result = normalizeRecord(record, ORIGIN);
        assert.ok(result.ok);
        assert.equal(result.event[field], null);
        assert.equal(result.event.raw[field], value, 'raw keeps what arrived');
      });
    }
  }

  it('wrong-typed scalars read as absent; nested wrong types inside userIdentity too', () => {
    const result = normalizeRecord(
      {
        ...good(),
        awsRegion: 5,
        userAgent: {},
        readOnly: 'yes',
        userIdentity: { type: 'IAMUser', userName: 7, sessionContext: 'x' },
      },
      ORIGIN,
    );
    assert.ok(result.ok);
    assert.equal(result.event.region, null);
    assert.equal(result.event.userAgent, null);
    assert.equal(result.event.readOnly, null);
    assert.equal(result.event.actor.userName, null);
    assert.equal(result.event.actor.mfaAuthenticated, null);
  });

  it('a record without userIdentity gets the Unknown actor', () => {
    const record = good();
    delete record['userIdentity'];
    const result = normalizeRecord(record, ORIGIN);
    assert.ok(result.ok);
    assert.equal(result.event.actor.type, 'Unknown');
    assert.equal(result.event.actor.userName, null);
  });
});
