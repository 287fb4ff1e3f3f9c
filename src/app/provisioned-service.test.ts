// Provisioned without MFA on both stores: an event sequence through the live core, then the check on a fake clock —
// nothing inside the grace, one alert and case after it (once, however many checks or workers), closed by itself on
// EnableMFADevice or DeleteUser; a console user an audit found; the KPI that times these cases.

import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { PROVISIONED_WITHOUT_MFA_KIND } from '../cases/index.ts';
import type { Case, PostureSnapshotInput, Store } from '../store/index.ts';
import { openStore } from '../store/index.ts';
import { createThrowawayDatabase, postgresProblem } from '../store/test-support/postgres.ts';
import type { ThrowawayDatabase } from '../store/test-support/postgres.ts';
import { missing } from '../test-support/requirements.ts';
import { loadKpiTrends } from './kpi-trends.ts';
import { ACCOUNT, fakeClock, makeService, ORIGIN, rawRecord, tempSqlite } from './live/test-support/live.ts';
import type { FakeClock } from './live/test-support/live.ts';
import type { LiveLogEntry } from './live/index.ts';
import { createResponder } from '../respond/index.ts';
import { enforcing } from '../respond/test-support/cases.ts';
import { fakeIam } from '../respond/test-support/fake-iam.ts';
import { PROVISIONED_RULE_ID } from './provisioned-state.ts';
import { createProvisionedCheck, provisionedTargetKey } from './provisioned-service.ts';
import type { ProvisionedCheck } from './provisioned-service.ts';

const HOUR = 3_600_000;
const GRACE = 24 * HOUR;
const T0 = '2026-11-02T09:00:00Z';
const T0_MS = Date.parse(T0);
const at = (hours: number): string => new Date(T0_MS + hours * HOUR).toISOString().replace('.000Z', 'Z');

function check(
  store: Store,
  clock: () => number,
  logs: LiveLogEntry[] = [],
  breakGlassUsers: ReadonlySet<string> = new Set(),
): ProvisionedCheck {
  return createProvisionedCheck({
    store,
    clock,
    graceMs: GRACE,
    breakGlassUsers,
    log: (entry) => logs.push(entry),
    notify: {
      routes: [{ name: 'all', minSeverity: 'low', classifications: null, kinds: null, notify: ['team'] }],
      publicUrl: 'https://mfaguard.example.test',
    },
  });
}

async function provisionedCases(store: Store): Promise<Case[]> {
  const page = await store.listCases({ limit: 100 });
  return page.items.filter((kase) => kase.kind === PROVISIONED_WITHOUT_MFA_KIND).reverse();
}

/** Ingests records as the service does (so they are stored as in production), at the clock's time. */
async function ingest(store: Store, clock: FakeClock, records: Record<string, unknown>[]): Promise<void> {
  const live = makeService(store, clock);
  const outcome = await live.ingestRecords(records, ORIGIN);
  assert.deepEqual(outcome.rejected, []);
}

