// Triage scenarios (phone swap, takeover, root, burst, refused attempt, approval, unresolved) and its invariants.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Alert, CloudTrailEvent } from '../model/index.ts';
import { DEFAULT_TRIAGE_CONFIG } from './triage-config.ts';
import { makeEvent } from './test-support/events.ts';
import { removalOf, triage } from './test-support/triage.ts';
import { assertProperty } from '../test-support/property.ts';

const codes = (alert: Alert): string[] => (alert.reasons ?? []).map((reason) => reason.code);

function phoneSwap(): CloudTrailEvent[] {
  const alice = { actor: 'alice', ip: '198.51.100.7', console: true, mfa: true } as const;
  return [
    // Alice's ordinary days: the address and client she always uses.
    makeEvent({ name: 'ConsoleLogin', at: '2026-11-16T08:30:00Z', ...alice, mfaUsed: true }),
    makeEvent({ name: 'ListMFADevices', at: '2026-11-16T08:31:00Z', ...alice, target: 'alice' }),
    makeEvent({ name: 'ConsoleLogin', at: '2026-11-17T08:40:00Z', ...alice, mfaUsed: true }),
    // Tuesday 10:05 in Paris: she replaces her phone.
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-17T09:05:00Z', ...alice, target: 'alice' }),
    makeEvent({ name: 'DeleteVirtualMFADevice', at: '2026-11-17T09:05:30Z', ...alice, target: 'alice' }),
    makeEvent({ name: 'CreateVirtualMFADevice', at: '2026-11-17T09:07:00Z', ...alice, target: 'alice' }),
    makeEvent({ name: 'EnableMFADevice', at: '2026-11-17T09:08:00Z', ...alice, target: 'alice' }),
  ];
}

function takeover(): CloudTrailEvent[] {
  const bobByDay = {
    actor: 'bob',
    ip: '203.0.113.20',
    userAgent: 'aws-cli/2.15.0 Python/3.11',
    mfa: null,
  } as const;
  const attacker = {
    actor: 'bob',
    ip: '192.0.2.66',
    userAgent: 'Boto3/1.34.0 Python/3.12',
    mfa: null,
  } as const;
  return [
    makeEvent({ name: 'ListUsers', at: '2026-11-10T14:00:00Z', ...bobByDay }),
    makeEvent({ name: 'GetCallerIdentity', at: '2026-11-12T15:00:00Z', ...bobByDay }),
    // 03:10 in Paris, from an address bob never used: reconnaissance with his long-term key.
    makeEvent({ name: 'GetCallerIdentity', at: '2026-11-18T02:10:00Z', ...attacker }),
    makeEvent({ name: 'ListUsers', at: '2026-11-18T02:11:00Z', ...attacker }),
    makeEvent({ name: 'ListMFADevices', at: '2026-11-18T02:12:00Z', ...attacker, target: 'carol' }),
    makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T02:14:00Z', ...attacker, target: 'carol' }),
    makeEvent({ name: 'DeleteVirtualMFADevice', at: '2026-11-18T02:14:30Z', ...attacker, target: 'carol' }),
    // The attacker's own device, registered from a temporary session without MFA.
    makeEvent({
      name: 'CreateVirtualMFADevice',
      at: '2026-11-18T02:16:00Z',
      ...attacker,
      key: 'temporary',
      mfa: false,
      target: 'carol',
    }),
    makeEvent({
      name: 'EnableMFADevice',
      at: '2026-11-18T02:16:30Z',
      ...attacker,
      key: 'temporary',
      mfa: false,
      target: 'carol',
    }),
    makeEvent({ name: 'CreateAccessKey', at: '2026-11-18T02:18:00Z', ...attacker, target: 'carol' }),
    makeEvent({ name: 'UpdateLoginProfile', at: '2026-11-18T02:19:00Z', ...attacker, target: 'carol' }),
  ];
}

/** One actor removing the MFA of each of `users`, 100 s apart from 13:00: a burst from five on. */
function strippedBy(actor: string, users: readonly string[]): CloudTrailEvent[] {
  return users.map((user, i) =>
    makeEvent({
      name: 'DeactivateMFADevice',
      at: new Date(Date.parse('2026-11-18T13:00:00Z') + i * 100_000).toISOString(),
      actor,
      target: user,
    }),
  );
}

