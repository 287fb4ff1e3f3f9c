// A decision table written from the IAM User Guide's "Policy evaluation logic" and "Condition operators" pages: one request, one expected decision, one rule each.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRequest, loadPolicy } from './evaluate.ts';
import type { PolicySet } from './evaluate.ts';
import type { DecisionKind, PolicyRef, PolicySource } from './types.ts';

const ACCOUNT = '111122223333';
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;

interface Case {
  /** The rule of the User Guide the case checks, in our words. */
  readonly rule: string;
  readonly identity?: readonly unknown[];
  readonly boundary?: unknown;
  /** SCPs by level (root, OU, account): every level must allow. */
  readonly scps?: Readonly<Record<string, readonly unknown[]>>;
  readonly action: string;
  readonly resource: string;
  /** Request context keys (lower-cased names); a key set to null is known to be absent. */
  readonly keys?: Readonly<Record<string, readonly string[] | null>>;
  readonly expect: DecisionKind;
}

const v12 = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const allowAll = v12({ Effect: 'Allow', Action: '*', Resource: '*' });
const BASE_KEYS = {
  'aws:username': ['alice'],
  'aws:principalarn': [ALICE],
  'aws:principalaccount': [ACCOUNT],
  'aws:currenttime': ['2026-11-23T12:00:00Z'],
  'aws:epochtime': ['1795435200'],
};

function deny(condition?: unknown, extra: Record<string, unknown> = {}): unknown {
  return {
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    ...(condition === undefined ? {} : { Condition: condition }),
    ...extra,
  };
}
function allow(condition?: unknown, extra: Record<string, unknown> = {}): unknown {
  return { ...(deny(condition, extra) as object), Effect: 'Allow' };
}

