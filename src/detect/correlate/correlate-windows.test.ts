// What lands in a removal's incident, table by table: who is the target, which calls before and after count, where
// each window ends (edges are inclusive), and when removals make a burst. Windows differ from each other on purpose,
// so a window mixed up with another shows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNT, makeEvent, type EventSpec } from '../../enrich/test-support/events.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import {
  actorId,
  assignMembers,
  BURST_RULE,
  byTime,
  correlateRemovals,
  findBursts,
  incidentMembers,
  incidentReach,
  isCallerUser,
  isMfaRemoval,
  resolveTarget,
  targetKey,
  targetUserName,
  type CorrelationWindows,
  type RemovalCorrelation,
} from './index.ts';

const MINUTE = 60_000;
const WINDOWS: CorrelationWindows = {
  graceWindowMs: 30 * MINUTE,
  burstCount: 3,
  burstWindowMs: 10 * MINUTE,
  precursorWindowMs: 60 * MINUTE,
  followUpWindowMs: 120 * MINUTE,
};
const T0 = Date.parse('2026-11-18T10:00:00Z');
const END = Date.parse('2026-12-01T00:00:00Z');
const OTHER_ACCOUNT = '444455556666';

/** An ISO time `ms` milliseconds after T0 (negative: before). */
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const serialOf = (name: string): string => `arn:aws:iam::${ACCOUNT}:mfa/${name}`;

/** Erin's device removed by erin at T0: the removal most tables below are about. */
function erinRemoval(spec: Partial<EventSpec> = {}): CloudTrailEvent {
  return makeEvent({ name: 'DeactivateMFADevice', at: at(0), actor: 'erin', target: 'erin', ...spec });
}

function correlate(events: readonly CloudTrailEvent[], coverageEndMs = END): RemovalCorrelation {
  const correlations = correlateRemovals(events, WINDOWS, coverageEndMs);
  assert.equal(correlations.length, 1, 'one removal, one correlation');
  return correlations[0]!;
}

const ids = (events: readonly CloudTrailEvent[]): string[] => events.map((event) => event.id);

function inAccount(event: CloudTrailEvent, account: string | null): CloudTrailEvent {
  return { ...event, account };
}

