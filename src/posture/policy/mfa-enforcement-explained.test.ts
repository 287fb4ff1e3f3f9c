// What analyzeMfaEnforcement tells, word for word: the request context of each case, the explanation line by line,
// and the message of each finding it makes itself (invalid, undecidable, lock-out, attached to nobody).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analyzeMfaEnforcement,
  checkPolicyDocument,
  fillResource,
  findUnattachedMfaPolicies,
  mfaContextKeys,
} from './mfa-enforcement.ts';
import { SELF_SERVICE_MFA_ACTIONS } from './sensitive-actions.ts';
import { ADMIN, ALICE, NOW, TWO } from './test-support/fixtures.ts';
import type { PolicyRef } from './types.ts';

const doc = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });
const mfa = (operator: string, value: string) => ({ [operator]: { 'aws:MultiFactorAuthPresent': value } });
const keys = (map: Map<string, readonly string[] | null>) => Object.fromEntries(map);

/** A Deny that bites only sessions WITH MFA (and access keys, where the key is absent): it locks MFA users out. */
const LOCKOUT: PolicyRef = {
  name: 'Lockout',
  source: 'user-inline',
  document: doc({
    Sid: 'L',
    Effect: 'Deny',
    Action: 's3:GetObject',
    Resource: '*',
    Condition: mfa('BoolIfExists', 'true'),
  }),
};

/** The user with AdministratorAccess and the given policies, judged on the two sample actions. */
const withAdmin = (...policies: PolicyRef[]) =>
  analyzeMfaEnforcement(
    { ...ALICE, identityPolicies: [ADMIN, ...policies] },
    { now: NOW, sensitiveActions: TWO },
  );

void describe('the request context of each case', () => {
  const every = {
    'aws:username': ['alice'],
    'aws:principalarn': ['arn:aws:iam::123456789012:user/alice'],
    'aws:principalaccount': ['123456789012'],
    'aws:principaltype': ['User'],
    'aws:viaawsservice': ['false'],
    'aws:calledvia': null,
  };
  const clock = { 'aws:currenttime': ['2026-11-23T12:00:00.000Z'], 'aws:epochtime': ['1795435200'] };

  void it('console without MFA: present "false", no age; access key: neither, nor a token issue time', () => {
    assert.deepEqual(keys(mfaContextKeys('console', ALICE, NOW)), {
      ...every,
      ...clock,
      'aws:multifactorauthpresent': ['false'],
      'aws:multifactorauthage': null,
    });
    // Without a clock there is no time in the request: a date condition is then undecidable.
    assert.deepEqual(keys(mfaContextKeys('accessKeys', ALICE)), {
      ...every,
      'aws:multifactorauthpresent': null,
      'aws:multifactorauthage': null,
      'aws:tokenissuetime': null,
    });
  });

  void it('with MFA: present "true", signed in 300 s ago; the epoch time is whole seconds', () => {
    assert.deepEqual(keys(mfaContextKeys('withMfa', ALICE, new Date('2026-11-23T12:00:00.999Z'))), {
      ...every,
      'aws:currenttime': ['2026-11-23T12:00:00.999Z'],
      'aws:epochtime': ['1795435200'],
      'aws:multifactorauthpresent': ['true'],
      'aws:multifactorauthage': ['300'],
    });
    assert.throws(() => mfaContextKeys('other' as 'console', ALICE), /unknown context other/);
  });

  void it('a sample resource falls back to the aws partition and us-east-1', () => {
    const nobody = { principalArn: 'not an arn', userName: 'u', accountId: '1' };
    assert.equal(fillResource('{partition}|{region}|{accountId}|{userName}', nobody), 'aws|us-east-1|1|u');
    const gov = { principalArn: 'arn:aws-us-gov:iam::1:user/u', userName: 'u', accountId: '1' };
    assert.equal(
      fillResource('{partition}|{region}|{principalArn}', gov, 'us-gov-west-1'),
      'aws-us-gov|us-gov-west-1|arn:aws-us-gov:iam::1:user/u',
    );
  });
});

