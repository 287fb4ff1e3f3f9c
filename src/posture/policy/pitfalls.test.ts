// Each named pitfall from the smallest policy set that shows it, with its level and what its message tells the
// reader; and the look-alikes that must not raise it. `mfaguard policy check` and the posture check print these.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMfaEnforcement } from './mfa-enforcement.ts';
import { SELF_SERVICE_MFA_ACTIONS } from './sensitive-actions.ts';
import type { PolicyRef } from './types.ts';

const USER = {
  principalArn: 'arn:aws:iam::123456789012:user/alice',
  userName: 'alice',
  accountId: '123456789012',
};
const ADMIN: PolicyRef = {
  name: 'AdministratorAccess',
  source: 'user-managed',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

function policy(
  statement: Record<string, unknown>,
  version: string | null = '2012-10-17',
  source: PolicyRef['source'] = 'user-managed',
): PolicyRef {
  return {
    name: 'UnderTest',
    source,
    document: { ...(version === null ? {} : { Version: version }), Statement: [statement] },
  };
}
const deny = (condition: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Effect: 'Deny',
  NotAction: [...SELF_SERVICE_MFA_ACTIONS],
  Resource: '*',
  Condition: condition,
  ...extra,
});
const allow = (condition: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Action: '*',
  Resource: '*',
  Condition: condition,
  ...extra,
});
const present = (operator: string, value: string) => ({
  [operator]: { 'aws:MultiFactorAuthPresent': value },
});

function findings(policies: PolicyRef[]) {
  return analyzeMfaEnforcement(
    { ...USER, identityPolicies: policies },
    { now: new Date('2026-11-23T12:00:00Z') },
  ).findings;
}

