// What a user of triage reads for each kind of removal: classification, risk, severity, every reason with its weight
// and text, and how each related event is called. Written from the behaviour model (docs/triage.md), one scenario per
// branch of the evidence, so a changed word, weight or relation shows up as a failing line.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert, CloudTrailEvent } from '../model/index.ts';
import { makeEvent } from './test-support/events.ts';
import { removalOf, triage } from './test-support/triage.ts';
import type { Approval } from './triage-config.ts';

const OFFICE = '198.51.100.7';
const ELSEWHERE = '192.0.2.66';
const HOUR = 3_600_000;

/** Two ordinary days of `who`: a console sign-in with MFA and a listing, from the office, with one client. */
function history(who: string, userAgent = 'console.amazonaws.com'): CloudTrailEvent[] {
  return [
    makeEvent({
      name: 'ConsoleLogin',
      at: '2026-11-16T08:30:00Z',
      actor: who,
      ip: OFFICE,
      userAgent,
      console: true,
      mfaUsed: true,
    }),
    makeEvent({ name: 'ListUsers', at: '2026-11-17T08:40:00Z', actor: who, ip: OFFICE, userAgent }),
  ];
}

/** The alert as a user reads it: the verdict, then every reason, then every related event and its relation. */
function explain(alert: Alert): string[] {
  return [
    `${alert.classification} ${alert.riskScore} ${alert.severity} window=${alert.vulnerabilityWindowSeconds ?? '-'}`,
    ...(alert.reasons ?? []).map((reason) => `${reason.code} (${reason.weight}): ${reason.message}`),
    ...(alert.related ?? []).map(
      (related) => `  ${related.name} ${related.time.slice(11)} ${related.actor} -> ${related.relation}`,
    ),
  ];
}

const USER = (name: string) => `arn:aws:iam::111122223333:user/${name}`;
const NO_BASELINE =
  'no-baseline (5): no activity by this caller in the look-back before the last hour: its address and client cannot be judged familiar';
const GRACE_OPEN =
  'grace-window-open (0): no trustworthy new MFA device yet; the data ends before the grace window closes';

describe('triage explained: a takeover with every signal', () => {
  it('a stolen long-term key at night: each signal named, weighed and related, the takeover verdict first', () => {
    const thief = { actor: 'bob', ip: ELSEWHERE, userAgent: 'Boto3/1.34.0 Python/3.12', mfa: null } as const;
    const events = [
      ...history('bob', 'aws-cli/2.15.0 Python/3.11'),
      makeEvent({
        name: 'GetCallerIdentity',
        at: '2026-11-18T02:05:00Z',
        ...thief,
        source: 'sts.amazonaws.com',
      }),
      makeEvent({
        name: 'GetSessionToken',
        at: '2026-11-18T02:06:00Z',
        ...thief,
        source: 'sts.amazonaws.com',
      }),
      makeEvent({ name: 'ListMFADevices', at: '2026-11-18T02:07:00Z', ...thief, target: 'carol' }),
      makeEvent({
        name: 'DeactivateMFADevice',
        at: '2026-11-18T02:08:00Z',
        ...thief,
        target: 'carol',
        outcome: 'failure',
      }),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T02:10:00Z', ...thief, target: 'carol' }),
      makeEvent({ name: 'DeleteVirtualMFADevice', at: '2026-11-18T02:11:00Z', ...thief, target: 'carol' }),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T02:12:00Z',
        ...thief,
        key: 'temporary',
        mfa: false,
        target: 'carol',
      }),
      makeEvent({ name: 'CreateAccessKey', at: '2026-11-18T02:13:00Z', ...thief, target: 'carol' }),
      makeEvent({ name: 'UpdateLoginProfile', at: '2026-11-18T02:14:00Z', ...thief, target: 'carol' }),
      makeEvent({ name: 'AttachUserPolicy', at: '2026-11-18T02:15:00Z', ...thief, target: 'carol' }),
      makeEvent({
        name: 'ConsoleLogin',
        at: '2026-11-18T02:20:00Z',
        actor: 'carol',
        ip: ELSEWHERE,
        console: true,
        mfaUsed: false,
        mfa: null,
      }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'carol')), [
      'suspicious 100 critical window=-',
      'takeover-pattern (0): account-takeover pattern: takeover signals weigh 155 (40 or more is a takeover): ' +
        'actor-not-target, no-mfa-session, new-source-ip, new-client, precursor-reconnaissance, ' +
        'precursor-failed-attempts, follow-up-credentials, follow-up-password-reset, follow-up-privilege, ' +
        'follow-up-sign-in-without-mfa, attacker-device',
      'attacker-device (25): a device that is evidence, not re-enrolment: enabled for carol by bob with a session ' +
        'without MFA, temporary credentials not from the console, an address never seen for that caller; MFA stays ' +
        'counted as removed',
      'follow-up-privilege (20): 1 policy or group change(s) granting the user more access afterwards',
      'no-mfa-session (15): a long-term access key (AKIA…): it never carries MFA',
      'new-source-ip (15): source address 192.0.2.66 never seen for this caller in the look-back',
      'follow-up-credentials (15): 1 new access key or console password created for the user afterwards',
      "follow-up-password-reset (15): the user's console password was changed afterwards",
      'follow-up-sign-in-without-mfa (15): the user signed in to the console without MFA afterwards, from an unfamiliar place',
      'actor-not-target (10): done by bob, not by carol themself',
      'outside-working-hours (10): outside working hours (Europe/Paris)',
      'precursor-reconnaissance (10): 3 reconnaissance call(s) by the same caller shortly before (listing users, MFA devices, keys; identity probes)',
      'precursor-failed-attempts (10): 1 refused MFA removal attempt(s) shortly before',
      "new-client (5): client family 'boto3' never seen for this caller in the look-back",
      'device-deleted-not-replaced (5): the virtual MFA device was deleted and nothing trustworthy replaced it',
      GRACE_OPEN,
      `  GetCallerIdentity 02:05:00Z ${USER('bob')} -> reconnaissance (before)`,
      `  GetSessionToken 02:06:00Z ${USER('bob')} -> reconnaissance (before)`,
      `  ListMFADevices 02:07:00Z ${USER('bob')} -> reconnaissance (before)`,
      `  DeactivateMFADevice 02:08:00Z ${USER('bob')} -> failed attempt (before)`,
      `  DeleteVirtualMFADevice 02:11:00Z ${USER('bob')} -> device deleted (after)`,
      `  EnableMFADevice 02:12:00Z ${USER('bob')} -> attacker device (after)`,
      `  CreateAccessKey 02:13:00Z ${USER('bob')} -> credential-created (after)`,
      `  UpdateLoginProfile 02:14:00Z ${USER('bob')} -> password-changed (after)`,
      `  AttachUserPolicy 02:15:00Z ${USER('bob')} -> privilege-granted (after)`,
      `  ConsoleLogin 02:20:00Z ${USER('carol')} -> sign-in without MFA (after)`,
    ]);
  });

  it('a device the remover enabled with no trait of its own is still evidence under takeover signals', () => {
    const admin = {
      actor: 'ops',
      mfa: true,
      console: true,
      key: 'temporary',
      userAgent: 'AWS Internal',
    } as const;
    const events = [
      ...history('ops'),
      makeEvent({
        name: 'DeactivateMFADevice',
        at: '2026-11-18T02:00:00Z',
        ...admin,
        ip: ELSEWHERE,
        target: 'kim',
      }),
      makeEvent({ name: 'EnableMFADevice', at: '2026-11-18T02:10:00Z', ...admin, ip: OFFICE, target: 'kim' }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'kim')), [
      'suspicious 100 critical window=-',
      'takeover-pattern (0): account-takeover pattern: takeover signals weigh 50 (40 or more is a takeover): ' +
        'actor-not-target, new-source-ip, attacker-device',
      'attacker-device (25): a device that is evidence, not re-enrolment: enabled for kim by ops under takeover ' +
        'signals; MFA stays counted as removed',
      'new-source-ip (15): source address 192.0.2.66 never seen for this caller in the look-back',
      'actor-not-target (10): done by ops, not by kim themself',
      'outside-working-hours (10): outside working hours (Europe/Paris)',
      GRACE_OPEN,
      `  EnableMFADevice 02:10:00Z ${USER('ops')} -> attacker device (after)`,
    ]);
  });
});

