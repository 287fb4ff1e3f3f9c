// The pitfalls read from a statement's own shape, and which Allow conditions count as "MFA only in an Allow", word
// for word: the finding, its level, the statement it points at and the whole message a user reads.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeMfaEnforcement } from './mfa-enforcement.ts';
import { ADMIN, ALICE, findingsNextToAdmin, NOW, TWO } from './test-support/fixtures.ts';
import type { PolicyRef } from './types.ts';

/** The findings for one statement in policy 'P' (next to `others`), as [code, level, message, statement]. */
function findings(
  statement: Record<string, unknown>,
  {
    version = '2012-10-17',
    source = 'user-managed',
    others = [],
  }: { version?: string | null; source?: PolicyRef['source']; others?: PolicyRef[] } = {},
) {
  const document = { ...(version === null ? {} : { Version: version }), Statement: [statement] };
  const r = analyzeMfaEnforcement(
    { ...ALICE, identityPolicies: [...others, { name: 'P', source, document }] },
    { now: NOW, sensitiveActions: TWO },
  );
  return r.findings.map((f) => [f.code, f.level, f.message, f.statement]);
}
const P = { policy: 'P', source: 'user-managed', index: 0 };
const allowAll = (condition: Record<string, unknown>) => ({
  Effect: 'Allow',
  Action: '*',
  Resource: '*',
  Condition: condition,
});
const BYPASS =
  'requires MFA only in an Allow: without MFA the request is merely not allowed by this statement (implicit deny), so any other policy that allows the action — AdministratorAccess attached tomorrow — bypasses it';

void describe('pitfalls of a statement’s shape', () => {
  void it('a Principal: a note on an identity policy, nothing on an SCP', () => {
    assert.deepEqual(findings({ Sid: 'T', Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }), [
      [
        'not-an-identity-policy',
        'note',
        "statement 'T' of user-managed policy 'P': names a Principal, so this is a resource-based or trust policy; it was evaluated as if attached to the user, and it cannot deny the user anything elsewhere",
        { ...P, sid: 'T' },
      ],
    ]);
    const scp = findings(
      { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' },
      { source: 'scp', others: [ADMIN] },
    );
    assert.deepEqual(scp, []);
  });

  void it('a policy variable where the Version does not substitute it: the Version, the text, the fix', () => {
    const old = findings(
      { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::${aws:username}' },
      { version: '2008-10-17', others: [ADMIN] },
    );
    assert.deepEqual(old, [
      [
        'policy-variables-not-substituted',
        'warning',
        'statement #1 of user-managed policy \'P\': the policy\'s Version is "2008-10-17", so "arn:aws:s3:::${aws:username}" is plain text, not a policy variable, and names nothing. Use "Version": "2012-10-17"',
        P,
      ],
    ]);
    const none = findings(
      {
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:username': '${aws:username}' } },
      },
      { version: null, others: [ADMIN] },
    );
    assert.deepEqual(none, [
      [
        'policy-variables-not-substituted',
        'warning',
        'statement #1 of user-managed policy \'P\': the policy\'s Version is missing, so "${aws:username}" is plain text, not a policy variable, and names nothing. Use "Version": "2012-10-17"',
        P,
      ],
    ]);
  });

  void it('a misspelt MFA key is named as written, with the operator that never sees it', () => {
    const typo = findings(
      {
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'AWS:MultiFactorAuthAg': 'x' } },
      },
      { others: [ADMIN] },
    );
    assert.deepEqual(typo, [
      [
        'condition-typo',
        'error',
        "statement #1 of user-managed policy 'P': condition key 'AWS:MultiFactorAuthAg' is not an IAM key (did you mean aws:MultiFactorAuthPresent or aws:MultiFactorAuthAge?); it is never in a request, so ForAnyValue:StringEquals sees it absent every time",
        P,
      ],
    ]);
    // The right keys, with operators of their type, raise nothing, whatever their case.
    const deny = (condition: Record<string, unknown>) =>
      findings({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: condition }, { others: [ADMIN] });
    assert.deepEqual(deny({ NumericGreaterThanIfExists: { 'aws:multifactorauthage': '3600' } }), []);
    assert.deepEqual(deny({ StringEqualsIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }), []);
    assert.deepEqual(deny({ DateGreaterThan: { 'aws:MultiFactorAuthAge': '2026-01-01' } }), []);
  });
});