void describe('the explanation, line by line', () => {
  void it('a console-only Deny next to AdministratorAccess: partial, with who denies and what is allowed', () => {
    const r = analyzeMfaEnforcement(
      {
        ...ALICE,
        identityPolicies: [
          {
            name: 'Admin',
            source: 'user-managed',
            document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
          },
          {
            name: 'DenyS3',
            source: 'user-inline',
            document: doc({
              Sid: 'NoS3',
              Effect: 'Deny',
              Action: 's3:*',
              Resource: '*',
              Condition: mfa('Bool', 'false'),
            }),
          },
        ],
      },
      { now: NOW, sensitiveActions: TWO },
    );
    assert.equal(r.verdict, 'partial');
    assert.deepEqual(r.console, {
      verdict: 'partial',
      deniedActions: ['s3:GetObject'],
      notDeniedActions: ['iam:CreateAccessKey'],
      allowedActions: ['iam:CreateAccessKey'],
      decidingStatements: [{ policy: 'DenyS3', source: 'user-inline', index: 0, sid: 'NoS3' }],
    });
    assert.deepEqual(r.accessKeys.verdict, 'not-enforced');
    const pitfall =
      "statement 'NoS3' of user-inline policy 'DenyS3': Deny with Bool aws:MultiFactorAuthPresent \"false\" does not match when the key is absent, and it is absent for long-term access keys: requests signed with access keys pass for s3:GetObject. Use BoolIfExists";
    assert.deepEqual(r.explanation, [
      'MFA enforcement by policy for alice: partial. Only an explicit Deny counts — an implicit deny disappears as soon as someone attaches a broader Allow.',
      'console session without MFA: partial — 1 of 2 sensitive actions end in an explicit Deny',
      '  denied: s3:GetObject',
      "    by statement 'NoS3' of user-inline policy 'DenyS3'",
      '  not denied: iam:CreateAccessKey',
      '    allowed outright today: iam:CreateAccessKey; only implicitly denied: none',
      'long-term access key: not-enforced — 0 of 2 sensitive actions end in an explicit Deny',
      '  denied: none',
      '  not denied: s3:GetObject, iam:CreateAccessKey',
      '    allowed outright today: s3:GetObject, iam:CreateAccessKey; only implicitly denied: none',
      'session with MFA: 2 of 2 sensitive actions allowed, 0 explicitly denied',
      `pitfall deny-bool-misses-access-keys: ${pitfall}`,
    ]);
  });

  void it('an enforcing Deny: both contexts denied whole, by whom, and no line on what is allowed', () => {
    const r = withAdmin({
      name: 'Enforce',
      source: 'user-managed',
      document: doc({
        Sid: 'D',
        Effect: 'Deny',
        NotAction: [...SELF_SERVICE_MFA_ACTIONS],
        Resource: '*',
        Condition: mfa('BoolIfExists', 'false'),
      }),
    });
    assert.deepEqual([r.verdict, r.findings, r.issues], ['enforced', [], []]);
    const context = (label: string) => [
      `${label}: enforced — 2 of 2 sensitive actions end in an explicit Deny`,
      '  denied: s3:GetObject, iam:CreateAccessKey',
      "    by statement 'D' of user-managed policy 'Enforce'",
      '  not denied: none',
    ];
    assert.deepEqual(r.explanation, [
      'MFA enforcement by policy for alice: enforced. Only an explicit Deny counts — an implicit deny disappears as soon as someone attaches a broader Allow.',
      ...context('console session without MFA'),
      ...context('long-term access key'),
      'session with MFA: 2 of 2 sensitive actions allowed, 0 explicitly denied',
    ]);
  });

  void it('what no policy allows, undecidable Denies, an unreadable policy and a lock-out, each said once', () => {
    const policies: PolicyRef[] = [
      // A Principal makes a note: notes are findings, not pitfalls, so the explanation leaves them out.
      {
        name: 'S3Only',
        source: 'user-managed',
        document: doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }),
      },
      {
        name: 'Tagged',
        source: 'group-managed',
        via: 'Ops',
        document: doc({
          Effect: 'Deny',
          Action: 'iam:*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceIp': '10.0.0.1' } },
        }),
      },
      {
        name: 'Broken',
        source: 'user-inline',
        document: doc({
          Effect: 'Deny',
          Action: 's3:*',
          Resource: '*',
          Condition: { NoSuchOperator: { 'aws:username': 'x' } },
        }),
      },
      LOCKOUT,
    ];
    const r = analyzeMfaEnforcement(
      { ...ALICE, identityPolicies: policies },
      { now: NOW, sensitiveActions: TWO },
    );
    const tagged = "statement #1 of group-managed policy 'Tagged' (via Ops)";
    const broken = "statement #1 of user-inline policy 'Broken'";
    const undecidable =
      ' is a Deny whose conditions depend on values mfaguard cannot know offline (or on an unknown policy variable); it is not counted as enforcing MFA';
    const invalid =
      'user-inline policy \'Broken\' has 1 problem(s) (first: unknown condition operator "NoSuchOperator"); what could not be read is not counted as denying anything';
    const lockout =
      "statement 'L' of user-inline policy 'Lockout' is an MFA condition that also denies sessions WITH MFA (present, age 300 s): MFA users are locked out of s3:GetObject";
    assert.deepEqual(
      r.findings.map((f) => [f.code, f.level, f.message, f.statement?.policy]),
      [
        [
          'not-an-identity-policy',
          'note',
          "statement #1 of user-managed policy 'S3Only': names a Principal, so this is a resource-based or trust policy; it was evaluated as if attached to the user, and it cannot deny the user anything elsewhere",
          'S3Only',
        ],
        ['invalid-policy', 'error', invalid, undefined],
        // Both contexts meet the Broken Deny's and Tagged's undecidable conditions: each is named once.
        ['undecidable-condition', 'warning', `${broken}${undecidable}`, 'Broken'],
        ['undecidable-condition', 'warning', `${tagged}${undecidable}`, 'Tagged'],
        ['locks-out-mfa-users', 'warning', lockout, 'Lockout'],
      ],
    );
    assert.deepEqual(r.explanation, [
      'MFA enforcement by policy for alice: partial. Only an explicit Deny counts — an implicit deny disappears as soon as someone attaches a broader Allow.',
      'console session without MFA: not-enforced — 0 of 2 sensitive actions end in an explicit Deny',
      '  denied: none',
      '  not denied: s3:GetObject, iam:CreateAccessKey',
      '    allowed outright today: s3:GetObject; only implicitly denied: iam:CreateAccessKey',
      `  ${tagged} may deny iam:CreateAccessKey, but its conditions cannot be decided here; not counted`,
      '  no identity policy allows iam:CreateAccessKey: implicit deny',
      'long-term access key: partial — 1 of 2 sensitive actions end in an explicit Deny',
      '  denied: s3:GetObject',
      "    by statement 'L' of user-inline policy 'Lockout'",
      '  not denied: iam:CreateAccessKey',
      '    allowed outright today: none; only implicitly denied: iam:CreateAccessKey',
      `  ${broken} may deny s3:GetObject, but its conditions cannot be decided here; not counted`,
      `  ${tagged} may deny iam:CreateAccessKey, but its conditions cannot be decided here; not counted`,
      '  no identity policy allows iam:CreateAccessKey: implicit deny',
      'session with MFA: 0 of 2 sensitive actions allowed, 1 explicitly denied',
      `pitfall invalid-policy: ${invalid}`,
      `pitfall undecidable-condition: ${broken}${undecidable}`,
      `pitfall undecidable-condition: ${tagged}${undecidable}`,
      `pitfall locks-out-mfa-users: ${lockout}`,
    ]);
  });
});