describe('triage scenarios', () => {
  it('a self-service phone swap in office hours is a low-severity rotation with its vulnerability window', () => {
    const alert = removalOf(triage(phoneSwap()), 'alice');
    assert.equal(alert.classification, 'rotation');
    assert.equal(alert.severity, 'low');
    assert.equal(alert.vulnerabilityWindowSeconds, 180);
    assert.ok(codes(alert).includes('re-enrolled'));
    assert.ok(alert.riskScore <= 21);
    assert.deepEqual(
      alert.related?.map((related) => `${related.name}: ${related.relation ?? ''}`),
      [
        'ConsoleLogin: sign-in (before)',
        'DeleteVirtualMFADevice: device deleted (after)',
        'CreateVirtualMFADevice: device created (after)',
        'EnableMFADevice: re-enrolment (after)',
      ],
    );
    // Every field Elastic's rule asks for, in its order: what the ECS view has, the event's time when the view has no
    // @timestamp, null for the rest (the test's ECS view holds only the action and the user).
    assert.deepEqual(Object.entries(alert.investigation ?? {}), [
      ['@timestamp', alert.event.time],
      ['user.name', 'alice'],
      ['user_agent.original', null],
      ['source.ip', null],
      ['aws.cloudtrail.user_identity.arn', null],
      ['aws.cloudtrail.user_identity.type', null],
      ['aws.cloudtrail.user_identity.access_key_id', null],
      ['event.action', 'DeactivateMFADevice'],
      ['event.outcome', null],
      ['cloud.account.id', null],
      ['cloud.region', null],
      ['aws.cloudtrail.request_parameters', null],
    ]);
  });

  it('the same swap at night is not called a rotation', () => {
    const events = phoneSwap().map((event) =>
      event.name === 'ConsoleLogin' || event.name === 'ListMFADevices'
        ? event
        : {
            ...event,
            timeMs: event.timeMs + 13 * 3_600_000,
            time: new Date(event.timeMs + 13 * 3_600_000).toISOString(),
          },
    );
    const alert = removalOf(triage(events), 'alice');
    assert.equal(alert.classification, 'suspicious');
    assert.ok(codes(alert).includes('outside-working-hours'));
  });

  it('a stolen-key takeover at night is suspicious and high or critical, with every signal named', () => {
    const alert = removalOf(triage(takeover()), 'carol');
    assert.equal(alert.classification, 'suspicious');
    assert.ok(alert.severity === 'high' || alert.severity === 'critical', alert.severity);
    for (const code of [
      'takeover-pattern',
      'new-source-ip',
      'new-client',
      'outside-working-hours',
      'actor-not-target',
      'precursor-reconnaissance',
      'follow-up-credentials',
      'follow-up-password-reset',
    ]) {
      assert.ok(codes(alert).includes(code), `missing reason ${code} in ${codes(alert).join(', ')}`);
    }
    const relations = new Set(alert.related?.map((related) => related.name));
    for (const name of [
      'ListUsers',
      'ListMFADevices',
      'GetCallerIdentity',
      'CreateAccessKey',
      'UpdateLoginProfile',
      'EnableMFADevice',
    ]) {
      assert.ok(relations.has(name), `related misses ${name}`);
    }
    // The reasons come strongest first and every one reads as a sentence.
    assert.equal(alert.reasons?.[0]?.code, 'takeover-pattern');
    assert.ok(alert.reasons?.every((reason) => reason.message.length > 10));
  });

  it('root removing its own MFA is critical and never a rotation, even when re-enrolled at once', () => {
    const events = [
      makeEvent({
        name: 'ConsoleLogin',
        at: '2026-11-16T09:00:00Z',
        actor: 'root',
        mfaUsed: true,
        console: true,
      }),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-17T10:00:00Z', actor: 'root', console: true }),
      makeEvent({ name: 'EnableMFADevice', at: '2026-11-17T10:02:00Z', actor: 'root', console: true }),
    ];
    const alert = removalOf(triage(events), 'root');
    assert.notEqual(alert.classification, 'rotation');
    assert.equal(alert.severity, 'critical');
    assert.ok(codes(alert).includes('root-target'));
  });

  it('one actor stripping MFA from six users gives one correlated alert listing all of them', () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const events = strippedBy('mallory', users);
    const alerts = triage(events);
    const bursts = alerts.filter((alert) => alert.rule.id === 'mfaguard-mfa-removal-burst');
    assert.equal(bursts.length, 1);
    assert.deepEqual(bursts[0]?.correlation, {
      kind: 'burst',
      targets: users,
      count: 6,
      windowSeconds: 500,
    });
    // Each member names the burst's alert and the burst as it stood at that removal, which later ones never change.
    users.forEach((user, i) => {
      const alert = removalOf(alerts, user);
      assert.deepEqual(alert.correlation, {
        kind: 'burst',
        burstAlertId: bursts[0]?.id,
        count: i + 1,
        windowSeconds: i * 100,
      });
      assert.ok(codes(alert).includes('burst'));
      assert.match(
        alert.reasons?.find((r) => r.code === 'burst')?.message ?? '',
        i === 0 ? /^the first removal of a burst/ : new RegExp(`from ${i + 1} users within ${i * 100} s`),
      );
    });
    // Later removals do not change what an earlier member says: triaged without the last one, the third is the same.
    const fewer = triage(events.slice(0, 5));
    assert.deepEqual(removalOf(fewer, 'u3'), removalOf(alerts, 'u3'));
  });

  // A live window triages one removal (`only`): its incident's alerts and its burst's, nothing else.
  it('a window on one removal of a burst returns that removal and the burst, and a window on none returns nothing', () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const events = strippedBy('mallory', users);
    const summary = (alerts: readonly Alert[]) =>
      alerts.map((alert) => [alert.rule.id, alert.event.id, alert.classification]);
    const third = events[2]!.id;
    assert.deepEqual(summary(triage(events, {}, undefined, { only: new Set([third]) })), [
      ['mfaguard-iam-mfa-device-deactivated', third, 'admin-reset'],
      ['mfaguard-mfa-removal-burst', events[0]!.id, 'admin-reset'],
    ]);
    assert.deepEqual(summary(triage(events, {}, undefined, { only: new Set(['another-removal']) })), []);
    const [removal, burst] = triage(events, {}, undefined, { only: new Set([third]) });
    assert.deepEqual(
      removal?.reasons?.find((reason) => reason.code === 'burst'),
      {
        code: 'burst',
        weight: 20,
        message:
          "part of a burst: by this removal the same caller had removed MFA from 3 users within 200 s (the burst's own alert counts every user)",
      },
    );
    assert.deepEqual(burst?.reasons, [
      { code: 'burst', weight: 20, message: '6 users lost MFA within 500 s: u1, u2, u3, u4, u5, u6' },
    ]);
  });

  it("a burst's own alert is classified as its worst member", () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const events = [
      ...strippedBy('mallory', users),
      makeEvent({ name: 'CreateAccessKey', at: '2026-11-18T13:10:00Z', actor: 'mallory', target: 'u3' }),
    ];
    const alerts = triage(events);
    assert.deepEqual(
      [...users.map((user) => removalOf(alerts, user).classification), alerts.at(-1)?.classification],
      ['admin-reset', 'admin-reset', 'suspicious', 'admin-reset', 'admin-reset', 'suspicious'],
    );
    assert.equal(alerts.at(-1)?.rule.id, 'mfaguard-mfa-removal-burst');
  });

  it('four removals are not a burst with the default of five', () => {
    const events = ['u1', 'u2', 'u3', 'u4'].map((user, i) =>
      makeEvent({
        name: 'DeactivateMFADevice',
        at: new Date(Date.parse('2026-11-18T13:00:00Z') + i * 60_000).toISOString(),
        actor: 'mallory',
        target: user,
      }),
    );
    assert.equal(triage(events).filter((alert) => alert.rule.id === 'mfaguard-mfa-removal-burst').length, 0);
  });

  it('a refused attempt is left alone, and counts as a precursor of a later removal', () => {
    const refused = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'eve',
      target: 'frank',
      outcome: 'failure',
    });
    const alone = triage([refused]);
    assert.equal(alone.length, 1);
    assert.equal(alone[0]?.classification, undefined);
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:05:00Z',
      actor: 'eve',
      target: 'frank',
    });
    const alert = removalOf(triage([refused, removal]), 'frank');
    assert.ok(codes(alert).includes('precursor-failed-attempts'));
  });

  it('a removal that matches an approved change is approved and low', () => {
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T22:30:00Z',
      actor: 'opsadmin',
      target: 'dave',
      mfa: true,
    });
    const approvals = [
      {
        ticket: 'CHG-123',
        user: 'dave',
        actor: 'opsadmin',
        account: null,
        fromMs: Date.parse('2026-11-18T22:00:00Z'),
        toMs: Date.parse('2026-11-19T00:00:00Z'),
        approver: 'carol',
      },
    ];
    const alert = removalOf(triage([removal], { approvals }), 'dave');
    assert.equal(alert.classification, 'approved');
    assert.equal(alert.severity, 'low');
    assert.match(
      alert.reasons?.find((reason) => reason.code === 'approved')?.message ?? '',
      /CHG-123.*carol/,
    );
    // Outside the window, or by someone else, it is not approved.
    const other = removalOf(
      triage([removal], { approvals: [{ ...approvals[0]!, actor: 'someone-else' }] }),
      'dave',
    );
    assert.notEqual(other.classification, 'approved');
    const later = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-19T00:30:00Z',
      actor: 'opsadmin',
      target: 'dave',
      mfa: true,
    });
    const afterWindow = removalOf(triage([later], { approvals }), 'dave');
    assert.notEqual(afterWindow.classification, 'approved');
    assert.ok(!codes(afterWindow).includes('approved'));
    const elsewhere = removalOf(
      triage([removal], { approvals: [{ ...approvals[0]!, account: '444455556666' }] }),
      'dave',
    );
    assert.notEqual(elsewhere.classification, 'approved');
  });

  it('no new device after the grace window is unresolved and raised, not lowered', () => {
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'gina',
      target: 'gina',
      console: true,
    });
    const later = makeEvent({ name: 'ListUsers', at: '2026-11-18T12:00:00Z', actor: 'zed' });
    const alert = removalOf(triage([removal, later]), 'gina');
    assert.equal(alert.classification, 'unresolved');
    assert.ok(alert.riskScore > 47, `risk ${alert.riskScore}`);
    assert.ok(codes(alert).includes('unresolved'));
    // When the data ends inside the grace window, it says so instead of calling it unresolved for good.
    const open = removalOf(triage([removal]), 'gina');
    assert.ok(codes(open).includes('grace-window-open'));
    assert.ok(!codes(open).includes('unresolved'));
  });
});

