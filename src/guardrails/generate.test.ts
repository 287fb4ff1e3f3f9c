// Tests for the guardrail generators: generated policies judged by the analyzer, templates parsed, Terraform checked.

import { cfnPartitioned } from './partition.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { UsageError } from '../model/index.ts';
import {
  analyzeMfaEnforcement,
  evaluateRequest,
  loadPolicy,
  mfaContextKeys,
  SENSITIVE_ACTIONS,
} from '../posture/policy/index.ts';
import type { PolicyRef } from '../posture/policy/index.ts';
import {
  buildBreakGlassScp,
  buildEventPattern,
  buildMfaEnforcementPolicy,
  buildQuarantinePolicy,
  generateGuardrail,
  GUARDRAIL_KINDS,
  guardrailJson,
  ingestEndpoint,
} from './index.ts';

const USER = {
  principalArn: 'arn:aws:iam::123456789012:user/alice',
  userName: 'alice',
  accountId: '123456789012',
};
const NOW = new Date('2026-11-23T12:00:00Z');
const ADMIN: PolicyRef = {
  name: 'AdministratorAccess',
  source: 'user-managed',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

void test('the generated MFA enforcement policy is judged enforced in both contexts, without pitfalls', () => {
  const r = analyzeMfaEnforcement(
    {
      ...USER,
      identityPolicies: [
        ADMIN,
        { name: 'mfaguard-enforce-mfa', source: 'user-managed', document: buildMfaEnforcementPolicy() },
      ],
    },
    { now: NOW },
  );
  assert.equal(r.console.verdict, 'enforced');
  assert.equal(r.accessKeys.verdict, 'enforced');
  assert.equal(r.verdict, 'enforced');
  assert.deepEqual(
    r.findings.filter((f) => f.level !== 'note'),
    [],
  );
  assert.equal(r.withMfa.allowedActions.length, SENSITIVE_ACTIONS.length, 'MFA users are not locked out');
});

void test('with only the enforcement policy, a user without MFA can still enrol a device and change their password', () => {
  const set = {
    identity: [loadPolicy({ name: 'p', source: 'user-managed', document: buildMfaEnforcementPolicy() })],
  };
  for (const context of ['console', 'accessKeys'] as const) {
    const keys = mfaContextKeys(context, USER);
    for (const [action, resource] of [
      ['iam:EnableMFADevice', USER.principalArn],
      ['iam:CreateVirtualMFADevice', 'arn:aws:iam::123456789012:mfa/alice'],
      ['iam:ChangePassword', USER.principalArn],
      ['iam:ListMFADevices', USER.principalArn],
    ] as const) {
      assert.equal(
        evaluateRequest(set, { action, resource, keys }).decision,
        'allow',
        `${context} ${action}`,
      );
    }
    assert.equal(
      evaluateRequest(set, { action: 'iam:DeactivateMFADevice', resource: USER.principalArn, keys }).decision,
      'explicit-deny',
    );
    // Another user's device is not the user's to enrol.
    assert.equal(
      evaluateRequest(set, {
        action: 'iam:EnableMFADevice',
        resource: 'arn:aws:iam::123456789012:user/bob',
        keys,
      }).decision,
      'implicit-deny',
    );
  }
  const withMfa = mfaContextKeys('withMfa', USER);
  assert.equal(
    evaluateRequest(set, { action: 'iam:DeactivateMFADevice', resource: USER.principalArn, keys: withMfa })
      .decision,
    'allow',
  );
});

void test('quarantine (re-enrol) denies every sensitive action even WITH MFA, but lets the owner re-enrol on their own user only', () => {
  const quarantine: PolicyRef = {
    name: 'mfaguard-quarantine',
    source: 'user-inline',
    document: buildQuarantinePolicy(),
  };
  const r = analyzeMfaEnforcement({ ...USER, identityPolicies: [ADMIN, quarantine] }, { now: NOW });
  assert.equal(r.verdict, 'enforced');
  assert.equal(r.withMfa.deniedActions.length, SENSITIVE_ACTIONS.length);
  assert.ok(
    !r.findings.some((f) => f.code === 'locks-out-mfa-users'),
    'the lock-out is intended and not MFA-conditioned',
  );
  const set = { identity: [loadPolicy(ADMIN), loadPolicy(quarantine)] };
  const keys = mfaContextKeys('console', USER);
  assert.equal(
    evaluateRequest(set, { action: 'iam:EnableMFADevice', resource: USER.principalArn, keys }).decision,
    'allow',
  );
  assert.equal(
    evaluateRequest(set, {
      action: 'iam:EnableMFADevice',
      resource: 'arn:aws:iam::123456789012:user/bob',
      keys,
    }).decision,
    'explicit-deny',
  );
  assert.equal(
    evaluateRequest(set, { action: 'iam:ChangePassword', resource: USER.principalArn, keys }).decision,
    'explicit-deny',
  );
  const denyAll = {
    identity: [
      loadPolicy(ADMIN),
      loadPolicy({ name: 'q', source: 'user-inline', document: buildQuarantinePolicy('deny-all') }),
    ],
  };
  assert.equal(
    evaluateRequest(denyAll, { action: 'iam:EnableMFADevice', resource: USER.principalArn, keys }).decision,
    'explicit-deny',
  );
});

void test('the SCP blocks DeactivateMFADevice for a normal principal and not for the break-glass role', () => {
  const scps = (role: string) => [
    loadPolicy({
      name: 'FullAWSAccess',
      source: 'scp',
      via: 'r-root',
      document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
    }),
    loadPolicy({
      name: 'mfaguard-deny-mfa-removal',
      source: 'scp',
      via: 'r-root',
      document: buildBreakGlassScp(role),
    }),
  ];
  const decide = (role: string, principalArn: string, action = 'iam:DeactivateMFADevice') => {
    // An access-key call: no MFA key in the request (BoolIfExists treats it as "no MFA").
    const keys = new Map<string, readonly string[] | null>([
      ['aws:principalarn', [principalArn]],
      ['aws:multifactorauthpresent', null],
    ]);
    return evaluateRequest(
      { identity: [loadPolicy(ADMIN)], scps: scps(role) },
      { action, resource: 'arn:aws:iam::123456789012:user/bob', keys },
    ).decision;
  };
  assert.equal(decide('BreakGlass', 'arn:aws:iam::123456789012:user/alice'), 'explicit-deny');
  assert.equal(decide('BreakGlass', 'arn:aws:iam::123456789012:role/Admin'), 'explicit-deny');
  assert.equal(
    decide('BreakGlass', 'arn:aws:iam::123456789012:user/alice', 'iam:DeleteVirtualMFADevice'),
    'explicit-deny',
  );
  assert.equal(decide('BreakGlass', 'arn:aws:iam::123456789012:role/BreakGlass'), 'allow');
  assert.equal(decide('BreakGlass', 'arn:aws:iam::123456789012:role/emergency/BreakGlass'), 'allow');
  assert.equal(decide('BreakGlass', 'arn:aws:iam::123456789012:role/BreakGlassNot'), 'explicit-deny');
  assert.equal(decide('BreakGlass', 'arn:aws:iam::123456789012:user/alice', 'iam:EnableMFADevice'), 'allow');
  const arn = 'arn:aws:iam::999999999999:role/Emergency';
  assert.equal(decide(arn, arn), 'allow');
  assert.equal(decide(arn, 'arn:aws:iam::123456789012:role/Emergency'), 'explicit-deny');
});

void test('bad break-glass roles and endpoints are usage errors that say why', () => {
  assert.throws(
    () => buildBreakGlassScp('has space'),
    (e: unknown) => e instanceof UsageError && /not an IAM role name/.test(e.message),
  );
  assert.throws(() => buildBreakGlassScp('x'.repeat(65)), UsageError);
  assert.throws(
    () => buildBreakGlassScp('arn:aws:iam::123:user/bob'),
    (e: unknown) => e instanceof UsageError && /not a role ARN/.test(e.message),
  );
  assert.throws(
    () => ingestEndpoint('http://mfaguard.example.com'),
    (e: unknown) => e instanceof UsageError && /https/.test(e.message),
  );
  assert.throws(
    () => ingestEndpoint('not a url'),
    (e: unknown) => e instanceof UsageError && /not a URL/.test(e.message),
  );
  assert.throws(() => ingestEndpoint('https://user:pw@mfaguard.example.com'), UsageError);
  assert.throws(() => ingestEndpoint('https://mfaguard.example.com/?x=1'), UsageError);
  assert.equal(
    ingestEndpoint('https://mfaguard.example.com'),
    'https://mfaguard.example.com/ingest/eventbridge',
  );
  assert.equal(
    ingestEndpoint('https://m.example.com/base/'),
    'https://m.example.com/base/ingest/eventbridge',
  );
  assert.equal(
    ingestEndpoint('https://m.example.com/ingest/eventbridge'),
    'https://m.example.com/ingest/eventbridge',
  );
});

/** EventBridge's matching for the pattern features we use: arrays of exact values, nested objects. */
function patternMatches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(event);
  if (typeof pattern !== 'object' || pattern === null || typeof event !== 'object' || event === null)
    return false;
  return Object.entries(pattern).every(([k, p]) => patternMatches(p, (event as Record<string, unknown>)[k]));
}