void describe('who denies what, when several statements deny', () => {
  void it('a lock-out names only what its own statement denies with MFA; two deciding statements are both named', () => {
    const r = withAdmin(
      LOCKOUT,
      // Denies both actions in every context, with MFA too: s3:GetObject is then denied by two statements.
      {
        name: 'Quarantine',
        source: 'user-managed',
        document: doc({ Effect: 'Deny', Action: '*', Resource: '*' }),
      },
    );
    const lockout =
      "statement 'L' of user-inline policy 'Lockout' is an MFA condition that also denies sessions WITH MFA (present, age 300 s): MFA users are locked out of s3:GetObject";
    assert.deepEqual(r.findings, [
      {
        code: 'locks-out-mfa-users',
        level: 'warning',
        message: lockout,
        statement: { policy: 'Lockout', source: 'user-inline', index: 0, sid: 'L' },
      },
    ]);
    assert.deepEqual(r.explanation.slice(5, 9), [
      'long-term access key: enforced — 2 of 2 sensitive actions end in an explicit Deny',
      '  denied: s3:GetObject, iam:CreateAccessKey',
      "    by statement 'L' of user-inline policy 'Lockout'; statement #1 of user-managed policy 'Quarantine'",
      '  not denied: none',
    ]);
  });
});

void describe('finding the statement of a lock-out, and what counts as an unreadable policy', () => {
  /** A lock-out at index 1 of the policy holding it; `plain` denies without naming MFA. */
  const lock = {
    Effect: 'Deny',
    Action: 's3:GetObject',
    Resource: '*',
    Condition: mfa('BoolIfExists', 'true'),
  };
  const plain = { Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' };

  void it('the lock-out is found by policy name, source and index; a policy with warnings only is no invalid policy', () => {
    const r = withAdmin(
      // Same name, other source, and no MFA key at index 1: the lock-out is not this one's. Its two warnings
      // (no Version, an unknown field) are issues, not an "invalid-policy" finding.
      { name: 'Lockout', source: 'user-inline', document: { Statement: [plain, plain], Foo: 1 } },
      { name: 'Lockout', source: 'user-managed', document: doc(plain, lock) },
    );
    assert.deepEqual(r.findings, [
      {
        code: 'locks-out-mfa-users',
        level: 'warning',
        message:
          "statement #2 of user-managed policy 'Lockout' is an MFA condition that also denies sessions WITH MFA (present, age 300 s): MFA users are locked out of s3:GetObject",
        statement: { policy: 'Lockout', source: 'user-managed', index: 1 },
      },
    ]);
    assert.deepEqual(
      r.issues.map((i) => [i.level, i.code]),
      [
        ['warning', 'unknown-field'],
        ['warning', 'version-missing'],
      ],
    );
  });

  void it('two groups with a same-named inline policy: the lock-out is found in the group its statement is in', () => {
    // Same name and source, other group, and no MFA key at index 1: the lock-out is not this one's.
    const r = withAdmin(
      { name: 'Lockout', source: 'group-inline', via: 'devs', document: doc(plain, plain) },
      { name: 'Lockout', source: 'group-inline', via: 'ops', document: doc(plain, lock) },
    );
    assert.deepEqual(
      r.findings.filter((f) => f.code === 'locks-out-mfa-users'),
      [
        {
          code: 'locks-out-mfa-users',
          level: 'warning',
          message:
            "statement #2 of group-inline policy 'Lockout' (via ops) is an MFA condition that also denies sessions WITH MFA (present, age 300 s): MFA users are locked out of s3:GetObject",
          statement: { policy: 'Lockout', source: 'group-inline', via: 'ops', index: 1 },
        },
      ],
    );
  });

  void it('an AWS-managed and a customer-managed policy of one name: the lock-out is found in the one it is in', () => {
    // IAM lets a customer policy take an AWS-managed policy's name; only the ARN tells them apart.
    const r = withAdmin(
      {
        name: 'Lockout',
        arn: 'arn:aws:iam::aws:policy/Lockout',
        source: 'user-managed',
        document: doc(plain, plain),
      },
      {
        name: 'Lockout',
        arn: 'arn:aws:iam::111122223333:policy/Lockout',
        source: 'user-managed',
        document: doc(plain, lock),
      },
    );
    assert.deepEqual(
      r.findings.filter((f) => f.code === 'locks-out-mfa-users').map((f) => f.statement),
      [
        {
          policy: 'Lockout',
          arn: 'arn:aws:iam::111122223333:policy/Lockout',
          source: 'user-managed',
          index: 1,
        },
      ],
    );
  });
});

void describe('self-enrolment blocked without MFA', () => {
  const enrolment = (policies: PolicyRef[]) => withAdmin(...policies).findings;
  const tail = " Exempt these actions from the Deny (NotAction), on the user's own resources";

  void it('EnableMFADevice alone, or ListMFADevices alone, denied: no device can ever be enrolled (an error)', () => {
    for (const [action, why] of [
      ['iam:EnableMFADevice', 'enrols the device'],
      ['iam:ListMFADevices', "lists the user's devices, which the console's MFA page needs"],
    ] as const) {
      const findings = enrolment([
        {
          name: 'P',
          source: 'user-managed',
          document: doc({
            Effect: 'Deny',
            NotAction: SELF_SERVICE_MFA_ACTIONS.filter((a) => a !== action),
            Resource: '*',
            Condition: mfa('BoolIfExists', 'false'),
          }),
        },
      ]);
      assert.deepEqual(
        findings,
        [
          {
            code: 'denies-mfa-self-enrolment',
            level: 'error',
            message: `statement #1 of user-managed policy 'P' denies, without MFA, what a user needs to get MFA: ${action} (${why}). Users without MFA can never enrol a device.${tail}`,
            statement: { policy: 'P', source: 'user-managed', index: 0 },
          },
        ],
        action,
      );
    }
  });

  void it('two policies each closing one path: both statements named, the first one carried (a warning)', () => {
    const findings = enrolment([
      {
        name: 'NoPassword',
        source: 'user-managed',
        document: doc({
          Effect: 'Deny',
          Action: 'iam:ChangePassword',
          Resource: '*',
          Condition: mfa('BoolIfExists', 'false'),
        }),
      },
      {
        name: 'NoToken',
        source: 'group-managed',
        via: 'Ops',
        document: doc({
          Sid: 'T',
          Effect: 'Deny',
          Action: 'sts:GetSessionToken',
          Resource: '*',
          Condition: mfa('BoolIfExists', 'false'),
        }),
      },
    ]);
    assert.deepEqual(findings, [
      {
        code: 'denies-mfa-self-enrolment',
        level: 'warning',
        message:
          "statement #1 of user-managed policy 'NoPassword'; statement 'T' of group-managed policy 'NoToken' (via Ops) denies, without MFA, what a user needs to get MFA: iam:ChangePassword (sets a new password when a reset is required at first sign-in); sts:GetSessionToken (turns an access key plus an MFA code into an MFA session). Users without MFA lose that path to MFA." +
          tail,
        statement: { policy: 'NoPassword', source: 'user-managed', index: 0 },
      },
    ]);
  });
});

void describe('a permissions boundary', () => {
  void it('that cannot be read is named as an invalid policy, with its issue', () => {
    const r = analyzeMfaEnforcement(
      {
        ...ALICE,
        identityPolicies: [ADMIN],
        permissionsBoundary: {
          name: 'Edge',
          source: 'permissions-boundary',
          document: doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Nope: {} } }),
        },
      },
      { now: NOW, sensitiveActions: TWO },
    );
    assert.deepEqual(r.findings, [
      {
        code: 'invalid-policy',
        level: 'error',
        message:
          'permissions-boundary policy \'Edge\' has 1 problem(s) (first: unknown condition operator "Nope"); what could not be read is not counted as denying anything',
      },
    ]);
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.location, i.path]),
      [['unknown-condition-operator', "permissions-boundary policy 'Edge'", 'Statement[0].Condition.Nope']],
    );
  });
});