describe("triage explained: an administrator's reset", () => {
  const admin = {
    actor: 'ops',
    ip: OFFICE,
    mfa: true,
    console: true,
    key: 'temporary',
    userAgent: 'AWS Internal',
  } as const;
  const reset = [
    ...history('ops'),
    ...history('dora'),
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...admin, target: 'dora' }),
    makeEvent({
      name: 'ConsoleLogin',
      at: '2026-11-18T09:20:00Z',
      actor: 'dora',
      ip: OFFICE,
      console: true,
      mfaUsed: false,
      mfa: null,
    }),
    makeEvent({
      name: 'EnableMFADevice',
      at: '2026-11-18T09:25:00Z',
      actor: 'dora',
      ip: OFFICE,
      console: true,
      key: 'temporary',
      mfa: false,
      target: 'dora',
    }),
  ];
  const ownerSteps = [
    'owner-follow-up (0): 1 step(s) by the user themself afterwards (a sign-in, a change in an MFA session)',
    "untrusted-enrolment (0): dora enabled it in a session without MFA after the reset (the documented path for a lost device): pending dora's confirmation",
  ];
  const ownerRelated = [
    `  ConsoleLogin 09:20:00Z ${USER('dora')} -> owner sign-in (after)`,
    `  EnableMFADevice 09:25:00Z ${USER('dora')} -> unconfirmed device (after)`,
  ];

  it("by a known administrator, the owner back from her usual address: pending the owner's confirmation", () => {
    assert.deepEqual(explain(removalOf(triage(reset, { administrators: new Set(['ops']) }), 'dora')), [
      'admin-reset 47 medium window=-',
      'known-administrator (0): done by ops, a known administrator',
      ...ownerSteps,
      GRACE_OPEN,
      ...ownerRelated,
    ]);
  });

  it("by someone else, past the grace window: unresolved weighs in, the device is not proven to be the owner's", () => {
    const alert = removalOf(triage(reset, {}, Date.parse('2026-11-18T12:00:00Z')), 'dora');
    assert.deepEqual(explain(alert), [
      'admin-reset 47 medium window=-',
      "unresolved (15): no trustworthy new MFA device within the 60 min grace window: the device enabled is not proven to be the owner's",
      'actor-not-target (10): done by ops, not by dora themself',
      ...ownerSteps,
      ...ownerRelated,
    ]);
  });

  it('past the grace window with no device at all: MFA is still off', () => {
    const removalOnly = reset.filter((event) => event.name !== 'EnableMFADevice');
    const alert = removalOf(triage(removalOnly, {}, Date.parse('2026-11-18T12:00:00Z')), 'dora');
    assert.equal(
      explain(alert)[1],
      'unresolved (15): no new MFA device within the 60 min grace window: MFA is still off',
    );
  });

  const enabledByAdmin = [
    ...history('ops'),
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...admin, target: 'kim' }),
    makeEvent({ name: 'EnableMFADevice', at: '2026-11-18T09:10:00Z', ...admin, target: 'kim' }),
  ];
  const change: Approval = {
    ticket: 'CHG-1',
    user: 'kim',
    actor: 'ops',
    account: null,
    fromMs: Date.parse('2026-11-18T09:05:00Z'),
    toMs: Date.parse('2026-11-18T10:00:00Z'),
    approver: null,
  };

  it('the administrator enabling the new device under an approved change closes the window', () => {
    assert.deepEqual(explain(removalOf(triage(enabledByAdmin, { approvals: [change] }), 'kim')), [
      'admin-reset 47 medium window=600',
      'actor-not-target (10): done by ops, not by kim themself',
      're-enrolled (0): a new MFA device was enabled 10 min later by ops under an approved change',
      `  EnableMFADevice 09:10:00Z ${USER('ops')} -> re-enrolment (after)`,
    ]);
  });

  it('without the approval the same device waits for the owner', () => {
    assert.deepEqual(explain(removalOf(triage(enabledByAdmin), 'kim')), [
      'admin-reset 47 medium window=-',
      'actor-not-target (10): done by ops, not by kim themself',
      "untrusted-enrolment (0): enabled for kim by ops, not by kim in an MFA session: pending kim's confirmation",
      GRACE_OPEN,
      `  EnableMFADevice 09:10:00Z ${USER('ops')} -> unconfirmed device (after)`,
    ]);
  });
});

