// What one evaluated request says besides its decision: which statements decided it, and the notes that explain
// a boundary, an SCP level or an undecidable condition. `mfaguard policy check` shows these to the user.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionMatches, describeStatement, evaluateRequest, loadPolicy } from './evaluate.ts';
import type { PolicySet } from './evaluate.ts';
import type { PolicyRef, RequestContext } from './types.ts';

const ALICE = 'arn:aws:iam::111122223333:user/alice';
const v12 = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const ref = (name: string, source: PolicyRef['source'], document: unknown, via?: string): PolicyRef => ({
  name,
  source,
  document,
  ...(via === undefined ? {} : { via }),
});
const allowAll = { Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' };
const request = (
  action: string,
  keys: Record<string, readonly string[] | null> = {},
  resource = '*',
): RequestContext => ({
  action,
  resource,
  keys: new Map(Object.entries({ 'aws:username': ['alice'], 'aws:principalarn': [ALICE], ...keys })),
});
/** aws:MultiFactorAuthPresent left unknown: a condition on it cannot be decided. */
const noMfaDeny = (sid: string) => ({
  Sid: sid,
  Effect: 'Deny',
  Action: 'iam:*',
  Resource: '*',
  Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
});

void describe('describeStatement', () => {
  void it('names a statement by its Sid, or by its place (from 1) when it has none or an empty one', () => {
    assert.equal(
      describeStatement({ policy: 'P', source: 'user-inline', index: 0, sid: 'DenyAll' }),
      "statement 'DenyAll' of user-inline policy 'P'",
    );
    assert.equal(
      describeStatement({ policy: 'P', source: 'group-managed', via: 'devs', index: 2, sid: '' }),
      "statement #3 of group-managed policy 'P' (via devs)",
    );
    assert.equal(
      describeStatement({ policy: 'Q', source: 'scp', index: 0 }),
      "statement #1 of scp policy 'Q'",
    );
  });
});

void describe('evaluateRequest: what decided it', () => {
  void it('an explicit deny lists every matching Deny, from any policy, and notes the undecidable ones apart', () => {
    const set: PolicySet = {
      identity: [
        loadPolicy(
          ref('Mine', 'user-inline', v12(allowAll, { Effect: 'Deny', Action: 's3:*', Resource: '*' })),
        ),
        loadPolicy(ref('Mfa', 'group-managed', v12(noMfaDeny('NoMfa')), 'devs')),
      ],
      boundary: loadPolicy(
        ref(
          'Edge',
          'permissions-boundary',
          v12(allowAll, { Sid: 'NoS3', Effect: 'Deny', Action: 's3:Get*', Resource: '*' }),
        ),
      ),
    };
    const d = evaluateRequest(set, request('s3:GetObject'));
    assert.equal(d.decision, 'explicit-deny');
    assert.deepEqual(d.statements, [
      { policy: 'Mine', source: 'user-inline', index: 1 },
      { policy: 'Edge', source: 'permissions-boundary', index: 1, sid: 'NoS3' },
    ]);
    // The group's Deny is about iam:*, so it does not even reach s3:GetObject.
    assert.deepEqual(d.undecidedDenies, []);
    assert.deepEqual(d.notes, []);

    const iam = evaluateRequest(set, request('iam:CreateUser'));
    assert.equal(iam.decision, 'allow');
    assert.deepEqual(iam.undecidedDenies, [
      { policy: 'Mfa', source: 'group-managed', via: 'devs', index: 0, sid: 'NoMfa' },
    ]);
    assert.deepEqual(iam.notes, [
      "statement 'NoMfa' of group-managed policy 'Mfa' (via devs) may deny iam:CreateUser, but its conditions cannot be decided here; not counted",
    ]);
    assert.deepEqual(iam.statements, [{ policy: 'Mine', source: 'user-inline', index: 0, sid: 'All' }]);

    const withoutMfa = evaluateRequest(
      set,
      request('iam:CreateUser', { 'aws:multifactorauthpresent': ['false'] }),
    );
    assert.equal(withoutMfa.decision, 'explicit-deny');
    assert.deepEqual(withoutMfa.statements, [
      { policy: 'Mfa', source: 'group-managed', via: 'devs', index: 0, sid: 'NoMfa' },
    ]);
  });

  void it('every SCP level must allow: SCPs of one level add up, the note names the level that does not', () => {
    const scp = (name: string, action: string, via?: string) =>
      loadPolicy(ref(name, 'scp', v12({ Effect: 'Allow', Action: action, Resource: '*' }), via));
    const identity = [loadPolicy(ref('Mine', 'user-inline', v12(allowAll)))];
    const levels = [
      scp('RootS3', 's3:*', 'r-root'),
      scp('RootIam', 'iam:*', 'r-root'),
      scp('Ou', 's3:*', 'ou-1'),
    ];
    // r-root allows iam: through its second SCP, but ou-1 allows only s3.
    const iam = evaluateRequest({ identity, scps: levels }, request('iam:ListUsers'));
    assert.equal(iam.decision, 'implicit-deny');
    assert.deepEqual(iam.statements, []);
    assert.deepEqual(iam.notes, ['no SCP at ou-1 allows iam:ListUsers: implicit deny']);
    // Both levels allow s3: the identity policy's Allow is what granted it.
    const s3 = evaluateRequest({ identity, scps: levels }, request('s3:GetObject'));
    assert.equal(s3.decision, 'allow');
    assert.deepEqual(s3.statements, [{ policy: 'Mine', source: 'user-inline', index: 0, sid: 'All' }]);
    assert.deepEqual(s3.notes, [], 'nothing assumed, nothing undecided: nothing to note');
    // An SCP not tied to a level is the organization's.
    const org = evaluateRequest({ identity, scps: [scp('Org', 's3:*')] }, request('ec2:RunInstances'));
    assert.deepEqual(org.notes, ['no SCP at (organization) allows ec2:RunInstances: implicit deny']);
    // An empty list of SCPs is no SCP level at all, not a level that allows nothing.
    assert.equal(evaluateRequest({ identity, scps: [] }, request('ec2:RunInstances')).decision, 'allow');
  });

  void it('a boundary that does not allow, or no identity Allow, is an implicit deny with its own note', () => {
    const identity = [
      loadPolicy(ref('Mine', 'user-inline', v12({ Effect: 'Allow', Action: 's3:*', Resource: '*' }))),
    ];
    const boundary = loadPolicy(
      ref('Edge', 'permissions-boundary', v12({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' })),
    );
    const s3 = evaluateRequest({ identity, boundary }, request('s3:GetObject'));
    assert.equal(s3.decision, 'implicit-deny');
    assert.deepEqual(s3.notes, ['the permissions boundary does not allow s3:GetObject: implicit deny']);
    assert.deepEqual(s3.statements, []);
    const ec2 = evaluateRequest({ identity, boundary }, request('ec2:RunInstances'));
    assert.equal(ec2.decision, 'implicit-deny');
    assert.deepEqual(ec2.notes, ['no identity policy allows ec2:RunInstances: implicit deny']);
    assert.deepEqual(ec2.statements, []);
  });

  void it('an Allow whose conditions cannot be decided is assumed, and said so, for identity and boundary', () => {
    const mfaAllow = (sid: string) => ({
      Sid: sid,
      Effect: 'Allow',
      Action: 's3:*',
      Resource: '*',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    });
    const d = evaluateRequest(
      {
        identity: [loadPolicy(ref('Mine', 'user-inline', v12(mfaAllow('IfMfa'))))],
        boundary: loadPolicy(ref('Edge', 'permissions-boundary', v12(mfaAllow('EdgeIfMfa')))),
      },
      request('s3:GetObject'),
    );
    assert.equal(d.decision, 'allow');
    assert.deepEqual(d.statements, [{ policy: 'Mine', source: 'user-inline', index: 0, sid: 'IfMfa' }]);
    assert.deepEqual(d.notes, [
      "statement 'IfMfa' of user-inline policy 'Mine' is assumed to allow s3:GetObject: its conditions cannot be decided here",
      "statement 'EdgeIfMfa' of permissions-boundary policy 'Edge' is assumed to allow s3:GetObject: its conditions cannot be decided here",
    ]);
    // Known to be false, the same Allow grants nothing.
    const off = evaluateRequest(
      { identity: [loadPolicy(ref('Mine', 'user-inline', v12(mfaAllow('IfMfa'))))] },
      request('s3:GetObject', { 'aws:multifactorauthpresent': ['false'] }),
    );
    assert.equal(off.decision, 'implicit-deny');
  });

  void it('NotAction and NotResource reach everything they do not name', () => {
    const identity = [
      loadPolicy(
        ref(
          'Mine',
          'user-inline',
          v12(allowAll, { Effect: 'Deny', NotAction: 'iam:ChangePassword', NotResource: ALICE }),
        ),
      ),
    ];
    const decide = (action: string, resource: string) =>
      evaluateRequest({ identity }, request(action, {}, resource)).decision;
    assert.equal(decide('iam:DeleteUser', 'arn:aws:iam::111122223333:user/bob'), 'explicit-deny');
    assert.equal(decide('iam:ChangePassword', 'arn:aws:iam::111122223333:user/bob'), 'allow');
    assert.equal(decide('iam:DeleteUser', ALICE), 'allow');
  });

  void it('a parse problem names the policy, its source and the group it comes through', () => {
    const loaded = loadPolicy(
      ref('Broken', 'group-inline', { Version: '2012-10-17', Statement: [{ Effect: 'Maybe' }] }, 'devs'),
    );
    const where = loaded.parsed.issues.map((i) => i.location);
    assert.ok(where.length > 0);
    // Exactly that text, nothing after it.
    assert.deepEqual(new Set(where), new Set(["group-inline policy 'Broken' via devs"]));
    // Without a group, the location says nothing of one.
    const own = loadPolicy(
      ref('Own', 'user-inline', { Version: '2012-10-17', Statement: [{ Effect: 'Maybe' }] }),
    );
    const ownWhere = own.parsed.issues.map((i) => i.location);
    assert.ok(ownWhere.length > 0);
    assert.deepEqual(new Set(ownWhere), new Set(["user-inline policy 'Own'"]));
  });
});

// IAM: a policy variable whose key is absent from the request makes the element match nothing, so a Resource
// naming it reaches nothing and a NotResource naming it excludes nothing; a key mfaguard cannot know leaves
// both undecidable (the Deny is then not counted, the Allow assumed).
void describe('policy variables in Resource and NotResource', () => {
  const reaching = (statement: Record<string, unknown>, keys: Record<string, readonly string[] | null>) => {
    const set: PolicySet = { identity: [loadPolicy(ref('P', 'user-managed', v12(allowAll, statement)))] };
    return evaluateRequest(set, request('s3:GetObject', keys, 'arn:aws:s3:::b/alice'));
  };
  const deny = { Sid: 'D', Effect: 'Deny', Action: 's3:*' };

  void it('a Resource whose variable is absent names nothing: the Deny does not apply', () => {
    const absent = reaching(
      { ...deny, Resource: 'arn:aws:s3:::b/${aws:TokenIssueTime}' },
      { 'aws:tokenissuetime': null },
    );
    assert.equal(absent.decision, 'allow');
    const present = reaching({ ...deny, Resource: 'arn:aws:s3:::b/${aws:username}' }, {});
    assert.equal(present.decision, 'explicit-deny');
    const unknown = reaching(
      { ...deny, Resource: ['arn:aws:s3:::x', 'arn:aws:s3:::b/${aws:PrincipalTag/team}'] },
      {},
    );
    assert.deepEqual([unknown.decision, unknown.undecidedDenies.map((r) => r.sid)], ['allow', ['D']]);
  });

  void it('a NotResource whose variable is absent excludes nothing; an unknown one is undecidable', () => {
    const absent = reaching(
      { ...deny, NotResource: 'arn:aws:s3:::b/${aws:TokenIssueTime}' },
      { 'aws:tokenissuetime': null },
    );
    assert.equal(absent.decision, 'explicit-deny');
    const unknown = reaching({ ...deny, NotResource: 'arn:aws:s3:::b/${aws:PrincipalTag/team}' }, {});
    assert.equal(unknown.decision, 'allow');
    assert.deepEqual(unknown.undecidedDenies, [{ policy: 'P', source: 'user-managed', index: 1, sid: 'D' }]);
    const named = reaching({ ...deny, NotResource: 'arn:aws:s3:::b/${aws:username}' }, {});
    assert.deepEqual([named.decision, named.undecidedDenies], ['allow', []]);
  });
});

void describe('Action and NotAction lists', () => {
  void it('one pattern of the list is enough, whatever the case of the service or action name', () => {
    const [action, notAction] = loadPolicy(
      ref(
        'P',
        'user-inline',
        v12(
          { Effect: 'Deny', Action: ['s3:*', 'IAM:create*'], Resource: '*' },
          { Effect: 'Deny', NotAction: ['s3:*', 'IAM:create*'], Resource: '*' },
        ),
      ),
    ).parsed.items;
    assert.ok(action !== undefined && notAction !== undefined);
    assert.equal(actionMatches(action, 'iam:CreateAccessKey'), true);
    assert.equal(actionMatches(notAction, 'iam:CreateAccessKey'), false);
    assert.equal(actionMatches(notAction, 'ec2:RunInstances'), true);
  });
});