void test('the event pattern matches MFA API calls and console sign-ins, and not other IAM calls', () => {
  const pattern = buildEventPattern();
  const event = (source: string, detailType: string, eventSource: string, eventName: string) => ({
    source,
    'detail-type': detailType,
    detail: { eventSource, eventName },
  });
  assert.ok(
    patternMatches(
      pattern,
      event('aws.iam', 'AWS API Call via CloudTrail', 'iam.amazonaws.com', 'DeactivateMFADevice'),
    ),
  );
  assert.ok(
    patternMatches(
      pattern,
      event('aws.iam', 'AWS API Call via CloudTrail', 'iam.amazonaws.com', 'EnableMFADevice'),
    ),
  );
  assert.ok(
    patternMatches(
      pattern,
      event('aws.signin', 'AWS Console Sign In via CloudTrail', 'signin.amazonaws.com', 'ConsoleLogin'),
    ),
  );
  // Read-only calls triage reads are carried by default (the rule's state delivers them), other reads are not.
  assert.ok(
    patternMatches(pattern, event('aws.iam', 'AWS API Call via CloudTrail', 'iam.amazonaws.com', 'GetUser')),
  );
  assert.ok(
    patternMatches(
      pattern,
      event('aws.sts', 'AWS API Call via CloudTrail', 'sts.amazonaws.com', 'GetCallerIdentity'),
    ),
  );
  assert.ok(
    !patternMatches(pattern, event('aws.iam', 'AWS API Call via CloudTrail', 'iam.amazonaws.com', 'GetRole')),
  );
  assert.ok(
    !patternMatches(
      buildEventPattern({ readOnly: false }),
      event('aws.iam', 'AWS API Call via CloudTrail', 'iam.amazonaws.com', 'GetUser'),
    ),
  );
  assert.ok(
    !patternMatches(
      pattern,
      event('aws.s3', 'AWS API Call via CloudTrail', 's3.amazonaws.com', 'DeactivateMFADevice'),
    ),
  );
});

