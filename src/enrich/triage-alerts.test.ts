// triageAlerts' bookkeeping, by value: one assessment per removal and base risk, members judged at the lead's
// highest base risk, and what a window on some removals (`only`) or the write path (`bursts: false`) returns.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert, Classification, CloudTrailEvent } from '../model/index.ts';
import { Baseline, BaselineBuilder } from './baseline.ts';
import { DEFAULT_TRIAGE_CONFIG } from './triage-config.ts';
import { correlateRemovals } from '../detect/index.ts';
import { extendBurstAlert, judgedActors, triageAlerts, type TriageOptions } from './triage.ts';
import { ACCOUNT, makeEvent, removalAlert } from './test-support/events.ts';
import { PARIS_HOURS } from './test-support/triage.ts';

/** An alert of a rule of our own on `event`, with its own base risk (several rules may alert on one event). */
function ruleAlert(event: CloudTrailEvent, ruleId: string, riskScore: number): Alert {
  const alert = removalAlert(event, riskScore);
  return { ...alert, id: `${ruleId}:${event.id}`, rule: { ...alert.rule, id: ruleId } };
}

function run(
  events: readonly CloudTrailEvent[],
  alerts: readonly Alert[],
  options: TriageOptions = {},
): Alert[] {
  const builder = new BaselineBuilder();
  for (const event of events) builder.observe(event);
  return triageAlerts(
    {
      alerts,
      events,
      baseline: new Baseline(builder.data),
      config: { ...DEFAULT_TRIAGE_CONFIG, workingHours: PARIS_HOURS },
      coverageEndMs: Math.max(...events.map((event) => event.timeMs)),
      ecs: (event) => ({ 'event.action': event.name }),
      burstAlert: (first) => ({
        ...ruleAlert(first, 'mfaguard-mfa-removal-burst', 80),
        id: `burst-${first.id}`,
      }),
    },
    options,
  );
}

const view = (alert: Alert) => [alert.id, alert.classification, alert.riskScore, alert.incident?.role];

/** `user` removes their own MFA device on a Tuesday morning and deletes it; no new device follows. */
function selfRemoval(user: string, minute: number): { removal: CloudTrailEvent; deletion: CloudTrailEvent } {
  const at = (second: number) =>
    new Date(Date.parse('2026-11-17T09:00:00Z') + minute * 60_000 + second * 1000).toISOString();
  return {
    removal: makeEvent({
      name: 'DeactivateMFADevice',
      at: at(0),
      actor: user,
      target: user,
      id: `${user}-off`,
    }),
    deletion: makeEvent({
      name: 'DeleteVirtualMFADevice',
      at: at(20),
      actor: user,
      target: user,
      id: `${user}-del`,
    }),
  };
}