describe('triage explained: federated sessions', () => {
  const sso = {
    actor: 'erin',
    actorType: 'AssumedRole',
    role: 'AWSReservedSSO_Admin_123',
    mfa: false,
    key: 'temporary',
    console: true,
    ip: OFFICE,
    userAgent: 'AWS Internal',
  } as const;
  const removal = () =>
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...sso, target: 'frank' });
  const ERIN = 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_123/erin';

  it('an Identity Center session says nothing about MFA: named as unknown, not as a session without MFA', () => {
    assert.deepEqual(explain(removalOf(triage([removal()]), 'frank')), [
      'admin-reset 47 medium window=-',
      'actor-not-target (10): done by erin, not by frank themself',
      NO_BASELINE,
      'mfa-unknown-federated (0): a federated or role session: its mfaAuthenticated "false" does not say whether the identity provider asked for MFA',
      GRACE_OPEN,
    ]);
  });

  it('its sign-in with MFA settles it: no federated caveat', () => {
    const signIn = makeEvent({ name: 'ConsoleLogin', at: '2026-11-18T08:50:00Z', ...sso, mfaUsed: true });
    assert.deepEqual(explain(removalOf(triage([signIn, removal()]), 'frank')), [
      'admin-reset 47 medium window=-',
      'actor-not-target (10): done by erin, not by frank themself',
      NO_BASELINE,
      GRACE_OPEN,
      `  ConsoleLogin 08:50:00Z ${ERIN} -> sign-in (before)`,
    ]);
  });

  it('only a sign-in settles it: another call of the session that claims MFAUsed proves nothing', () => {
    // additionalEventData.MFAUsed belongs to ConsoleLogin; a record may carry it on any call.
    const listing = makeEvent({
      name: 'ListMFADevices',
      at: '2026-11-18T08:50:00Z',
      ...sso,
      target: 'frank',
      mfaUsed: true,
    });
    assert.deepEqual(explain(removalOf(triage([listing, removal()]), 'frank')), [
      'admin-reset 47 medium window=-',
      'actor-not-target (10): done by erin, not by frank themself',
      NO_BASELINE,
      'mfa-unknown-federated (0): a federated or role session: its mfaAuthenticated "false" does not say whether the identity provider asked for MFA',
      'console-context (0): 1 call(s) the console makes when a security-credentials page opens, in the same MFA or federated session and address: context, not reconnaissance',
      GRACE_OPEN,
      `  ListMFADevices 08:50:00Z ${ERIN} -> console page (before)`,
    ]);
  });
});

describe('triage explained: who the target is', () => {
  const glass = [
    makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T09:00:00Z',
      actor: 'gus',
      key: 'temporary',
      mfa: false,
      target: 'gus',
    }),
  ];
  const sessionReasons = [
    'no-mfa-session (15): the calling session was not MFA-authenticated',
    'temporary-key-not-console (10): temporary credentials (ASIA…) without MFA that did not come from a console sign-in',
    NO_BASELINE,
    GRACE_OPEN,
  ];
  const window = (approver: string | null, ticket: string): Approval => ({
    ticket,
    user: 'gus',
    actor: null,
    account: null,
    fromMs: Date.parse('2026-11-18T08:00:00Z'),
    toMs: Date.parse('2026-11-18T10:00:00Z'),
    approver,
  });

  it('a break-glass user without an approved change: named as such and raised', () => {
    const config = { breakGlassUsers: new Set(['gus']), privilegedUsers: new Set(['gus']) };
    assert.deepEqual(explain(removalOf(triage(glass, config), 'gus')), [
      'unresolved 100 critical window=-',
      'privileged-target (15): gus is a privileged break-glass user',
      'no-mfa-session (15): the calling session was not MFA-authenticated',
      'privileged-without-approval (10): no approved change covers this removal for the privileged user gus',
      ...sessionReasons.slice(1),
    ]);
  });

  it('a privileged user under an approved change: approved and low, the ticket and approver named last', () => {
    const config = { privilegedUsers: new Set(['gus']), approvals: [window('hana', 'CHG-9')] };
    assert.deepEqual(explain(removalOf(triage(glass, config), 'gus')), [
      'approved 20 low window=-',
      'privileged-target (15): gus is a privileged user',
      ...sessionReasons,
      'approved (0): matches approved change CHG-9 (approved by hana)',
    ]);
  });

  it('an approval without an approver names only its ticket', () => {
    assert.deepEqual(explain(removalOf(triage(glass, { approvals: [window(null, 'CHG-10')] }), 'gus')), [
      'approved 20 low window=-',
      ...sessionReasons,
      'approved (0): matches approved change CHG-10',
    ]);
  });

  it('root: always critical, the reason says why', () => {
    const root = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T09:00:00Z',
      actor: 'root',
      target: 'root',
    });
    assert.deepEqual(explain(removalOf(triage([root]), 'root')), [
      'unresolved 92 critical window=-',
      "root-target (40): the root user's MFA was removed: root is always critical and never resolved automatically",
      NO_BASELINE,
      GRACE_OPEN,
    ]);
  });

  it('root listed as a privileged or break-glass user is still root: no second raise for the same account', () => {
    const root = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T09:00:00Z',
      actor: 'root',
      target: 'root',
    });
    const listed = { privilegedUsers: new Set(['root']), breakGlassUsers: new Set(['root']) };
    assert.deepEqual(explain(removalOf(triage([root], listed), 'root')), [
      'unresolved 92 critical window=-',
      "root-target (40): the root user's MFA was removed: root is always critical and never resolved automatically",
      NO_BASELINE,
      GRACE_OPEN,
    ]);
  });
});