const EXPECTED_TYPES: Record<string, string[]> = {
  policy: ['AWS::IAM::ManagedPolicy'],
  quarantine: ['AWS::IAM::ManagedPolicy'],
  scp: ['AWS::Organizations::Policy'],
  eventbridge: [
    'AWS::Events::Connection',
    'AWS::Events::ApiDestination',
    'AWS::IAM::Role',
    'AWS::SQS::Queue',
    'AWS::SQS::QueuePolicy',
    'AWS::Events::Rule',
  ],
};

void test('CloudFormation output parses as YAML with the expected resource types and the same policy documents', () => {
  const options = { endpoint: 'https://mfaguard.example.com' };
  for (const kind of GUARDRAIL_KINDS) {
    const generated = generateGuardrail(kind, 'cloudformation', options);
    assert.match(generated.fileName, /\.cfn\.yaml$/);
    const template = parse(generated.content) as {
      AWSTemplateFormatVersion: unknown;
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      Parameters?: unknown;
    };
    assert.equal(template.AWSTemplateFormatVersion, '2010-09-09', kind);
    const types = Object.values(template.Resources).map((r) => r.Type);
    assert.deepEqual([...new Set(types)].sort(), [...EXPECTED_TYPES[kind]!].sort(), kind);
    assert.ok(template.Parameters !== undefined, `${kind} has Parameters`);
    // A date-looking string must stay a string for every YAML reader (YAML 1.1 readers would make it a timestamp).
    assert.doesNotMatch(generated.content, /: 2012-10-17$/m);
  }
  const policy = parse(generateGuardrail('policy', 'cloudformation').content) as {
    Resources: { EnforceMfaPolicy: { Properties: { PolicyDocument: unknown } } };
  };
  assert.deepEqual(
    policy.Resources.EnforceMfaPolicy.Properties.PolicyDocument,
    JSON.parse(JSON.stringify(cfnPartitioned(buildMfaEnforcementPolicy()))),
  );
  const sqs = parse(generateGuardrail('eventbridge', 'cloudformation').content) as {
    Resources: Record<string, { Type: string; Properties: { Targets?: { Arn: unknown }[] } }>;
  };
  assert.deepEqual(
    Object.values(sqs.Resources)
      .map((r) => r.Type)
      .sort(),
    ['AWS::Events::Rule', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy'],
  );
  const scp = parse(generateGuardrail('scp', 'cloudformation', { breakGlassRole: 'Emergency' }).content) as {
    Parameters: { BreakGlassRoleName: { Default: string } };
  };
  assert.equal(scp.Parameters.BreakGlassRoleName.Default, 'Emergency');
});

/** Braces, brackets and parentheses balance outside string literals, and every string literal closes. */
function balanced(hcl: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { '}': '{', ']': '[', ')': '(' };
  let inString = false;
  let inComment = false;
  for (let i = 0; i < hcl.length; i += 1) {
    const c = hcl[i]!;
    if (inComment) {
      if (c === '\n') inComment = false;
    } else if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
      else if (c === '\n') return false;
    } else if (c === '#') inComment = true;
    else if (c === '"') inString = true;
    else if (c === '{' || c === '[' || c === '(') stack.push(c);
    else if (c in pairs) {
      if (stack.pop() !== pairs[c]) return false;
    }
  }
  return !inString && stack.length === 0;
}