function defineSuite(name: string, open: () => Promise<Store>): void {
  describe(`provisioned without MFA (${name})`, () => {
    it('no alert inside the grace; one case after it, once; closed by EnableMFADevice; MTTR by value', async () => {
      const store = await open();
      const clock = fakeClock(at(0));
      await ingest(store, clock, [
        rawRecord({ name: 'CreateUser', at: at(0), target: 'carol' }),
        rawRecord({ name: 'CreateLoginProfile', at: at(0), target: 'carol', id: 'evt-carol-password' }),
        // A user with a device before the password is no exposure.
        rawRecord({ name: 'EnableMFADevice', at: at(0), target: 'dan' }),
        rawRecord({ name: 'CreateLoginProfile', at: at(1), target: 'dan' }),
        // A failed call changes nothing.
        rawRecord({ name: 'CreateLoginProfile', at: at(1), target: 'erin', outcome: 'failure' }),
      ]);
      clock.set(at(23));
      assert.deepEqual(await check(store, clock).check(), { opened: 0, closed: 0 }, 'inside the grace');
      assert.deepEqual(await provisionedCases(store), []);

      clock.set(at(25));
      const logs: LiveLogEntry[] = [];
      // Two workers at once, then a later tick: one case, one alert.
      const results = await Promise.all([check(store, clock, logs).check(), check(store, clock).check()]);
      assert.equal(results[0].opened + results[1].opened, 1);
      assert.deepEqual(await check(store, clock).check(), { opened: 0, closed: 0 });
      const cases = await provisionedCases(store);
      assert.equal(cases.length, 1);
      const kase = cases[0]!;
      assert.deepEqual(
        [kase.userName, kase.account, kase.state, kase.severity, kase.firstEventAt, kase.targetKey],
        ['carol', ACCOUNT, 'open', 'medium', T0_MS, provisionedTargetKey(ACCOUNT, 'carol')],
      );
      const alerts = (await store.listAlerts({ limit: 100 })).items.filter(
        (a) => a.alert.rule.id === PROVISIONED_RULE_ID,
      );
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.alert.event.id, 'evt-carol-password');
      assert.equal(alerts[0]!.caseId, kase.id);
      assert.match(
        alerts[0]!.alert.title,
        /^Console user carol has no MFA device 25 h after its console password/,
      );
      const opened = await store.listCaseNotifications(kase.id, 10);
      assert.deepEqual(
        opened.map((n) => [n.kind, n.channel]),
        [['case-opened', 'team']],
        'one message, however many checks ran',
      );

      // The user enables a device: the ingest hook closes the case at once.
      clock.set(at(30));
      await ingest(store, clock, [rawRecord({ name: 'EnableMFADevice', at: at(29), target: 'carol' })]);
      const events = await store.findEvents({
        fromMs: T0_MS,
        toMs: T0_MS + 31 * HOUR,
        names: ['EnableMFADevice'],
      });
      await check(store, clock).eventsIngested(events);
      const closed = await store.getCase(kase.id);
      assert.deepEqual(
        [closed?.state, closed?.resolution, closed?.resolvedAt],
        ['resolved', 'mfa-enabled', T0_MS + 30 * HOUR],
      );
      assert.ok(
        closed?.audit.some(
          (entry) => entry.actor === 'system' && /an MFA device was enabled/.test(JSON.stringify(entry)),
        ),
      );
      assert.deepEqual(
        await check(store, clock).check(),
        { opened: 0, closed: 0 },
        'closed stays closed, no new case',
      );

      // The KPI: console access without MFA -> MFA enabled, 30 h, in the day bucket the case closed.
      const trends = await loadKpiTrends(store, {
        fromMs: T0_MS - 24 * HOUR,
        toMs: T0_MS + 48 * HOUR,
        bucket: 'day',
      });
      assert.deepEqual(
        trends.provisionedMttr.map((p) => [p.label, p.count, p.avgMs]),
        [
          ['2026-11-01', 0, null],
          ['2026-11-02', 0, null],
          ['2026-11-03', 1, 30 * HOUR],
          ['2026-11-04', 0, null],
        ],
      );
      assert.equal(trends.totals.mttr.count, 0, 'removal MTTR leaves the provisioned case out');
      const snapshot = await store.kpiSnapshot({ fromMs: T0_MS, toMs: T0_MS + 48 * HOUR });
      assert.deepEqual([snapshot.mttr.count, snapshot.mttd.count], [0, 0], 'nor do the older KPIs');
      await store.close();
    });

    it('a break-glass user without MFA is raised as such (high), and no response touches it', async () => {
      const store = await open();
      const clock = fakeClock(at(0));
      await ingest(store, clock, [
        rawRecord({ name: 'CreateLoginProfile', at: at(0), target: 'Emergency' }),
        rawRecord({ name: 'CreateLoginProfile', at: at(0), target: 'kim' }),
      ]);
      clock.set(at(25));
      const breakGlass = new Set(['emergency']);
      assert.deepEqual(await check(store, clock, [], breakGlass).check(), { opened: 2, closed: 0 });
      const byUser = new Map((await provisionedCases(store)).map((kase) => [kase.userName, kase]));
      const emergency = byUser.get('Emergency')!;
      assert.deepEqual(
        [emergency.severity, byUser.get('kim')?.severity],
        ['high', 'medium'],
        'the break-glass credential is the riskiest one without MFA',
      );
      const alertId = (await store.getCase(emergency.id))?.alertIds[0];
      const alert = (await store.getAlert(alertId!))!.alert;
      assert.match(alert.title, /^Break-glass console user Emergency has no MFA device/);
      assert.deepEqual(
        (alert.reasons ?? []).map((reason) => reason.code),
        ['provisioned-without-mfa', 'break-glass-user'],
      );
      assert.match(alert.reasons?.[1]?.message ?? '', /no response action will touch it/);

      // Even classified unauthorized by a person, with a responder that enforces quarantine: refused, no IAM write.
      await store.updateCase(
        emergency.id,
        { classification: 'unauthorized' },
        { actor: 'api:lead', nowMs: clock() },
      );
      const iam = fakeIam();
      try {
        const responder = createResponder({
          store,
          config: enforcing(),
          breakGlassUsers: breakGlass,
          knownAdmins: new Set(),
          iam: () => iam.client,
          clock,
        });
        await responder.caseChanged([emergency.id, byUser.get('kim')!.id]);
        const actions = await store.listResponseActions({});
        assert.deepEqual(
          actions.map((action) => [action.targetName, action.state]),
          [['Emergency', 'refused']],
          'kim (not classified) gets no plan: provisioned cases are not responded to by themselves',
        );
        assert.deepEqual(iam.writes, []);
      } finally {
        iam.mock.restore();
      }
      await store.close();
    });

    it('a deleted user or password closes the case; an audit-found user opens one', async () => {
      const store = await open();
      const clock = fakeClock(at(0));
      await ingest(store, clock, [
        rawRecord({ name: 'CreateLoginProfile', at: at(0), target: 'fay' }),
        rawRecord({ name: 'CreateLoginProfile', at: at(0), target: 'gus' }),
      ]);
      clock.set(at(26));
      assert.deepEqual(await check(store, clock).check(), { opened: 2, closed: 0 });
      clock.set(at(27));
      await ingest(store, clock, [
        rawRecord({ name: 'DeleteLoginProfile', at: at(26.5), target: 'fay' }),
        rawRecord({ name: 'DeleteUser', at: at(26.5), target: 'gus' }),
      ]);
      // The scheduled check closes them as well as the hook would.
      assert.deepEqual(await check(store, clock).check(), { opened: 0, closed: 2 });
      const byUser = new Map((await provisionedCases(store)).map((kase) => [kase.userName, kase]));
      assert.equal(byUser.get('fay')?.resolution, 'console-access-removed');
      assert.equal(byUser.get('gus')?.resolution, 'user-deleted');

      // An audit finds hal with a password set two days ago and no device; ivy has one.
      await store.recordPostureSnapshot(auditSnapshot(T0_MS + 27 * HOUR));
      const found = await check(store, clock).check();
      assert.deepEqual(found, { opened: 1, closed: 0 });
      const hal = (await provisionedCases(store)).find((kase) => kase.userName === 'hal');
      assert.equal(hal?.firstEventAt, Date.parse('2026-10-31T12:00:00Z'));
      const alert = (await store.getCase(hal.id))?.alertIds[0];
      assert.equal((await store.getAlert(alert!))?.alert.event.name, 'PostureAudit');
      // A later audit shows hal's device: closed.
      clock.set(at(40));
      await store.recordPostureSnapshot(auditSnapshot(T0_MS + 40 * HOUR, true));
      assert.deepEqual(await check(store, clock).check(), { opened: 0, closed: 1 });
      assert.equal((await store.getCase(hal.id))?.resolution, 'mfa-enabled');
      await store.close();
    });
  });
}