describe('triage explained: rotations', () => {
  const mine = {
    actor: 'ivy',
    ip: OFFICE,
    console: true,
    mfa: true,
    key: 'temporary',
    userAgent: 'AWS Internal',
  } as const;
  const cli = { actor: 'ivy', ip: OFFICE, mfa: true, userAgent: 'aws-cli/2.15.0 Python/3.11' } as const;
  const swap = [
    ...history('ivy'),
    makeEvent({ name: 'ListMFADevices', at: '2026-11-18T08:58:00Z', ...mine, target: 'ivy' }),
    makeEvent({
      name: 'ListAccessKeys',
      at: '2026-11-18T08:58:30Z',
      ...cli,
      key: 'temporary',
      target: 'ivy',
    }),
    makeEvent({
      name: 'GetSessionToken',
      at: '2026-11-18T08:59:00Z',
      ...cli,
      source: 'sts.amazonaws.com',
      parameters: { serialNumber: 'arn:aws:iam::111122223333:mfa/ivy' },
    }),
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...mine, target: 'ivy' }),
    makeEvent({ name: 'DeleteVirtualMFADevice', at: '2026-11-18T09:00:30Z', ...mine, target: 'ivy' }),
    makeEvent({
      name: 'CreateVirtualMFADevice',
      at: '2026-11-18T09:01:00Z',
      ...mine,
      serial: 'arn:aws:iam::111122223333:mfa/ivy-2',
    }),
    makeEvent({
      name: 'EnableMFADevice',
      at: '2026-11-18T09:02:00Z',
      ...mine,
      target: 'ivy',
      serial: 'arn:aws:iam::111122223333:mfa/ivy-2',
    }),
    makeEvent({ name: 'CreateAccessKey', at: '2026-11-18T09:03:00Z', ...mine, target: 'ivy' }),
  ];
  const context = [
    'console-context (0): 2 credential listing(s) in the same MFA or federated session and address (1 by the console): context, not reconnaissance',
    'owner-follow-up (0): 1 step(s) by the user themself afterwards (a sign-in, a change in an MFA session)',
    're-enrolled (0): a new MFA device was enabled 2 min later by the user in an MFA-authenticated session',
    'device-deleted (0): the old virtual device was deleted, as a replacement does',
  ];
  const before = [
    `  ListMFADevices 08:58:00Z ${USER('ivy')} -> console page (before)`,
    `  ListAccessKeys 08:58:30Z ${USER('ivy')} -> listing in an MFA session (before)`,
    `  GetSessionToken 08:59:00Z ${USER('ivy')} -> session with MFA (before)`,
  ];
  const after = [
    `  CreateVirtualMFADevice 09:01:00Z ${USER('ivy')} -> device created (after)`,
    `  EnableMFADevice 09:02:00Z ${USER('ivy')} -> re-enrolment (after)`,
    `  CreateAccessKey 09:03:00Z ${USER('ivy')} -> credential-created by the user (after)`,
  ];

  it("a swap in MFA sessions: the owner's listings are context, her own steps after it are hers", () => {
    assert.deepEqual(explain(removalOf(triage(swap), 'ivy')), [
      'rotation 15 low window=120',
      ...context,
      ...before,
      `  DeleteVirtualMFADevice 09:00:30Z ${USER('ivy')} -> device deleted (after)`,
      ...after,
    ]);
  });

  it('the same listings from another address than the removal are reconnaissance, even in an MFA session', () => {
    const elsewhere = swap.map((event) =>
      event.name.startsWith('List') ? { ...event, sourceIp: ELSEWHERE } : event,
    );
    assert.deepEqual(explain(removalOf(triage(elsewhere), 'ivy')), [
      'suspicious 57 high window=120',
      'precursor-reconnaissance (10): 2 reconnaissance call(s) by the same caller shortly before (listing users, MFA devices, keys; identity probes)',
      ...context.slice(1),
      `  ListMFADevices 08:58:00Z ${USER('ivy')} -> reconnaissance (before)`,
      `  ListAccessKeys 08:58:30Z ${USER('ivy')} -> reconnaissance (before)`,
      before[2],
      `  DeleteVirtualMFADevice 09:00:30Z ${USER('ivy')} -> device deleted (after)`,
      ...after,
    ]);
  });

  it('only a GetSessionToken with a token serial is a session with MFA: other identity probes are reconnaissance', () => {
    const probes = [
      ...history('ivy'),
      makeEvent({
        name: 'GetCallerIdentity',
        at: '2026-11-18T08:58:00Z',
        ...cli,
        source: 'sts.amazonaws.com',
        parameters: { serialNumber: 'arn:aws:iam::111122223333:mfa/ivy' },
      }),
      makeEvent({
        name: 'GetSessionToken',
        at: '2026-11-18T08:59:00Z',
        ...cli,
        source: 'sts.amazonaws.com',
        parameters: { durationSeconds: 3600 },
      }),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...mine, target: 'ivy' }),
    ];
    assert.deepEqual(explain(removalOf(triage(probes), 'ivy')), [
      'unresolved 57 high window=-',
      'precursor-reconnaissance (10): 2 reconnaissance call(s) by the same caller shortly before (listing users, MFA devices, keys; identity probes)',
      GRACE_OPEN,
      `  GetCallerIdentity 08:58:00Z ${USER('ivy')} -> reconnaissance (before)`,
      `  GetSessionToken 08:59:00Z ${USER('ivy')} -> reconnaissance (before)`,
    ]);
  });

  it("the console's own page calls alone are named as such", () => {
    const consoleOnly = swap.filter((event) => event.name !== 'ListAccessKeys');
    assert.equal(
      explain(removalOf(triage(consoleOnly), 'ivy'))[1],
      'console-context (0): 1 call(s) the console makes when a security-credentials page opens, in the same MFA or federated session and address: context, not reconnaissance',
    );
  });

  it('the deletion of the old device carries the incident: the removal named first, then its reasons', () => {
    const member = triage(swap).find((alert) => alert.event.name === 'DeleteVirtualMFADevice');
    assert.ok(member);
    assert.deepEqual(member.incident, {
      removalEventId: removalOf(triage(swap), 'ivy').event.id,
      role: 'member',
    });
    assert.deepEqual(explain(member), [
      'rotation 15 low window=120',
      "incident-member (0): part of the MFA removal for ivy at 2026-11-18T09:00:00Z (rotation); the removal's reasons follow",
      ...context,
      `  DeactivateMFADevice 09:00:00Z ${USER('ivy')} -> the removal`,
      ...before,
      ...after,
    ]);
  });

  for (const [at, ago] of [
    ['2026-11-18T07:00:00Z', '2 h'],
    ['2026-11-18T07:01:00Z', '119 min'],
  ] as const) {
    it(`a device added ${ago} before the removal: MFA was never off, the time said in ${ago.endsWith('h') ? 'hours' : 'minutes'}`, () => {
      const events = [
        ...history('ivy'),
        makeEvent({
          name: 'EnableMFADevice',
          at,
          ...mine,
          target: 'ivy',
          serial: 'arn:aws:iam::111122223333:mfa/ivy-new',
        }),
        makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...mine, target: 'ivy' }),
      ];
      assert.deepEqual(explain(removalOf(triage(events, { precursorWindowMs: 4 * HOUR }), 'ivy')), [
        'rotation 15 low window=0',
        `re-enrolled-before (0): ivy had enabled another MFA device ${ago} before, by the user in an MFA-authenticated session: MFA was never off`,
        `  EnableMFADevice ${at.slice(11)} ${USER('ivy')} -> re-enrolment (before)`,
      ]);
    });
  }
  it('a device created and enabled before the removal: its creation is placed before it too, not "after"', () => {
    const serial = 'arn:aws:iam::111122223333:mfa/ivy-new';
    const events = [
      ...history('ivy'),
      makeEvent({ name: 'CreateVirtualMFADevice', at: '2026-11-18T08:50:00Z', ...mine, serial }),
      makeEvent({ name: 'EnableMFADevice', at: '2026-11-18T08:51:00Z', ...mine, target: 'ivy', serial }),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...mine, target: 'ivy' }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'ivy')), [
      'rotation 15 low window=0',
      're-enrolled-before (0): ivy had enabled another MFA device 9 min before, by the user in an MFA-authenticated session: MFA was never off',
      `  CreateVirtualMFADevice 08:50:00Z ${USER('ivy')} -> device created (before)`,
      `  EnableMFADevice 08:51:00Z ${USER('ivy')} -> re-enrolment (before)`,
    ]);
  });
});

