// Posture trends updated by events: one ingested batch with a console password at 10:00 and an MFA device at 10:30
// gives two event-updated points at those times (not at ingest), each equal to a fresh audit of the state it shows.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AccountSnapshot, MfaDevice } from '../posture/index.ts';
import { auditSnapshot } from '../posture/index.ts';
import { iamEvent } from '../posture/test-support/events.ts';
import { ACCOUNT, emptySnapshot, reportFrom, user } from '../posture/test-support/posture.ts';
import type { RowSpec } from '../posture/test-support/posture.ts';
import type { Store } from '../store/index.ts';
import { loadKpiTrends } from './kpi-trends.ts';
import { tempSqlite } from './live/test-support/live.ts';
import type { TempStore } from './live/test-support/live.ts';
import { DEFAULT_POSTURE_SERVE_CONFIG } from './posture-config.ts';
import { createPostureService, postureFigures } from './posture-service.ts';

const AUDITED = '2026-11-20T09:00:00.000Z';
const PASSWORD_AT = '2026-11-20T10:00:00Z';
const DEVICE_AT = '2026-11-20T10:30:00Z';
const INGESTED_AT = Date.parse('2026-11-20T11:00:00Z');
const serial = (name: string): string => `arn:aws:iam::${ACCOUNT}:mfa/${name}`;
const device = (owner: string, enabled: string): MfaDevice => ({
  serialNumber: serial(owner),
  kind: 'virtual',
  userName: owner,
  userArn: `arn:aws:iam::${ACCOUNT}:user/${owner}`,
  enableDate: enabled,
});

function account(rows: RowSpec[], devices: MfaDevice[], users: string[]): AccountSnapshot {
  return emptySnapshot({
    collectedAt: AUDITED,
    source: 'live',
    credentialReport: { state: 'collected', value: reportFrom(rows), location: 'aws:GetCredentialReport' },
    mfaDevices: { state: 'collected', value: devices, location: 'aws:ListMFADevices' },
    virtualMfaDevices: { state: 'collected', value: devices, location: 'aws:ListVirtualMFADevices' },
    authorization: {
      state: 'collected',
      value: {
        location: 'aws:GetAccountAuthorizationDetails',
        issues: [],
        roles: [],
        users: users.map((name) => user(name)),
        groups: [],
        policies: [],
      },
      location: 'aws:GetAccountAuthorizationDetails',
    },
  });
}

const alice = { user: 'alice', password: 'true', mfa: true } as const;
const audited = account(
  [{ user: '<root_account>', mfa: true }, alice, { user: 'bob', password: 'true', mfa: false }],
  [device('alice', '2026-01-01T00:00:00Z')],
  ['alice', 'bob'],
);
const dave = {
  user: 'dave',
  password: 'true',
  mfa: false,
  created: PASSWORD_AT,
  passwordLastChanged: PASSWORD_AT,
} as const;
// What a fresh audit would collect at 10:15 and at 10:45, written out by hand.
const afterPassword = account(
  [{ user: '<root_account>', mfa: true }, alice, { user: 'bob', password: 'true', mfa: false }, dave],
  [device('alice', '2026-01-01T00:00:00Z')],
  ['alice', 'bob', 'dave'],
);
const afterDevice = account(
  [{ user: '<root_account>', mfa: true }, alice, { user: 'bob', password: 'true', mfa: true }, dave],
  [device('alice', '2026-01-01T00:00:00Z'), device('bob', DEVICE_AT)],
  ['alice', 'bob', 'dave'],
);
const events = [
  iamEvent('CreateUser', { userName: 'dave' }, PASSWORD_AT, {
    responseElements: {
      user: {
        userName: 'dave',
        userId: 'AIDADAVEEXAMPLE',
        arn: `arn:aws:iam::${ACCOUNT}:user/dave`,
        path: '/',
      },
    },
  }),
  iamEvent('CreateLoginProfile', { userName: 'dave', passwordResetRequired: true }, PASSWORD_AT),
  iamEvent('EnableMFADevice', { userName: 'bob', serialNumber: serial('bob') }, DEVICE_AT),
];

/** The figures a trend point shows for a state, as a fresh audit of it would give them. */
const freshFigures = (state: AccountSnapshot) => {
  const figures = postureFigures(auditSnapshot(state, new Date(INGESTED_AT)));
  const percent = (part: number): number => Math.round((part / figures.consoleUsers) * 1000) / 10;
  return {
    consoleUsers: figures.consoleUsers,
    withMfaPercent: percent(figures.consoleUsersWithMfa),
    enforcedPercent: percent(figures.mfaEnforcedByPolicy),
    cisScore: figures.cisScore,
  };
};

describe('posture trends updated by events', () => {
  let temp: TempStore;
  let store: Store;
  before(async () => {
    temp = tempSqlite();
    store = await temp.open();
  });
  after(async () => {
    await store.close();
    temp.cleanup();
  });

  it('points at the events’ times, each equal to a fresh audit of its state; the bucket says events updated it', async () => {
    let nowMs = Date.parse(AUDITED);
    const service = createPostureService({
      store,
      config: DEFAULT_POSTURE_SERVE_CONFIG,
      clients: null,
      clock: () => nowMs,
      log: () => undefined,
    });
    const findings = auditSnapshot(audited, new Date(nowMs));
    await store.recordPostureSnapshot({
      accountId: ACCOUNT,
      takenAt: nowMs,
      source: 'audit',
      ...postureFigures(findings),
      state: audited,
      findings,
      eventFacts: [],
      basedOn: null,
    });
    // Both changes arrive in one batch, an hour after the first happened.
    nowMs = INGESTED_AT;
    await store.insertEvents(events);
    await service.eventsIngested(events);
    // The same batch again (a retry) adds no point.
    await service.eventsIngested(events);

    const window = { fromMs: Date.parse('2026-11-20T00:00:00Z'), toMs: Date.parse('2026-11-21T00:00:00Z') };
    const trends = await loadKpiTrends(store, { ...window, bucket: 'day' });
    const pick = (p: {
      consoleUsers: number;
      withMfaPercent: number | null;
      enforcedPercent: number | null;
      cisScore: number | null;
    }) => ({
      consoleUsers: p.consoleUsers,
      withMfaPercent: p.withMfaPercent,
      enforcedPercent: p.enforcedPercent,
      cisScore: p.cisScore,
    });
    assert.deepEqual(
      trends.posture.map((p) => [p.takenAt, p.source]),
      [
        [AUDITED, 'audit'],
        [new Date(PASSWORD_AT).toISOString(), 'events'],
        [new Date(DEVICE_AT).toISOString(), 'events'],
      ],
    );
    assert.deepEqual(trends.posture.map(pick), [audited, afterPassword, afterDevice].map(freshFigures));
    // The share moved at each event, so the comparison above is about something.
    assert.deepEqual(
      trends.posture.map((p) => p.withMfaPercent),
      [50, 33.3, 66.7],
    );
    const day = trends.points[0]!.posture!;
    assert.deepEqual(pick(day), freshFigures(afterDevice));
    assert.equal(day.eventUpdated, true);
    // The newest stored state (what the dashboard and the responder read) holds every event.
    const latest = (await store.latestPostureSnapshots({ accountId: ACCOUNT }))[0]!;
    assert.equal(latest.takenAt, Date.parse(DEVICE_AT));
    assert.equal(latest.consoleUsersWithMfa, 2);
  });
});