void describe('MFA required only in an Allow', () => {
  void it('presence "true" with a String operator counts; IAM compares it case-sensitively, so with MFA nothing is allowed', () => {
    assert.deepEqual(findings(allowAll({ StringEquals: { 'aws:MultiFactorAuthPresent': 'TRUE' } })), [
      [
        'mfa-only-in-allow',
        'warning',
        `statement #1 of user-managed policy 'P': ${BYPASS}. Enforce with a Deny`,
        P,
      ],
    ]);
  });

  void it('Null "false" on the presence key counts, and lets a console session without MFA in', () => {
    assert.deepEqual(findings(allowAll({ Null: { 'aws:MultiFactorAuthPresent': 'false' } })), [
      [
        'null-only-catches-absent-keys',
        'warning',
        'statement #1 of user-managed policy \'P\': Allow with Null aws:MultiFactorAuthPresent "false" only checks that the key exists: a console session without MFA has it (false) and is allowed s3:GetObject, iam:CreateAccessKey',
        P,
      ],
      [
        'mfa-only-in-allow',
        'warning',
        `statement #1 of user-managed policy 'P': ${BYPASS}; not explicitly denied without MFA today: s3:GetObject, iam:CreateAccessKey. Enforce with a Deny`,
        P,
      ],
    ]);
  });

  void it('a Numeric bound on the MFA age counts', () => {
    assert.deepEqual(findings(allowAll({ NumericLessThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } })), [
      [
        'mfa-only-in-allow',
        'warning',
        `statement #1 of user-managed policy 'P': ${BYPASS}; not explicitly denied without MFA today: s3:GetObject, iam:CreateAccessKey. Enforce with a Deny`,
        P,
      ],
    ]);
  });

  void it('conditions that do not require MFA do not count', () => {
    for (const condition of [
      { Null: { 'aws:MultiFactorAuthPresent': 'true' } },
      { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
      { StringEquals: { 'aws:MultiFactorAuthPresent': 'false' } },
      { DateLessThan: { 'aws:MultiFactorAuthAge': '2026-01-01' } },
      { Bool: { 'aws:SecureTransport': 'true' } },
      { NumericLessThan: { 's3:max-keys': '10' } },
      { Null: { 'aws:TokenIssueTime': 'false' } },
    ])
      assert.deepEqual(findings(allowAll(condition)), [], JSON.stringify(condition));
  });
});