describe('triage explained: whose device it is', () => {
  const admin = {
    actor: 'ops',
    ip: OFFICE,
    mfa: true,
    console: true,
    key: 'temporary',
    userAgent: 'AWS Internal',
  } as const;
  const mine = {
    actor: 'ivy',
    ip: OFFICE,
    console: true,
    mfa: true,
    key: 'temporary',
    userAgent: 'AWS Internal',
  } as const;

  it('the owner back after a reset from an address never seen for her: evidence, not the documented path', () => {
    const events = [
      ...history('ops'),
      ...history('dora'),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...admin, target: 'dora' }),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T09:25:00Z',
        actor: 'dora',
        ip: ELSEWHERE,
        console: true,
        key: 'temporary',
        mfa: false,
        target: 'dora',
      }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'dora')), [
      'admin-reset 47 medium window=-',
      'attacker-device (25): a device that is evidence, not re-enrolment: enabled for dora by dora with a session ' +
        'without MFA, an address never seen for that caller; MFA stays counted as removed',
      'actor-not-target (10): done by ops, not by dora themself',
      GRACE_OPEN,
      `  EnableMFADevice 09:25:00Z ${USER('dora')} -> attacker device (after)`,
    ]);
  });

  it('the user re-enrolling in a console session whose MFA is unknown: pending her confirmation, not a rotation', () => {
    const events = [
      ...history('ivy'),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...mine, target: 'ivy' }),
      makeEvent({ name: 'EnableMFADevice', at: '2026-11-18T09:05:00Z', ...mine, mfa: null, target: 'ivy' }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'ivy')), [
      'unresolved 47 medium window=-',
      "untrusted-enrolment (0): enabled for ivy by ivy, not by ivy in an MFA session: pending ivy's confirmation",
      GRACE_OPEN,
      `  EnableMFADevice 09:05:00Z ${USER('ivy')} -> unconfirmed device (after)`,
    ]);
  });

  it('an administrator enabling the device from an address never seen for him, after a clean removal: evidence', () => {
    const events = [
      ...history('ops'),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...admin, target: 'kim' }),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T09:10:00Z',
        ...admin,
        ip: ELSEWHERE,
        target: 'kim',
      }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'kim')), [
      'admin-reset 47 medium window=-',
      'attacker-device (25): a device that is evidence, not re-enrolment: enabled for kim by ops with an address ' +
        'never seen for that caller; MFA stays counted as removed',
      'actor-not-target (10): done by ops, not by kim themself',
      GRACE_OPEN,
      `  EnableMFADevice 09:10:00Z ${USER('ops')} -> attacker device (after)`,
    ]);
  });

  // An administrator's clean enable (MFA session, console, familiar address, no approval) is evidence only when the
  // removal itself carried takeover signals; doing it for another user is not one of them, nor is a risk (no history).
  const cleanReset = (extra: readonly CloudTrailEvent[], history_: readonly CloudTrailEvent[]) => [
    ...history_,
    ...extra,
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...admin, target: 'kim' }),
    makeEvent({ name: 'EnableMFADevice', at: '2026-11-18T09:10:00Z', ...admin, target: 'kim' }),
  ];
  const unconfirmed = [
    "untrusted-enrolment (0): enabled for kim by ops, not by kim in an MFA session: pending kim's confirmation",
    GRACE_OPEN,
    `  EnableMFADevice 09:10:00Z ${USER('ops')} -> unconfirmed device (after)`,
  ];

  it("an administrator's reset and clean enable: the device waits for the owner (acting for another is no takeover signal)", () => {
    const events = cleanReset([], [...history('ops'), ...history('kim')]);
    assert.deepEqual(explain(removalOf(triage(events), 'kim')), [
      'admin-reset 47 medium window=-',
      'actor-not-target (10): done by ops, not by kim themself',
      ...unconfirmed,
    ]);
  });

  it('the same by an administrator with no history: a risk, not a takeover signal, so still unconfirmed', () => {
    const events = cleanReset([], history('kim'));
    assert.deepEqual(explain(removalOf(triage(events), 'kim')), [
      'admin-reset 47 medium window=-',
      'actor-not-target (10): done by ops, not by kim themself',
      NO_BASELINE,
      ...unconfirmed,
    ]);
  });

  it("the same after reconnaissance by the administrator: the clean enable is the intruder's device", () => {
    const recon = makeEvent({
      name: 'ListMFADevices',
      at: '2026-11-18T08:55:00Z',
      ...admin,
      ip: ELSEWHERE,
      console: false,
      userAgent: 'aws-cli/2.15.0 Python/3.11',
      target: 'kim',
    });
    const events = cleanReset([recon], [...history('ops'), ...history('kim')]);
    assert.deepEqual(explain(removalOf(triage(events), 'kim')), [
      'suspicious 92 critical window=-',
      'takeover-pattern (0): account-takeover pattern: takeover signals weigh 45 (40 or more is a takeover): ' +
        'actor-not-target, precursor-reconnaissance, attacker-device',
      'attacker-device (25): a device that is evidence, not re-enrolment: enabled for kim by ops under takeover ' +
        'signals; MFA stays counted as removed',
      'actor-not-target (10): done by ops, not by kim themself',
      'precursor-reconnaissance (10): 1 reconnaissance call(s) by the same caller shortly before (listing users, ' +
        'MFA devices, keys; identity probes)',
      GRACE_OPEN,
      `  ListMFADevices 08:55:00Z ${USER('ops')} -> reconnaissance (before)`,
      `  EnableMFADevice 09:10:00Z ${USER('ops')} -> attacker device (after)`,
    ]);
  });
});

