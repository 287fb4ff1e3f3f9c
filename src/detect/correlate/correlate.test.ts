// Incident correlation: by device serial and target as well as by caller; targets from serials; bursts from whole chains.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { makeEvent } from '../../enrich/test-support/events.ts';
import { DEFAULT_TRIAGE_CONFIG } from '../../enrich/triage-config.ts';
import type { CloudTrailEvent } from '../../model/index.ts';
import { assignMembers, correlateRemovals, findBursts, incidentMembers, resolveTarget } from './correlate.ts';
import { assertProperty } from '../../test-support/property.ts';

const WINDOWS = DEFAULT_TRIAGE_CONFIG;
const END = Date.parse('2026-12-01T00:00:00Z');

function only(events: readonly CloudTrailEvent[]) {
  const correlations = correlateRemovals(events, WINDOWS, END);
  assert.equal(correlations.length, 1);
  return correlations[0]!;
}

describe('incident correlation', () => {
  it("an administrator's deletion of someone else's device joins the removal by its serial, not by caller", () => {
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'admin',
      target: 'bob',
    });
    // DeleteVirtualMFADevice names only the serial; another caller (the console's cleanup job, a script) deletes it.
    const deletion = makeEvent({
      name: 'DeleteVirtualMFADevice',
      at: '2026-11-18T10:00:05Z',
      actor: 'cleanup',
      serial: `arn:aws:iam::111122223333:mfa/bob`,
    });
    const unrelated = makeEvent({
      name: 'DeleteVirtualMFADevice',
      at: '2026-11-18T10:00:06Z',
      actor: 'admin',
      serial: `arn:aws:iam::111122223333:mfa/carol`,
    });
    const correlation = only([removal, deletion, unrelated]);
    assert.deepEqual(
      correlation.deletions.map((event) => event.id),
      [deletion.id],
    );
    assert.deepEqual(
      incidentMembers(correlation).map((event) => event.id),
      [deletion.id],
    );
  });

  it('a removal that names no user finds it through the serial another call names, and never guesses', () => {
    const serial = 'arn:aws:iam::111122223333:mfa/phone-7';
    const enable = makeEvent({
      name: 'EnableMFADevice',
      at: '2026-11-18T09:40:00Z',
      actor: 'dana',
      target: 'dana',
      serial,
    });
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'automation',
      actorType: 'AssumedRole',
      role: 'mfa-janitor',
      target: null,
      serial,
    });
    assert.deepEqual(resolveTarget(removal, [enable, removal], WINDOWS), { user: 'dana', from: 'serial' });
    assert.deepEqual(resolveTarget(removal, [removal], WINDOWS), { user: null, from: null });
    const root = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'automation',
      actorType: 'AssumedRole',
      target: null,
      serial: 'arn:aws:iam::111122223333:mfa/root-account-mfa-device',
    });
    assert.equal(resolveTarget(root, [root], WINDOWS).user, 'root');
  });

  it('the new device counts for the target whoever enabled it, before (several devices) or after the removal', () => {
    const before = makeEvent({
      name: 'EnableMFADevice',
      at: '2026-11-18T09:57:00Z',
      actor: 'erin',
      target: 'erin',
      serial: 'arn:aws:iam::111122223333:mfa/erin-new',
    });
    const removal = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'erin',
      target: 'erin',
    });
    const after = makeEvent({
      name: 'EnableMFADevice',
      at: '2026-11-18T10:20:00Z',
      actor: 'mallory',
      target: 'erin',
      serial: 'arn:aws:iam::111122223333:mfa/erin-other',
    });
    const late = makeEvent({
      name: 'EnableMFADevice',
      at: '2026-11-18T11:30:00Z',
      actor: 'erin',
      target: 'erin',
      serial: 'arn:aws:iam::111122223333:mfa/erin-late',
    });
    const correlation = only([removal, before, after, late]);
    assert.deepEqual(
      correlation.enabledBefore.map((event) => event.id),
      [before.id],
    );
    assert.deepEqual(
      correlation.enables.map((event) => event.id),
      [after.id],
      'past the grace window it is not part of the incident',
    );
  });

  it('an event two removals claim belongs to the latest removal before it', () => {
    const first = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:00:00Z',
      actor: 'x',
      target: 'fay',
    });
    const second = makeEvent({
      name: 'DeactivateMFADevice',
      at: '2026-11-18T10:10:00Z',
      actor: 'x',
      target: 'fay',
      serial: 'arn:aws:iam::111122223333:mfa/fay-2',
    });
    const key = makeEvent({ name: 'CreateAccessKey', at: '2026-11-18T10:20:00Z', actor: 'x', target: 'fay' });
    const owners = assignMembers(correlateRemovals([first, second, key], WINDOWS, END));
    assert.equal(owners.get(key.id), second.id);
  });
});

describe('bursts', () => {
  const removal = (minute: number, target: string, actor = 'mallory'): CloudTrailEvent =>
    makeEvent({
      name: 'DeactivateMFADevice',
      at: new Date(Date.parse('2026-11-18T13:00:00Z') + minute * 60_000).toISOString(),
      actor,
      target,
    });

  it('any window holding the whole chain finds the same bursts as all the events', () => {
    assertProperty(
      fc.property(fc.array(fc.integer({ min: 0, max: 240 }), { minLength: 5, maxLength: 40 }), (minutes) => {
        const all = minutes.map((minute, i) => removal(minute, `u${i}`));
        const everything = findBursts(all, WINDOWS);
        for (const target of all) {
          // The chain around `target`: walk back and forward while removals are no more than a window apart.
          const sorted = [...all].sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : 1));
          let lo = sorted.indexOf(target);
          while (lo > 0 && sorted[lo]!.timeMs - sorted[lo - 1]!.timeMs <= WINDOWS.burstWindowMs) lo--;
          const chain = sorted.filter(
            (event, i) => i >= lo && event.timeMs <= target.timeMs + WINDOWS.burstWindowMs,
          );
          const local = findBursts(chain, WINDOWS);
          assert.deepEqual(
            local.get(target.id)?.removals.map((event) => event.id),
            everything.get(target.id)?.removals.map((event) => event.id),
          );
        }
      }),
      { numRuns: 60 },
    );
  });
});