/** The console's calls when the security-credentials page opens (ListMFADevices, keys, password, ...). */
function consolePage(at: string, who: string, ip: string): CloudTrailEvent[] {
  const start = Date.parse(at);
  return [
    'ListMFADevices',
    'ListAccessKeys',
    'GetLoginProfile',
    'ListSigningCertificates',
    'ListSSHPublicKeys',
    'ListServiceSpecificCredentials',
    'GetAccountSummary',
  ].map((name, i) =>
    makeEvent({
      name,
      at: new Date(start + i * 1000).toISOString(),
      actor: who,
      ip,
      console: true,
      userAgent: 'AWS Internal',
      key: 'temporary',
      ...(name === 'GetAccountSummary' ? {} : { target: who }),
    }),
  );
}

describe('the behaviour model (issue 9)', () => {
  const office = '198.51.100.7';
  const history = (who: string, ip = office): CloudTrailEvent[] => [
    makeEvent({
      name: 'ConsoleLogin',
      at: '2026-11-16T08:30:00Z',
      actor: who,
      ip,
      console: true,
      mfaUsed: true,
    }),
    makeEvent({
      name: 'ConsoleLogin',
      at: '2026-11-17T08:40:00Z',
      actor: who,
      ip,
      console: true,
      mfaUsed: true,
    }),
  ];
  const consoleSession = {
    console: true,
    key: 'temporary',
    mfa: true,
    userAgent: 'AWS Internal',
    ip: office,
  } as const;

  function textbookRotation(): CloudTrailEvent[] {
    return [
      ...history('alice'),
      makeEvent({
        name: 'ConsoleLogin',
        at: '2026-11-18T08:55:00Z',
        actor: 'alice',
        ip: office,
        mfaUsed: true,
      }),
      ...consolePage('2026-11-18T09:04:20Z', 'alice', office),
      makeEvent({
        name: 'DeactivateMFADevice',
        at: '2026-11-18T09:05:00Z',
        actor: 'alice',
        target: 'alice',
        ...consoleSession,
      }),
      // DeleteVirtualMFADevice names the serial only.
      makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: '2026-11-18T09:05:02Z',
        actor: 'alice',
        serial: 'arn:aws:iam::111122223333:mfa/alice',
        ...consoleSession,
      }),
      makeEvent({
        name: 'CreateVirtualMFADevice',
        at: '2026-11-18T09:08:00Z',
        actor: 'alice',
        serial: 'arn:aws:iam::111122223333:mfa/alice-pixel',
        ...consoleSession,
      }),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T09:08:30Z',
        actor: 'alice',
        target: 'alice',
        serial: 'arn:aws:iam::111122223333:mfa/alice-pixel',
        ...consoleSession,
      }),
    ];
  }

  it("a textbook rotation is a rotation: the console's own page calls are context, not reconnaissance", () => {
    const alert = removalOf(triage(textbookRotation()), 'alice');
    assert.equal(alert.classification, 'rotation', codes(alert).join(', '));
    assert.equal(alert.severity, 'low');
    assert.equal(alert.vulnerabilityWindowSeconds, 210);
    assert.ok(codes(alert).includes('console-context'));
    assert.ok(!codes(alert).includes('precursor-reconnaissance'));
    // The same list calls from a CLI with a bare key are reconnaissance.
    const fromCli = textbookRotation().map((event) =>
      event.name.startsWith('List') || event.name.startsWith('Get')
        ? {
            ...event,
            actor: {
              ...event.actor,
              mfaAuthenticated: null,
              accessKeyKind: 'long-term' as const,
              consoleSession: false,
            },
            userAgent: 'aws-cli/2.15.0',
          }
        : event,
    );
    assert.ok(codes(removalOf(triage(fromCli), 'alice')).includes('precursor-reconnaissance'));
  });

  it('the deletion of the removed device carries the incident: same classification, related to the removal', () => {
    const alerts = triage(textbookRotation());
    const removal = removalOf(alerts, 'alice');
    const deletion = alerts.find((alert) => alert.event.name === 'DeleteVirtualMFADevice');
    assert.ok(deletion);
    assert.equal(deletion.classification, 'rotation');
    assert.equal(deletion.riskScore, removal.riskScore);
    assert.deepEqual(deletion.incident, { removalEventId: removal.event.id, role: 'member' });
    assert.equal(deletion.target.userName, 'alice', 'the serial named the user');
    assert.equal(deletion.related?.[0]?.eventId, removal.event.id);
    assert.deepEqual(removal.incident, { removalEventId: removal.event.id, role: 'removal' });
  });

  function passwordOnlyTakeover(ownDevice: boolean): CloudTrailEvent[] {
    const intruder = {
      actor: 'ops',
      ip: '203.0.113.66',
      console: true,
      key: 'temporary',
      mfa: false,
      userAgent: 'AWS Internal',
    } as const;
    return [
      ...history('ops', '198.51.100.20'),
      makeEvent({
        name: 'ConsoleLogin',
        at: '2026-11-18T02:00:00Z',
        actor: 'ops',
        ip: '203.0.113.66',
        mfaUsed: false,
        mfa: null,
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
      }),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T02:05:00Z', ...intruder, target: 'carol' }),
      makeEvent({ name: 'CreateAccessKey', at: '2026-11-18T02:07:00Z', ...intruder, target: 'carol' }),
      makeEvent({
        name: 'AttachUserPolicy',
        at: '2026-11-18T02:08:00Z',
        ...intruder,
        target: 'carol',
        parameters: { policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      }),
      ...(ownDevice
        ? [
            makeEvent({
              name: 'EnableMFADevice',
              at: '2026-11-18T02:06:00Z',
              ...intruder,
              target: 'carol',
              serial: 'arn:aws:iam::111122223333:mfa/carol-backup',
            }),
          ]
        : []),
    ];
  }

  it('a password-only takeover with new credentials and privilege is suspicious and high, not unresolved', () => {
    const alert = removalOf(triage(passwordOnlyTakeover(false), { workingHours: null }), 'carol');
    assert.equal(alert.classification, 'suspicious', codes(alert).join(', '));
    assert.ok(alert.severity === 'high' || alert.severity === 'critical');
    assert.equal(alert.reasons?.[0]?.code, 'takeover-pattern');
    for (const code of [
      'no-mfa-session',
      'new-source-ip',
      'actor-not-target',
      'follow-up-credentials',
      'follow-up-privilege',
    ])
      assert.ok(codes(alert).includes(code), `missing ${code}`);
  });

  it("the intruder's own device is evidence: it neither closes the window nor counts as re-enrolment", () => {
    const alert = removalOf(triage(passwordOnlyTakeover(true), { workingHours: null }), 'carol');
    assert.equal(alert.classification, 'suspicious');
    assert.equal(alert.vulnerabilityWindowSeconds, undefined);
    assert.ok(codes(alert).includes('attacker-device'));
    assert.ok(!codes(alert).includes('re-enrolled'));
    assert.ok(alert.related?.some((related) => related.relation === 'attacker device (after)'));
  });

  it("an administrator resetting someone's lost device is an admin reset, pending the owner, never suspicious alone", () => {
    const admin = { actor: 'it-admin', ...consoleSession } as const;
    const events = [
      ...history('it-admin'),
      ...history('bob'),
      makeEvent({ name: 'ListUsers', at: '2026-11-18T09:59:00Z', ...admin }),
      ...consolePage('2026-11-18T09:59:30Z', 'it-admin', office).map((event) => ({
        ...event,
        target: { userName: 'bob', serialNumber: null },
      })),
      makeEvent({ name: 'DeactivateMFADevice', at: '2026-11-18T10:00:00Z', ...admin, target: 'bob' }),
      makeEvent({ name: 'DeleteVirtualMFADevice', at: '2026-11-18T10:00:02Z', ...admin, target: 'bob' }),
      // Bob comes back with his password alone and enrols a new phone: the documented path for a lost device.
      makeEvent({
        name: 'ConsoleLogin',
        at: '2026-11-18T10:30:00Z',
        actor: 'bob',
        ip: office,
        mfaUsed: false,
        mfa: null,
      }),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T10:34:00Z',
        actor: 'bob',
        target: 'bob',
        serial: 'arn:aws:iam::111122223333:mfa/bob-new',
        ...consoleSession,
        mfa: false,
      }),
    ];
    const alert = removalOf(triage(events, { workingHours: null }), 'bob');
    assert.equal(alert.classification, 'admin-reset', codes(alert).join(', '));
    assert.ok(alert.severity === 'medium' || alert.severity === 'low', alert.severity);
    assert.ok(
      codes(alert).includes('untrusted-enrolment'),
      'the owner re-enrolled without MFA: pending confirmation',
    );
    assert.equal(
      alert.vulnerabilityWindowSeconds,
      undefined,
      'a session without MFA does not close the window',
    );
    assert.ok(!codes(alert).includes('attacker-device'));
  });

  it('an Identity Center session says "false" for MFA because MFA happened at the identity provider: unknown, not none', () => {
    const events = [
      makeEvent({
        name: 'DeactivateMFADevice',
        at: '2026-11-18T10:00:00Z',
        actor: 'ann@example.com',
        actorType: 'AssumedRole',
        role: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        mfa: false,
        key: 'temporary',
        console: true,
        target: 'dave',
      }),
    ];
    const alert = removalOf(triage(events, { workingHours: null }), 'dave');
    assert.ok(codes(alert).includes('mfa-unknown-federated'));
    assert.ok(!codes(alert).includes('no-mfa-session'));
    assert.ok(!codes(alert).includes('temporary-key-not-console'));
    assert.equal(alert.classification, 'admin-reset');
  });

  it('a removal whose user nobody names is not "actor-not-target"', () => {
    const events = [
      makeEvent({
        name: 'DeactivateMFADevice',
        at: '2026-11-18T10:00:00Z',
        actor: 'janitor',
        actorType: 'AssumedRole',
        target: null,
        serial: 'arn:aws:iam::111122223333:mfa/unknown-device',
      }),
    ];
    const alert = triage(events).find((candidate) => candidate.event.name === 'DeactivateMFADevice');
    assert.ok(alert);
    assert.ok(codes(alert).includes('target-unknown'));
    assert.ok(!codes(alert).includes('actor-not-target'));
  });

  it('a privileged user is raised by triage itself, so scan and serve give the same score', () => {
    const plain = removalOf(triage(textbookRotation()), 'alice');
    const privileged = removalOf(
      triage(textbookRotation(), { privilegedUsers: new Set(['alice']) }),
      'alice',
    );
    assert.equal(privileged.classification, 'rotation');
    assert.ok(codes(privileged).includes('privileged-target'));
    assert.ok(codes(privileged).includes('privileged-without-approval'));
    assert.equal(privileged.riskScore, plain.riskScore + 25);
  });

  it('adding the new phone before removing the old one is a rotation with no window at all', () => {
    const events = [
      ...history('gus'),
      makeEvent({
        name: 'EnableMFADevice',
        at: '2026-11-18T09:02:00Z',
        actor: 'gus',
        target: 'gus',
        serial: 'arn:aws:iam::111122223333:mfa/gus-new',
        ...consoleSession,
      }),
      makeEvent({
        name: 'DeactivateMFADevice',
        at: '2026-11-18T09:05:00Z',
        actor: 'gus',
        target: 'gus',
        ...consoleSession,
      }),
    ];
    const alert = removalOf(triage(events), 'gus');
    assert.equal(alert.classification, 'rotation', codes(alert).join(', '));
    assert.equal(alert.vulnerabilityWindowSeconds, 0);
    assert.ok(codes(alert).includes('re-enrolled-before'));
  });
});