void describe('which conditions and actions the pitfalls look at', () => {
  const P_KEY = 'aws:MultiFactorAuthPresent';
  const cond = (operator: string, key: string, value: unknown) => ({ [operator]: { [key]: value } });
  /** Findings of policy 'P' (statements given) next to AdministratorAccess, enrolment aside, as [code, level, message]. */
  const next = findingsNextToAdmin;
  const exempts = (statement: string) => [
    'notaction-exempts-too-much',
    'error',
    `statement #${statement} of user-managed policy 'P': NotAction ["s3:*"] exempts sensitive actions from the no-MFA Deny, and nothing else denies them: s3:GetObject. Keep NotAction to the self-service MFA set`,
  ];

  void it('a NotAction exemption is judged on Denies about MFA (presence or age, among other conditions) only', () => {
    const notS3 = (condition: Record<string, unknown>) => ({
      Effect: 'Deny',
      NotAction: 's3:*',
      Resource: '*',
      Condition: condition,
    });
    assert.deepEqual(next(notS3(cond('StringEquals', 'aws:username', 'alice'))), []);
    assert.deepEqual(next(notS3(cond('NumericGreaterThanIfExists', 'aws:MultiFactorAuthAge', '3600'))), [
      exempts('1'),
    ]);
    assert.deepEqual(
      next(
        notS3({ ...cond('BoolIfExists', P_KEY, 'false'), ...cond('StringEquals', 'aws:username', 'alice') }),
      ),
      [exempts('1')],
    );
  });

  void it('Bool "false" misses keys only as a plain operator; any "false" among its values counts', () => {
    const stop = (condition: Record<string, unknown>) => ({
      Effect: 'Deny',
      Action: 'ec2:StopInstances',
      Resource: '*',
      Condition: condition,
    });
    assert.deepEqual(next(stop(cond('BoolIfExists', P_KEY, 'false'))), []);
    assert.deepEqual(next(stop(cond('Bool', P_KEY, 'true'))), []);
    assert.deepEqual(next(stop(cond('Bool', P_KEY, ['true', 'false']))), [
      [
        'deny-bool-misses-access-keys',
        'error',
        'statement #1 of user-managed policy \'P\': Deny with Bool aws:MultiFactorAuthPresent "false" does not match when the key is absent, and it is absent for long-term access keys. Use BoolIfExists',
      ],
    ]);
  });

  void it('a set operator of any base is a set operator; a plain Bool is not a String one', () => {
    const all = (condition: Record<string, unknown>) => ({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: condition,
    });
    assert.deepEqual(next(all(cond('ForAnyValue:Bool', P_KEY, 'false'))), [
      [
        'mfa-present-string-or-set-operator',
        'error',
        'statement #1 of user-managed policy \'P\': Deny with ForAnyValue:Bool on aws:MultiFactorAuthPresent is false when the key is absent (a ForAnyValue: set of nothing matches nothing), and it is absent for long-term access keys: requests signed with access keys pass for s3:GetObject, iam:CreateAccessKey. Use BoolIfExists "false"',
      ],
    ]);
    assert.deepEqual(
      next(all(cond('Bool', P_KEY, 'false'))).map((f) => f[0]),
      ['deny-bool-misses-access-keys'],
    );
  });

  void it('"not explicitly denied today" lists what is open in either context, not what both deny', () => {
    const found = next(
      { Effect: 'Allow', Action: '*', Resource: '*', Condition: cond('Bool', P_KEY, 'true') },
      { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: cond('BoolIfExists', P_KEY, 'false') },
      { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: cond('Bool', P_KEY, 'false') },
    );
    assert.deepEqual(found[0], [
      'mfa-only-in-allow',
      'warning',
      `statement #1 of user-managed policy 'P': ${BYPASS}; not explicitly denied without MFA today: s3:GetObject. Enforce with a Deny`,
    ]);
  });

  void it('an old Version without a variable says nothing; a mistyped operator on either MFA key is an error', () => {
    const old = analyzeMfaEnforcement(
      {
        ...ALICE,
        identityPolicies: [
          {
            name: 'P',
            source: 'user-managed',
            document: {
              Version: '2008-10-17',
              Statement: [
                {
                  Effect: 'Deny',
                  Action: 's3:*',
                  Resource: '*',
                  Condition: cond('BoolIfExists', P_KEY, 'false'),
                },
              ],
            },
          },
        ],
      },
      { now: NOW, sensitiveActions: TWO },
    );
    assert.deepEqual(old.findings, []);
    assert.deepEqual(
      next({
        Effect: 'Deny',
        Action: 'ec2:StopInstances',
        Resource: '*',
        Condition: {
          ...cond('NumericLessThan', P_KEY, '1'),
          ...cond('Bool', 'aws:MultiFactorAuthAge', 'true'),
        },
      }),
      [
        [
          'condition-typo',
          'error',
          "statement #1 of user-managed policy 'P': NumericLessThan on aws:MultiFactorAuthPresent, a boolean key: use Bool / BoolIfExists",
        ],
        [
          'condition-typo',
          'error',
          "statement #1 of user-managed policy 'P': Bool on aws:MultiFactorAuthAge, a number of seconds: use NumericLessThan / NumericGreaterThanIfExists",
        ],
      ],
    );
  });
});
