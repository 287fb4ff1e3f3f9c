// What a call's session says about the person behind it, case by case: MFA proven, absent or unknowable; a console
// call or not; a stolen key's own session. Triage's risk and verdicts rest on these answers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudTrailEvent } from '../model/index.ts';
import { makeEvent, type EventSpec } from './test-support/events.ts';
import {
  isConsoleCall,
  isDelegatedSession,
  isIdentityCenterRole,
  isTemporaryNotConsole,
  sessionMfa,
  type SessionMfa,
} from './session.ts';

const AT = '2026-11-18T10:00:00Z';
const call = (spec: Partial<EventSpec> = {}): CloudTrailEvent =>
  makeEvent({ name: 'ListUsers', at: AT, userAgent: 'aws-cli/2.15 Python/3.11', ...spec });
const withActor = (event: CloudTrailEvent, actor: Partial<CloudTrailEvent['actor']>): CloudTrailEvent => ({
  ...event,
  actor: { ...event.actor, ...actor },
});

describe('the MFA of the session behind a call', () => {
  const role = { actor: 'dev', actorType: 'AssumedRole', role: 'AWSReservedSSO_Admin_0123' } as const;
  const cases: { what: string; event: CloudTrailEvent; signIns?: CloudTrailEvent[]; mfa: SessionMfa }[] = [
    { what: 'an IAM user session with MFA', event: call({ mfa: true, key: 'temporary' }), mfa: 'mfa' },
    { what: 'an IAM user session without MFA', event: call({ mfa: false, key: 'temporary' }), mfa: 'none' },
    {
      what: "root's session without MFA",
      event: call({ actor: 'root', mfa: false, key: 'temporary' }),
      mfa: 'none',
    },
    { what: 'an IAM user long-term key', event: call({ mfa: null, key: 'long-term' }), mfa: 'none' },
    {
      what: 'an IAM user temporary key that does not say',
      event: call({ mfa: null, key: 'temporary' }),
      mfa: 'unknown',
    },
    {
      what: 'a sign-in with MFA',
      event: call({ name: 'ConsoleLogin', mfa: null, mfaUsed: true, key: 'temporary' }),
      mfa: 'mfa',
    },
    {
      what: 'a sign-in without MFA',
      event: call({ name: 'ConsoleLogin', mfa: null, mfaUsed: false, key: 'temporary' }),
      mfa: 'none',
    },
    {
      what: 'a sign-in that does not say',
      event: call({ name: 'ConsoleLogin', mfa: null, mfaUsed: null, key: 'temporary' }),
      mfa: 'unknown',
    },
    {
      what: 'an MFAUsed flag on a call that is not a sign-in',
      event: call({ mfa: null, mfaUsed: true, key: 'temporary' }),
      mfa: 'unknown',
    },
    {
      what: 'an MFAUsed=No flag on a call that is not a sign-in',
      event: call({ mfa: null, mfaUsed: false, key: 'temporary' }),
      mfa: 'unknown',
    },
    { what: 'an Identity Center session saying false', event: call({ ...role, mfa: false }), mfa: 'unknown' },
    {
      what: 'a role session with a long-term key field',
      event: call({ ...role, mfa: null, key: 'long-term' }),
      mfa: 'unknown',
    },
    { what: 'a role session saying true', event: call({ ...role, mfa: true }), mfa: 'mfa' },
    {
      what: 'a role session after its sign-in with MFA',
      event: call({ ...role, mfa: false }),
      signIns: [call({ ...role, name: 'ConsoleLogin', mfaUsed: true })],
      mfa: 'mfa',
    },
    {
      what: 'a role session after a sign-in without MFA',
      event: call({ ...role, mfa: false }),
      signIns: [call({ ...role, name: 'ConsoleLogin', mfaUsed: false })],
      mfa: 'unknown',
    },
    {
      what: "a role session after someone else's sign-in with MFA",
      event: call({ ...role, mfa: false }),
      signIns: [call({ ...role, actor: 'other', name: 'ConsoleLogin', mfaUsed: true })],
      mfa: 'unknown',
    },
    {
      what: 'a federated user',
      event: withActor(call({ mfa: false }), { type: 'FederatedUser' }),
      mfa: 'unknown',
    },
    { what: 'an AWS service', event: withActor(call({ mfa: null }), { type: 'AWSService' }), mfa: 'unknown' },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.mfa}`, () => assert.equal(sessionMfa(c.event, c.signIns), c.mfa));
  }

  const delegated: [string, boolean][] = [
    ['AssumedRole', true],
    ['FederatedUser', true],
    ['IdentityCenterUser', true],
    ['SAMLUser', true],
    ['WebIdentityUser', true],
    ['IAMUser', false],
    ['Root', false],
    ['AWSService', false],
  ];
  for (const [type, is] of delegated) {
    it(`a ${type} session ${is ? 'has' : 'does not have'} its MFA elsewhere`, () =>
      assert.equal(isDelegatedSession(withActor(call(), { type })), is));
  }
});

describe('Identity Center permission-set roles', () => {
  const cases: { what: string; event: CloudTrailEvent; is: boolean }[] = [
    {
      what: 'by role name',
      event: call({ actorType: 'AssumedRole', role: 'AWSReservedSSO_ReadOnly_abc' }),
      is: true,
    },
    {
      what: 'a role named like one elsewhere in the name',
      event: call({ actorType: 'AssumedRole', role: 'MyAWSReservedSSO_x' }),
      is: false,
    },
    { what: 'an ordinary role', event: call({ actorType: 'AssumedRole', role: 'deploy' }), is: false },
    { what: 'an IAM user', event: call(), is: false },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.is}`, () => assert.equal(isIdentityCenterRole(c.event), c.is));
  }

  it('by the reserved path of its ARN, whatever the name', () => {
    const event = call({ actorType: 'AssumedRole', role: 'renamed' });
    const issuer = event.actor.sessionIssuer!;
    assert.equal(
      isIdentityCenterRole(
        withActor(event, {
          sessionIssuer: {
            ...issuer,
            arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/renamed',
          },
        }),
      ),
      true,
    );
    assert.equal(isIdentityCenterRole(withActor(event, { sessionIssuer: { ...issuer, arn: null } })), false);
    assert.equal(
      isIdentityCenterRole(withActor(event, { sessionIssuer: { ...issuer, userName: null } })),
      false,
    );
  });

  it('by the name alone, whatever its ARN says (a role copied out of the reserved path keeps its name)', () => {
    const event = call({ actorType: 'AssumedRole', role: 'AWSReservedSSO_Admin_0123' });
    const issuer = event.actor.sessionIssuer!;
    const elsewhere = { ...issuer, arn: 'arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123' };
    assert.equal(isIdentityCenterRole(withActor(event, { sessionIssuer: elsewhere })), true);
    assert.equal(isIdentityCenterRole(withActor(event, { sessionIssuer: { ...issuer, arn: null } })), true);
  });
});

