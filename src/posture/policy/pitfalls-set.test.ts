// The pitfalls confirmed on the whole policy set, word for word: each one when the set leaves the gap it names (and
// which actions it names), the same statement judged on its shape alone when it reaches no sensitive action, and the
// look-alikes and neighbours that close the gap, which must raise nothing. Every list is the whole list of findings.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsNextToAdmin } from './test-support/fixtures.ts';

const PRESENT = 'aws:MultiFactorAuthPresent';
const AGE = 'aws:MultiFactorAuthAge';
const cond = (operator: string, key: string, value: unknown) => ({ [operator]: { [key]: value } });
const statement = (
  effect: 'Allow' | 'Deny',
  condition: Record<string, unknown> | undefined,
  extra: Record<string, unknown> = {},
) => ({
  Effect: effect,
  Action: '*',
  Resource: '*',
  ...(condition === undefined ? {} : { Condition: condition }),
  ...extra,
});
const deny = (condition?: Record<string, unknown>, extra?: Record<string, unknown>) =>
  statement('Deny', condition, extra);
const allow = (condition?: Record<string, unknown>, extra?: Record<string, unknown>) =>
  statement('Allow', condition, extra);
/** Reaches no sensitive action of TWO: judged on its shape alone. */
const STOP = { Action: 'ec2:StopInstances' };
/** The usual no-MFA Deny of everything. */
const DENY_NO_MFA = deny(cond('BoolIfExists', PRESENT, 'false'));

const next = findingsNextToAdmin;
const first = (text: string) => `statement #1 of user-managed policy 'P': ${text}`;
const BOTH = 's3:GetObject, iam:CreateAccessKey';
const KEYS_PASS = `: requests signed with access keys pass for ${BOTH}`;

void describe('a no-MFA Deny whose operator misses access keys or console sessions', () => {
  const BOOL = (tail: string) => [
    'deny-bool-misses-access-keys',
    'error',
    first(
      `Deny with Bool aws:MultiFactorAuthPresent "false" does not match when the key is absent, and it is absent for long-term access keys${tail}. Use BoolIfExists`,
    ),
  ];
  const STRING = (names: string, tail: string) => [
    'mfa-present-string-or-set-operator',
    'error',
    first(
      `Deny with ${names} on aws:MultiFactorAuthPresent is false when the key is absent (a ForAnyValue: set of nothing matches nothing), and it is absent for long-term access keys${tail}. Use BoolIfExists "false"`,
    ),
  ];
  const NULL = (tail: string) => [
    'null-only-catches-absent-keys',
    'warning',
    first(
      `Deny with Null aws:MultiFactorAuthPresent "true" only matches when the key is absent (access keys); a console session without MFA has the key, set to false, and is not denied${tail}`,
    ),
  ];
  const NULL_FOR_KEYS = deny(cond('Null', PRESENT, 'true'));

  void it('Bool "false": the actions keys pass for; none named on its shape alone; none when keys are denied elsewhere', () => {
    assert.deepEqual(next(deny(cond('Bool', PRESENT, 'false'))), [BOOL(KEYS_PASS)]);
    assert.deepEqual(next(deny(cond('Bool', PRESENT, 'false'), STOP)), [BOOL('')]);
    // The Null Deny covers the keys, the Bool one the console: the set leaves no gap, so neither pitfall bites.
    assert.deepEqual(next(deny(cond('Bool', PRESENT, 'false')), NULL_FOR_KEYS), []);
  });

  void it('Bool and Null values are read as IAM reads them, case aside', () => {
    assert.deepEqual(next(deny(cond('Bool', PRESENT, 'FALSE'))), [BOOL(KEYS_PASS)]);
    assert.deepEqual(next(deny(cond('Null', PRESENT, 'True'))), [NULL(` ${BOTH}`)]);
  });

  void it('a String or set operator: every such operator named, the actions keys pass for, none when keys are denied', () => {
    assert.deepEqual(next(deny(cond('StringEquals', PRESENT, 'false'))), [STRING('StringEquals', KEYS_PASS)]);
    assert.deepEqual(
      next(
        deny({
          ...cond('StringEquals', PRESENT, 'false'),
          ...cond('ForAnyValue:StringLike', PRESENT, 'f*'),
        }),
      ),
      [STRING('StringEquals / ForAnyValue:StringLike', KEYS_PASS)],
    );
    assert.deepEqual(next(deny(cond('StringEquals', PRESENT, 'false')), NULL_FOR_KEYS), []);
    assert.deepEqual(next(deny(cond('StringEqualsIfExists', PRESENT, 'false'))), []);
  });

  void it('on its shape alone, only an operator that is false on an absent key and tests "false" is named', () => {
    assert.deepEqual(next(deny(cond('StringEquals', PRESENT, 'false'), STOP)), [STRING('StringEquals', '')]);
    assert.deepEqual(next(deny(cond('ForAnyValue:StringEquals', PRESENT, 'false'), STOP)), [
      STRING('ForAnyValue:StringEquals', ''),
    ]);
    for (const [operator, value] of [
      ['StringEqualsIfExists', 'false'], // true on an absent key
      ['ForAllValues:StringEquals', 'false'], // a set of nothing: vacuously true
      ['StringNotEquals', 'false'], // negated: true on an absent key
      ['StringEquals', 'true'], // a Deny of MFA sessions, not of sessions without
    ] as const)
      assert.deepEqual(next(deny(cond(operator, PRESENT, value), STOP)), [], operator);
  });

  void it('Null "true": the actions a console session still gets; none named on its shape alone; none when the console is denied', () => {
    assert.deepEqual(next(NULL_FOR_KEYS), [NULL(` ${BOTH}`)]);
    assert.deepEqual(next(deny(cond('Null', PRESENT, 'true'), STOP)), [NULL('')]);
    assert.deepEqual(next(NULL_FOR_KEYS, deny(cond('Bool', PRESENT, 'false'))), []);
  });
});