void describe('triageAlerts: one assessment per removal and base risk', () => {
  const { removal, deletion } = selfRemoval('alice', 0);
  const login = makeEvent({ name: 'ConsoleLogin', at: '2026-11-17T08:30:00Z', actor: 'alice', id: 'login' });
  const events = [login, removal, deletion];
  const high = ruleAlert(removal, 'high', 70);
  const low = ruleAlert(removal, 'low', 20);
  const member = ruleAlert(deletion, 'member', 10);
  const unrelated = ruleAlert(login, 'login', 5);

  void it('judges each rule on the removal at its own base risk, whichever comes first', () => {
    // The evidence (10) weighs the same for both rules; only the base differs (70 against 20), and so does the risk.
    for (const order of [
      [high, low],
      [low, high],
    ]) {
      const out = run(events, order);
      const byId = new Map(out.map((alert) => [alert.id, alert]));
      assert.equal(byId.get('high:alice-off')?.riskScore, 80);
      assert.equal(byId.get('low:alice-off')?.riskScore, 30);
      assert.equal(byId.get('high:alice-off')?.classification, 'unresolved');
      assert.equal(byId.get('low:alice-off')?.classification, 'unresolved');
      // Apart from the risk (and the severity it gives) the two read alike: one incident, one set of reasons.
      assert.deepEqual(byId.get('high:alice-off')?.reasons, byId.get('low:alice-off')?.reasons);
    }
  });

  void it("judges a member alert at the highest base risk of the removal's own alerts, not its own", () => {
    // The deletion's rule says 10; the removal's rules 20 and 70: the member reads as the 70 one.
    assert.deepEqual(run(events, [member, low, high, unrelated]).map(view), [
      ['member:alice-del', 'unresolved', 80, 'member'],
      ['low:alice-off', 'unresolved', 30, 'removal'],
      ['high:alice-off', 'unresolved', 80, 'removal'],
      ['login:login', undefined, 5, undefined],
    ]);
    // With no alert on the removal itself, the member speaks at its own base risk.
    assert.deepEqual(run(events, [member]).map(view), [['member:alice-del', 'unresolved', 20, 'member']]);
    // An alert on an event outside every incident passes through untouched.
    assert.deepEqual(run(events, [unrelated, high])[0], unrelated);
  });

  void it('keeps the removal and the base risk apart in the cache key (`r1` at 50 is not `r15` at 0)', () => {
    const r1 = selfRemoval('r1', 0);
    const r15 = selfRemoval('r15', 30);
    const withIds = (event: CloudTrailEvent, id: string): CloudTrailEvent => ({ ...event, id });
    const first = withIds(r1.removal, 'r1');
    const second = withIds(r15.removal, 'r15');
    const out = run([first, second], [ruleAlert(first, 'a', 50), ruleAlert(second, 'b', 0)]);
    assert.deepEqual(
      out.map((alert) => [alert.id, alert.riskScore, alert.target.userName]),
      [
        ['a:r1', 55, 'r1'],
        ['b:r15', 5, 'r15'],
      ],
    );
  });
});

void describe('triageAlerts: a window on some removals, and the write path without bursts', () => {
  const alice = selfRemoval('alice', 0);
  const bob = selfRemoval('bob', 10);
  const login = makeEvent({ name: 'ConsoleLogin', at: '2026-11-17T08:30:00Z', actor: 'alice', id: 'login' });
  const events = [login, alice.removal, alice.deletion, bob.removal, bob.deletion];
  const alerts = [
    ruleAlert(alice.removal, 'off', 47),
    ruleAlert(alice.deletion, 'del', 47),
    ruleAlert(bob.removal, 'off', 47),
    ruleAlert(bob.deletion, 'del', 47),
    ruleAlert(login, 'login', 5),
  ];

  void it("returns only the chosen removals' incidents: their removal and member alerts, nothing else", () => {
    const ids = (options: TriageOptions) => run(events, alerts, options).map((alert) => alert.id);
    assert.deepEqual(ids({}), [
      'off:alice-off',
      'del:alice-del',
      'off:bob-off',
      'del:bob-del',
      'login:login',
    ]);
    assert.deepEqual(ids({ only: new Set(['alice-off']) }), ['off:alice-off', 'del:alice-del']);
    assert.deepEqual(ids({ only: new Set(['bob-off']) }), ['off:bob-off', 'del:bob-del']);
    assert.deepEqual(ids({ only: new Set(['alice-off', 'bob-off']) }), [
      'off:alice-off',
      'del:alice-del',
      'off:bob-off',
      'del:bob-del',
    ]);
    // A member's own event id names no removal: a window on it returns nothing.
    assert.deepEqual(ids({ only: new Set(['alice-del']) }), []);
  });

  void it('leaves out the burst alert with `bursts: false`, and keeps each member pointing at it', () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const removals = users.map((user, i) =>
      makeEvent({
        name: 'DeactivateMFADevice',
        at: new Date(Date.parse('2026-11-18T13:00:00Z') + i * 60_000).toISOString(),
        actor: 'mallory',
        target: user,
        id: `${user}-off`,
      }),
    );
    const removalAlerts = removals.map((event) => ruleAlert(event, 'off', 47));
    const withBurst = run(removals, removalAlerts);
    const without = run(removals, removalAlerts, { bursts: false });
    assert.deepEqual(
      withBurst.map((alert) => alert.id),
      [...removalAlerts.map((alert) => alert.id), 'burst-u1-off'],
    );
    // The burst's alert lists each member removal by its caller's ARN.
    assert.deepEqual(
      withBurst[5]?.related,
      removals.map((event) => ({
        eventId: event.id,
        name: 'DeactivateMFADevice',
        time: event.time,
        actor: `arn:aws:iam::${ACCOUNT}:user/mallory`,
        relation: 'burst member',
      })),
    );
    // The same member alerts, word for word, only the burst's own alert is missing.
    assert.deepEqual(without, withBurst.slice(0, -1));
    assert.deepEqual(without[4]?.correlation, {
      kind: 'burst',
      burstAlertId: 'burst-u1-off',
      count: 5,
      windowSeconds: 240,
    });
  });
});

