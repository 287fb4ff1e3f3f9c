// Tests for segment-wise ARN matching, with cases from the IAM User Guide's Resource element and ARN pages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arnMatches, parseArn } from './arn.ts';
import { globMatches } from './wildcard.ts';
import { assertProperty } from '../../test-support/property.ts';

void test('parseArn splits six parts and keeps colons inside the resource part', () => {
  assert.deepEqual(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:app:*'), {
    partition: 'aws',
    service: 'logs',
    region: 'us-east-1',
    account: '123456789012',
    resource: 'log-group:app:*',
  });
  assert.deepEqual(parseArn('arn:aws:s3:::bucket/key'), {
    partition: 'aws',
    service: 's3',
    region: '',
    account: '',
    resource: 'bucket/key',
  });
  assert.equal(parseArn('*'), null);
  assert.equal(parseArn('arn:aws:iam::123'), null);
  assert.equal(parseArn('urn:aws:iam::1:user/x'), null);
});

void test('a * in the account segment stands for an account, not for "123:mfa/x" (the flat-string mistake)', () => {
  const own = 'arn:aws:iam::*:user/alice';
  assert.equal(arnMatches(own, 'arn:aws:iam::123456789012:user/alice'), true);
  assert.equal(arnMatches(own, 'arn:aws:iam::123456789012:mfa/alice'), false);
  assert.equal(arnMatches(own, 'arn:aws:iam::123456789012:user/bob'), false);
  // As a flat string the * would have reached across the colon and the slash.
  assert.equal(globMatches(own, 'arn:aws:iam::123456789012:mfa/x:user/alice'), true);
  assert.equal(arnMatches(own, 'arn:aws:iam::123456789012:mfa/x:user/alice'), false);
  assert.equal(arnMatches('arn:aws:iam::*:user/*', 'arn:aws:iam::123456789012:mfa/alice'), false);
});

void test('the resource segment: * spans "/" (User Guide: bucket/*/test/* names 1/2/test/3/object.jpg)', () => {
  const pattern = 'arn:aws:s3:::amzn-s3-demo-bucket/*/test/*';
  for (const key of [
    '1/test/object.jpg',
    '1/2/test/object.jpg',
    '1/2/test/3/object.jpg',
    '1///test///object.jpg',
    '/test/object.jpg',
    '1/test/',
  ])
    assert.equal(arnMatches(pattern, `arn:aws:s3:::amzn-s3-demo-bucket/${key}`), true, key);
  for (const key of ['1-test/object.jpg', 'test/object.jpg'])
    assert.equal(arnMatches(pattern, `arn:aws:s3:::amzn-s3-demo-bucket/${key}`), false, key);
  assert.equal(arnMatches('arn:aws:s3:::*', 'arn:aws:s3:::bucket/key'), true);
  assert.equal(arnMatches('arn:aws:s3:::example?bucket/*', 'arn:aws:s3:::example1bucket/x'), true);
  assert.equal(arnMatches('arn:aws:s3:::example?bucket/*', 'arn:aws:s3:::example12bucket/x'), false);
});

void test('each segment is compared on its own: partition, service, region, account', () => {
  const value = 'arn:aws:ec2:us-east-1:123456789012:instance/i-1';
  assert.equal(arnMatches('arn:aws:ec2:*:*:instance/*', value), true);
  assert.equal(arnMatches('arn:aws:ec2:us-*:123456789012:instance/*', value), true);
  assert.equal(arnMatches('arn:aws:ec2:eu-*:*:instance/*', value), false);
  assert.equal(arnMatches('arn:aws-cn:ec2:*:*:instance/*', value), false);
  assert.equal(arnMatches('arn:aws:ec2:*:111122223333:instance/*', value), false);
  assert.equal(arnMatches('arn:*:ec2:*:*:*', value), true);
  assert.equal(arnMatches('arn:aws:s3:*:*:*', value), false);
  assert.equal(arnMatches('arn:aws:ec2:us-east-1:123456789012:instance/i-1', value), true);
  // Resources are case-sensitive (the User Guide: "the IAM user name is case sensitive").
  assert.equal(arnMatches('arn:aws:iam::*:user/Bob', 'arn:aws:iam::1:user/bob'), false);
});

void test('a * that ends a pattern cut short expands past the colons; without it a short pattern names nothing', () => {
  const value = 'arn:aws:iam::123456789012:user/alice';
  assert.equal(arnMatches('arn:aws:iam::*', value), true);
  assert.equal(arnMatches('arn:*', value), true);
  assert.equal(arnMatches('arn:aws:s3*', value), false);
  assert.equal(arnMatches('arn:aws:iam::123456789012', value), false);
  assert.equal(arnMatches('*', value), true);
  assert.equal(arnMatches('**', value), true);
});

void test('a request without a resource type has the resource "*": only a * pattern names it', () => {
  assert.equal(arnMatches('*', '*'), true);
  assert.equal(arnMatches('arn:aws:iam::*:user/*', '*'), false);
  assert.equal(arnMatches('arn:*', '*'), false);
});

void test('property: a wildcard in a non-resource segment never matches a value with a different number of colons there', () => {
  const word = fc
    .array(fc.constantFrom('a', 'b', '1'), { minLength: 1, maxLength: 4 })
    .map((c) => c.join(''));
  assertProperty(
    fc.property(word, word, word, (account, resource, extra) => {
      const pattern = `arn:aws:iam::*:user/${resource}`;
      // The value's account segment is a plain word; a colon-bearing "account" belongs to the resource part.
      return (
        arnMatches(pattern, `arn:aws:iam::${account}:user/${resource}`) &&
        !arnMatches(pattern, `arn:aws:iam::${account}:${extra}:user/${resource}`)
      );
    }),
    { numRuns: 500 },
  );
});

void test('a pattern that is not an ARN (no colon, or only stars first) is compared with the whole value', () => {
  const value = 'arn:aws:iam::123456789012:user/alice';
  assert.equal(arnMatches('*alice', value), true);
  assert.equal(arnMatches('*-prod', value), false);
  assert.equal(arnMatches('*-prod', 'bucket-prod'), true);
  // With a colon it is an ARN pattern, segment by segment: "*" is the first segment only.
  assert.equal(arnMatches('*:user/alice', value), false);
});

void test('a value that is not an ARN is compared as a flat string, a * crossing its colons', () => {
  assert.equal(arnMatches('urn:a:b:c:*:x', 'urn:a:b:c:1:2:x'), true);
  assert.equal(arnMatches('arn:*:b', 'arn:a:b'), true);
  assert.equal(arnMatches('arn:?:b', 'arn:a:c'), false);
});

void test('the last piece of a pattern cut short must end with * and is matched against the rest of the value', () => {
  const value = 'arn:aws:iam::123456789012:user/alice';
  // A ? could stand for the colon, but only a trailing * lets a short pattern reach past its last segment.
  assert.equal(arnMatches('arn:aws:iam::?????', 'arn:aws:iam::1:u/a'), false);
  assert.equal(arnMatches('arn:aws:iam::*alice', value), false);
  // The rest starts at the pattern's last segment (not at "arn"), colons kept.
  assert.equal(arnMatches('arn:aws:iam::1234*', value), true);
  assert.equal(arnMatches('arn:aws*', value), true);
  assert.equal(arnMatches('arn:aws:iam::123456789012?user*', value), true);
});
