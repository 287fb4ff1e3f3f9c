// What the policy check hands the analyzer and what it tells the user back: which MFA policies are orphans, which
// policies apply to a user (and which could not be read), and the finding for each verdict. The analyzer is a fake
// here, so each verdict and context can be chosen; index.test.ts runs the real one.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { iamUserMfaEnforcedByPolicy as check, orphanMfaPolicies, policyRefsForUser } from './index.ts';
import type {
  AccountSnapshot,
  AuthorizationDetails,
  IamGroupDetail,
  ManagedPolicyDetail,
  PolicyDocument,
} from '../../collect/snapshot.ts';
import type { AnalyzeMfaEnforcement, MfaEnforcementInput, MfaEnforcementResult } from '../check.ts';
import { ACCOUNT, emptySnapshot, runOne, user } from '../../test-support/posture.ts';

const arn = (name: string): string => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
const deny = (key: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Deny', Action: '*', Resource: '*', Condition: { BoolIfExists: { [key]: 'false' } } },
  ],
});
const MFA = deny('aws:MultiFactorAuthPresent');
const PLAIN: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
};

function policy(name: string, overrides: Partial<ManagedPolicyDetail> = {}): ManagedPolicyDetail {
  return {
    name,
    arn: arn(name),
    attachmentCount: 0,
    permissionsBoundaryUsageCount: 0,
    defaultDocument: MFA,
    ...overrides,
  };
}

function group(name: string, overrides: Partial<IamGroupDetail> = {}): IamGroupDetail {
  return {
    groupName: name,
    arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    inlinePolicies: [],
    attachedPolicies: [],
    problems: [],
    ...overrides,
  };
}

function details(parts: Partial<AuthorizationDetails>): AuthorizationDetails {
  return { location: 'a.json', issues: [], users: [], groups: [], roles: [], policies: [], ...parts };
}

function snapshotOf(value: AuthorizationDetails, overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return emptySnapshot({ authorization: { state: 'collected', location: 'a.json', value }, ...overrides });
}