void describe('extendBurstAlert: a stored burst alert grown by later removals, as a whole re-triage gives it', () => {
  const at = (minute: number, second = 0) =>
    new Date(Date.parse('2026-11-18T13:00:00Z') + minute * 60_000 + second * 1000).toISOString();
  const removalOf = (user: string, minute: number, second = 0): CloudTrailEvent =>
    makeEvent({
      name: 'DeactivateMFADevice',
      at: at(minute, second),
      actor: 'mallory',
      target: user,
      id: `${user}-off`,
    });
  const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  const removals = users.map((user, i) => removalOf(user, i));
  const burstOf = (events: readonly CloudTrailEvent[]): Alert => {
    const burst = run(
      events,
      events.map((event) => ruleAlert(event, 'off', 47)),
    ).find((alert) => alert.id === 'burst-u1-off');
    assert.ok(burst, 'no burst alert');
    return burst;
  };
  const firstMs = removals[0]!.timeMs;

  void it('equals the burst alert of a triage of every member: targets, count, span, members, reason', () => {
    const stored = burstOf(removals.slice(0, 5));
    const whole = burstOf(removals);
    const sixth = run(removals, [ruleAlert(removals[5]!, 'off', 47)])[0]!;
    const extended = extendBurstAlert(stored, firstMs, [
      { removal: removals[5]!, classification: sixth.classification! },
    ]);
    assert.deepEqual(extended, whole);
    assert.deepEqual(extended.reasons, [
      { code: 'burst', weight: 20, message: '6 users lost MFA within 300 s: u1, u2, u3, u4, u5, u6' },
    ]);
    assert.deepEqual(extended.correlation, {
      kind: 'burst',
      targets: users,
      count: 6,
      windowSeconds: 300,
    });
  });

  void it('changes nothing for members it already lists (the same object back)', () => {
    const stored = burstOf(removals.slice(0, 5));
    assert.equal(
      extendBurstAlert(stored, firstMs, [{ removal: removals[2]!, classification: 'unauthorized' }]),
      stored,
    );
  });

  void it('sorts members by time then id, targets by name, names a target-less removal "?", keeps the longer span', () => {
    const stored = burstOf(removals.slice(0, 5));
    const nameless = {
      ...removalOf('x', 1, 30),
      id: 'b-off',
      target: { userName: null, serialNumber: null },
      actor: { ...removals[0]!.actor, type: 'AssumedRole', userName: 'mallory' },
    };
    const early = { ...removalOf('a0', 1, 30), id: 'a-off' };
    const extended = extendBurstAlert(stored, firstMs, [
      { removal: nameless, classification: 'suspicious' },
      { removal: early, classification: 'suspicious' },
    ]);
    assert.deepEqual(
      extended.related?.map((related) => related.eventId),
      ['u1-off', 'u2-off', 'a-off', 'b-off', 'u3-off', 'u4-off', 'u5-off'],
    );
    // Both new removals are 90 s into the burst: the stored 240 s stay.
    assert.deepEqual(extended.correlation, {
      kind: 'burst',
      targets: ['?', 'a0', 'u1', 'u2', 'u3', 'u4', 'u5'],
      count: 7,
      windowSeconds: 240,
    });
    assert.equal(extended.reasons?.[0]?.message, '7 users lost MFA within 240 s: ?, a0, u1, u2, u3, u4, u5');
    // The same members handed over in the other order: the same alert.
    assert.deepEqual(
      extendBurstAlert(stored, firstMs, [
        { removal: early, classification: 'suspicious' },
        { removal: nameless, classification: 'suspicious' },
      ]),
      extended,
    );
    // The span runs to the latest new member, whatever the order they come in.
    assert.equal(
      extendBurstAlert(stored, firstMs, [
        { removal: removals[5]!, classification: 'suspicious' },
        { removal: early, classification: 'suspicious' },
      ]).correlation?.windowSeconds,
      300,
    );
  });

  // Worst first: a burst over a takeover and an administrator's resets reads as the takeover.
  const WORST_FIRST: readonly Classification[] = [
    'unauthorized',
    'suspicious',
    'unresolved',
    'admin-reset',
    'verified',
    'approved',
    'rotation',
  ];
  void it('takes the worst classification of the stored one and the new members, in every pair', () => {
    const stored = burstOf(removals.slice(0, 5));
    const seen: string[] = [];
    for (const [i, worse] of WORST_FIRST.entries())
      for (const better of WORST_FIRST.slice(i + 1))
        for (const [was, added] of [
          [worse, better],
          [better, worse],
        ] as const) {
          const extended = extendBurstAlert({ ...stored, classification: was }, firstMs, [
            { removal: removals[5]!, classification: added },
          ]);
          seen.push(`${was}+${added}=${extended.classification}`);
          assert.equal(extended.classification, worse, `${was} then ${added}`);
        }
    assert.equal(seen.length, 42);
    // And each with itself: a burst of rotations alone is a rotation.
    for (const same of WORST_FIRST) {
      const extended = extendBurstAlert({ ...stored, classification: same }, firstMs, [
        { removal: removals[5]!, classification: same },
      ]);
      assert.equal(extended.classification, same);
    }
    // A stored alert not yet classified takes its new members' worst.
    const { classification: _none, ...unclassified } = stored;
    const extended = extendBurstAlert(unclassified, firstMs, [
      { removal: removals[5]!, classification: 'verified' },
    ]);
    assert.equal(extended.classification, 'verified');
  });
});