void describe('a standalone document and unattached policies', () => {
  void it('checkPolicyDocument: the stand-in user, both contexts and what each denies', () => {
    const report = checkPolicyDocument(
      doc({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: mfa('Bool', 'false') }),
      'p.json',
      { now: NOW, sensitiveActions: TWO },
    );
    assert.deepEqual(
      {
        ...report,
        findings: report.findings.map((f) => f.code),
        explanation: report.explanation.slice(0, 4),
      },
      {
        file: 'p.json',
        mfaEnforced: { console: false, accessKeys: false },
        verdict: 'partial',
        console: 'partial',
        accessKeys: 'not-enforced',
        contexts: {
          console: { deniedActions: ['s3:GetObject'], notDeniedActions: ['iam:CreateAccessKey'] },
          accessKeys: { deniedActions: [], notDeniedActions: ['s3:GetObject', 'iam:CreateAccessKey'] },
        },
        findings: ['deny-bool-misses-access-keys'],
        issues: [],
        explanation: [
          'MFA enforcement by policy for mfaguard-policy-check: partial. Only an explicit Deny counts — an implicit deny disappears as soon as someone attaches a broader Allow.',
          'console session without MFA: partial — 1 of 2 sensitive actions end in an explicit Deny',
          '  denied: s3:GetObject',
          // The document is the stand-in user's one "standalone" policy, named after its file.
          "    by statement #1 of standalone policy 'p.json'",
        ],
      },
    );
    const both = checkPolicyDocument(
      doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: mfa('BoolIfExists', 'false') }),
      'q.json',
      { now: NOW, sensitiveActions: TWO },
    );
    assert.deepEqual([both.mfaEnforced, both.verdict], [{ console: true, accessKeys: true }, 'enforced']);
  });

  void it('an unattached policy that would enforce, or partly enforce, MFA is named with its ARN when known', () => {
    const enforcing = doc({
      Effect: 'Deny',
      NotAction: [...SELF_SERVICE_MFA_ACTIONS],
      Resource: '*',
      Condition: mfa('BoolIfExists', 'false'),
    });
    const partial = doc({
      Effect: 'Deny',
      Action: 's3:*',
      Resource: '*',
      Condition: mfa('BoolIfExists', 'false'),
    });
    const found = findUnattachedMfaPolicies(
      [
        { name: 'Enforce', arn: 'arn:aws:iam::1:policy/Enforce', attachmentCount: 0, document: enforcing },
        { name: 'S3', attachmentCount: 0, permissionsBoundaryUsageCount: 0, document: partial },
        { name: 'Used', attachmentCount: 1, permissionsBoundaryUsageCount: 0, document: enforcing },
      ],
      { now: NOW },
    );
    assert.deepEqual(found, [
      {
        code: 'policy-attached-to-nobody',
        level: 'warning',
        message:
          "managed policy 'Enforce' (arn:aws:iam::1:policy/Enforce) would enforce MFA but is attached to no user, group or role: it protects nobody",
      },
      {
        code: 'policy-attached-to-nobody',
        level: 'warning',
        message:
          "managed policy 'S3' would partly enforce MFA but is attached to no user, group or role: it protects nobody",
      },
    ]);
  });
});