void test('Terraform output holds the resources, is balanced, and keeps IAM policy variables literal', () => {
  const tf = (kind: (typeof GUARDRAIL_KINDS)[number], options = {}) =>
    generateGuardrail(kind, 'terraform', options).content;
  const all = GUARDRAIL_KINDS.map((k) => tf(k, { endpoint: 'https://mfaguard.example.com' })).join('\n');
  for (const resource of [
    'resource "aws_iam_policy" "mfaguard_enforce_mfa"',
    'resource "aws_iam_policy" "mfaguard_quarantine"',
    'resource "aws_organizations_policy" "mfaguard_deny_mfa_removal"',
    'resource "aws_cloudwatch_event_rule" "mfaguard"',
    'resource "aws_cloudwatch_event_target" "mfaguard_api"',
    'resource "aws_cloudwatch_event_connection" "mfaguard"',
    'resource "aws_cloudwatch_event_api_destination" "mfaguard"',
  ]) {
    assert.ok(all.includes(resource), resource);
  }
  for (const kind of GUARDRAIL_KINDS) assert.ok(balanced(tf(kind)), `${kind} (sqs) balanced`);
  assert.ok(balanced(tf('eventbridge', { endpoint: 'https://mfaguard.example.com' })));
  assert.ok(!balanced('resource "x" "y" {\n  a = [1, 2\n}'), 'the balance check itself can fail');
  assert.ok(
    tf('policy').includes(
      '"arn:${data.aws_partition.mfaguard_enforce_mfa.partition}:iam::*:user/$${aws:username}"',
    ),
  );
  assert.ok(!/[^$]\$\{aws:/.test(all), 'no IAM variable is left for Terraform to interpolate');
  assert.ok(tf('scp').includes('${var.mfaguard_break_glass_role}'));
  assert.ok(tf('eventbridge').includes('resource "aws_cloudwatch_event_target" "mfaguard_sqs"'));
  assert.ok(
    tf('eventbridge', { endpoint: 'https://m.example.com' }).includes(
      'default = "https://m.example.com/ingest/eventbridge"',
    ),
  );
  assert.ok(tf('eventbridge', { endpoint: 'https://m.example.com' }).includes('sensitive = true'));
});

void test('JSON output is the policy document itself (and the rule + target settings for EventBridge)', () => {
  assert.deepEqual(
    JSON.parse(generateGuardrail('policy', 'json').content),
    JSON.parse(JSON.stringify(buildMfaEnforcementPolicy())),
  );
  assert.deepEqual(
    JSON.parse(generateGuardrail('scp', 'json', { breakGlassRole: 'Emergency' }).content),
    JSON.parse(JSON.stringify(buildBreakGlassScp('Emergency'))),
  );
  const eb = guardrailJson('eventbridge', { endpoint: 'https://m.example.com' }) as {
    apiDestination: { InvocationEndpoint: string };
    connection: { AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: string } } };
  };
  assert.equal(eb.apiDestination.InvocationEndpoint, 'https://m.example.com/ingest/eventbridge');
  assert.equal(eb.connection.AuthParameters.ApiKeyAuthParameters.ApiKeyName, 'X-Mfaguard-Api-Key');
});