/** A stored audit of ACCOUNT: hal with a console password and (or not) a device, ivy with both. */
function auditSnapshot(takenAt: number, halHasMfa = false): PostureSnapshotInput {
  const date = (iso: string) => ({ state: 'date', iso, ms: Date.parse(iso) });
  const none = { state: 'N/A' };
  const row = (user: string, mfa: boolean) => ({
    user,
    arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
    isRoot: false,
    line: 2,
    userCreationTime: date('2026-10-01T00:00:00Z'),
    passwordEnabled: true,
    passwordLastUsed: none,
    passwordLastChanged: date('2026-10-31T12:00:00Z'),
    passwordNextRotation: none,
    mfaActive: mfa,
    accessKeys: [],
    certificates: [],
  });
  return {
    accountId: ACCOUNT,
    takenAt,
    source: 'audit',
    consoleUsers: 2,
    consoleUsersWithMfa: halHasMfa ? 2 : 1,
    mfaEnforcedByPolicy: 0,
    cisScore: null,
    state: {
      accountId: ACCOUNT,
      accountName: null,
      source: 'live',
      collectedAt: new Date(takenAt).toISOString(),
      unreachable: null,
      credentialReport: {
        state: 'collected',
        value: {
          generatedAt: null,
          location: 'aws:GetCredentialReport',
          users: [row('hal', halHasMfa), row('ivy', true)],
          root: null,
        },
      },
    },
    findings: [],
    eventFacts: [],
    basedOn: null,
  };
}

const temps: { cleanup(): void }[] = [];
after(() => {
  for (const temp of temps) temp.cleanup();
});
defineSuite('SQLite', () => {
  const temp = tempSqlite();
  temps.push(temp);
  return temp.open();
});

const problem = await postgresProblem();
if (problem !== null) {
  test('provisioned without MFA: postgres', (t) => void missing(t, 'pg', problem));
} else {
  let database: ThrowawayDatabase | null = null;
  let schema = 0;
  before(async () => {
    database = await createThrowawayDatabase('mfaguard_provisioned');
  });
  after(async () => {
    await database?.drop();
  });
  defineSuite('PostgreSQL', () => openStore(database!.url, { schema: `p${++schema}`, poolSize: 4 }));
}