describe("a stolen key's own session", () => {
  const cases: { what: string; event: CloudTrailEvent; is: boolean }[] = [
    {
      what: 'temporary IAM user credentials without MFA, not from the console',
      event: call({ key: 'temporary', mfa: false }),
      is: true,
    },
    { what: 'the same, MFA not recorded', event: call({ key: 'temporary', mfa: null }), is: true },
    { what: "root's", event: call({ actor: 'root', key: 'temporary', mfa: false }), is: true },
    { what: 'with MFA', event: call({ key: 'temporary', mfa: true }), is: false },
    {
      what: 'from a console sign-in',
      event: call({ key: 'temporary', mfa: false, console: true }),
      is: false,
    },
    { what: 'a long-term key', event: call({ key: 'long-term', mfa: false }), is: false },
    {
      what: 'a role session',
      event: call({ actorType: 'AssumedRole', key: 'temporary', mfa: false }),
      is: false,
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.is}`, () => assert.equal(isTemporaryNotConsole(c.event), c.is));
  }
});

describe('calls the console made', () => {
  const cases: { what: string; event: CloudTrailEvent; is: boolean }[] = [
    { what: 'a console session credential', event: call({ console: true }), is: true },
    { what: "the console's user agent", event: call({ userAgent: 'AWS Internal' }), is: true },
    { what: 'the CLI', event: call(), is: false },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.is}`, () => assert.equal(isConsoleCall(c.event), c.is));
  }
});