describe("triage explained: the caller's details", () => {
  const ops = {
    actor: 'ops',
    ip: OFFICE,
    mfa: true,
    console: true,
    key: 'temporary',
    userAgent: 'AWS Internal',
  } as const;
  const removalBy = (spec: Partial<Parameters<typeof makeEvent>[0]>): CloudTrailEvent =>
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...ops, target: 'dora', ...spec });
  const adminReset = (reason: string): string[] => ['admin-reset 47 medium window=-', reason, GRACE_OPEN];

  it('an administrator listed by ARN alone is a known administrator', () => {
    const events = [...history('ops'), ...history('dora'), removalBy({})];
    const administrators = new Set([USER('ops')]);
    assert.deepEqual(
      explain(removalOf(triage(events, { administrators }), 'dora')),
      adminReset('known-administrator (0): done by ops, a known administrator'),
    );
  });

  it('a removal without a source address is not from a new address, whatever the caller did before', () => {
    const events = [...history('ops'), ...history('dora'), { ...removalBy({}), sourceIp: null }];
    assert.deepEqual(
      explain(removalOf(triage(events), 'dora')),
      adminReset('actor-not-target (10): done by ops, not by dora themself'),
    );
  });

  it('a caller with no name, ARN or principal id is named as unknown', () => {
    const removal = removalBy({});
    const nameless = {
      ...removal,
      actor: { ...removal.actor, userName: null, arn: null, principalId: null },
    };
    assert.deepEqual(
      explain(removalOf(triage([...history('dora'), nameless]), 'dora')),
      adminReset('actor-not-target (10): done by an unknown caller, not by dora themself'),
    );
  });

  it('a long-term key in a session that says it has no MFA is named as a session without MFA, not as a bare key', () => {
    const events = [
      ...history('dora'),
      removalBy({
        actor: 'dora',
        console: false,
        key: 'long-term',
        mfa: false,
        userAgent: 'console.amazonaws.com',
      }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'dora')), [
      'unresolved 62 high window=-',
      'no-mfa-session (15): the calling session was not MFA-authenticated',
      GRACE_OPEN,
    ]);
  });

  it('an administrator with no history enabling the device: unconfirmed, not evidence (no history is no new address)', () => {
    const events = [
      ...history('dora'),
      removalBy({ actor: 'dora', console: true }),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T09:05:00Z',
        ...ops,
        actor: 'newcomer',
        ip: ELSEWHERE,
        target: 'dora',
      }),
    ];
    assert.deepEqual(explain(removalOf(triage(events), 'dora')), [
      'unresolved 47 medium window=-',
      "untrusted-enrolment (0): enabled for dora by newcomer, not by dora in an MFA session: pending dora's confirmation",
      GRACE_OPEN,
      `  EnableMFADevice 09:05:00Z ${USER('newcomer')} -> unconfirmed device (after)`,
    ]);
  });

  it('a removal whose user is unknown: named so, on the removal and on its deleted device', () => {
    const role = {
      actor: 'deployer',
      actorType: 'AssumedRole',
      ip: OFFICE,
      mfa: false,
      key: 'temporary',
      userAgent: 'AWS Internal',
    } as const;
    const serial = 'arn:aws:iam::111122223333:mfa/lost';
    const events = [
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...role, target: null, serial }),
      makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: '2026-11-18T09:01:00Z',
        ...role,
        target: null,
        serial,
      }),
    ];
    const reasons = [
      'target-unknown (5): the request names no user and the device serial leads to none: whose MFA this was is unknown',
      NO_BASELINE,
      'device-deleted-not-replaced (5): the virtual MFA device was deleted and nothing trustworthy replaced it',
      'mfa-unknown-federated (0): a federated or role session: its mfaAuthenticated "false" does not say whether the identity provider asked for MFA',
      GRACE_OPEN,
    ];
    const deployer = 'arn:aws:sts::111122223333:assumed-role/SomeRole/deployer';
    assert.deepEqual(triage(events).map(explain), [
      [
        'unresolved 62 high window=-',
        ...reasons,
        `  DeleteVirtualMFADevice 09:01:00Z ${deployer} -> device deleted (after)`,
      ],
      [
        'unresolved 62 high window=-',
        "incident-member (0): part of the MFA removal for an unknown user at 2026-11-18T09:00:00Z (unresolved); the removal's reasons follow",
        ...reasons,
        `  DeactivateMFADevice 09:00:00Z ${deployer} -> the removal`,
      ],
    ]);
    // No window yet: neither alert carries the field (an API client tells "absent" from null).
    assert.deepEqual(
      triage(events).map((alert) => 'vulnerabilityWindowSeconds' in alert),
      [false, false],
    );
  });
});