void test('the SCP and the self-service policy together: rotation with MFA is allowed, removal without MFA denied, break-glass exempt', () => {
  const scps = [
    loadPolicy({
      name: 'FullAWSAccess',
      source: 'scp',
      via: 'r-root',
      document: { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
    }),
    loadPolicy({
      name: 'mfaguard-deny-mfa-removal',
      source: 'scp',
      via: 'r-root',
      document: buildBreakGlassScp('BreakGlass'),
    }),
  ];
  const selfService = {
    identity: [loadPolicy({ name: 'p', source: 'user-managed', document: buildMfaEnforcementPolicy() })],
    scps,
  };
  const own = USER.principalArn;
  const withMfa = (): Map<string, readonly string[] | null> => {
    const keys = mfaContextKeys('console', USER);
    keys.set('aws:multifactorauthpresent', ['true']);
    keys.set('aws:multifactorauthage', ['60']);
    return keys;
  };
  const decide = (action: string, resource: string, keys: Map<string, readonly string[] | null>) =>
    evaluateRequest(selfService, { action, resource, keys }).decision;
  // A device rotation, signed in with the old device: every step is allowed (the old virtual device is left
  // unassigned; the self-service policy grants no DeleteVirtualMFADevice).
  for (const [action, resource] of [
    ['iam:DeactivateMFADevice', own],
    ['iam:CreateVirtualMFADevice', 'arn:aws:iam::123456789012:mfa/alice-new'],
    ['iam:EnableMFADevice', own],
  ] as const)
    assert.equal(decide(action, resource, withMfa()), 'allow', `rotation step ${action}`);
  // Removal without MFA: denied, by the console session and by access keys alike.
  for (const context of ['console', 'accessKeys'] as const)
    for (const action of ['iam:DeactivateMFADevice', 'iam:DeleteVirtualMFADevice'])
      assert.equal(
        decide(action, own, mfaContextKeys(context, USER)),
        'explicit-deny',
        `${context} ${action}`,
      );
  // The break-glass role removes a device without MFA (its own policies grant it; the SCP does not deny).
  const breakGlass = new Map<string, readonly string[] | null>([
    ['aws:principalarn', ['arn:aws:iam::123456789012:role/BreakGlass']],
    ['aws:multifactorauthpresent', null],
  ]);
  assert.equal(
    evaluateRequest(
      { identity: [loadPolicy(ADMIN)], scps },
      { action: 'iam:DeactivateMFADevice', resource: own, keys: breakGlass },
    ).decision,
    'allow',
  );
});