describe('named pitfalls', () => {
  const cases: {
    what: string;
    policies: PolicyRef[];
    code: string;
    level?: 'error' | 'warning' | 'note';
    message?: RegExp;
    absent?: RegExp;
  }[] = [
    {
      what: 'a Deny with Bool "false" lets long-term keys through',
      policies: [ADMIN, policy(deny(present('Bool', 'false')))],
      code: 'deny-bool-misses-access-keys',
      level: 'error',
      message:
        /^statement #1 of user-managed policy 'UnderTest': Deny with Bool aws:MultiFactorAuthPresent "false" does not match when the key is absent.*: requests signed with access keys pass for iam:.*Use BoolIfExists$/,
    },
    {
      what: 'the same shape over no sensitive action is judged on its shape alone',
      policies: [
        ADMIN,
        policy(deny(present('Bool', 'false'), { NotAction: undefined, Action: 'ec2:DescribeInstances' })),
      ],
      code: 'deny-bool-misses-access-keys',
      absent: /pass for/,
    },
    {
      what: 'a Deny with StringEquals "false"',
      policies: [ADMIN, policy(deny(present('StringEquals', 'false')))],
      code: 'mfa-present-string-or-set-operator',
      level: 'error',
      message:
        /Deny with StringEquals on aws:MultiFactorAuthPresent is false when the key is absent.*pass for/,
    },
    {
      what: 'a Deny with ForAnyValue:StringEquals "false"',
      policies: [ADMIN, policy(deny(present('ForAnyValue:StringEquals', 'false')))],
      code: 'mfa-present-string-or-set-operator',
      message: /Deny with ForAnyValue:StringEquals/,
    },
    {
      what: 'a Deny with Null "true" misses console sessions without MFA',
      policies: [ADMIN, policy(deny(present('Null', 'true')))],
      code: 'null-only-catches-absent-keys',
      level: 'warning',
      message: /a console session without MFA has the key, set to false, and is not denied iam:/,
    },
    {
      what: 'a Deny on the MFA age without IfExists',
      policies: [ADMIN, policy(deny({ NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' } }))],
      code: 'mfa-age-without-presence',
      level: 'error',
      message: /the Deny never applies to sessions without MFA \(iam:.* stay open\)/,
    },
    {
      what: 'a Deny that exempts every IAM action through NotAction',
      policies: [
        ADMIN,
        policy(deny(present('BoolIfExists', 'false'), { NotAction: ['iam:*', 'sts:GetSessionToken'] })),
      ],
      code: 'notaction-exempts-too-much',
      level: 'error',
      message:
        /NotAction \["iam:\*","sts:GetSessionToken"\] exempts sensitive actions from the no-MFA Deny, and nothing else denies them: iam:/,
    },
    {
      what: 'a Deny limited to some resources',
      policies: [
        ADMIN,
        policy(deny(present('BoolIfExists', 'false'), { Resource: 'arn:aws:s3:::reports/*' })),
      ],
      code: 'deny-covers-some-resources',
      level: 'note',
      message:
        /reaches only \["arn:aws:s3:::reports\/\*"\]; on other resources .* are not denied by it, nor by anything else/,
    },
    {
      what: 'an Allow with BoolIfExists "true" lets long-term keys in',
      policies: [policy(allow(present('BoolIfExists', 'true')))],
      code: 'allow-boolifexists-lets-keys-through',
      level: 'error',
      message: /requests signed with long-term access keys are allowed without MFA: iam:/,
    },
    {
      what: 'an Allow with ForAllValues:StringEquals "true"',
      policies: [policy(allow(present('ForAllValues:StringEquals', 'true')))],
      code: 'mfa-present-string-or-set-operator',
      level: 'error',
      message:
        /Allow with ForAllValues:StringEquals on aws:MultiFactorAuthPresent holds when the key is absent/,
    },
    {
      what: 'an Allow with Null "false" only checks the key exists',
      policies: [policy(allow(present('Null', 'false')))],
      code: 'null-only-catches-absent-keys',
      level: 'warning',
      message:
        /Allow with Null aws:MultiFactorAuthPresent "false" only checks that the key exists: a console session without MFA has it \(false\) and is allowed iam:/,
    },
    {
      what: 'MFA required only in an Allow',
      policies: [policy(allow(present('Bool', 'true')))],
      code: 'mfa-only-in-allow',
      level: 'warning',
      message: /requires MFA only in an Allow.*Enforce with a Deny$/,
    },
    {
      what: 'MFA age required only in an Allow',
      policies: [policy(allow({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }))],
      code: 'mfa-only-in-allow',
    },
    {
      what: 'a statement naming a Principal',
      policies: [ADMIN, policy(deny(present('BoolIfExists', 'false'), { Principal: { AWS: '*' } }))],
      code: 'not-an-identity-policy',
      level: 'note',
      message: /names a Principal, so this is a resource-based or trust policy/,
    },
    {
      what: 'a policy variable in a 2008-10-17 policy',
      policies: [
        ADMIN,
        policy(
          deny(present('BoolIfExists', 'false'), { Resource: 'arn:aws:iam::*:user/${aws:username}' }),
          '2008-10-17',
        ),
      ],
      code: 'policy-variables-not-substituted',
      level: 'warning',
      message:
        /the policy's Version is "2008-10-17", so "arn:aws:iam::\*:user\/\$\{aws:username\}" is plain text/,
    },
    {
      what: 'a policy variable in a policy without a Version',
      policies: [
        ADMIN,
        policy(
          deny(present('BoolIfExists', 'false'), { Resource: 'arn:aws:iam::*:user/${aws:username}' }),
          null,
        ),
      ],
      code: 'policy-variables-not-substituted',
      message: /the policy's Version is missing, so/,
    },
    {
      what: 'a misspelt MFA key',
      policies: [ADMIN, policy(deny({ BoolIfExists: { 'aws:MultiFactorAuthPresnt': 'false' } }))],
      code: 'condition-typo',
      level: 'error',
      message:
        /condition key 'aws:MultiFactorAuthPresnt' is not an IAM key .* so BoolIfExists sees it absent every time/,
    },
    {
      what: 'a number operator on the presence key',
      policies: [ADMIN, policy(deny({ NumericLessThan: { 'aws:MultiFactorAuthPresent': '1' } }))],
      code: 'condition-typo',
      message:
        /^statement #1 of user-managed policy 'UnderTest': NumericLessThan on aws:MultiFactorAuthPresent, a boolean key: use Bool \/ BoolIfExists$/,
    },
    {
      what: 'a date operator on the presence key',
      policies: [
        ADMIN,
        policy(deny({ DateGreaterThan: { 'aws:MultiFactorAuthPresent': '2020-01-01T00:00:00Z' } })),
      ],
      code: 'condition-typo',
      message: /DateGreaterThan on aws:MultiFactorAuthPresent, a boolean key/,
    },
    {
      what: 'Bool on the age key',
      policies: [ADMIN, policy(deny({ Bool: { 'aws:MultiFactorAuthAge': 'false' } }))],
      code: 'condition-typo',
      message: /Bool on aws:MultiFactorAuthAge, a number of seconds/,
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.code}`, () => {
      const found = findings(c.policies).filter((f) => f.code === c.code);
      assert.ok(
        found.length > 0,
        `no ${c.code} among ${JSON.stringify(findings(c.policies).map((f) => f.code))}`,
      );
      const [first] = found;
      if (c.level !== undefined) assert.equal(first?.level, c.level);
      if (c.message !== undefined) assert.match(first?.message ?? '', c.message);
      if (c.absent !== undefined) assert.doesNotMatch(first?.message ?? '', c.absent);
    });
  }

  const clean: { what: string; policies: PolicyRef[]; code: string }[] = [
    {
      what: 'BoolIfExists "false" in a Deny',
      policies: [ADMIN, policy(deny(present('BoolIfExists', 'false')))],
      code: 'deny-bool-misses-access-keys',
    },
    {
      what: 'Bool "false" next to Null "true"',
      policies: [
        ADMIN,
        policy(deny(present('Bool', 'false'))),
        { ...policy(deny(present('Null', 'true'))), name: 'Keys' },
      ],
      code: 'deny-bool-misses-access-keys',
    },
    {
      what: 'StringEqualsIfExists "false" in a Deny',
      policies: [ADMIN, policy(deny(present('StringEqualsIfExists', 'false')))],
      code: 'mfa-present-string-or-set-operator',
    },
    {
      what: 'the age with IfExists',
      policies: [ADMIN, policy(deny({ NumericGreaterThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } }))],
      code: 'mfa-age-without-presence',
    },
    {
      what: 'the age next to the presence key',
      policies: [
        ADMIN,
        policy(
          deny({
            NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' },
            BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
          }),
        ),
      ],
      code: 'mfa-age-without-presence',
    },
    {
      what: 'Bool "true" in an Allow',
      policies: [policy(allow(present('Bool', 'true')))],
      code: 'allow-boolifexists-lets-keys-through',
    },
    {
      what: 'a Principal in an SCP',
      policies: [
        ADMIN,
        policy(deny(present('BoolIfExists', 'false'), { Principal: '*' }), '2012-10-17', 'scp'),
      ],
      code: 'not-an-identity-policy',
    },
    {
      what: 'a variable in a 2012-10-17 policy',
      policies: [
        ADMIN,
        policy(deny(present('BoolIfExists', 'false'), { Resource: 'arn:aws:iam::*:user/${aws:username}' })),
      ],
      code: 'policy-variables-not-substituted',
    },
    {
      what: 'a Deny over every resource',
      policies: [
        ADMIN,
        policy(deny(present('BoolIfExists', 'false'), { Resource: ['arn:aws:s3:::x', '*'] })),
      ],
      code: 'deny-covers-some-resources',
    },
  ];
  for (const c of clean) {
    it(`${c.what}: no ${c.code}`, () => {
      assert.deepEqual(
        findings(c.policies)
          .filter((f) => f.code === c.code)
          .map((f) => f.message),
        [],
      );
    });
  }
});