describe('triage explained: the removing client', () => {
  const CLI = 'aws-cli/2.15.0 Python/3.11';
  /** Two days of `who` on the command line only, from the office: no console in the history. */
  const cliDays = (who: string): CloudTrailEvent[] =>
    ['2026-11-16T08:40:00Z', '2026-11-17T08:40:00Z'].map((at) =>
      makeEvent({ name: 'ListUsers', at, actor: who, ip: OFFICE, userAgent: CLI }),
    );
  const removal = (spec: Partial<Parameters<typeof makeEvent>[0]>): CloudTrailEvent =>
    makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T09:00:00Z',
      actor: 'erin',
      ip: OFFICE,
      target: 'erin',
      ...spec,
    });
  const reasons = (events: readonly CloudTrailEvent[]): string[] =>
    explain(removalOf(triage(events), 'erin'));

  it('a console session MFA proved is the person: the console needs no history of its own', () => {
    const proven = removal({ console: true, key: 'temporary', mfa: true, userAgent: 'Mozilla/5.0' });
    assert.deepEqual(reasons([...cliDays('erin'), proven]), ['unresolved 47 medium window=-', GRACE_OPEN]);
  });

  it('a console session without MFA is a client never seen for a caller of the command line only', () => {
    const bare = removal({ console: true, key: 'temporary', mfa: false, userAgent: 'Mozilla/5.0' });
    assert.deepEqual(reasons([...cliDays('erin'), bare]), [
      'unresolved 67 high window=-',
      'no-mfa-session (15): the calling session was not MFA-authenticated',
      "new-client (5): client family 'console' never seen for this caller in the look-back",
      GRACE_OPEN,
    ]);
  });

  it('a new client in an MFA session is still new: only the console is proven by MFA', () => {
    const boto = removal({ key: 'temporary', mfa: true, userAgent: 'Boto3/1.34.0 Python/3.12' });
    assert.deepEqual(reasons([...cliDays('erin'), boto]), [
      'unresolved 52 high window=-',
      "new-client (5): client family 'boto3' never seen for this caller in the look-back",
      GRACE_OPEN,
    ]);
  });

  it('the client family seen before is familiar, and a request without a client names none', () => {
    const cli = removal({ key: 'long-term', mfa: true, userAgent: CLI });
    assert.deepEqual(reasons([...cliDays('erin'), cli]), ['unresolved 47 medium window=-', GRACE_OPEN]);
    const agentless = { ...removal({ key: 'long-term', mfa: true }), userAgent: null };
    assert.deepEqual(reasons([...cliDays('erin'), agentless]), ['unresolved 47 medium window=-', GRACE_OPEN]);
  });
});

