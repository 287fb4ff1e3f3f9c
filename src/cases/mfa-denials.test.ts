// The MFA-related denial classifier: explicit denies by MFA policies, denials of IAM users and root without MFA.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEvent } from '../detect/test-support/event.ts';
import type { Actor } from '../model/index.ts';
import { classifyDenial, denialFactOf, denyingPolicy, mfaDenialKind, mfaDenials } from './mfa-denials.ts';

const JAN = Date.UTC(2025, 0, 1);
const EXPLICIT =
  'User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:ListUsers with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/ForceMFA';
const OTHER = EXPLICIT.replace('ForceMFA', 'DenyRegions');

const denial = (id: string, errorCode: string, message: string, actor: Partial<Actor> = {}) =>
  makeEvent({
    id,
    name: 'ListUsers',
    timeMs: JAN,
    outcome: 'failure',
    errorCode,
    errorMessage: message,
    actor,
  });
const role: Partial<Actor> = { type: 'AssumedRole', accessKeyKind: 'temporary', accessKeyId: 'ASIAX' };

describe('MFA-related denials', () => {
  it('counts explicit denies by an MFA policy, configured or named so, whatever the session', () => {
    assert.equal(
      mfaDenialKind(denial('1', 'AccessDenied', EXPLICIT, { mfaAuthenticated: true })),
      'mfa-policy',
    );
    assert.equal(mfaDenialKind(denial('2', 'AccessDenied', OTHER, { mfaAuthenticated: true })), null);
    assert.equal(
      mfaDenialKind(denial('3', 'AccessDenied', OTHER, { mfaAuthenticated: true }), new Set(['DenyRegions'])),
      'mfa-policy',
      'configured by name',
    );
    assert.equal(
      mfaDenialKind(
        denial('4', 'AccessDenied', OTHER, { ...role, mfaAuthenticated: false }),
        new Set(['arn:aws:iam::111122223333:policy/DenyRegions']),
      ),
      'mfa-policy',
      'configured by ARN, a role session',
    );
  });

  it('counts denials of IAM users and root without MFA (flag false, or absent: a long-term key), not of roles', () => {
    assert.equal(
      mfaDenialKind(denial('1', 'AccessDenied', OTHER, { mfaAuthenticated: false })),
      'no-mfa-session',
    );
    assert.equal(mfaDenialKind(denial('2', 'Client.UnauthorizedOperation', 'no', {})), 'no-mfa-session');
    assert.equal(
      mfaDenialKind(denial('3', 'AccessDeniedException', 'no', { type: 'Root', mfaAuthenticated: false })),
      'no-mfa-session',
    );
    assert.equal(mfaDenialKind(denial('4', 'AccessDenied', 'no', { mfaAuthenticated: true })), null);
    assert.equal(
      mfaDenialKind(denial('5', 'AccessDenied', 'no', { ...role, mfaAuthenticated: false })),
      null,
      'role sessions say false whatever the person did at sign-in',
    );
    assert.equal(mfaDenialKind(denial('6', 'NoSuchEntity', EXPLICIT, {})), null, 'not a denial');
    assert.equal(mfaDenialKind(makeEvent({ id: '7' })), null, 'a success');
  });

  it('names the denying policy, without trailing punctuation, and records what ingestion keeps', () => {
    assert.equal(denyingPolicy(`${EXPLICIT}.`), 'arn:aws:iam::111122223333:policy/ForceMFA');
    assert.equal(denyingPolicy('with an explicit deny in a service control policy'), null);
    assert.equal(denyingPolicy(null), null);
    assert.deepEqual(denialFactOf(denial('e1', 'AccessDenied', OTHER, { mfaAuthenticated: true })), {
      eventId: 'e1',
      timeMs: JAN,
      account: '111122223333',
      errorCode: 'AccessDenied',
      policy: 'arn:aws:iam::111122223333:policy/DenyRegions',
      withoutMfa: false,
    });
    assert.equal(
      denialFactOf(denial('e2', 'AccessDenied', 'no', { mfaAuthenticated: true })),
      null,
      'an implicit deny of an MFA session counts under no configuration: not recorded',
    );
    assert.equal(
      denialFactOf(denial('e3', 'AccessDenied', 'no', { ...role, mfaAuthenticated: false })),
      null,
      'nor an implicit deny of a role session',
    );
  });

  it('classifies recorded facts with the policies configured when read, not when recorded', () => {
    const recorded = denialFactOf(denial('x', 'AccessDenied', OTHER, { mfaAuthenticated: true }))!;
    assert.equal(classifyDenial(recorded, new Set()), null);
    assert.equal(classifyDenial(recorded, new Set(['DenyRegions'])), 'mfa-policy');
    const legacy = { policy: 'arn:aws:iam::111122223333:policy/SecondFactor', withoutMfa: null };
    assert.equal(classifyDenial(legacy, new Set(['SecondFactor'])), 'mfa-policy');
    assert.equal(
      classifyDenial(legacy, new Set()),
      null,
      'a legacy row of unknown session: its policy alone decides',
    );
  });

  it('merges recorded denials and stored events, each eventID once, the recorded facts first', () => {
    const recorded = denialFactOf(denial('a', 'AccessDenied', 'no', { mfaAuthenticated: false }))!;
    const stored = [
      denial('a', 'AccessDenied', OTHER, { mfaAuthenticated: true }),
      denial('b', 'AccessDenied', OTHER, { mfaAuthenticated: true }),
      denial('c', 'AccessDenied', EXPLICIT, { mfaAuthenticated: true }),
    ];
    assert.deepEqual(
      mfaDenials([recorded], stored, new Set(['DenyRegions'])).map((d) => [d.eventId, d.kind]),
      [
        ['a', 'no-mfa-session'],
        ['b', 'mfa-policy'],
        ['c', 'mfa-policy'],
      ],
    );
  });
});