void describe('judgedActors: whose history a live window reads to judge a removal', () => {
  void it('the remover, each device enabler before and after, and who signed in without MFA afterwards; nobody else', () => {
    const at = (time: string) => `2026-11-18T${time}Z`;
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/ivy-new`;
    const events = [
      makeEvent({ name: 'ListMFADevices', at: at('08:40:00'), actor: 'ops', target: 'ivy', id: 'listing' }),
      makeEvent({
        name: 'EnableMFADevice',
        at: at('08:50:00'),
        actor: 'ivy',
        target: 'ivy',
        serial,
        id: 'before',
      }),
      makeEvent({ name: 'DeactivateMFADevice', at: at('09:00:00'), actor: 'ops', target: 'ivy', id: 'off' }),
      makeEvent({
        name: 'ConsoleLogin',
        at: at('09:05:00'),
        actor: 'ivy',
        console: true,
        mfaUsed: false,
        id: 'login',
      }),
      makeEvent({ name: 'CreateAccessKey', at: at('09:06:00'), actor: 'eve', target: 'ivy', id: 'key' }),
      makeEvent({ name: 'EnableMFADevice', at: at('09:10:00'), actor: 'ops', target: 'ivy', id: 'after' }),
    ];
    const [correlation] = correlateRemovals(events, DEFAULT_TRIAGE_CONFIG, Date.parse(at('10:00:00')));
    assert.ok(correlation);
    assert.deepEqual(
      judgedActors(correlation).map((event) => event.id),
      ['off', 'after', 'before', 'login'],
    );
  });
});