describe("triage explained: another caller's steps after the removal", () => {
  const ops = {
    actor: 'ops',
    ip: OFFICE,
    mfa: true,
    console: true,
    key: 'temporary',
    userAgent: 'AWS Internal',
  } as const;
  /** `who` removes dora's MFA, then creates an access key for her five minutes later. */
  const removeThenCreateKey = (who: Partial<Parameters<typeof makeEvent>[0]>): CloudTrailEvent[] => [
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...who, target: 'dora' }),
    makeEvent({ name: 'CreateAccessKey', at: '2026-11-18T09:05:00Z', ...who, target: 'dora' }),
  ];
  it("a key an administrator creates for the user in his own MFA session is not the user's own step", () => {
    const events = [...history('ops'), ...history('dora'), ...removeThenCreateKey(ops)];
    assert.deepEqual(explain(removalOf(triage(events), 'dora')), [
      'admin-reset 47 medium window=-',
      'follow-up-credentials (15): 1 new access key or console password created for the user afterwards',
      'actor-not-target (10): done by ops, not by dora themself',
      GRACE_OPEN,
      `  CreateAccessKey 09:05:00Z ${USER('ops')} -> credential-created (after)`,
    ]);
  });

  it("a key created with the user's own key but without MFA is persistence, not the user's own step", () => {
    const bare = {
      actor: 'dora',
      ip: OFFICE,
      mfa: false,
      key: 'long-term',
      userAgent: 'aws-cli/2.15.0 Python/3.11',
    } as const;
    const events = [...history('dora', bare.userAgent), ...removeThenCreateKey(bare)];
    assert.deepEqual(explain(removalOf(triage(events), 'dora')), [
      'unresolved 77 critical window=-',
      'no-mfa-session (15): the calling session was not MFA-authenticated',
      'follow-up-credentials (15): 1 new access key or console password created for the user afterwards',
      GRACE_OPEN,
      `  CreateAccessKey 09:05:00Z ${USER('dora')} -> credential-created (after)`,
    ]);
  });

  it('every device that is evidence, and every one that waits for the owner, is named', () => {
    const thief = {
      actor: 'bob',
      ip: ELSEWHERE,
      mfa: false,
      key: 'temporary',
      userAgent: 'Boto3/1.34.0 Python/3.12',
    } as const;
    const enable = (at: string, who: object, n: number): CloudTrailEvent =>
      makeEvent({
        name: 'EnableMFADevice',
        at,
        ...who,
        target: 'dora',
        serial: `arn:aws:iam::111122223333:mfa/dora-${n}`,
      });
    const stolen = [
      ...history('dora'),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...thief, target: 'dora' }),
      enable('2026-11-18T09:01:00Z', thief, 1),
      enable('2026-11-18T09:02:00Z', thief, 2),
    ];
    const reset = [
      ...history('ops'),
      ...history('dora'),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T09:00:00Z', ...ops, target: 'dora' }),
      enable('2026-11-18T09:01:00Z', ops, 1),
      enable('2026-11-18T09:02:00Z', ops, 2),
    ];
    const devices = (events: CloudTrailEvent[]) =>
      explain(removalOf(triage(events), 'dora')).filter((line) =>
        /^(attacker-device|untrusted-enrolment)/.test(line),
      );
    const byBob =
      'enabled for dora by bob with a session without MFA, temporary credentials not from the console';
    const byOps = "enabled for dora by ops, not by dora in an MFA session: pending dora's confirmation";
    assert.deepEqual(
      [...devices(stolen), ...devices(reset)],
      [
        `attacker-device (25): a device that is evidence, not re-enrolment: ${byBob}; ${byBob}; MFA stays counted as removed`,
        `untrusted-enrolment (0): ${byOps}; ${byOps}`,
      ],
    );
  });

  it('a device another caller enabled before the removal is not a re-enrolment: MFA was off', () => {
    const events = [
      ...history('ops'),
      ...history('dora'),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T08:50:00Z',
        ...ops,
        target: 'dora',
        serial: 'arn:aws:iam::111122223333:mfa/dora-new',
      }),
      makeEvent({
        name: 'DeactivateMFADevice',
        at: '2026-11-18T09:00:00Z',
        ...ops,
        actor: 'dora',
        target: 'dora',
      }),
    ];
    // The relation says "(after)" for every device that is not a re-enrolment, this one included (noted in
    // docs/testing.md as a wording to fix).
    assert.deepEqual(explain(removalOf(triage(events), 'dora')), [
      'unresolved 47 medium window=-',
      "untrusted-enrolment (0): enabled for dora by ops, not by dora in an MFA session: pending dora's confirmation",
      GRACE_OPEN,
      `  EnableMFADevice 08:50:00Z ${USER('ops')} -> unconfirmed device (before)`,
    ]);
  });

  it('of two devices the user enabled in MFA sessions, the first closes the window, before or after the removal', () => {
    const mine = {
      actor: 'dora',
      ip: OFFICE,
      mfa: true,
      console: true,
      key: 'temporary',
      userAgent: 'AWS Internal',
    } as const;
    const enable = (at: string, n: number): CloudTrailEvent =>
      makeEvent({
        name: 'EnableMFADevice',
        at,
        ...mine,
        target: 'dora',
        serial: `arn:aws:iam::111122223333:mfa/dora-${n}`,
      });
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T09:00:00Z',
      ...mine,
      target: 'dora',
    });
    const reasons = (events: CloudTrailEvent[]) =>
      explain(removalOf(triage([...history('dora'), ...events]), 'dora')).filter((line) =>
        line.startsWith('re-enrolled'),
      );
    assert.deepEqual(
      [
        ...reasons([removal, enable('2026-11-18T09:02:00Z', 1), enable('2026-11-18T09:04:00Z', 2)]),
        ...reasons([enable('2026-11-18T08:50:00Z', 1), enable('2026-11-18T08:55:00Z', 2), removal]),
      ],
      [
        're-enrolled (0): a new MFA device was enabled 2 min later by the user in an MFA-authenticated session',
        're-enrolled-before (0): dora had enabled another MFA device 10 min before, by the user in an MFA-authenticated session: MFA was never off',
      ],
    );
  });
});
