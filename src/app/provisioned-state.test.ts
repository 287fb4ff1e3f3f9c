// Provisionings from events and posture (pure), and the alert's text disarmed in each sink for a hostile user name.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRecord } from '../ingest/index.ts';
import type { CloudTrailEvent } from '../model/index.ts';
import { buildSlackMessage, composeEmail, messageFacts } from '../notify/index.ts';
import type { AccountSnapshot } from '../posture/index.ts';
import { forTerminal } from '../report/index.ts';
import { ACCOUNT, rawRecord } from './live/test-support/live.ts';
import { openedNotices } from '../cases/index.ts';
import type { StoredPosture } from './provisioned-state.ts';
import {
  overdueProvisionings,
  provisionedAlert,
  provisionedOutcome,
  provisioningsOf,
} from './provisioned-state.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-02T09:00:00Z');
const at = (hours: number): string => new Date(T0 + hours * HOUR).toISOString();

function event(spec: Parameters<typeof rawRecord>[0]): CloudTrailEvent {
  const normalized = normalizeRecord(rawRecord(spec), { location: 'test', index: 0 });
  assert.ok(normalized.ok, 'record normalizes');
  return normalized.event;
}

function posture(
  takenAt: number,
  collectedAt: number,
  users: { user: string; password: boolean; mfa: boolean }[],
): StoredPosture {
  const date = (ms: number) => ({ state: 'date', iso: new Date(ms).toISOString(), ms });
  const state = {
    accountId: ACCOUNT,
    collectedAt: new Date(collectedAt).toISOString(),
    credentialReport: {
      state: 'collected',
      value: {
        users: users.map((u) => ({
          user: u.user,
          isRoot: false,
          passwordEnabled: u.password,
          mfaActive: u.mfa,
          passwordLastChanged: date(T0 - 48 * HOUR),
          userCreationTime: date(T0 - 96 * HOUR),
        })),
      },
    },
  };
  return { takenAt, state: state as unknown as AccountSnapshot };
}

describe('provisionings', () => {
  it('a password deleted and given again is a new provisioning; the first one ended', () => {
    const events = [
      event({ name: 'CreateLoginProfile', at: at(0), target: 'kim' }),
      event({ name: 'DeleteLoginProfile', at: at(30), target: 'kim' }),
      event({ name: 'CreateLoginProfile', at: at(40), target: 'Kim' }),
    ];
    const found = provisioningsOf(ACCOUNT, events, null);
    assert.deepEqual(
      found.get('kim')?.map((p) => [p.provisionedAt, p.status]),
      [
        [T0, 'console-access-removed'],
        [T0 + 40 * HOUR, 'exposed'],
      ],
    );
    assert.deepEqual(
      provisionedOutcome({ userName: 'kim', firstEventAt: T0 }, found, null),
      { status: 'console-access-removed', at: T0 + 30 * HOUR },
      'the case of the first provisioning closes',
    );
    assert.equal(provisionedOutcome({ userName: 'KIM', firstEventAt: T0 + 40 * HOUR }, found, null), null);
    assert.deepEqual(
      overdueProvisionings(found, T0 + 63 * HOUR, 24 * HOUR).map((p) => p.provisionedAt),
      [],
    );
    assert.deepEqual(
      overdueProvisionings(found, T0 + 64 * HOUR, 24 * HOUR).map((p) => p.provisionedAt),
      [T0 + 40 * HOUR],
    );
  });

  it('the posture decides what the events cannot see: an older device, a deletion an audit saw', () => {
    const events = [
      event({ name: 'CreateLoginProfile', at: at(0), target: 'lea' }),
      event({ name: 'CreateLoginProfile', at: at(0), target: 'max' }),
      event({ name: 'CreateLoginProfile', at: at(0), target: 'ned' }),
    ];
    // An event-updated snapshot (audit collected before the events): lea has a device from before the look-back;
    // max and ned are missing from the report, which does not prove they were deleted.
    const updated = posture(T0 + HOUR, T0 - HOUR, [{ user: 'lea', password: true, mfa: true }]);
    const first = provisioningsOf(ACCOUNT, events, updated);
    assert.deepEqual(
      [...first.values()].map((list) => [list[0]!.userName, list[0]!.status]),
      [
        ['lea', 'mfa-enabled'],
        ['max', 'exposed'],
        ['ned', 'exposed'],
      ],
    );
    // An audit collected after: max is gone; an audit also finds oz, a console user without MFA.
    const audited = posture(T0 + 2 * HOUR, T0 + 2 * HOUR, [
      { user: 'ned', password: true, mfa: false },
      { user: 'oz', password: true, mfa: false },
    ]);
    const second = provisioningsOf(ACCOUNT, events, audited);
    assert.deepEqual(
      [...second.values()].map((list) => [list[0]!.userName, list[0]!.status, list[0]!.event === null]),
      [
        ['lea', 'user-deleted', false],
        ['max', 'user-deleted', false],
        ['ned', 'exposed', false],
        ['oz', 'exposed', true],
      ],
    );
    assert.equal(second.get('oz')?.[0]?.provisionedAt, T0 - 48 * HOUR, 'from the password’s last change');
  });
});

describe('the provisioned alert in each sink', () => {
  it('carries a hostile user name as raw text that each sink disarms', () => {
    const hostile = '<img src=x onerror=alert(1)>*bold*\u001b[2J\u202e';
    const created = event({ name: 'CreateLoginProfile', at: at(0), target: hostile });
    const found = provisioningsOf(ACCOUNT, [created], null);
    const [p] = overdueProvisionings(found, T0 + 25 * HOUR, 24 * HOUR);
    assert.ok(p !== undefined);
    const alert = provisionedAlert(p, T0 + 25 * HOUR, 24 * HOUR);
    assert.ok(alert.title.includes(hostile), 'raw in the alert: escaped at the sink');
    assert.equal(alert.target.userName, hostile);
    const kase = {
      id: '7',
      targetKey: `provisioned-without-mfa:${ACCOUNT}/x`,
      account: ACCOUNT,
      userName: hostile,
      kind: 'provisioned-without-mfa',
      state: 'open' as const,
      classification: null,
      severity: 'medium' as const,
      riskScore: 47,
      assignee: null,
      openedAt: T0 + 25 * HOUR,
      firstEventAt: T0,
      detectedAt: T0 + 25 * HOUR,
      resolvedAt: null,
      resolution: null,
      vulnerabilityWindowSeconds: null,
      updatedAt: T0 + 25 * HOUR,
    };
    const n = openedNotices(kase, alert, { publicUrl: 'https://mfaguard.example.test' })[0]!;
    const facts = messageFacts(n, { verificationLinks: false });
    const slack = JSON.stringify(buildSlackMessage(facts));
    assert.ok(!slack.includes('<img'), 'Slack: no raw markup');
    assert.ok(slack.includes('&lt;img'), 'Slack: escaped, not dropped');
    const email = composeEmail('[mfaguard]', facts);
    assert.ok(!email.html.includes('<img'), 'email HTML: no raw markup');
    assert.ok(!email.text.includes('\u001b') && !email.subject.includes('\u202e'), 'email: no controls');
    const terminal = forTerminal(alert.title);
    assert.ok(!terminal.includes('\u001b') && !terminal.includes('\u202e'), 'terminal: no controls');
  });
});