const CASES: readonly Case[] = [
  // --- Policy evaluation logic: the order of the decision ---
  {
    rule: 'by default every request is implicitly denied (no policy allows it)',
    identity: [],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'implicit-deny',
  },
  {
    rule: 'an explicit Allow in an identity-based policy overrides the default deny',
    identity: [allowAll],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'allow',
  },
  {
    rule: 'an explicit Deny in any policy overrides any Allow',
    identity: [allowAll, v12(deny())],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'an explicit Deny wins whatever the order of statements (Allow after Deny in one policy)',
    identity: [v12(deny(), { Effect: 'Allow', Action: '*', Resource: '*' })],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'a Deny for another action does not deny this one; the Allow stands',
    identity: [allowAll, v12(deny(undefined, { Action: 'ec2:*' }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'allow',
  },
  {
    rule: 'a permissions boundary that does not allow the action makes it an implicit deny, even with an identity Allow',
    identity: [allowAll],
    boundary: v12({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'implicit-deny',
  },
  {
    rule: 'a permissions boundary alone grants nothing: the identity policies must allow too',
    identity: [],
    boundary: allowAll,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'implicit-deny',
  },
  {
    rule: 'an explicit Deny in the permissions boundary denies',
    identity: [allowAll],
    boundary: v12({ Effect: 'Allow', Action: '*', Resource: '*' }, deny(undefined, { Action: 's3:*' })),
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'SCPs must allow at every level of the organization: an OU that allows only EC2 blocks S3',
    identity: [allowAll],
    scps: { 'r-root': [allowAll], 'ou-prod': [v12({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' })] },
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'implicit-deny',
  },
  {
    rule: 'an SCP Allow grants nothing by itself: the identity policies must allow',
    identity: [],
    scps: { 'r-root': [allowAll] },
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'implicit-deny',
  },
  {
    rule: 'an explicit Deny in an SCP denies, whatever the identity policies allow',
    identity: [allowAll],
    scps: { 'r-root': [allowAll, v12(deny(undefined, { Action: 'organizations:LeaveOrganization' }))] },
    action: 'organizations:LeaveOrganization',
    resource: '*',
    expect: 'explicit-deny',
  },
  {
    rule: 'every level allowing, with an identity Allow: allowed',
    identity: [allowAll],
    scps: { 'r-root': [allowAll], 'ou-prod': [allowAll], [ACCOUNT]: [allowAll] },
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'allow',
  },
  // --- Action and NotAction ---
  {
    rule: 'action names are case-insensitive: S3:getobject names s3:GetObject',
    identity: [v12({ Effect: 'Allow', Action: 'S3:getobject', Resource: '*' })],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'allow',
  },
  {
    rule: 'NotAction with Deny denies every action except those listed',
    identity: [allowAll, v12({ Effect: 'Deny', NotAction: 'iam:ChangePassword', Resource: '*' })],
    action: 'iam:CreateAccessKey',
    resource: ALICE,
    expect: 'explicit-deny',
  },
  {
    rule: 'an action listed in a Deny NotAction is not denied by it',
    identity: [allowAll, v12({ Effect: 'Deny', NotAction: 'iam:ChangePassword', Resource: '*' })],
    action: 'iam:ChangePassword',
    resource: ALICE,
    expect: 'allow',
  },
  {
    rule: 'NotAction with Allow does not deny the excluded actions, it only does not allow them',
    identity: [v12({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })],
    action: 'iam:CreateUser',
    resource: `arn:aws:iam::${ACCOUNT}:user/bob`,
    expect: 'implicit-deny',
  },
  // --- Resource and NotResource ---
  {
    rule: 'Resource: a * inside the account segment does not reach across segments (user/alice is not mfa/alice)',
    identity: [allowAll, v12(deny(undefined, { Resource: 'arn:aws:iam::*:user/alice' }))],
    action: 'iam:DeleteVirtualMFADevice',
    resource: `arn:aws:iam::${ACCOUNT}:mfa/alice`,
    expect: 'allow',
  },
  {
    rule: 'Resource: the user name in an IAM ARN is case-sensitive',
    identity: [allowAll, v12(deny(undefined, { Resource: 'arn:aws:iam::*:user/Alice' }))],
    action: 'iam:CreateAccessKey',
    resource: ALICE,
    expect: 'allow',
  },
  {
    rule: 'NotResource with Deny denies every resource except those listed',
    identity: [allowAll, v12(deny(undefined, { Resource: undefined, NotResource: 'arn:aws:s3:::public/*' }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::private/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'a resource listed in a Deny NotResource is not denied by it',
    identity: [allowAll, v12(deny(undefined, { Resource: undefined, NotResource: 'arn:aws:s3:::public/*' }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::public/k',
    expect: 'allow',
  },
  {
    rule: 'an action without a resource type is authorized on "*": a Resource naming ARNs does not reach it',
    identity: [allowAll, v12(deny(undefined, { Resource: 'arn:aws:iam::*:user/*' }))],
    action: 'sts:GetSessionToken',
    resource: '*',
    expect: 'allow',
  },
  {
    rule: "policy variables: ${aws:username} in a 2012-10-17 policy is the caller's name",
    identity: [allowAll, v12(deny(undefined, { Resource: 'arn:aws:iam::*:user/${aws:username}' }))],
    action: 'iam:CreateAccessKey',
    resource: ALICE,
    expect: 'explicit-deny',
  },
  {
    rule: 'policy variables are plain text in a 2008-10-17 policy: ${aws:username} names nobody',
    identity: [
      allowAll,
      {
        Version: '2008-10-17',
        Statement: [deny(undefined, { Resource: 'arn:aws:iam::*:user/${aws:username}' })],
      },
    ],
    action: 'iam:CreateAccessKey',
    resource: ALICE,
    expect: 'allow',
  },
  {
    rule: "a variable with a default (${aws:PrincipalTag/team, 'none'}) uses it when the key is absent",
    identity: [
      allowAll,
      v12(deny(undefined, { Resource: "arn:aws:s3:::${aws:PrincipalTag/team, 'none'}/*" })),
    ],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::none/k',
    keys: { 'aws:principaltag/team': null },
    expect: 'explicit-deny',
  },
  // --- Condition operators ---
  {
    rule: 'several condition operators are ANDed: one false one makes the statement not apply',
    identity: [
      allowAll,
      v12(
        deny({
          StringEquals: { 'aws:username': 'alice' },
          Bool: { 'aws:MultiFactorAuthPresent': 'true' },
        }),
      ),
    ],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:multifactorauthpresent': ['false'] },
    expect: 'allow',
  },
  {
    rule: 'several values for one key are ORed: one match is enough',
    identity: [allowAll, v12(deny({ StringEquals: { 'aws:username': ['bob', 'alice'] } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'a negated operator with several values matches only when the request value is none of them',
    identity: [allowAll, v12(deny({ StringNotEquals: { 'aws:username': ['bob', 'alice'] } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'allow',
  },
  {
    rule: 'condition key names are case-insensitive; StringEquals values are case-sensitive',
    identity: [allowAll, v12(deny({ StringEquals: { 'AWS:UserName': 'Alice' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'allow',
  },
  {
    rule: 'StringEqualsIgnoreCase ignores the case of the value',
    identity: [allowAll, v12(deny({ StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'StringLike takes * and ? wildcards',
    identity: [allowAll, v12(deny({ StringLike: { 'aws:username': 'al?c*' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'a key absent from the request: the condition is false (Bool "false" does not match an access key)',
    identity: [allowAll, v12(deny({ Bool: { 'aws:MultiFactorAuthPresent': 'false' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:multifactorauthpresent': null },
    expect: 'allow',
  },
  {
    rule: '...IfExists: a key absent from the request makes the condition true',
    identity: [allowAll, v12(deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:multifactorauthpresent': null },
    expect: 'explicit-deny',
  },
  {
    rule: '...IfExists: a present key is compared as usual (MFA present true is not "false")',
    identity: [allowAll, v12(deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:multifactorauthpresent': ['true'] },
    expect: 'allow',
  },
  {
    rule: 'a negated operator on an absent key is true (StringNotLike, ArnNotLike)',
    identity: [allowAll, v12(deny({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:topic' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:sourcearn': null },
    expect: 'explicit-deny',
  },
  {
    rule: 'Null "true" matches when the key is absent',
    identity: [allowAll, v12(deny({ Null: { 'aws:MultiFactorAuthPresent': 'true' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:multifactorauthpresent': null },
    expect: 'explicit-deny',
  },
  {
    rule: 'Null "true" does not match when the key is present, whatever its value',
    identity: [allowAll, v12(deny({ Null: { 'aws:MultiFactorAuthPresent': 'true' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:multifactorauthpresent': ['false'] },
    expect: 'allow',
  },
  {
    rule: 'NumericLessThan on aws:MultiFactorAuthAge: an Allow for MFA younger than an hour',
    identity: [v12(allow({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }))],
    action: 'iam:DeactivateMFADevice',
    resource: ALICE,
    keys: { 'aws:multifactorauthage': ['300'] },
    expect: 'allow',
  },
  {
    rule: 'NumericLessThan on an absent aws:MultiFactorAuthAge is false: no MFA, no Allow',
    identity: [v12(allow({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }))],
    action: 'iam:DeactivateMFADevice',
    resource: ALICE,
    keys: { 'aws:multifactorauthage': null },
    expect: 'implicit-deny',
  },
  {
    rule: 'NumericGreaterThanIfExists on aws:MultiFactorAuthAge denies stale MFA and no MFA at all',
    identity: [allowAll, v12(deny({ NumericGreaterThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:multifactorauthage': null },
    expect: 'explicit-deny',
  },
  {
    rule: 'date operators compare aws:CurrentTime with an ISO 8601 date',
    identity: [allowAll, v12(deny({ DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'explicit-deny',
  },
  {
    rule: 'date operators take epoch seconds as well',
    identity: [allowAll, v12(deny({ DateLessThan: { 'aws:CurrentTime': '1767225600' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    expect: 'allow',
  },
  {
    rule: 'IpAddress matches a CIDR block; NotIpAddress the rest',
    identity: [allowAll, v12(deny({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:sourceip': ['198.51.100.7'] },
    expect: 'explicit-deny',
  },
  {
    rule: 'ArnLike checks each of the six ARN components separately',
    identity: [allowAll, v12(deny({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/alice' } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:principalarn': [`arn:aws:iam::${ACCOUNT}:user/x:user/alice`] },
    expect: 'allow',
  },
  {
    rule: 'ForAnyValue: true when at least one request value matches',
    identity: [allowAll, v12(deny({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:tagkeys': ['env', 'owner'] },
    expect: 'explicit-deny',
  },
  {
    rule: 'ForAnyValue: false when the key is absent',
    identity: [allowAll, v12(deny({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:tagkeys': null },
    expect: 'allow',
  },
  {
    rule: 'ForAllValues: false when one request value matches none of the policy values',
    identity: [v12(allow({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:tagkeys': ['env', 'cost'] },
    expect: 'implicit-deny',
  },
  {
    rule: 'ForAllValues: true when the key is absent (a set of nothing)',
    identity: [v12(allow({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } }))],
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    keys: { 'aws:tagkeys': null },
    expect: 'allow',
  },
];

function setOf(c: Case): PolicySet {
  const ref = (document: unknown, source: PolicySource, i: number, via?: string): PolicyRef => ({
    name: `${source}-${i}`,
    source,
    document,
    ...(via === undefined ? {} : { via }),
  });
  return {
    identity: (c.identity ?? []).map((d, i) => loadPolicy(ref(d, 'user-managed', i))),
    ...(c.boundary === undefined ? {} : { boundary: loadPolicy(ref(c.boundary, 'permissions-boundary', 0)) }),
    ...(c.scps === undefined
      ? {}
      : {
          scps: Object.entries(c.scps).flatMap(([level, docs]) =>
            docs.map((d, i) => loadPolicy(ref(d, 'scp', i, level))),
          ),
        }),
  };
}

void test('IAM evaluation logic and condition operators: every case of the table decides as the User Guide says', () => {
  const wrong: string[] = [];
  for (const c of CASES) {
    const keys = new Map<string, readonly string[] | null>(Object.entries({ ...BASE_KEYS, ...c.keys }));
    const set = setOf(c);
    const problems = [
      ...set.identity,
      ...(set.boundary === undefined ? [] : [set.boundary]),
      ...(set.scps ?? []),
    ]
      .flatMap((p) => p.parsed.issues)
      .filter((i) => i.level === 'error');
    assert.deepEqual(problems, [], c.rule);
    const got = evaluateRequest(set, { action: c.action, resource: c.resource, keys }).decision;
    if (got !== c.expect) wrong.push(`${c.rule}: got ${got}, want ${c.expect}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(CASES.length >= 40);
});