void describe('edges of the verdict and of naming statements', () => {
  void it('with no sensitive action to try, nothing is enforced', () => {
    const r = analyzeMfaEnforcement(
      {
        ...ALICE,
        identityPolicies: [
          {
            name: 'P',
            source: 'user-managed',
            document: doc({ Effect: 'Deny', Action: '*', Resource: '*' }),
          },
        ],
      },
      { now: NOW, sensitiveActions: [] },
    );
    assert.deepEqual(
      [r.verdict, r.console.verdict, r.accessKeys.verdict],
      ['not-enforced', 'not-enforced', 'not-enforced'],
    );
  });

  void it('one group policy name in two groups is two statements', () => {
    const undecidable = doc({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceIp': '10.0.0.1' } },
    });
    const r = analyzeMfaEnforcement(
      {
        ...ALICE,
        identityPolicies: [
          { name: 'Shared', source: 'group-inline', via: 'Ops', document: undecidable },
          { name: 'Shared', source: 'group-inline', via: 'Dev', document: undecidable },
        ],
      },
      { now: NOW, sensitiveActions: TWO },
    );
    assert.deepEqual(
      r.findings.filter((f) => f.code === 'undecidable-condition').map((f) => f.statement?.via),
      ['Ops', 'Dev'],
    );
  });
});