describe('who an event is about and who made it', () => {
  const cases: { what: string; event: CloudTrailEvent; target: string | null; key: string | null }[] = [
    {
      what: 'the user the request names',
      event: makeEvent({ name: 'DeactivateMFADevice', at: at(0), actor: 'admin', target: 'Bob' }),
      target: 'Bob',
      key: `${ACCOUNT}/bob`,
    },
    {
      what: 'root calling for itself',
      event: makeEvent({ name: 'DeactivateMFADevice', at: at(0), actor: 'root', serial: null }),
      target: 'root',
      key: `${ACCOUNT}/root`,
    },
    {
      what: 'an IAM user calling for itself',
      event: makeEvent({ name: 'ListMFADevices', at: at(0), actor: 'Carol' }),
      target: 'Carol',
      key: `${ACCOUNT}/carol`,
    },
    {
      what: 'a role session naming nobody',
      event: makeEvent({ name: 'ListUsers', at: at(0), actor: 'bot', actorType: 'AssumedRole' }),
      target: null,
      key: null,
    },
    {
      what: 'an event without an account',
      event: inAccount(makeEvent({ name: 'GetUser', at: at(0), actor: 'x', target: 'Dan' }), null),
      target: 'Dan',
      key: '/dan',
    },
  ];
  for (const c of cases) {
    it(`target of ${c.what}: ${String(c.target)}`, () => {
      assert.equal(targetUserName(c.event), c.target);
      assert.equal(targetKey(c.event), c.key);
    });
  }

  it('the caller is its ARN, else its principal id, else unknown', () => {
    const event = makeEvent({ name: 'GetUser', at: at(0), actor: 'alice' });
    assert.equal(actorId(event), `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.equal(actorId({ ...event, actor: { ...event.actor, arn: null } }), 'AIDAALICE');
    assert.equal(actorId({ ...event, actor: { ...event.actor, arn: null, principalId: null } }), null);
  });

  const callers: { what: string; event: CloudTrailEvent; user: string | null; is: boolean }[] = [
    {
      what: 'the same IAM user',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'bob' }),
      user: 'bob',
      is: true,
    },
    {
      what: 'the same user, other case',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'Bob' }),
      user: 'bOB',
      is: true,
    },
    {
      what: 'another IAM user',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'bobby' }),
      user: 'bob',
      is: false,
    },
    {
      what: 'no user',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'bob' }),
      user: null,
      is: false,
    },
    {
      what: 'root for root',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'root' }),
      user: 'Root',
      is: true,
    },
    {
      what: 'an IAM user named like root is not root',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'root', actorType: 'IAMUser' }),
      user: 'root',
      is: false,
    },
    {
      what: 'root is not an IAM user',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'root' }),
      user: 'bob',
      is: false,
    },
    {
      what: 'an IAM user the record does not name',
      event: ((event) => ({ ...event, actor: { ...event.actor, userName: null } }))(
        makeEvent({ name: 'GetUser', at: at(0), actor: 'bob' }),
      ),
      user: 'bob',
      is: false,
    },
    {
      what: 'a role session with the user name as session name',
      event: makeEvent({ name: 'GetUser', at: at(0), actor: 'bob', actorType: 'AssumedRole' }),
      user: 'bob',
      is: false,
    },
  ];
  for (const c of callers) {
    it(`caller check, ${c.what}: ${c.is}`, () => assert.equal(isCallerUser(c.event, c.user), c.is));
  }

  const removals: { what: string; spec: Partial<EventSpec>; is: boolean }[] = [
    { what: 'a successful DeactivateMFADevice to IAM', spec: {}, is: true },
    { what: 'a refused one', spec: { outcome: 'failure' }, is: false },
    { what: 'another call', spec: { name: 'DeleteVirtualMFADevice' }, is: false },
    { what: 'the same name from another service', spec: { source: 'sts.amazonaws.com' }, is: false },
  ];
  for (const c of removals) {
    it(`an MFA removal? ${c.what}: ${c.is}`, () => assert.equal(isMfaRemoval(erinRemoval(c.spec)), c.is));
  }

  it('events are ordered by time, then by id', () => {
    const a = makeEvent({ name: 'GetUser', at: at(0), id: 'a' });
    const b = makeEvent({ name: 'GetUser', at: at(0), id: 'b' });
    const later = makeEvent({ name: 'GetUser', at: at(1), id: '0' });
    assert.deepEqual(ids([later, b, a].sort(byTime)), ['a', 'b', '0']);
    assert.equal(byTime(a, a), 0);
    assert.ok(byTime(b, a) > 0 && byTime(a, b) < 0);
  });
});

describe('the target of a removal that names only a serial', () => {
  const serial = serialOf('phone-7');
  const removal = makeEvent({
    name: 'DeactivateMFADevice',
    at: at(0),
    actor: 'janitor',
    actorType: 'AssumedRole',
    target: null,
    serial,
  });
  const naming = (ms: number, user: string, spec: Partial<EventSpec> = {}): CloudTrailEvent =>
    makeEvent({ name: 'EnableMFADevice', at: at(ms), actor: user, target: user, serial, ...spec });
  const reach = incidentReach(WINDOWS);

  it('the incident reaches back a precursor window and forward the longer of grace and follow-up', () => {
    assert.deepEqual(reach, { beforeMs: 60 * MINUTE, afterMs: 120 * MINUTE });
    assert.deepEqual(incidentReach({ ...WINDOWS, graceWindowMs: 180 * MINUTE }).afterMs, 180 * MINUTE);
  });

  const cases: {
    what: string;
    events: CloudTrailEvent[];
    user: string | null;
    from: 'request' | 'serial' | null;
  }[] = [
    { what: 'no other call names it', events: [], user: null, from: null },
    { what: 'one call names it', events: [naming(-20 * MINUTE, 'dana')], user: 'dana', from: 'serial' },
    {
      what: 'the nearest naming call wins, before or after',
      events: [naming(-20 * MINUTE, 'dana'), naming(5 * MINUTE, 'eve'), naming(-10 * MINUTE, 'fay')],
      user: 'eve',
      from: 'serial',
    },
    {
      what: 'equally near: the earlier call wins',
      events: [naming(5 * MINUTE, 'eve'), naming(-5 * MINUTE, 'dana')],
      user: 'dana',
      from: 'serial',
    },
    {
      what: 'equally near and at the same time: the smaller id wins',
      events: [naming(5 * MINUTE, 'eve', { id: 'z-2' }), naming(5 * MINUTE, 'dana', { id: 'z-1' })],
      user: 'dana',
      from: 'serial',
    },
    {
      what: 'a call at the start of the reach counts',
      events: [naming(-reach.beforeMs, 'dana')],
      user: 'dana',
      from: 'serial',
    },
    {
      what: 'a call just before the reach does not',
      events: [naming(-reach.beforeMs - 1, 'dana')],
      user: null,
      from: null,
    },
    {
      what: 'a call at the end of the reach counts',
      events: [naming(reach.afterMs, 'dana')],
      user: 'dana',
      from: 'serial',
    },
    {
      what: 'a call just after the reach does not',
      events: [naming(reach.afterMs + 1, 'dana')],
      user: null,
      from: null,
    },
    {
      what: 'a call in another account does not',
      events: [inAccount(naming(-MINUTE, 'dana'), OTHER_ACCOUNT)],
      user: null,
      from: null,
    },
    {
      what: 'a call about another serial does not',
      events: [naming(-MINUTE, 'dana', { serial: serialOf('phone-8') })],
      user: null,
      from: null,
    },
    {
      what: 'a call naming the serial but no user does not',
      events: [makeEvent({ name: 'DeleteVirtualMFADevice', at: at(MINUTE), actor: 'x', serial })],
      user: null,
      from: null,
    },
    {
      what: 'a resync names the user too',
      events: [naming(-MINUTE, 'gus', { name: 'ResyncMFADevice' })],
      user: 'gus',
      from: 'serial',
    },
  ];
  it('through the correlation, only MFA device calls name the serial: a list call with it names nobody', () => {
    // resolveTarget trusts its caller to hand it device calls; correlateRemovals indexes only those by serial.
    const listing = naming(-MINUTE, 'hal', { name: 'ListMFADevices' });
    assert.equal(listing.target.serialNumber, serial);
    assert.deepEqual(
      [correlate([removal, listing]).target, correlate([removal, listing]).targetFrom],
      [null, null],
    );
  });

  for (const c of cases) {
    it(`${c.what}: ${String(c.user)}`, () => {
      assert.deepEqual(resolveTarget(removal, [...c.events, removal], WINDOWS), {
        user: c.user,
        from: c.from,
      });
      // The same through the whole correlation, where the device calls come from the account's events.
      const correlation = correlate([removal, ...c.events]);
      assert.equal(correlation.target, c.user);
      assert.equal(correlation.targetFrom, c.from);
    });
  }

  it("the request's user wins over any serial, and a removal without user or serial has no target", () => {
    const named = { ...removal, target: { userName: 'hal', serialNumber: serial } };
    assert.deepEqual(resolveTarget(named, [naming(-MINUTE, 'dana'), named], WINDOWS), {
      user: 'hal',
      from: 'request',
    });
    const bare = { ...removal, target: { userName: null, serialNumber: null } };
    assert.deepEqual(resolveTarget(bare, [naming(-MINUTE, 'dana'), bare], WINDOWS), {
      user: null,
      from: null,
    });
  });

  it("root's device name means root, and only at the end of the serial", () => {
    const root = {
      ...removal,
      target: { userName: null, serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device` },
    };
    assert.deepEqual(resolveTarget(root, [root], WINDOWS), { user: 'root', from: 'serial' });
    const lookalike = {
      ...removal,
      target: { userName: null, serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device-2` },
    };
    assert.deepEqual(resolveTarget(lookalike, [lookalike], WINDOWS), { user: null, from: null });
  });
});

describe('what joins a removal', () => {
  const removal = erinRemoval();
  const grace = WINDOWS.graceWindowMs;

  it('a removal delivered twice is one incident', () => {
    assert.equal(correlateRemovals([removal, removal, { ...removal }], WINDOWS, END).length, 1);
  });

  it('only successful IAM removals are correlated, oldest first', () => {
    const later = makeEvent({ name: 'DeactivateMFADevice', at: at(5 * MINUTE), actor: 'x', target: 'fay' });
    const refused = erinRemoval({ outcome: 'failure', at: at(MINUTE) });
    const correlations = correlateRemovals([later, refused, removal], WINDOWS, END);
    assert.deepEqual(
      correlations.map((c) => c.removal.id),
      [removal.id, later.id],
    );
  });

  const deletions: { what: string; event: CloudTrailEvent; joins: boolean }[] = [
    {
      what: 'the removed serial deleted after, by anyone',
      event: makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: at(5_000),
        actor: 'cleanup',
        serial: serialOf('erin'),
      }),
      joins: true,
    },
    {
      what: 'a refused deletion',
      event: makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: at(5_000),
        actor: 'erin',
        serial: serialOf('erin'),
        outcome: 'failure',
      }),
      joins: false,
    },
    {
      what: 'another serial deleted',
      event: makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: at(5_000),
        actor: 'erin',
        serial: serialOf('carol'),
      }),
      joins: false,
    },
    {
      what: 'the serial deleted before the removal',
      event: makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: at(-5_000),
        actor: 'erin',
        serial: serialOf('erin'),
      }),
      joins: false,
    },
    {
      what: 'the serial deleted at the end of the incident (the longer of grace and follow-up)',
      event: makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: at(WINDOWS.followUpWindowMs),
        actor: 'erin',
        serial: serialOf('erin'),
      }),
      joins: true,
    },
    {
      what: 'the serial deleted a millisecond after the incident ends',
      event: makeEvent({
        name: 'DeleteVirtualMFADevice',
        at: at(WINDOWS.followUpWindowMs + 1),
        actor: 'erin',
        serial: serialOf('erin'),
      }),
      joins: false,
    },
    {
      what: 'the serial enabled again after (no deletion)',
      event: makeEvent({ name: 'EnableMFADevice', at: at(5_000), actor: 'erin', serial: serialOf('erin') }),
      joins: false,
    },
    {
      what: 'the serial deleted in another account',
      event: inAccount(
        makeEvent({ name: 'DeleteVirtualMFADevice', at: at(5_000), actor: 'erin', serial: serialOf('erin') }),
        OTHER_ACCOUNT,
      ),
      joins: false,
    },
  ];
  for (const c of deletions) {
    it(`deletion: ${c.what} ${c.joins ? 'joins' : 'does not join'}`, () => {
      const correlation = correlate([removal, c.event]);
      assert.deepEqual(ids(correlation.deletions), c.joins ? [c.event.id] : []);
    });
  }

  it('a removal without a serial has no deletions, even of a device without one', () => {
    const bare = erinRemoval({ serial: null });
    const deletion = makeEvent({
      name: 'DeleteVirtualMFADevice',
      at: at(5_000),
      actor: 'erin',
      serial: null,
    });
    assert.deepEqual(correlate([bare, deletion]).deletions, []);
  });

  const enableAt = (ms: number, spec: Partial<EventSpec> = {}): CloudTrailEvent =>
    makeEvent({
      name: 'EnableMFADevice',
      at: at(ms),
      actor: 'erin',
      target: 'erin',
      serial: serialOf('erin-new'),
      ...spec,
    });
  const enables: { what: string; event: CloudTrailEvent; joins: boolean }[] = [
    { what: 'the target enables a device after', event: enableAt(MINUTE), joins: true },
    {
      what: 'someone else enables one for the target (other case)',
      event: enableAt(MINUTE, { actor: 'admin', target: 'ERIN' }),
      joins: true,
    },
    { what: 'at the end of the grace window', event: enableAt(grace), joins: true },
    { what: 'just after the grace window', event: enableAt(grace + 1), joins: false },
    { what: 'a refused enable', event: enableAt(MINUTE, { outcome: 'failure' }), joins: false },
    { what: 'an enable for another user', event: enableAt(MINUTE, { target: 'erin2' }), joins: false },
    {
      what: 'an enable for the same name in another account',
      event: inAccount(enableAt(MINUTE), OTHER_ACCOUNT),
      joins: false,
    },
    { what: 'a resync (not an enable)', event: enableAt(MINUTE, { name: 'ResyncMFADevice' }), joins: false },
  ];
  for (const c of enables) {
    it(`re-enrolment: ${c.what} ${c.joins ? 'counts' : 'does not count'}`, () => {
      const correlation = correlate([removal, c.event]);
      assert.deepEqual(ids(correlation.enables), c.joins ? [c.event.id] : []);
      assert.deepEqual(correlation.enabledBefore, [], 'an enable after the removal is never "before"');
    });
  }

  it('enables are listed oldest first', () => {
    const second = enableAt(10 * MINUTE, { serial: serialOf('erin-b') });
    const first = enableAt(2 * MINUTE, { serial: serialOf('erin-a') });
    assert.deepEqual(ids(correlate([second, removal, first]).enables), [first.id, second.id]);
  });

  const deactivate = (ms: number, serial: string): CloudTrailEvent =>
    makeEvent({ name: 'DeactivateMFADevice', at: at(ms), actor: 'erin', target: 'erin', serial });
  const before: { what: string; events: CloudTrailEvent[]; joins: boolean }[] = [
    { what: 'another device enabled before', events: [enableAt(-10 * MINUTE)], joins: true },
    {
      what: 'at the start of the precursor window',
      events: [enableAt(-WINDOWS.precursorWindowMs)],
      joins: true,
    },
    { what: 'before the precursor window', events: [enableAt(-WINDOWS.precursorWindowMs - 1)], joins: false },
    {
      what: 'the removed device itself enabled before',
      events: [enableAt(-10 * MINUTE, { serial: serialOf('erin') })],
      joins: false,
    },
    { what: 'an enable without a serial', events: [enableAt(-10 * MINUTE, { serial: null })], joins: false },
    { what: 'a refused enable', events: [enableAt(-10 * MINUTE, { outcome: 'failure' })], joins: false },
    { what: "another user's device", events: [enableAt(-10 * MINUTE, { target: 'fay' })], joins: false },
    {
      what: 'a device enabled, then removed before this removal',
      events: [enableAt(-10 * MINUTE), deactivate(-5 * MINUTE, serialOf('erin-new'))],
      joins: false,
    },
    {
      what: 'a device removed before it was enabled again',
      events: [deactivate(-20 * MINUTE, serialOf('erin-new')), enableAt(-10 * MINUTE)],
      joins: true,
    },
    {
      what: 'a device enabled before and removed only after this removal',
      events: [enableAt(-10 * MINUTE), deactivate(5 * MINUTE, serialOf('erin-new'))],
      joins: true,
    },
  ];
  for (const c of before) {
    it(`enabled before: ${c.what} ${c.joins ? 'counts' : 'does not count'}`, () => {
      const correlation = correlateRemovals([removal, ...c.events], WINDOWS, END).find(
        (candidate) => candidate.removal.id === removal.id,
      )!;
      const enable = c.events.find((event) => event.name === 'EnableMFADevice')!;
      assert.deepEqual(ids(correlation.enabledBefore), c.joins ? [enable.id] : []);
    });
  }

  const create = (ms: number, spec: Partial<EventSpec>): CloudTrailEvent =>
    makeEvent({ name: 'CreateVirtualMFADevice', at: at(ms), actor: 'erin', ...spec });
  const creations: { what: string; events: CloudTrailEvent[]; joins: boolean }[] = [
    {
      what: 'the device enabled after, created by anyone',
      events: [create(MINUTE, { actor: 'admin', serial: serialOf('erin-new') }), enableAt(2 * MINUTE)],
      joins: true,
    },
    {
      what: 'the device enabled before, created at the start of the window',
      events: [
        create(-WINDOWS.precursorWindowMs, { actor: 'admin', serial: serialOf('erin-new') }),
        enableAt(-10 * MINUTE),
      ],
      joins: true,
    },
    {
      what: 'the device enabled before, created before the window',
      events: [
        create(-WINDOWS.precursorWindowMs - 1, { actor: 'admin', serial: serialOf('erin-new') }),
        enableAt(-10 * MINUTE),
      ],
      joins: false,
    },
    {
      what: 'any device the caller creates after',
      events: [create(MINUTE, { serial: serialOf('spare') })],
      joins: true,
    },
    {
      what: 'a device the caller creates a millisecond after the incident ends',
      events: [create(WINDOWS.followUpWindowMs + 1, { serial: serialOf('spare') })],
      joins: false,
    },
    {
      what: 'a device the caller creates before, never enabled',
      events: [create(-MINUTE, { serial: serialOf('spare') })],
      joins: false,
    },
    {
      what: 'another call the caller makes after (no creation)',
      events: [makeEvent({ name: 'CreateAccessKey', at: at(MINUTE), actor: 'erin', target: 'erin' })],
      joins: false,
    },
    {
      what: 'a device the same caller creates after in another account',
      events: [inAccount(create(MINUTE, { serial: serialOf('spare') }), OTHER_ACCOUNT)],
      joins: false,
    },
    {
      what: 'a device someone else creates after, never enabled',
      events: [create(MINUTE, { actor: 'admin', serial: serialOf('spare') })],
      joins: false,
    },
    {
      what: 'a refused creation by the caller',
      events: [create(MINUTE, { serial: serialOf('spare'), outcome: 'failure' })],
      joins: false,
    },
    {
      what: 'a device created for the enabled serial in another account',
      events: [
        inAccount(create(MINUTE, { actor: 'admin', serial: serialOf('erin-new') }), OTHER_ACCOUNT),
        enableAt(2 * MINUTE),
      ],
      joins: false,
    },
  ];
  for (const c of creations) {
    it(`device creation: ${c.what} ${c.joins ? 'joins' : 'does not join'}`, () => {
      const creation = c.events.find((event) => event.name === 'CreateVirtualMFADevice')!;
      assert.deepEqual(ids(correlate([removal, ...c.events]).creations), c.joins ? [creation.id] : []);
    });
  }

  it('a creation by a caller without any identity is not claimed by a removal without one', () => {
    const anonymous = (event: CloudTrailEvent): CloudTrailEvent => ({
      ...event,
      actor: { ...event.actor, arn: null, principalId: null },
    });
    const faceless = anonymous(erinRemoval());
    const creation = anonymous(create(MINUTE, { serial: serialOf('spare') }));
    assert.deepEqual(correlate([faceless, creation]).creations, []);
  });

  const call = (name: string, ms: number, spec: Partial<EventSpec> = {}): CloudTrailEvent =>
    makeEvent({ name, at: at(ms), actor: 'erin', ...spec });
  const precursors: { what: string; event: CloudTrailEvent; kind: string | null }[] = [
    {
      what: 'a refused removal',
      event: erinRemoval({ at: at(-MINUTE), outcome: 'failure' }),
      kind: 'failed-attempt',
    },
    { what: 'a console sign-in', event: call('ConsoleLogin', -MINUTE), kind: 'sign-in' },
    {
      what: 'a refused console sign-in',
      event: call('ConsoleLogin', -MINUTE, { outcome: 'failure' }),
      kind: null,
    },
    {
      what: 'GetCallerIdentity',
      event: call('GetCallerIdentity', -MINUTE, { source: 'sts.amazonaws.com' }),
      kind: 'session-probe',
    },
    {
      what: 'GetSessionToken',
      event: call('GetSessionToken', -MINUTE, { source: 'sts.amazonaws.com' }),
      kind: 'session-probe',
    },
    { what: 'a refused ListUsers', event: call('ListUsers', -MINUTE, { outcome: 'failure' }), kind: null },
    { what: 'a call that lists nothing', event: call('CreateUser', -MINUTE, { target: 'new' }), kind: null },
    {
      what: 'a list call at the start of the window',
      event: call('ListMFADevices', -WINDOWS.precursorWindowMs),
      kind: 'list-call',
    },
    {
      what: 'a list call before the window',
      event: call('ListMFADevices', -WINDOWS.precursorWindowMs - 1),
      kind: null,
    },
    { what: 'a list call after the removal', event: call('ListMFADevices', MINUTE), kind: null },
    {
      what: 'a list call by someone else',
      event: call('ListMFADevices', -MINUTE, { actor: 'fay' }),
      kind: null,
    },
    // Written out rather than read from CREDENTIAL_LIST_CALLS, so a name dropped from the set fails here.
    ...(
      'GetAccessKeyLastUsed GetAccountAuthorizationDetails GetAccountPasswordPolicy GetAccountSummary GetLoginProfile ' +
      'GetUser ListAccessKeys ListAttachedUserPolicies ListGroupsForUser ListMFADevices ListServiceSpecificCredentials ' +
      'ListSigningCertificates ListSSHPublicKeys ListUserPolicies ListUserTags ListUsers ListVirtualMFADevices'
    )
      .split(' ')
      .map((name) => ({ what: `the console's ${name}`, event: call(name, -MINUTE), kind: 'list-call' })),
  ];
  for (const c of precursors) {
    it(`precursor: ${c.what} → ${String(c.kind)}`, () => {
      const correlation = correlate([removal, c.event]);
      assert.deepEqual(
        correlation.precursors.map((finding) => [finding.kind, finding.when, finding.event.id]),
        c.kind === null ? [] : [[c.kind, 'before', c.event.id]],
      );
    });
  }

  it('precursors keep their order, and a call at the same time as the removal counts only by id', () => {
    const removalX = erinRemoval({ id: 'm-5' });
    const early = call('ListUsers', 0, { id: 'm-1' });
    const same = call('ListMFADevices', 0, { id: 'm-9' });
    const first = call('GetUser', -2 * MINUTE);
    const correlation = correlate([same, removalX, early, first]);
    assert.deepEqual(
      correlation.precursors.map((finding) => finding.event.id),
      [first.id, early.id],
    );
  });

  const about = (name: string, ms: number, spec: Partial<EventSpec> = {}): CloudTrailEvent =>
    makeEvent({ name, at: at(ms), actor: 'mallory', target: 'erin', ...spec });
  const followUps: { what: string; event: CloudTrailEvent; kind: string | null }[] = [
    { what: 'an access key', event: about('CreateAccessKey', MINUTE), kind: 'credential-created' },
    { what: 'a console password', event: about('CreateLoginProfile', MINUTE), kind: 'credential-created' },
    { what: 'a changed password', event: about('UpdateLoginProfile', MINUTE), kind: 'password-changed' },
    { what: 'a group', event: about('AddUserToGroup', MINUTE), kind: 'privilege-granted' },
    { what: 'a managed policy', event: about('AttachUserPolicy', MINUTE), kind: 'privilege-granted' },
    { what: 'an inline policy', event: about('PutUserPolicy', MINUTE), kind: 'privilege-granted' },
    {
      what: 'a sign-in without MFA',
      event: call('ConsoleLogin', MINUTE, { mfaUsed: false }),
      kind: 'sign-in-without-mfa',
    },
    { what: 'a sign-in with MFA', event: call('ConsoleLogin', MINUTE, { mfaUsed: true }), kind: null },
    {
      what: 'a sign-in that does not say',
      event: call('ConsoleLogin', MINUTE, { mfaUsed: null }),
      kind: null,
    },
    {
      what: 'a refused access key',
      event: about('CreateAccessKey', MINUTE, { outcome: 'failure' }),
      kind: null,
    },
    { what: 'an unrelated call', event: about('TagUser', MINUTE), kind: null },
    { what: 'an access key before the removal', event: about('CreateAccessKey', -MINUTE), kind: null },
    {
      what: 'another call by a session without MFA (no sign-in)',
      event: about('GetUser', MINUTE, { mfaUsed: false }),
      kind: null,
    },
    {
      what: 'an access key for another user',
      event: about('CreateAccessKey', MINUTE, { target: 'fay' }),
      kind: null,
    },
    {
      what: 'at the end of the follow-up window',
      event: about('CreateAccessKey', WINDOWS.followUpWindowMs),
      kind: 'credential-created',
    },
    {
      what: 'just after the follow-up window',
      event: about('CreateAccessKey', WINDOWS.followUpWindowMs + 1),
      kind: null,
    },
  ];
  for (const c of followUps) {
    it(`follow-up: ${c.what} → ${String(c.kind)}`, () => {
      const correlation = correlate([removal, c.event]);
      assert.deepEqual(
        correlation.followUps.map((finding) => [finding.kind, finding.when, finding.event.id]),
        c.kind === null ? [] : [[c.kind, 'after', c.event.id]],
      );
    });
  }

  it('a follow-up window shorter than grace still ends where it says', () => {
    const windows = { ...WINDOWS, graceWindowMs: 120 * MINUTE, followUpWindowMs: 30 * MINUTE };
    const inside = about('CreateAccessKey', 30 * MINUTE);
    const outside = about('CreateAccessKey', 30 * MINUTE + 1);
    const [correlation] = correlateRemovals([removal, inside, outside], windows, END);
    assert.deepEqual(
      correlation!.followUps.map((finding) => finding.event.id),
      [inside.id],
    );
  });

  it('"no re-enrolment" is a fact only when the data reaches the end of the grace window', () => {
    assert.equal(correlate([removal], T0 + grace).graceCovered, true);
    assert.equal(correlate([removal], T0 + grace - 1).graceCovered, false);
  });

  it("an incident's members are its device calls and follow-ups, once each, oldest first", () => {
    const enabledBefore = enableAt(-10 * MINUTE, { serial: serialOf('erin-b') });
    const creation = create(-20 * MINUTE, { actor: 'admin', serial: serialOf('erin-b') });
    const deletion = makeEvent({
      name: 'DeleteVirtualMFADevice',
      at: at(3 * MINUTE),
      actor: 'x',
      serial: serialOf('erin'),
    });
    const enable = enableAt(2 * MINUTE);
    const key = about('CreateAccessKey', MINUTE);
    const precursor = call('ListUsers', -MINUTE);
    const correlation = correlate([key, enable, deletion, creation, enabledBefore, removal, precursor]);
    assert.deepEqual(ids(incidentMembers(correlation)), [
      creation.id,
      enabledBefore.id,
      key.id,
      enable.id,
      deletion.id,
    ]);
  });

  it('a member two removals claim: after both, the latest; before both, the earliest', () => {
    const first = erinRemoval({ at: at(0) });
    const second = erinRemoval({ at: at(10 * MINUTE), serial: serialOf('erin-2') });
    const newDevice = enableAt(-5 * MINUTE, { serial: serialOf('erin-3') });
    const key = about('CreateAccessKey', 20 * MINUTE);
    const between = about('AttachUserPolicy', 5 * MINUTE);
    const owners = assignMembers(correlateRemovals([key, second, newDevice, first, between], WINDOWS, END));
    assert.equal(owners.get(key.id), second.id);
    assert.equal(owners.get(newDevice.id), first.id);
    assert.equal(owners.get(between.id), first.id);
    assert.equal(owners.size, 3);
  });
});

describe('bursts of removals by one caller', () => {
  const removal = (
    minutes: number,
    target: string | null,
    actor = 'mallory',
    spec: Partial<EventSpec> = {},
  ) => makeEvent({ name: 'DeactivateMFADevice', at: at(minutes * MINUTE), actor, target, ...spec });
  const groups = (bursts: Map<string, { removals: readonly CloudTrailEvent[] }>): string[][] =>
    [...new Set(bursts.values())].map((burst) => ids(burst.removals));

  it('three users within the window are a burst, with its targets and span', () => {
    const events = [removal(0, 'u1'), removal(4, 'u3'), removal(10, 'u2')];
    const bursts = findBursts([...events].reverse(), WINDOWS);
    assert.deepEqual(groups(bursts), [ids(events)]);
    const burst = bursts.get(events[0]!.id)!;
    assert.equal(burst.actor, `arn:aws:iam::${ACCOUNT}:user/mallory`);
    assert.deepEqual(burst.targets, ['u1', 'u2', 'u3']);
    assert.equal(burst.windowSeconds, 600);
  });

  const cases: { what: string; events: () => CloudTrailEvent[]; bursts: number[][] }[] = [
    {
      what: 'the third just outside the window',
      events: () => [removal(0, 'u1'), removal(4, 'u2'), removal(10.001, 'u3')],
      bursts: [],
    },
    {
      what: 'one user three times',
      events: () => [removal(0, 'u1'), removal(1, 'U1'), removal(2, 'u1')],
      bursts: [],
    },
    { what: 'two users', events: () => [removal(0, 'u1'), removal(1, 'u2'), removal(2, 'u1')], bursts: [] },
    {
      what: 'three users by two callers',
      events: () => [removal(0, 'u1'), removal(1, 'u2', 'trent'), removal(2, 'u3')],
      bursts: [],
    },
    {
      what: 'a burst that starts at the second removal',
      events: () => [removal(0, 'u1'), removal(11, 'u2'), removal(12, 'u3'), removal(13, 'u4')],
      bursts: [[1, 2, 3]],
    },
    {
      what: 'a burst takes every removal within the window of its first',
      events: () => [removal(0, 'u1'), removal(1, 'u2'), removal(2, 'u3'), removal(9, 'u4')],
      bursts: [[0, 1, 2, 3]],
    },
    {
      what: 'two bursts in a row',
      events: () => [
        removal(0, 'u1'),
        removal(1, 'u2'),
        removal(2, 'u3'),
        removal(11, 'u4'),
        removal(12, 'u5'),
        removal(13, 'u6'),
      ],
      bursts: [
        [0, 1, 2],
        [3, 4, 5],
      ],
    },
    {
      what: 'removals without a named user count as one unknown target',
      events: () => [
        removal(0, 'u1', 'bot', { actorType: 'AssumedRole' }),
        removal(1, null, 'bot', { actorType: 'AssumedRole', serial: serialOf('a') }),
        removal(2, null, 'bot', { actorType: 'AssumedRole', serial: serialOf('b') }),
      ],
      bursts: [],
    },
    {
      what: 'removals by a caller without identity are never a burst',
      events: () =>
        [removal(0, 'u1'), removal(1, 'u2'), removal(2, 'u3')].map((event) => ({
          ...event,
          actor: { ...event.actor, arn: null, principalId: null },
        })),
      bursts: [],
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.bursts.length} burst(s)`, () => {
      const events = c.events();
      assert.deepEqual(
        groups(findBursts(events, WINDOWS)),
        c.bursts.map((group) => group.map((i) => events[i]!.id)),
      );
    });
  }

  it("an unnamed target shows as '?' among the burst's targets, and the span is rounded to seconds", () => {
    const events = [
      removal(0, 'u1', 'bot', { actorType: 'AssumedRole' }),
      removal(0.5, 'u2', 'bot', { actorType: 'AssumedRole' }),
      removal(1.0221, null, 'bot', { actorType: 'AssumedRole', serial: serialOf('x') }),
    ];
    const burst = findBursts(events, WINDOWS).get(events[0]!.id)!;
    assert.deepEqual(burst.targets, ['?', 'u1', 'u2']);
    assert.equal(burst.windowSeconds, 61);
  });

  it('each member holds the burst as it stood at it: distinct users so far, seconds since the first', () => {
    const events = [
      removal(0, 'u1'),
      removal(1.5, 'u1'),
      removal(2.0004, null, 'mallory', { serial: serialOf('x') }),
      removal(3, 'u2'),
      removal(4.5, 'u3'),
    ];
    const burst = findBursts(events, WINDOWS).get(events[0]!.id)!;
    assert.deepEqual(
      events.map((event) => burst.soFar.get(event.id)),
      [
        { count: 1, windowSeconds: 0 },
        { count: 1, windowSeconds: 90 },
        // The unnamed target is mallory herself here (an IAM user calling for itself): a second user.
        { count: 2, windowSeconds: 120 },
        { count: 3, windowSeconds: 180 },
        { count: 4, windowSeconds: 270 },
      ],
    );
  });

  it('each removal of a burst carries it through correlation; others carry none', () => {
    const events = [removal(0, 'u1'), removal(1, 'u2'), removal(2, 'u3'), removal(30, 'u4')];
    const correlations = correlateRemovals(events, WINDOWS, END);
    assert.deepEqual(
      correlations.map((c) => c.burst?.removals.length ?? 0),
      [3, 3, 3, 0],
    );
  });

  it('the burst rule is raised by correlation only: it never matches an event on its own', () => {
    assert.equal(BURST_RULE.matches({ event: removal(0, 'u1'), ecs: () => ({}) }), false);
    assert.equal(BURST_RULE.eventNames?.size, 0);
    assert.equal(BURST_RULE.meta.severity, 'high');
  });
});

describe('orders that the input does not give', () => {
  const erinEnables = (ms: number, device: string): CloudTrailEvent =>
    makeEvent({
      name: 'EnableMFADevice',
      at: at(ms),
      actor: 'erin',
      target: 'erin',
      serial: serialOf(device),
    });
  const adminCreates = (ms: number, device: string): CloudTrailEvent =>
    makeEvent({ name: 'CreateVirtualMFADevice', at: at(ms), actor: 'admin', serial: serialOf(device) });

  it('a member goes to the same removal whatever order the correlations come in', () => {
    const first = erinRemoval({ at: at(0) });
    const second = erinRemoval({ at: at(10 * MINUTE), serial: serialOf('erin-2') });
    const third = erinRemoval({ at: at(20 * MINUTE), serial: serialOf('erin-3') });
    const before = erinEnables(-5 * MINUTE, 'erin-4');
    const after = makeEvent({ name: 'CreateAccessKey', at: at(25 * MINUTE), actor: 'x', target: 'erin' });
    const correlations = correlateRemovals([first, second, third, before, after], WINDOWS, END);
    for (const order of [
      correlations,
      [...correlations].reverse(),
      [correlations[1]!, correlations[2]!, correlations[0]!],
    ]) {
      const owners = assignMembers(order);
      assert.equal(owners.get(before.id), first.id);
      assert.equal(owners.get(after.id), third.id);
    }
  });

  it("a removal's creations are oldest first, though the enabled-after ones are gathered first", () => {
    const removal = erinRemoval();
    const early = adminCreates(-20 * MINUTE, 'erin-b');
    const enabledBefore = erinEnables(-10 * MINUTE, 'erin-b');
    const late = adminCreates(MINUTE, 'erin-c');
    const enable = erinEnables(2 * MINUTE, 'erin-c');
    assert.deepEqual(ids(correlate([removal, early, enabledBefore, late, enable]).creations), [
      early.id,
      late.id,
    ]);
  });

  it('an earlier successful removal by the same caller is no precursor (only a refused one is an attempt)', () => {
    const earlier = makeEvent({ name: 'DeactivateMFADevice', at: at(-MINUTE), actor: 'erin', target: 'fay' });
    const removal = erinRemoval();
    const correlation = correlateRemovals([earlier, removal], WINDOWS, END).find(
      (c) => c.removal.id === removal.id,
    )!;
    assert.deepEqual(correlation.precursors, []);
  });
});