describe('triage invariants', () => {
  const serialize = (alerts: readonly Alert[]): string =>
    JSON.stringify([...alerts].sort((a, b) => (a.id < b.id ? -1 : 1)));

  it('the order of arrival does not change the result', () => {
    const events = [...phoneSwap(), ...takeover()];
    const expected = serialize(triage(events));
    assertProperty(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        (shuffled) => {
          assert.equal(serialize(triage(shuffled)), expected);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('the same input twice gives the same output', () => {
    const events = takeover();
    assert.equal(serialize(triage(events)), serialize(triage(events)));
  });

  it('an event exactly on a window edge counts once', () => {
    const start = Date.parse('2026-11-18T13:00:00Z');
    const window = DEFAULT_TRIAGE_CONFIG.burstWindowMs;
    // Five removals: the fifth exactly at the end of the 15-minute window.
    const offsets = [0, 60_000, 120_000, 180_000, window];
    const events = offsets.map((offset, i) =>
      makeEvent({
        name: 'DeactivateMFADevice',
        at: new Date(start + offset).toISOString(),
        actor: 'mallory',
        target: `u${i}`,
      }),
    );
    const bursts = triage(events).filter((alert) => alert.rule.id === 'mfaguard-mfa-removal-burst');
    assert.equal(bursts.length, 1);
    assert.equal(bursts[0]?.correlation?.targets?.length, 5);
    // A re-enrolment exactly at the end of the grace window is a re-enrolment, once.
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'hal',
      target: 'hal',
    });
    const enable = makeEvent({
      name: 'EnableMFADevice',
      at: new Date(removal.timeMs + DEFAULT_TRIAGE_CONFIG.graceWindowMs).toISOString(),
      actor: 'hal',
      target: 'hal',
    });
    const alert = removalOf(triage([removal, enable]), 'hal');
    assert.equal(alert.vulnerabilityWindowSeconds, 3600);
    assert.equal(alert.related?.filter((related) => related.eventId === enable.id).length, 1);
  });

  it('shuffled bursts with random timing never put a removal in two bursts', () => {
    assertProperty(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 5, maxLength: 30 }),
        (offsets) => {
          const events = offsets.map((offset, i) =>
            makeEvent({
              name: 'DeactivateMFADevice',
              at: new Date(Date.parse('2026-11-18T13:00:00Z') + offset).toISOString(),
              actor: 'mallory',
              target: `u${i}`,
            }),
          );
          const bursts = triage(events).filter((alert) => alert.rule.id === 'mfaguard-mfa-removal-burst');
          const members = bursts.flatMap((burst) => burst.related?.map((related) => related.eventId) ?? []);
          assert.equal(new Set(members).size, members.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