void describe('a no-MFA Deny that never applies, or exempts or leaves out too much', () => {
  const AGE_ONLY = (tail: string) => [
    'mfa-age-without-presence',
    'error',
    first(
      `Deny on aws:MultiFactorAuthAge without IfExists: the key is absent when no MFA was used, so the Deny never applies to sessions without MFA${tail}. Use NumericGreaterThanIfExists or add BoolIfExists aws:MultiFactorAuthPresent "false"`,
    ),
  ];
  const SOME = (resources: string, open: string) => [
    'deny-covers-some-resources',
    'note',
    first(
      `the no-MFA Deny reaches only ${resources}; on other resources ${open} are not denied by it, nor by anything else`,
    ),
  ];

  void it('the age without IfExists: the actions left open; none named on its shape alone; nothing when another Deny covers them', () => {
    const age = cond('NumericGreaterThan', AGE, '3600');
    assert.deepEqual(next(deny(age)), [AGE_ONLY(` (${BOTH} stay open)`)]);
    assert.deepEqual(next(deny(age, STOP)), [AGE_ONLY('')]);
    assert.deepEqual(next(deny(age), DENY_NO_MFA), []);
    // A number on another key is no MFA age: the Deny applies as written.
    assert.deepEqual(next(deny(cond('NumericLessThan', 'aws:EpochTime', '10'))), []);
    // One age clause without IfExists is enough: false on an absent key, it keeps the whole Deny from applying.
    assert.deepEqual(
      next(
        deny({
          ...cond('NumericGreaterThanIfExists', AGE, '3600'),
          ...cond('NumericLessThan', AGE, '999999'),
        }),
      ),
      [AGE_ONLY(` (${BOTH} stay open)`)],
    );
  });

  void it('NotAction: a sensitive action it exempts is named, whatever the case of the pattern, unless denied elsewhere', () => {
    const notS3 = (pattern: string) =>
      deny(cond('BoolIfExists', PRESENT, 'false'), { Action: undefined, NotAction: pattern });
    assert.deepEqual(next(notS3('S3:*')), [
      [
        'notaction-exempts-too-much',
        'error',
        first(
          'NotAction ["S3:*"] exempts sensitive actions from the no-MFA Deny, and nothing else denies them: s3:GetObject. Keep NotAction to the self-service MFA set',
        ),
      ],
    ]);
    // A NotAction that exempts no sensitive action is not blamed for what stays open for another reason (Bool).
    assert.deepEqual(
      next(deny(cond('Bool', PRESENT, 'false'), { Action: undefined, NotAction: 'ec2:*' })).map((f) => f[0]),
      ['deny-bool-misses-access-keys'],
    );
    assert.deepEqual(
      next(notS3('s3:*'), deny(cond('BoolIfExists', PRESENT, 'false'), { Action: 's3:*' })),
      [],
    );
  });

  void it('Resource: the actions it names but whose sample resource it misses, unless denied elsewhere', () => {
    const on = (resource: unknown, extra: Record<string, unknown> = {}) =>
      deny(cond('BoolIfExists', PRESENT, 'false'), { Resource: resource, ...extra });
    assert.deepEqual(next(on('arn:aws:s3:::reports/*')), [SOME('["arn:aws:s3:::reports/*"]', BOTH)]);
    // Starting with a star is not "every resource": only stars alone are.
    assert.deepEqual(next(on('*/reports')), [SOME('["*/reports"]', BOTH)]);
    assert.deepEqual(next(on(['arn:aws:s3:::x', '**'])), []);
    // The own user is reached for iam:CreateAccessKey: only s3:GetObject is left out.
    assert.deepEqual(next(on('arn:aws:iam::*:user/${aws:username}')), [
      SOME('["arn:aws:iam::*:user/${aws:username}"]', 's3:GetObject'),
    ]);
    // An action the statement does not name is not its business: only iam:CreateAccessKey is.
    assert.deepEqual(next(on('arn:aws:s3:::b/*', { Action: 'iam:*' })), [
      SOME('["arn:aws:s3:::b/*"]', 'iam:CreateAccessKey'),
    ]);
    assert.deepEqual(next(on('arn:aws:s3:::reports/*'), DENY_NO_MFA), []);
    // NotResource is no list of resources reached: nothing to say here.
    assert.deepEqual(
      next(
        deny(cond('BoolIfExists', PRESENT, 'false'), {
          Resource: undefined,
          NotResource: 'arn:aws:s3:::reports/*',
        }),
      ),
      [],
    );
    // What the statement reaches but lets keys through is Bool's pitfall, not a resource left out.
    assert.deepEqual(
      next(deny(cond('Bool', PRESENT, 'false'), { Resource: 'arn:aws:iam::*:user/${aws:username}' })).map(
        (f) => f[2],
      ),
      [
        first(
          'Deny with Bool aws:MultiFactorAuthPresent "false" does not match when the key is absent, and it is absent for long-term access keys: requests signed with access keys pass for iam:CreateAccessKey. Use BoolIfExists',
        ),
        first(
          'the no-MFA Deny reaches only ["arn:aws:iam::*:user/${aws:username}"]; on other resources s3:GetObject are not denied by it, nor by anything else',
        ),
      ],
    );
    // Without an MFA condition it is not a no-MFA Deny at all.
    assert.deepEqual(next(deny(undefined, { Resource: 'arn:aws:s3:::reports/*' })), []);
  });
});