describe('MFA policies attached to nobody', () => {
  const target = policy('Target');
  const cases: { what: string; parts: Partial<AuthorizationDetails>; orphan: boolean }[] = [
    { what: 'an unattached policy with aws:MultiFactorAuthPresent', parts: {}, orphan: true },
    {
      what: 'one with aws:MultiFactorAuthAge',
      parts: { policies: [policy('Target', { defaultDocument: deny('aws:MultiFactorAuthAge') })] },
      orphan: true,
    },
    {
      what: 'one with the key in lower case (condition keys are case-insensitive)',
      parts: { policies: [policy('Target', { defaultDocument: deny('aws:multifactorauthpresent') })] },
      orphan: true,
    },
    {
      what: 'one without MFA conditions',
      parts: { policies: [policy('Target', { defaultDocument: PLAIN })] },
      orphan: false,
    },
    {
      what: 'one whose document the file lacks',
      parts: { policies: [policy('Target', { defaultDocument: null })] },
      orphan: false,
    },
    {
      what: 'one whose attachment count is unknown',
      parts: { policies: [policy('Target', { attachmentCount: null, permissionsBoundaryUsageCount: null })] },
      orphan: true,
    },
    {
      what: 'one attached outside the file (attachment count 1)',
      parts: { policies: [policy('Target', { attachmentCount: 1 })] },
      orphan: false,
    },
    {
      what: 'one used as a boundary outside the file',
      parts: { policies: [policy('Target', { permissionsBoundaryUsageCount: 2 })] },
      orphan: false,
    },
    {
      what: 'one attached to a user',
      parts: { users: [user('u', { attachedPolicies: [{ name: 'Target', arn: target.arn }] })] },
      orphan: false,
    },
    {
      what: "a user's boundary",
      parts: { users: [user('u', { permissionsBoundaryArn: target.arn })] },
      orphan: false,
    },
    {
      what: 'one attached to a group',
      parts: { groups: [group('g', { attachedPolicies: [{ name: 'Target', arn: target.arn }] })] },
      orphan: false,
    },
    {
      what: 'one attached to a role',
      parts: {
        roles: [
          { roleName: 'r', arn: 'arn:r', attachedPolicyArns: [target.arn], permissionsBoundaryArn: null },
        ],
      },
      orphan: false,
    },
    {
      what: "a role's boundary",
      parts: {
        roles: [{ roleName: 'r', arn: 'arn:r', attachedPolicyArns: [], permissionsBoundaryArn: target.arn }],
      },
      orphan: false,
    },
    {
      what: 'one while another policy is attached',
      parts: {
        users: [
          user('u', {
            attachedPolicies: [{ name: 'Other', arn: arn('Other') }],
            permissionsBoundaryArn: arn('B'),
          }),
        ],
        groups: [group('g', { attachedPolicies: [{ name: 'Other', arn: arn('Other') }] })],
        roles: [
          {
            roleName: 'r',
            arn: 'arn:r',
            attachedPolicyArns: [arn('Other')],
            permissionsBoundaryArn: arn('B'),
          },
        ],
      },
      orphan: true,
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.orphan ? 'an orphan' : 'not an orphan'}`, () => {
      const found = orphanMfaPolicies(details({ policies: [target], ...c.parts }));
      assert.deepEqual(
        found.map((p) => p.name),
        c.orphan ? ['Target'] : [],
      );
    });
  }

  it('an orphan is a FAIL on the policy, saying what it would do once attached (judged in the account)', () => {
    const seen: MfaEnforcementInput[] = [];
    const analyze: AnalyzeMfaEnforcement = (input) => {
      seen.push(input);
      return { verdict: 'partial', console: null, accessKeys: null, findings: [], explanation: null };
    };
    const value = details({ policies: [policy('Orphan', { attachmentCount: null })] });
    const [finding] = runOne(check, snapshotOf(value, { accountId: '999988887777' }), analyze);
    assert.equal(finding?.status, 'FAIL');
    assert.deepEqual(finding?.resource, {
      type: 'AwsIamPolicy',
      name: 'Orphan',
      arn: arn('Orphan'),
      account: '999988887777',
    });
    assert.equal(
      finding?.message,
      'Managed policy Orphan uses aws:MultiFactorAuth* conditions but is attached to nobody, so it enforces MFA for no one.',
    );
    assert.deepEqual(finding?.evidence, {
      pitfall: 'policy-attached-to-nobody',
      attachmentCount: null,
      verdictIfAttached: 'partial',
    });
    assert.deepEqual(seen, [
      {
        principalArn: 'arn:aws:iam::999988887777:user/mfaguard-policy-check',
        userName: 'mfaguard-policy-check',
        accountId: '999988887777',
        identityPolicies: [{ name: 'Orphan', arn: arn('Orphan'), source: 'standalone', document: MFA }],
      },
    ]);
  });

  it('without an account id the stand-in user lives in a placeholder account; without an analyzer there is no verdict', () => {
    const seen: MfaEnforcementInput[] = [];
    const analyze: AnalyzeMfaEnforcement = (input) => {
      seen.push(input);
      return { verdict: 'enforced', console: null, accessKeys: null, findings: [], explanation: null };
    };
    const value = details({ policies: [policy('Orphan')] });
    runOne(check, snapshotOf(value, { accountId: null }), analyze);
    assert.equal(seen[0]?.accountId, '111122223333');
    assert.equal(seen[0]?.principalArn, 'arn:aws:iam::111122223333:user/mfaguard-policy-check');
    const findings = runOne(check, snapshotOf(value, { accountId: null }), null);
    assert.deepEqual(
      findings.map((f) => [f.status, f.resource.type, f.resource.name, f.resource.arn]),
      [
        ['FAIL', 'AwsIamPolicy', 'Orphan', arn('Orphan')],
        ['ERROR', 'AwsAccount', 'unknown account', null],
      ],
    );
    assert.deepEqual(findings[0]?.evidence, { pitfall: 'policy-attached-to-nobody', attachmentCount: 0 });
  });
});

describe('the policies that apply to a user', () => {
  const value = details({
    users: [],
    groups: [
      group('devs', {
        inlinePolicies: [{ name: 'devs-inline', document: PLAIN }],
        attachedPolicies: [
          { name: 'Shared', arn: arn('Shared') },
          { name: 'Lost', arn: arn('Lost') },
        ],
        problems: ['GroupDetailList[0].GroupPolicyList: not a list'],
      }),
    ],
    policies: [policy('Shared', { defaultDocument: PLAIN }), policy('Edge', { defaultDocument: PLAIN })],
  });
  const alice = user('alice', {
    inlinePolicies: [{ name: 'own', document: MFA }],
    attachedPolicies: [{ name: 'Shared', arn: arn('Shared') }],
    groups: ['devs', 'ghosts'],
    permissionsBoundaryArn: arn('Edge'),
    problems: ['UserDetailList[0].Tags: not a list'],
  });

  it('inline, attached and group policies in order, the boundary by its name, and what is missing or unreadable', () => {
    const { input, missing, unreadable } = policyRefsForUser(alice, value, snapshotOf(value));
    assert.deepEqual(input.identityPolicies, [
      { name: 'own', source: 'user-inline', document: MFA },
      { name: 'Shared', arn: arn('Shared'), source: 'user-managed', document: PLAIN },
      { name: 'devs-inline', source: 'group-inline', via: 'devs', document: PLAIN },
      { name: 'Shared', arn: arn('Shared'), source: 'group-managed', via: 'devs', document: PLAIN },
    ]);
    assert.deepEqual(input.permissionsBoundary, {
      name: 'Edge',
      arn: arn('Edge'),
      source: 'permissions-boundary',
      document: PLAIN,
    });
    assert.equal(input.principalArn, alice.arn);
    assert.equal(input.userName, 'alice');
    assert.equal('scps' in input, false, 'SCPs not collected: the analyzer is not told there are none');
    assert.deepEqual(missing, [arn('Lost')]);
    assert.deepEqual(unreadable, [
      'user alice: UserDetailList[0].Tags: not a list',
      'group devs: GroupDetailList[0].GroupPolicyList: not a list',
      'group ghosts is not in the authorization details',
    ]);
  });

  it('a boundary whose document is missing is named missing, not treated as no boundary', () => {
    const bounded = user('bob', { permissionsBoundaryArn: arn('Gone') });
    const { input, missing } = policyRefsForUser(bounded, value, snapshotOf(value));
    assert.equal(input.permissionsBoundary, undefined);
    assert.deepEqual(missing, [arn('Gone')]);
  });

  it('a user without a boundary hands the analyzer no boundary at all (a boundary limits what it does not allow)', () => {
    const { input, missing } = policyRefsForUser(user('erin'), value, snapshotOf(value));
    assert.equal('permissionsBoundary' in input, false);
    assert.deepEqual(missing, []);
  });

  it('collected SCPs go along with the OU or account they are attached to (an empty list too)', () => {
    const scps: AccountSnapshot['scps'] = {
      state: 'collected',
      location: 'org',
      value: [
        {
          name: 'FullAWSAccess',
          id: 'p-FullAWSAccess',
          arn: 'arn:aws:organizations::aws:policy/p-FullAWSAccess',
          target: 'r-root',
          document: PLAIN,
        },
        { name: 'deny-no-mfa', id: 'p-1', arn: null, target: 'ou-abcd', document: MFA },
      ],
    };
    const { input } = policyRefsForUser(user('carol'), value, snapshotOf(value, { scps }));
    assert.deepEqual(input.scps, [
      {
        name: 'FullAWSAccess',
        source: 'scp',
        via: 'r-root',
        document: PLAIN,
        arn: 'arn:aws:organizations::aws:policy/p-FullAWSAccess',
      },
      { name: 'deny-no-mfa', source: 'scp', via: 'ou-abcd', document: MFA },
    ]);
    const none = policyRefsForUser(
      user('carol'),
      value,
      snapshotOf(value, { scps: { state: 'collected', location: 'org', value: [] } }),
    );
    assert.deepEqual(none.input.scps, []);
  });
});

describe('the finding for each verdict', () => {
  const result = (over: Partial<MfaEnforcementResult>): MfaEnforcementResult => ({
    verdict: 'not-enforced',
    console: null,
    accessKeys: null,
    findings: ['f'],
    explanation: ['e'],
    ...over,
  });
  const value = details({
    users: [
      user('dana', {
        inlinePolicies: [{ name: 'own', document: PLAIN }],
        groups: ['devs'],
      }),
    ],
    groups: [group('devs', { inlinePolicies: [{ name: 'devs-inline', document: PLAIN }] })],
  });

  const cases: {
    what: string;
    result: MfaEnforcementResult;
    status: string;
    severity: string;
    message: string;
  }[] = [
    {
      what: 'enforced',
      result: result({ verdict: 'enforced' }),
      status: 'PASS',
      severity: 'medium',
      message:
        "IAM user dana's policies deny sensitive actions without MFA, for console sessions and access keys.",
    },
    {
      what: 'partial, with the gaps counted',
      result: result({
        verdict: 'partial',
        console: { notDeniedActions: ['a', 'b', 'c'] },
        accessKeys: { notDeniedActions: [] },
      }),
      status: 'FAIL',
      severity: 'low',
      message:
        "IAM user dana's policies enforce MFA only partly: without MFA, 3 sensitive action(s) are not denied in a console session and 0 with an access key.",
    },
    {
      what: 'partial, with contexts the analyzer did not count',
      result: result({ verdict: 'partial', console: {}, accessKeys: null }),
      status: 'FAIL',
      severity: 'low',
      message:
        "IAM user dana's policies enforce MFA only partly: without MFA, some sensitive action(s) are not denied in a console session and some with an access key.",
    },
    {
      what: 'not enforced',
      result: result({ verdict: 'not-enforced' }),
      status: 'FAIL',
      severity: 'medium',
      message: "IAM user dana's policies do not require MFA for sensitive actions.",
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.status}`, () => {
      const seen: MfaEnforcementInput[] = [];
      const [finding] = runOne(check, snapshotOf(value, { accountId: null }), (input) => {
        seen.push(input);
        return c.result;
      });
      assert.equal(finding?.status, c.status);
      assert.equal(finding?.severity, c.severity);
      assert.equal(finding?.message, c.message);
      assert.equal(finding?.resource.name, 'dana');
      // The account comes from the user's ARN when the snapshot does not know it.
      assert.equal(seen[0]?.accountId, ACCOUNT);
      assert.deepEqual(finding?.evidence, {
        verdict: c.result.verdict,
        console: c.result.console,
        accessKeys: c.result.accessKeys,
        explanation: ['e'],
        findings: ['f'],
        policies: ['user-inline:own', 'group-inline:devs-inline (via devs)'],
      });
    });
  }

  it('with part of the input unreadable, anything short of enforced is an ERROR naming the first problem', () => {
    const broken = details({
      users: [
        user('erin', {
          arn: 'arn:aws:iam::not-an-account:user/erin',
          groups: ['gone', 'also-gone'],
          attachedPolicies: [{ name: 'Lost', arn: arn('Lost') }],
        }),
      ],
    });
    const seen: MfaEnforcementInput[] = [];
    for (const verdict of ['partial', 'not-enforced'] as const) {
      const [finding] = runOne(check, snapshotOf(broken, { accountId: null }), (input) => {
        seen.push(input);
        return result({ verdict });
      });
      assert.equal(finding?.status, 'ERROR');
      assert.equal(
        finding?.message,
        "MFA enforcement by policy for IAM user erin could not be judged: part of the user's policies could not be read (group gone is not in the authorization details).",
      );
      assert.deepEqual(finding?.evidence?.['unreadable'], [
        'group gone is not in the authorization details',
        'group also-gone is not in the authorization details',
      ]);
      assert.deepEqual(finding?.evidence?.['missingDocuments'], [arn('Lost')]);
    }
    assert.equal(seen[0]?.accountId, '', 'no account in the snapshot or the ARN');
  });
});