void describe('an Allow whose MFA condition holds without MFA', () => {
  const ONLY_IN_ALLOW = (tail: string) => [
    'mfa-only-in-allow',
    'warning',
    first(
      `requires MFA only in an Allow: without MFA the request is merely not allowed by this statement (implicit deny), so any other policy that allows the action — AdministratorAccess attached tomorrow — bypasses it${tail}. Enforce with a Deny`,
    ),
  ];
  const OPEN = `; not explicitly denied without MFA today: ${BOTH}`;

  void it('BoolIfExists "true" lets keys in: named with what they get; nothing to name when it allows no sensitive action', () => {
    assert.deepEqual(next(allow(cond('BoolIfExists', PRESENT, 'true'))), [
      [
        'allow-boolifexists-lets-keys-through',
        'error',
        first(
          `Allow with BoolIfExists aws:MultiFactorAuthPresent "true" is true when the key is absent, so requests signed with long-term access keys are allowed without MFA: ${BOTH}. Use Bool in an Allow, and enforce with a Deny`,
        ),
      ],
      ONLY_IN_ALLOW(OPEN),
    ]);
    assert.deepEqual(next(allow(cond('BoolIfExists', PRESENT, 'true'), STOP)), [ONLY_IN_ALLOW('')]);
    assert.deepEqual(next(allow(cond('BoolIfExists', PRESENT, 'false'))), []);
  });

  void it('ForAllValues "true" lets keys in; a plain String "true" does not (keys are merely not allowed)', () => {
    assert.deepEqual(next(allow(cond('ForAllValues:StringEquals', PRESENT, 'true'))), [
      [
        'mfa-present-string-or-set-operator',
        'error',
        first(
          `Allow with ForAllValues:StringEquals on aws:MultiFactorAuthPresent holds when the key is absent (a ForAllValues: set of nothing is vacuously true), so long-term access keys are allowed without MFA: ${BOTH}. Use Bool "true" in an Allow, and enforce with a Deny`,
        ),
      ],
      ONLY_IN_ALLOW(OPEN),
    ]);
    assert.deepEqual(next(allow(cond('StringEquals', PRESENT, 'true'))), [ONLY_IN_ALLOW(OPEN)]);
    // Each String or set operator named; IfExists on a String operator is not BoolIfExists.
    assert.deepEqual(
      next(
        allow({
          ...cond('StringEqualsIfExists', PRESENT, 'true'),
          ...cond('ForAllValues:StringEquals', PRESENT, 'true'),
        }),
      ),
      [
        [
          'mfa-present-string-or-set-operator',
          'error',
          first(
            `Allow with StringEqualsIfExists / ForAllValues:StringEquals on aws:MultiFactorAuthPresent holds when the key is absent (a ForAllValues: set of nothing is vacuously true), so long-term access keys are allowed without MFA: ${BOTH}. Use Bool "true" in an Allow, and enforce with a Deny`,
          ),
        ],
        ONLY_IN_ALLOW(OPEN),
      ],
    );
  });

  void it('Null "false" names nothing when the console gets no sensitive action; Null "true" requires no MFA', () => {
    assert.deepEqual(next(allow(cond('Null', PRESENT, 'false'), STOP)), [ONLY_IN_ALLOW('')]);
    assert.deepEqual(next(allow(cond('Null', PRESENT, 'true'))), []);
  });

  void it('MFA only in an Allow is no pitfall when a Deny already covers every action it allows', () => {
    assert.deepEqual(next(allow(cond('Bool', PRESENT, 'true')), DENY_NO_MFA), []);
  });
});
